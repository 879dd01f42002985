// mubi: streaming classification. Stream<M, Hop> takes one multi-channel sample at a time;
// once it holds a full window, and then every Hop samples (default: half a window, as in the
// paper), it classifies the latest window and keeps the scores and label. The window lives
// inside the Stream (no allocation): float samples for a float model, int8 for an int8
// model, which quantizes each sample as it arrives (the window then costs T x C bytes).
// Classifying the same windows one by one with infer() gives identical scores.
//
// A model with a front end (WithFrontEnd) takes raw samples instead: each one runs through
// the front end (FrontEndStream, in float), whose features fill the window as above (an
// int8 model quantizes them). The first window is complete FE::lag + T raw samples after a
// start or reset(); every filter starts from zero state then, as in training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../layers/softmax.hpp"
#include "../model/with_frontend.hpp"
#include "frontend_stream.hpp"
#include "../status.hpp"

namespace mubi {
namespace detail {

// What a Stream over a model with a front end adds: the front end's state and one row of
// features. Empty otherwise (a base class, so it takes no bytes).
template <class M, bool TakesRaw>
struct StreamFrontEnd {
  explicit StreamFrontEnd(const M&) noexcept {}
};
template <class M>
struct StreamFrontEnd<M, true> {
  explicit StreamFrontEnd(const M& model) noexcept : frontend_(model) {}
  FrontEndStream<M> frontend_;
  float features_[M::In::ch] = {};
};

}  // namespace detail

template <class M, std::size_t Hop = M::In::len / 2>
class Stream : detail::StreamFrontEnd<M, !std::is_void_v<detail::FrontEndOf<typename M::arch>>> {
  using FrontEndPart = detail::StreamFrontEnd<M, !std::is_void_v<detail::FrontEndOf<typename M::arch>>>;

 public:
  using frontend = detail::FrontEndOf<typename M::arch>;
  static constexpr bool takes_raw = !std::is_void_v<frontend>;
  static constexpr std::size_t window = M::In::len, window_channels = M::In::ch, classes = M::output_size, hop = Hop;
  // Values per push(): the raw channels for a model with a front end, else the window's.
  static constexpr std::size_t channels = [] {
    if constexpr (takes_raw) return frontend::raw_channels;
    else return window_channels;
  }();
  static_assert(Hop >= 1 && Hop <= window, "mubi::Stream: the hop must be between 1 and the window length");
  using sample_type = std::conditional_t<M::is_int8, std::int8_t, float>;

  // The model must stay alive and ready (loaded or bound) while the stream runs.
  explicit Stream(M& classifier) noexcept : FrontEndPart(classifier), model_(classifier) {}

  // Appends one sample (`channels` values). `classified` becomes true when this sample
  // completed a hop and the window was classified: scores() and label() are then new.
  Status push(const float* sample, bool& classified) noexcept {
    classified = false;
    if (!model_.ready()) return Status::not_ready;
    if constexpr (takes_raw) {
      bool produced = false;
      if (const Status s = this->frontend_.push(sample, this->features_, produced); s != Status::ok || !produced)
        return s;
      sample = this->features_;
    }
    sample_type* slot = window_ + filled_ * window_channels;
    if constexpr (M::is_int8) {
      model_.quantize_sample(sample, slot);
    } else {
      std::memcpy(slot, sample, window_channels * sizeof(float));
    }
    if (++filled_ < window) return Status::ok;
    Status s;
    if constexpr (M::is_int8) {
      s = model_.infer_quantized(window_, scores_);
    } else {
      s = model_.infer(window_, scores_);
    }
    if (s != Status::ok) return s;
    label_ = argmax(scores_, classes);
    ++count_;
    classified = true;
    // Slide by one hop: the oldest Hop samples leave, the next Hop arrive behind the rest.
    std::memmove(window_, window_ + Hop * window_channels, (window - Hop) * window_channels * sizeof(sample_type));
    filled_ = window - Hop;
    return Status::ok;
  }

  // Forgets every sample (e.g. after a gap in the sensor stream); a front end restarts from
  // zero state.
  void reset() noexcept {
    filled_ = 0;
    if constexpr (takes_raw) this->frontend_.reset();
  }

  const float* scores() const noexcept { return scores_; }
  // The window buffer (window x channels of the model's input type, oldest sample first; the
  // rows past the samples held since the last classification are older ones).
  const sample_type* window_data() const noexcept { return window_; }
  std::size_t label() const noexcept { return label_; }
  std::size_t classifications() const noexcept { return count_; }

 private:
  M& model_;
  sample_type window_[window * window_channels] = {};
  float scores_[classes] = {};
  std::size_t filled_ = 0, label_ = 0, count_ = 0;
};

}  // namespace mubi
