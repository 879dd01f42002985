// mubi: load-time checks of int8 quantization parameters (docs/int8.md). The payload may be
// unaligned here, so everything is read byte-wise.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "bytes.hpp"

namespace mubi::q8 {

// The compile-time bound every int8 layer asserts for its dot products: int8 weights times
// int8 inputs over N terms stay below 2^30, leaving the other half of int32 to the bias.
constexpr bool dot_fits(std::size_t n) { return n * 127u * 128u <= (std::size_t{1} << 30); }

MUBI_ALWAYS_INLINE std::int32_t read_i32(const unsigned char* p) noexcept { return static_cast<std::int32_t>(detail::read_u32(p)); }

constexpr bool in_int8(std::int64_t v) { return v >= -128 && v <= 127; }

// A multiplier/shift pair as the exporter writes it, and a row whose worst-case accumulator
// (|bias| + 128 * sum |w|), scaled by the pair's left shift, stays inside int32.
MUBI_ALWAYS_INLINE bool row_ok(const unsigned char* w_row, std::size_t n, std::int32_t bias, std::int32_t m0,
                   std::int32_t shift) noexcept {
  if (m0 < 0 || shift < -31 || shift > 30) return false;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t v = static_cast<std::int8_t>(w_row[i]);
    sum += v < 0 ? -v : v;
  }
  const std::int64_t b = bias;
  const std::int64_t worst = (b < 0 ? -b : b) + 128 * sum;
  return (worst << (shift > 0 ? shift : 0)) < (std::int64_t{1} << 31);
}

}  // namespace mubi::q8
