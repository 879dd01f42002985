// mubi: the integer primitives of the int8 path (docs/int8.md, "Primitives"): saturation,
// TFLite/CMSIS-NN double-rounding requantization by multiplier and shift, and the 256-entry
// table sigmoid/tanh from Q3.12 to Q0.15. python/mubi/int8_ref.py implements the same, bit for bit.
// Learned from TFLite's common.h (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT)
// and CMSIS-NN's arm_nn_activation_s16.c; written from their descriptions.
#pragma once

#include <cstdint>

#include "../config.hpp"

namespace mubi::q8 {

MUBI_ALWAYS_INLINE constexpr std::int32_t sat16(std::int32_t v) noexcept { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }
MUBI_ALWAYS_INLINE constexpr std::int32_t sat8(std::int32_t v) noexcept { return v < -128 ? -128 : v > 127 ? 127 : v; }

// Saturating rounding doubling high multiply: round(a * b / 2^31), halves away from zero.
MUBI_ALWAYS_INLINE constexpr std::int32_t srdhm(std::int32_t a, std::int32_t b) noexcept {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const std::int64_t p = static_cast<std::int64_t>(a) * b;
  const std::int64_t nudge = p >= 0 ? (std::int64_t{1} << 30) : 1 - (std::int64_t{1} << 30);
  return static_cast<std::int32_t>((p + nudge) / (std::int64_t{1} << 31));
}

// Rounding divide by 2^e (0 <= e <= 31), halves away from zero.
MUBI_ALWAYS_INLINE constexpr std::int32_t rdbpot(std::int32_t x, int e) noexcept {
  const std::int32_t mask = static_cast<std::int32_t>((std::uint32_t{1} << e) - 1u);
  const std::int32_t rem = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

// x * M, M = M0 * 2^(shift - 31). The caller guarantees x * 2^max(shift, 0) fits int32
// (checked when a blob is loaded); the left shift is done unsigned so it is defined anyway.
MUBI_ALWAYS_INLINE constexpr std::int32_t requantize(std::int32_t x, std::int32_t m0, std::int32_t shift) noexcept {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const auto scaled = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left);
  return rdbpot(srdhm(scaled, m0), right);
}

// sigmoid(i / 24) in 0.16 fixed point, i = 0..255 (docs/int8.md; tests recompute it).
inline constexpr std::uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35492, 36169, 36843, 37513, 38179, 38841, 39498, 40149, 40793, 41432, 42063, 42687,
    43303, 43911, 44511, 45101, 45682, 46254, 46816, 47369, 47911, 48442, 48964, 49474, 49974, 50463, 50941, 51408,
    51865, 52310, 52744, 53168, 53581, 53982, 54374, 54754, 55124, 55484, 55834, 56173, 56502, 56822, 57132, 57433,
    57724, 58006, 58279, 58544, 58800, 59048, 59287, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60934, 61109,
    61278, 61441, 61598, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63453, 63536, 63615, 63691, 63764, 63835, 63903, 63968, 64030, 64090, 64148, 64203, 64257, 64308,
    64357, 64405, 64450, 64494, 64535, 64576, 64614, 64651, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64925, 64950, 64974, 64997, 65018, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65300, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
};

// Table lookup with linear interpolation: index = a >> frac_bits, in the table's 0.16
// format scaled by 2^frac_bits.
MUBI_ALWAYS_INLINE constexpr std::int32_t table_interpolate(std::int32_t a, int frac_bits) noexcept {
  const std::int32_t i = a >> frac_bits;
  if (i >= 255) return static_cast<std::int32_t>(kSigmoidTable[255]) << frac_bits;
  const std::int32_t f = a & ((1 << frac_bits) - 1);
  const std::int32_t lo = kSigmoidTable[i];
  return (lo << frac_bits) + f * (static_cast<std::int32_t>(kSigmoidTable[i + 1]) - lo);
}

// sigmoid(z) for v = 3z, z in Q3.12; Q0.15 result in [0, 32767].
MUBI_ALWAYS_INLINE constexpr std::int32_t sigmoid_q15(std::int32_t v) noexcept {
  const std::int32_t r = table_interpolate(v < 0 ? -v : v, 9);
  if (v >= 0) {
    const std::int32_t out = (r + (1 << 9)) >> 10;
    return out > 32767 ? 32767 : out;
  }
  return ((1 << 25) - r + (1 << 9) - 1) >> 10;
}

// tanh(z) = 2 sigmoid(2z) - 1 for v = 3z, z in Q3.12; Q0.15 result in [-32767, 32767].
MUBI_ALWAYS_INLINE constexpr std::int32_t tanh_q15(std::int32_t v) noexcept {
  const std::int32_t r = table_interpolate(v < 0 ? -v : v, 8);
  if (v >= 0) {
    const std::int32_t out = (r - (1 << 23) + (1 << 7)) >> 8;
    return out > 32767 ? 32767 : out;
  }
  const std::int32_t out = ((1 << 23) - r + (1 << 7) - 1) >> 8;
  return out < -32767 ? -32767 : out;
}

// Round half away from zero, as the exporter and the input quantizer use.
MUBI_ALWAYS_INLINE constexpr std::int32_t round_half_away_div(std::int32_t sum, std::int32_t n) noexcept {
  return sum >= 0 ? (sum + n / 2) / n : -((-sum + n / 2) / n);
}

}  // namespace mubi::q8
