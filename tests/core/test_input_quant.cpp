// The int8 input quantizer's single-precision arithmetic (core/input_quant.hpp): the exact
// float32 fused multiply-add without FMA hardware against std::fma, and the rounding to int8.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include <mubi/backend/scalar.hpp>
#include <mubi/core/input_quant.hpp>

#include "backends.hpp"

namespace {

std::uint32_t bits(float v) {
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

float from_bits(std::uint32_t u) {
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}

}  // namespace

TEST_CASE("input quantization: the emulated float32 fma equals std::fma, double-rounding cases included") {
  using mubi::detail::fma_f32_emulated;
  // x a = 1 + 2^-11 + 2^-24 exactly: halfway between two floats. With b = +-2^-80 the exact sum
  // is just above or below that midpoint, but round64 lands on it: rounding s to float32 as is
  // (ties to even) is wrong for +2^-80; the two-sum error must decide.
  const float x = 1.0f + std::ldexp(1.0f, -12);
  const float up = std::ldexp(1.0f, -80), below = 1.0f + std::ldexp(1.0f, -11);
  const float above = std::nextafter(below, 2.0f);
  CHECK(static_cast<float>(static_cast<double>(x) * x + up) == below);  // the naive answer
  CHECK(std::fma(x, x, up) == above);
  CHECK(fma_f32_emulated(x, x, up) == above);
  CHECK(fma_f32_emulated(x, x, -up) == below);
  CHECK(fma_f32_emulated(x, x, 0.0f) == below);  // an exact tie: to even
  CHECK(fma_f32_emulated(-x, x, -up) == -above);

  // Random triples over many binades, and near-midpoint constructions like the one above.
  std::mt19937 rng(20261203);
  std::uniform_int_distribution<std::uint32_t> any_bits;
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-30, 30), small(-100, -40);
  int mismatches = 0, midpoints = 0;
  for (int i = 0; i < 400000; ++i) {
    float a, b, c;
    if (i % 4 == 0) {  // raw bit patterns (NaN, infinities and subnormals included)
      a = from_bits(any_bits(rng));
      b = from_bits(any_bits(rng));
      c = from_bits(any_bits(rng));
    } else if (i % 4 == 1) {
      a = std::ldexp(unit(rng), exponent(rng));
      b = std::ldexp(unit(rng), exponent(rng));
      c = std::ldexp(unit(rng), exponent(rng));
    } else {  // a b near a midpoint, c tiny: the double-rounding cases
      const float u = 1.0f + std::ldexp(static_cast<float>(any_bits(rng) % 4096), -12);
      a = u;
      b = u * (i % 2 ? 1.0f : -1.0f);
      c = std::ldexp(unit(rng), small(rng));
      const double p = static_cast<double>(a) * b + c;
      const float r = static_cast<float>(p);
      midpoints += (static_cast<double>(r) + std::nextafter(r, p > r ? 4.0f : -4.0f)) * 0.5 == p;
    }
    const float want = std::fma(a, b, c), got = fma_f32_emulated(a, b, c);
    const bool same = bits(want) == bits(got) || (want != want && got != got);
    mismatches += !same;
    if (!same && mismatches < 5) FAIL_CHECK(a << " * " << b << " + " << c << ": " << got << " != " << want);
  }
  CHECK(mismatches == 0);
  CHECK(midpoints > 1000);  // the constructions really reach the hard case
}

TEST_CASE("input quantization: saturation, rounding half away from zero, NaN to the zero point") {
  using mubi::detail::round_to_s8;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const struct {
    float v;
    int q;
  } cases[] = {{0.5f, 1},       {-0.5f, -1},     {1.5f, 2},     {2.5f, 3},          {-2.5f, -3},
               {0.49999997f, 0}, {-0.49999997f, 0}, {126.5f, 127}, {126.49999f, 126}, {-127.5f, -128},
               {127.0f, 127},   {-128.0f, -128}, {1e9f, 127},  {-1e9f, -128},      {inf, 127},
               {-inf, -128},    {-0.0f, 0},      {3.0f, 3},    {-3.7f, -4}};
  for (const auto& c : cases) CHECK_MESSAGE(round_to_s8(c.v, 5) == c.q, c.v);
  // Against the definition evaluated in float64 (exact for a float's value), over every 61st
  // float bit pattern and every float within 64 ulps of each half-integer in [-130, 130].
  const auto definition = [](float v) {
    const double d = v, r = d >= 0 ? std::floor(d + 0.5) : std::ceil(d - 0.5);
    return static_cast<int>(d <= -128 ? -128 : d >= 127 ? 127 : r);
  };
  int wrong = 0;
  for (std::uint64_t u = 0; u <= 0xffffffffu; u += 61) {
    const float v = from_bits(static_cast<std::uint32_t>(u));
    if (v == v) wrong += round_to_s8(v, 0) != definition(v);
  }
  for (int h = -261; h <= 261; h += 2) {
    float v = static_cast<float>(h) / 2;
    for (int i = 0; i < 64; ++i) v = std::nextafter(v, -1000.0f);
    for (int i = 0; i < 129; ++i, v = std::nextafter(v, 1000.0f)) wrong += round_to_s8(v, 0) != definition(v);
  }
  CHECK(wrong == 0);
  CHECK(round_to_s8(nan, 5) == 5);
  CHECK(mubi::detail::quantize_value_s8(nan, 1.0f, 0.0f, -7) == -7);
  CHECK(mubi::detail::quantize_value_s8(inf, 0.0f, 3.0f, -7) == -7);  // inf * 0: NaN, as a NaN sample
}

TEST_CASE("input quantization: every backend's quantize_s8 equals the scalar definition") {
  constexpr std::size_t C = 9;
  float a[C], b[C];
  for (std::size_t c = 0; c < C; ++c) {
    a[c] = 3.1f + 0.37f * static_cast<float>(c);
    b[c] = -5.0f + 1.5f * static_cast<float>(c);
  }
  const auto check_backend = [&](auto tag) {
    using B = typename decltype(tag)::type;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> wide(-40.0f, 40.0f);
    int differences = 0;
    for (int i = 0; i < 20000; ++i) {
      float x[C];
      for (auto& v : x) v = wide(rng);
      if (i % 7 == 0) x[i % C] = std::numeric_limits<float>::quiet_NaN();
      if (i % 11 == 0) x[(i + 3) % C] = (0.5f - b[(i + 3) % C]) / a[(i + 3) % C];  // near a half
      std::int8_t got[C], want[C];
      B::template quantize_s8<C>(x, a, b, 3, got);
      for (std::size_t c = 0; c < C; ++c) want[c] = mubi::detail::quantize_value_s8(x[c], a[c], b[c], 3);
      differences += std::memcmp(got, want, C) != 0;
    }
    CHECK_MESSAGE(differences == 0, B::name);
  };
  check_backend(test::BackendTag<mubi::backend::Scalar>{});
  test::for_each_simd_backend(check_backend);
}
