// mubi: FrontEndStream<M>, the front end of a model with one (WithFrontEnd) run sample by
// sample: raw samples in, the network's input channels out. It owns the front end's state
// (FE::state_bytes: histories, filter delays, the IIR coefficients prepared as float
// pairs) and reads the coefficients from the model, which must stay loaded or bound.
//
// Start-up: every filter starts from zero state, after construction and after reset(),
// exactly as the training recordings were filtered (docs/frontend.md, semantics), so the
// features equal python/mubi/frontend.py's batch form from a recording's first sample. The first
// FE::lag pushes produce nothing (centred medians); push k then gives the features of raw
// sample k - lag.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../model/with_frontend.hpp"
#include "../status.hpp"

namespace mubi {

template <class M>
class FrontEndStream {
 public:
  using frontend = detail::FrontEndOf<typename M::arch>;
  static_assert(!std::is_void_v<frontend>, "mubi::FrontEndStream: the model type has no front end (WithFrontEnd)");
  static constexpr std::size_t raw_channels = frontend::raw_channels, channels = frontend::channels;
  static constexpr std::size_t lag = frontend::lag, state_bytes = frontend::state_bytes;

  explicit FrontEndStream(const M& model) noexcept : model_(model) { frontend::reset(state_); }

  // One raw sample (raw_channels values) in. `produced` is true when `features` (channels
  // values) received the features of the sample `lag` pushes back.
  Status push(const float* raw, float* features, bool& produced) noexcept {
    produced = false;
    if (!model_.ready()) return Status::not_ready;
    const unsigned char* w = M::arch::frontend_weights(model_.weights());
    if (w != prepared_for_) {  // first push, or the model was bound to other weights
      frontend::prepare(w, state_);
      prepared_for_ = w;
    }
    produced = frontend::push(w, state_, raw, features);
    return Status::ok;
  }

  // Zero state, as at the start of a recording (e.g. after a gap in the sensor stream). The
  // coefficients are prepared again at the next push (call it after load() of new weights).
  void reset() noexcept {
    frontend::reset(state_);
    prepared_for_ = nullptr;
  }

 private:
  const M& model_;
  typename frontend::State state_{};
  const unsigned char* prepared_for_ = nullptr;
};

}  // namespace mubi
