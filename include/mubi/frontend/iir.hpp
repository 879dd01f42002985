// mubi front end: Iir<S, First, Count> and IirResidual<S, First, Count>, a causal IIR filter
// of S second-order sections (scipy's sosfilt: direct form II transposed, zero state at
// reset) on channels [First, First + Count); the residual form outputs x - IIR(x) (a
// high-pass, or body = total - gravity). Sections are float64 in the blob (role fe_sos:
// b0 b1 b2 a0 a1 a2 each, a0 = 1) and run in float-float arithmetic (core/float_float.hpp):
// plain float32 misses 1e-4 on a 0.1 Hz high-pass at 50 Hz (docs/frontend.md, precision).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/descriptor.hpp"
#include "../core/float_float.hpp"
#include "../status.hpp"

namespace mubi {

template <std::size_t C, std::size_t S, std::size_t First, std::size_t Count, bool Residual>
struct IirStage {
  static_assert(S >= 1 && S <= 0xFFFF, "mubi::Iir: at least one second-order section");
  static_assert(Count >= 1 && First + Count <= C, "mubi::Iir: the channels lie outside the bank");
  static constexpr std::size_t in_ch = C, out_ch = C, lag = 0;
  static constexpr LayerRecord record{Residual ? LayerKind::fe_iir_residual : LayerKind::fe_iir,
                                      static_cast<std::uint16_t>(S), static_cast<std::uint16_t>(First),
                                      static_cast<std::uint16_t>(Count), 1, C};
  static constexpr std::array<TensorSpec, 1> tensors{{{TensorRole::fe_sos, 6 * S, DType::f64}}};

  struct State {
    ff::Pair coef[S][5];         // b0 b1 b2 -a1 -a2 as float pairs, prepared from the blob
    ff::Pair z[S][Count][2];     // each section's two delays, per channel
  };

  static double coefficient(const unsigned char* w, std::size_t i) noexcept {
    double d;
    std::memcpy(&d, w + i * sizeof(double), sizeof d);
    return d;
  }

  // Finite coefficients (bit test), a0 = 1, and both poles strictly inside the unit circle:
  // z^2 + a1 z + a2 is stable iff |a2| < 1 and |a1| < 1 + a2 (the stability triangle).
  static Status check(const unsigned char* w) noexcept {
    for (std::size_t i = 0; i < 6 * S; ++i) {
      std::uint64_t bits;
      std::memcpy(&bits, w + i * sizeof(double), sizeof bits);
      if ((bits & 0x7FF0000000000000ull) == 0x7FF0000000000000ull) return Status::non_finite_coefficient;
    }
    for (std::size_t k = 0; k < S; ++k) {
      const double a0 = coefficient(w, 6 * k + 3), a1 = coefficient(w, 6 * k + 4), a2 = coefficient(w, 6 * k + 5);
      const double abs_a1 = a1 < 0 ? -a1 : a1, abs_a2 = a2 < 0 ? -a2 : a2;
      if (!(a0 == 1.0 && abs_a2 < 1.0 && abs_a1 < 1.0 + a2)) return Status::unstable_filter;
    }
    return Status::ok;
  }

  static void prepare(const unsigned char* w, State& s) noexcept {
    for (std::size_t k = 0; k < S; ++k) {
      for (std::size_t i = 0; i < 3; ++i) s.coef[k][i] = ff::split(coefficient(w, 6 * k + i));
      s.coef[k][3] = ff::split(-coefficient(w, 6 * k + 4));
      s.coef[k][4] = ff::split(-coefficient(w, 6 * k + 5));
    }
  }
  static void reset(State& s) noexcept {
    for (auto& section : s.z)
      for (auto& channel : section) channel[0] = channel[1] = ff::Pair{0.0f, 0.0f};
  }

  static bool run(const unsigned char*, State& s, float* bank) noexcept {
    for (std::size_t c = 0; c < Count; ++c) {
      const float x = bank[First + c];
      ff::Pair v{x, 0.0f};
      for (std::size_t k = 0; k < S; ++k) {
        const ff::Pair* b = s.coef[k];
        ff::Pair* z = s.z[k][c];
        const ff::Pair y = ff::add(ff::mul(v, b[0]), z[0]);
        z[0] = ff::add(ff::add(ff::mul(v, b[1]), ff::mul(y, b[3])), z[1]);
        z[1] = ff::add(ff::mul(v, b[2]), ff::mul(y, b[4]));
        v = y;
      }
      bank[First + c] = Residual ? (x - v.hi) - v.lo : v.hi + v.lo;
    }
    return true;
  }
};

template <std::size_t S, std::size_t First, std::size_t Count>
struct Iir {
  template <std::size_t C>
  using stage = IirStage<C, S, First, Count, false>;
};
template <std::size_t S, std::size_t First, std::size_t Count>
struct IirResidual {
  template <std::size_t C>
  using stage = IirStage<C, S, First, Count, true>;
};

}  // namespace mubi
