// mubi: the int8 layers' quantization parameters as named views over their blob tensors
// (docs/int8.md). Each view defines its tensor's layout once (the `*_at` offsets, in
// elements) and reads it byte-wise, so it works on an unaligned blob being validated and on
// a loaded or bound model; the array accessors, for the kernels, need the tensor aligned
// (it is, in a model's weights). validate() holds the load-time checks of one tensor.
// python/mubi/quant_params.py mirrors these layouts as dataclasses; python/tests/test_quant_params.py ties
// the two together.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../status.hpp"
#include "bytes.hpp"
#include "quant_check.hpp"

namespace mubi::q8 {

// quant_input (role 17), float32 [2C + 1]: the input quantizer of a leading Normalize,
// q = round_half_away(fma32(x, scale[c], offset[c])) saturated to int8; zero_point for NaN.
template <std::size_t C>
struct InputQuant {
  static constexpr std::size_t scale_at = 0, offset_at = C, zero_point_at = 2 * C, size = 2 * C + 1;
  const unsigned char* p;

  const float* scales() const noexcept { return reinterpret_cast<const float*>(p) + scale_at; }
  const float* offsets() const noexcept { return reinterpret_cast<const float*>(p) + offset_at; }
  float zero_point() const noexcept { return detail::read_f32(p + 4 * zero_point_at); }

  // An integral zero point inside int8 (the scale and offset are checked finite as floats).
  Status validate() const noexcept {
    const float zp = zero_point();
    if (!(zp >= -128.0f && zp <= 127.0f) || static_cast<float>(static_cast<std::int32_t>(zp)) != zp)
      return Status::invalid_parameter;
    return Status::ok;
  }
};

// The terms every int8 layer with requantized weight rows has, at the front of its tensor:
// the bias of each row from offset 0, the multipliers from M0At and the shifts from ShiftAt
// (one per filter for a conv, one per gate for an LSTM).
template <std::size_t M0At, std::size_t ShiftAt>
struct RowTerms {
  static constexpr std::size_t bias_at = 0, m0_at = M0At, shift_at = ShiftAt;
  const unsigned char* p;

  explicit RowTerms(const unsigned char* bytes) noexcept : p(bytes) {}
  MUBI_ALWAYS_INLINE std::int32_t term(std::size_t i) const noexcept { return read_i32(p + 4 * i); }
  MUBI_ALWAYS_INLINE std::int32_t bias(std::size_t row) const noexcept { return term(bias_at + row); }
  MUBI_ALWAYS_INLINE std::int32_t m0(std::size_t k) const noexcept { return term(m0_at + k); }
  MUBI_ALWAYS_INLINE std::int32_t shift(std::size_t k) const noexcept { return term(shift_at + k); }
  MUBI_ALWAYS_INLINE const std::int32_t* biases() const noexcept { return reinterpret_cast<const std::int32_t*>(p) + bias_at; }
  MUBI_ALWAYS_INLINE const std::int32_t* multipliers() const noexcept { return reinterpret_cast<const std::int32_t*>(p) + m0_at; }
  MUBI_ALWAYS_INLINE const std::int32_t* shifts() const noexcept { return reinterpret_cast<const std::int32_t*>(p) + shift_at; }
};

// conv_quant (role 18), int32 [3F + 4]: per filter the bias (input zero point folded in),
// the requantization multiplier and shift; then the input and output zero points and the
// output clamp.
template <std::size_t F>
struct ConvQuant : RowTerms<F, 2 * F> {
  using Base = RowTerms<F, 2 * F>;
  using Base::bias, Base::m0, Base::shift, Base::term;
  static constexpr std::size_t zp_in_at = 3 * F, zp_out_at = 3 * F + 1, lo_at = 3 * F + 2, hi_at = 3 * F + 3,
                               size = 3 * F + 4;
  using Base::Base;

  MUBI_ALWAYS_INLINE std::int32_t zp_in() const noexcept { return term(zp_in_at); }
  MUBI_ALWAYS_INLINE std::int32_t zp_out() const noexcept { return term(zp_out_at); }
  MUBI_ALWAYS_INLINE std::int32_t hi() const noexcept { return term(hi_at); }
  // The lower clamp; with a fused ReLU (max(q, zp_out)) it is max(lo, zp_out).
  MUBI_ALWAYS_INLINE std::int32_t lo(bool relu) const noexcept {
    const std::int32_t lo = term(lo_at);
    return relu && zp_out() > lo ? zp_out() : lo;
  }

  // Zero points and clamp bounds in int8, a non-empty clamp, and for every filter's weight
  // row (`rows`: F rows of `row_len` int8 weights) a multiplier and shift in range whose
  // worst-case accumulator cannot overflow.
  Status validate(const unsigned char* rows, std::size_t row_len, bool relu) const noexcept {
    if (!in_int8(zp_in()) || !in_int8(zp_out()) || !in_int8(term(lo_at)) || !in_int8(hi()) || lo(relu) > hi())
      return Status::invalid_parameter;
    for (std::size_t f = 0; f < F; ++f)
      if (!row_ok(rows + f * row_len, row_len, bias(f), m0(f), shift(f))) return Status::invalid_parameter;
    return Status::ok;
  }
};

// lstm_quant_fwd / _bwd (roles 20, 22), int32 [4H + 12]: per gate row the bias, per gate
// (i, f, g, o) the multiplier and shift to Q3.12, then the cell power p (cell in 2^p), the
// output multiplier and shift, and the hidden state's zero point.
template <std::size_t H>
struct LstmQuant : RowTerms<4 * H, 4 * H + 4> {
  using Base = RowTerms<4 * H, 4 * H + 4>;
  using Base::bias, Base::m0, Base::shift, Base::term;
  static constexpr std::size_t G = 4 * H;
  static constexpr std::size_t cell_power_at = G + 8, out_m0_at = G + 9, out_shift_at = G + 10, zp_h_at = G + 11,
                               size = G + 12;
  using Base::Base;

  MUBI_ALWAYS_INLINE std::int32_t cell_power() const noexcept { return term(cell_power_at); }
  MUBI_ALWAYS_INLINE std::int32_t out_m0() const noexcept { return term(out_m0_at); }
  MUBI_ALWAYS_INLINE std::int32_t out_shift() const noexcept { return term(out_shift_at); }
  MUBI_ALWAYS_INLINE std::int32_t zp_h() const noexcept { return term(zp_h_at); }

  // The cell power in [-27, 0] (3c * 2^(p+12) stays in int32), an output multiplier >= 0
  // with a shift in [-31, 0] (o * tanh(c) < 2^30 is never shifted left), zp_h in int8, and
  // every gate row (`rows`: 4H rows of `row_len`) safe as for a conv filter.
  Status validate(const unsigned char* rows, std::size_t row_len) const noexcept {
    const std::int32_t pc = cell_power(), om = out_m0(), os = out_shift();
    if (pc < -27 || pc > 0 || om < 0 || os < -31 || os > 0 || !in_int8(zp_h())) return Status::invalid_parameter;
    for (std::size_t r = 0; r < G; ++r)
      if (!row_ok(rows + r * row_len, row_len, bias(r), m0(r / H), shift(r / H))) return Status::invalid_parameter;
    return Status::ok;
  }
};

}  // namespace mubi::q8
