// mubi front end: Median<L>, the median of the last L samples of every channel (L odd),
// centred as scipy.signal.medfilt: the output for sample k needs samples up to k + (L-1)/2,
// so the stage lags (L-1)/2 samples and is silent while it fills. Before the first sample
// the history is zero (medfilt's zero edge).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/descriptor.hpp"
#include "../status.hpp"

namespace mubi {

template <std::size_t C, std::size_t L>
struct MedianStage {
  static_assert(L % 2 == 1, "mubi::Median: the length must be odd (a centred median)");
  static constexpr std::size_t in_ch = C, out_ch = C, lag = (L - 1) / 2;
  static constexpr LayerRecord record{LayerKind::fe_median, static_cast<std::uint16_t>(L), 0, 0, 1, C};
  static constexpr std::array<TensorSpec, 0> tensors{};

  struct State {
    float history[L][C];  // ring of the last L samples
    std::uint32_t next;   // where the next sample goes
    std::uint32_t seen;   // samples since reset, saturating at L
  };

  static Status check(const unsigned char*) noexcept { return Status::ok; }
  static void prepare(const unsigned char*, State&) noexcept {}
  static void reset(State& s) noexcept { std::memset(&s, 0, sizeof s); }  // no temporary on the stack

  // bank[0..C) in, out in place; false while the first `lag` samples fill the window.
  static bool run(const unsigned char*, State& s, float* bank) noexcept {
    for (std::size_t c = 0; c < C; ++c) s.history[s.next][c] = bank[c];
    s.next = s.next + 1 == L ? 0 : s.next + 1;
    if (s.seen < L) ++s.seen;
    if (s.seen <= lag) return false;
    for (std::size_t c = 0; c < C; ++c) {
      float v[L];
      for (std::size_t i = 0; i < L; ++i) {  // insertion sort: L is small (3 for UCI-HAR)
        const float x = s.history[i][c];
        std::size_t j = i;
        for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
        v[j] = x;
      }
      bank[c] = v[lag];
    }
    return true;
  }
};

template <std::size_t L>
struct Median {
  template <std::size_t C>
  using stage = MedianStage<C, L>;
};

}  // namespace mubi
