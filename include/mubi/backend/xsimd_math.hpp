// mubi: vectorised exp, sigmoid and tanh on xsimd batches, for the xsimd backend.
//
// exp: Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for
// e^r (Estrin's scheme), and 2^n built in the exponent bits. The input is clamped to [-87.3, 88.37] so that
// 2^n stays a normal float: results below 2^-126 come out as ~1.2e-38 instead of a
// denormal or zero, results above 2.4e38 (e^88.37) as 2.4e38, never infinity.
// sigmoid(x) = 1 / (1 + exp(-x)); tanh(x) = 1 - 2 / (1 + exp(2x)).
// Measured against the standard library (in double) over the whole float range
// (tests/core/test_fast_math.cpp, which enforces the bounds in brackets): sigmoid 9.8e-8
// absolute [1.5e-7], tanh 2.1e-7 absolute [2.5e-7], exp 2.5e-7 relative (about 2 ulp)
// [3e-7]. NaN in gives an unspecified value out (see the NaN policy in docs/).
#pragma once

#include <cstdint>

#include <xsimd/xsimd.hpp>

namespace mubi::fast {

template <class A>
inline xsimd::batch<float, A> exp(xsimd::batch<float, A> x) noexcept {
  using V = xsimd::batch<float, A>;
  using VI = xsimd::batch<std::int32_t, A>;
  x = xsimd::max(xsimd::min(x, V(88.3762f)), V(-87.3365f));  // n stays in [-126, 127]
  // Round to nearest by adding and subtracting 1.5 * 2^23 (exact for |x log2 e| < 2^22):
  // SSE2 has no rounding instruction, and xsimd::nearbyint emulates one slowly there. The
  // sum's low mantissa bits are n itself, so 2^n comes from integer operations on them.
  const V shifter(12582912.0f);
  const V t = xsimd::fma(x, V(1.44269504088896341f), shifter);
  const V n = t - shifter;
  // ln2 split in two so that n * ln2_hi is exact for |n| < 2^9.
  V r = xsimd::fma(n, V(-0.693359375f), x);
  r = xsimd::fma(n, V(2.12194440e-4f), r);
  // The degree-6 Taylor polynomial in Estrin's form: three dependent FMAs instead of six,
  // since the LSTM cell waits on this latency at every step.
  const V r2 = r * r;
  const V lo = xsimd::fma(r2, xsimd::fma(r, V(1.0f / 6.0f), V(0.5f)), r + V(1.0f));
  const V hi = xsimd::fma(r2, V(1.0f / 720.0f), xsimd::fma(r, V(1.0f / 120.0f), V(1.0f / 24.0f)));
  const V p = xsimd::fma(r2 * r2, hi, lo);
  // bits(t) = bits(shifter) + n, so (bits(t) - bits(shifter) + 127) << 23 is 2^n.
  const VI bits = (xsimd::bitwise_cast<VI>(t) - VI(0x4B400000 - 127)) << 23;
  return p * xsimd::bitwise_cast<V>(bits);
}

template <class A>
inline xsimd::batch<float, A> sigmoid(xsimd::batch<float, A> x) noexcept {
  using V = xsimd::batch<float, A>;
  return V(1.0f) / (V(1.0f) + exp(-x));
}

template <class A>
inline xsimd::batch<float, A> tanh(xsimd::batch<float, A> x) noexcept {
  using V = xsimd::batch<float, A>;
  return V(1.0f) - V(2.0f) / (V(1.0f) + exp(x + x));
}

}  // namespace mubi::fast
