// mubi: FrontEnd<RawInput<R>, stages...>, the preprocessing that turns raw sensor samples
// into a model's input channels, run one sample at a time (docs/frontend.md). Stages act in
// order on a bank of channels, starting with the R raw ones:
//   Median<L>                         every channel: centred median of L samples (L odd)
//   Fir<N, First, Count>              channels [First, First+Count): causal FIR, N taps
//   Iir<S, First, Count>              ... causal IIR, S second-order sections
//   IirResidual<S, First, Count>      ... x - IIR(x)
//   Select<M>                         a new bank of M channels picked from the old one
// Like Sequential, everything is computed at compile time from the stage list: the blob's
// records and tensors, the weight bytes, the lag and the state bytes. The coefficients are
// data (the model's blob); the state (histories, delays, prepared coefficients) lives in a
// FrontEnd::State the caller owns. Nothing allocates.
//
// The kernels are scalar and have no backend seam on purpose: a front end must compute the
// same bits on the host and on the microcontroller (the firmware's int8 scores are checked
// against the host's), and its cost per sample is small next to a window's inference.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

#include "../core/descriptor.hpp"
#include "../model/sequential.hpp"
#include "../status.hpp"
#include "fir.hpp"
#include "iir.hpp"
#include "median.hpp"
#include "select.hpp"

namespace mubi {

// The raw sample: R channels (for UCI-HAR: acc x y z in g, gyro x y z in rad/s).
template <std::size_t R>
struct RawInput {
  static_assert(R >= 1, "mubi::RawInput: at least one raw channel");
  static constexpr std::size_t channels = R;
};

namespace detail {

// Instantiates each stage spec with the channel count of the bank before it.
template <std::size_t C, class... Specs>
struct StageChain {
  using type = TypeList<>;
};
template <std::size_t C, class S, class... Rest>
struct StageChain<C, S, Rest...> {
  using St = typename S::template stage<C>;
  using type = typename Prepend<St, typename StageChain<St::out_ch, Rest...>::type>::type;
};

template <class RawInputT, class Stages>
struct FrontEndImpl;

template <class RawInputT, class... Ss>
struct FrontEndImpl<RawInputT, TypeList<Ss...>> {
  static_assert(sizeof...(Ss) > 0, "mubi::FrontEnd: a front end needs at least one stage");
  using stage_list = TypeList<Ss...>;
  template <std::size_t I>
  using stage = typename At<I, stage_list>::type;
  static constexpr std::size_t stage_count = sizeof...(Ss);
  static constexpr std::size_t raw_channels = RawInputT::channels;
  static constexpr std::size_t channels = stage<stage_count - 1>::out_ch;  // the model's input channels
  static constexpr std::size_t bank_channels = max_of({raw_channels, Ss::out_ch...});
  // Samples between a raw sample going in and its features coming out (centred medians).
  static constexpr std::size_t lag = (Ss::lag + ...);

  static constexpr std::size_t record_count = 1 + stage_count;
  static constexpr std::array<LayerRecord, record_count> records{
      LayerRecord{LayerKind::raw_input, 0, 0, 0, 1, static_cast<std::uint32_t>(raw_channels)}, Ss::record...};

  // Weights: each stage's tensors packed and 16-byte aligned, stages back to back (bytes).
  static constexpr std::array<std::size_t, stage_count + 1> stage_offset = block_offsets<Ss...>();
  static constexpr std::size_t weight_bytes = stage_offset[stage_count];
  static constexpr std::size_t tensor_count = (Ss::tensors.size() + ...);
  static constexpr std::array<TensorDesc, tensor_count> tensor_table = tensor_table_of<Ss...>(
      [] {
        std::array<std::size_t, stage_count> first{};  // stage i is record 1 + i (after RawInput)
        for (std::size_t i = 0; i < stage_count; ++i) first[i] = 1 + i;
        return first;
      }(),
      stage_offset);
  // Coefficients stored (for the parameter count of a model with this front end).
  static constexpr std::size_t params = [] {
    std::size_t p = 0;
    for (const TensorDesc& d : tensor_table) p += d.count;
    return p;
  }();

  // Histories, filter delays and the IIR coefficients as float pairs: what a device keeps
  // per stream, in RAM.
  struct State {
    std::tuple<typename Ss::State...> stages;
  };
  static constexpr std::size_t state_bytes = sizeof(State);

  // Validation of the front end's coefficients (`w` may be unaligned): non_finite_coefficient,
  // unstable_filter, channel_out_of_range.
  static Status check(const unsigned char* w) noexcept {
    return check_stages(w, std::make_index_sequence<stage_count>{});
  }
  // Derives the state's coefficients from the weights (`w` 16-byte aligned, checked).
  static void prepare(const unsigned char* w, State& s) noexcept {
    prepare_stages(w, s, std::make_index_sequence<stage_count>{});
  }
  // Zero state: every history and delay as before a recording's first sample.
  static void reset(State& s) noexcept { reset_stages(s, std::make_index_sequence<stage_count>{}); }

  // One raw sample (raw_channels values) in; writes `channels` features to `out` and
  // returns true, or returns false while the medians fill (the first `lag` samples).
  static bool push(const unsigned char* w, State& s, const float* raw, float* out) noexcept {
    float bank[bank_channels];
    std::memcpy(bank, raw, raw_channels * sizeof(float));
    if (!run_stages(w, s, bank, std::make_index_sequence<stage_count>{})) return false;
    std::memcpy(out, bank, channels * sizeof(float));
    return true;
  }

 private:
  template <std::size_t... I>
  static Status check_stages(const unsigned char* w, std::index_sequence<I...>) noexcept {
    Status s = Status::ok;
    ((s = s == Status::ok ? stage<I>::check(w + stage_offset[I]) : s), ...);
    return s;
  }
  template <std::size_t... I>
  static void prepare_stages(const unsigned char* w, State& s, std::index_sequence<I...>) noexcept {
    (stage<I>::prepare(w + stage_offset[I], std::get<I>(s.stages)), ...);
  }
  template <std::size_t... I>
  static void reset_stages(State& s, std::index_sequence<I...>) noexcept {
    (stage<I>::reset(std::get<I>(s.stages)), ...);
  }
  template <std::size_t... I>
  static bool run_stages(const unsigned char* w, State& s, float* bank, std::index_sequence<I...>) noexcept {
    return (stage<I>::run(w + stage_offset[I], std::get<I>(s.stages), bank) && ...);  // stops at a filling median
  }
};

}  // namespace detail

template <class RawInputT, class... Specs>
struct FrontEnd : detail::FrontEndImpl<RawInputT, typename detail::StageChain<RawInputT::channels, Specs...>::type> {};

namespace frontends {

// UCI-HAR (docs/frontend.md): raw acc x y z (g) and gyro x y z (rad/s) at 50 Hz -> body_acc,
// body_gyro, total_acc (x y z each): 3-sample median, the fitted 102-tap noise FIR on all
// six, acc copied, body_acc = acc - 3rd-order 0.3 Hz low-pass (2 sections), body_gyro =
// gyro - 2nd-order 0.1 Hz low-pass (1 section).
using UciHar = FrontEnd<RawInput<6>, Median<3>, Fir<102, 0, 6>, Select<9>, IirResidual<2, 0, 3>, IirResidual<1, 3, 3>>;
// Daphnet: 9 accelerometer channels (mg, 64 Hz), 4th-order 12 Hz Butterworth low-pass.
using Daphnet = FrontEnd<RawInput<9>, Iir<2, 0, 9>>;

}  // namespace frontends
}  // namespace mubi
