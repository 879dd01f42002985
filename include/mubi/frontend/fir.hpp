// mubi front end: Fir<N, First, Count>, a causal FIR filter y[n] = sum_j h[j] x[n-j] with
// the same N taps on channels [First, First + Count), zero history at reset (lfilter's zero
// initial state). Taps are float32 in the blob (role fe_fir_taps); each output sums its
// products in order j = 0..N-1 with fused multiply-adds, so every target computes the
// same bits.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/descriptor.hpp"
#include "../status.hpp"

namespace mubi {

template <std::size_t C, std::size_t N, std::size_t First, std::size_t Count>
struct FirStage {
  static_assert(N >= 1 && N <= 0xFFFF, "mubi::Fir: between 1 and 65535 taps");
  static_assert(Count >= 1 && First + Count <= C, "mubi::Fir: the channels lie outside the bank");
  static constexpr std::size_t in_ch = C, out_ch = C, lag = 0;
  static constexpr LayerRecord record{LayerKind::fe_fir, static_cast<std::uint16_t>(N),
                                      static_cast<std::uint16_t>(First), static_cast<std::uint16_t>(Count), 1, C};
  static constexpr std::array<TensorSpec, 1> tensors{{{TensorRole::fe_fir_taps, N}}};

  struct State {
    float history[N][Count];  // ring of the last N inputs
    std::uint32_t newest;     // the row of the latest input
  };

  // Taps finite (bit test: immune to -ffast-math); `w` may be unaligned (load() checks the
  // caller's blob before copying it).
  static Status check(const unsigned char* w) noexcept {
    for (std::size_t j = 0; j < N; ++j) {
      std::uint32_t bits;
      std::memcpy(&bits, w + j * sizeof(float), sizeof bits);
      if ((bits & 0x7F800000u) == 0x7F800000u) return Status::non_finite_coefficient;
    }
    return Status::ok;
  }
  static void prepare(const unsigned char*, State&) noexcept {}
  static void reset(State& s) noexcept { std::memset(&s, 0, sizeof s); }  // no temporary on the stack

  static bool run(const unsigned char* w, State& s, float* bank) noexcept {
    const float* h = reinterpret_cast<const float*>(w);
    s.newest = s.newest + 1 == N ? 0 : s.newest + 1;
    for (std::size_t c = 0; c < Count; ++c) s.history[s.newest][c] = bank[First + c];
    float acc[Count] = {};
    std::size_t j = 0;
    for (std::size_t i = s.newest + 1; i-- > 0; ++j)  // x[n - j] for j = 0..newest
      for (std::size_t c = 0; c < Count; ++c) acc[c] = std::fma(h[j], s.history[i][c], acc[c]);
    for (std::size_t i = N; i-- > s.newest + 1; ++j)  // then the older rows, wrapping
      for (std::size_t c = 0; c < Count; ++c) acc[c] = std::fma(h[j], s.history[i][c], acc[c]);
    for (std::size_t c = 0; c < Count; ++c) bank[First + c] = acc[c];
    return true;
  }
};

template <std::size_t N, std::size_t First, std::size_t Count>
struct Fir {
  template <std::size_t C>
  using stage = FirStage<C, N, First, Count>;
};

}  // namespace mubi
