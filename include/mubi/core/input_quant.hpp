// mubi: the int8 input quantizer's arithmetic, one raw value at a time (docs/int8.md,
// "Normalize -> input quantization"): v = fma(x, a, b) in float32 (one rounding), NaN -> zero
// point, saturated to [-128, 127], rounded half away from zero. Single precision only, so a
// Cortex-M4F runs it on its FPU (VFMA) with no software double routines.
#pragma once

#include <cmath>
#include <cstdint>

#include "../config.hpp"

namespace mubi {
namespace detail {

// fma(x, a, b) rounded once to float32, exactly, also where the CPU has no fused multiply-add:
// in float64 the product x a is exact (24 + 24 bits), s = round64(x a + b) and the two-sum
// error e (x a + b = s + e exactly). round32(s) is round32(x a + b) unless s is exactly halfway
// between two floats while e != 0 (a float32 midpoint has 25 bits, so it is a float64: if one
// lay strictly between x a + b and s, it would be nearer than s); then e's sign picks the
// neighbour. python/mubi/int8_ref.py computes it the same way; tests/core/test_input_quant.cpp
// holds this against std::fma.
MUBI_ALWAYS_INLINE float fma_f32_emulated(float x, float a, float b) noexcept {
  const double p = static_cast<double>(x) * static_cast<double>(a), bd = b;
  const double s = p + bd;
  const double bb = s - p, e = (p - (s - bb)) + (bd - bb);
  float r = static_cast<float>(s);
  const double rd = r;
  if (e != 0 && s != rd && std::isfinite(s)) {
    const float other = std::nextafter(r, s > rd ? HUGE_VALF : -HUGE_VALF);
    if ((rd + static_cast<double>(other)) * 0.5 == s) r = ((e > 0) == (other > r)) ? other : r;
  }
  return r;
}

MUBI_ALWAYS_INLINE float fma_f32(float x, float a, float b) noexcept {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA) || defined(__aarch64__)
  return std::fma(x, a, b);  // one instruction (x86 FMA3, Arm VFMA)
#else
  return fma_f32_emulated(x, a, b);  // e.g. the x86-64 baseline: std::fma would be a libm call
#endif
}

// v (float32) -> int8: saturated, rounded half away from zero; a NaN v (a NaN sample) -> zp.
// Inside (-128, 127), k = trunc(2v) is exact (2v is a float, |2v| < 256), and
// round_half_away(v) = (k + sign(k)) / 2 with C's truncating division (sign(0) taken as +1):
// for v >= 0 it is floor(v + 1/2) = floor((floor(2v) + 1) / 2), for v < 0 its mirror. One
// conversion and a few integer steps, no comparison of the fraction (the Cortex-M4F's cost).
MUBI_ALWAYS_INLINE std::int8_t round_to_s8(float v, std::int8_t zp) noexcept {
  if (v != v) return zp;
  if (v <= -128.0f) return -128;
  if (v >= 127.0f) return 127;
  const std::int32_t k = static_cast<std::int32_t>(v * 2.0f);
  return static_cast<std::int8_t>((k + ((k >> 31) | 1)) / 2);
}

MUBI_ALWAYS_INLINE std::int8_t quantize_value_s8(float x, float a, float b, std::int8_t zp) noexcept {
  return round_to_s8(fma_f32(x, a, b), zp);
}

}  // namespace detail
}  // namespace mubi
