// mubi: float-float arithmetic: a value as an unevaluated sum hi + lo of two floats, about
// 48 significant bits from float32 operations alone (Dekker 1971, Knuth TAOCP 4.2.2). The
// front end's IIR sections need it: their poles sit so close to z = 1 that float32 rounding
// inside the recursion is amplified past 1e-4 (docs/frontend.md, precision).
//
// Every product is an explicit fused multiply-add and no expression mixes a plain product
// with a sum, so compilers cannot contract anything: the same bits on every target (x86-64
// without FMA calls libm's correctly rounded fmaf; a Cortex-M4F has VFMA). Needs IEEE
// float semantics: not valid under -ffast-math (reassociation cancels the error terms).
#pragma once

#include <cmath>

#include "../config.hpp"

#if defined(__FAST_MATH__)
#error "mubi/core/float_float.hpp: float-float arithmetic needs IEEE semantics; build without -ffast-math"
#endif

namespace mubi::ff {

struct Pair {
  float hi, lo;
};

// a + b exactly, as s + e (Knuth's two-sum: no condition on the magnitudes).
MUBI_ALWAYS_INLINE Pair two_sum(float a, float b) noexcept {
  const float s = a + b;
  const float bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

// a * b exactly, as p + e (the error of the rounded product is one fused multiply-add).
MUBI_ALWAYS_INLINE Pair two_prod(float a, float b) noexcept {
  const float p = a * b;
  return {p, std::fma(a, b, -p)};
}

MUBI_ALWAYS_INLINE Pair add(Pair a, Pair b) noexcept {
  const Pair s = two_sum(a.hi, b.hi);
  return two_sum(s.hi, (s.lo + a.lo) + b.lo);
}

MUBI_ALWAYS_INLINE Pair mul(Pair a, Pair b) noexcept {
  const Pair p = two_prod(a.hi, b.hi);
  return two_sum(p.hi, std::fma(a.hi, b.lo, std::fma(a.lo, b.hi, p.lo)));
}

// The float pair nearest a double (hi: the double rounded to float; lo: the rest, rounded).
MUBI_ALWAYS_INLINE Pair split(double d) noexcept {
  const float hi = static_cast<float>(d);
  return {hi, static_cast<float>(d - static_cast<double>(hi))};
}

}  // namespace mubi::ff
