// mubi: the int8 Dense layer (docs/int8.md, "Dense").
#pragma once

#include <array>
#include <cstdint>

#include "../../core/descriptor.hpp"
#include "../../core/quant_check.hpp"
#include "../../core/shape.hpp"
#include "../../status.hpp"
#include "../dense.hpp"

namespace mubi {

// int8 Dense (docs/int8.md, "Dense"): int8 weights [n][c] with one scale per output, an
// int32 accumulator, and float logits (one multiply per output: the classifier's scores
// keep their full resolution, and per-output scales stay comparable for argmax).
template <class InShape, std::size_t Outputs>
struct DenseLayer<InShape, Outputs, std::int8_t> {
  using Float = DenseLayer<InShape, Outputs>;
  using In = InShape;
  using Out = typename Float::Out;
  static constexpr std::size_t C = In::ch, N = Outputs;
  static_assert(q8::dot_fits(C), "mubi::Dense<int8>: input too wide for an int32 accumulator");
  using in_type = std::int8_t;
  using out_type = float;
  using weight_type = unsigned char;
  using scratch_type = unsigned char;
  static constexpr LayerRecord record = Float::record;
  static constexpr std::array<LayerRecord, 1> records{record};
  static constexpr std::array<TensorSpec, 3> tensors{{{TensorRole::dense_weight, static_cast<std::uint32_t>(N * C), DType::i8},
                                                      {TensorRole::dense_bias, N, DType::i32},
                                                      {TensorRole::dense_dequant, N, DType::f32}}};
  static constexpr std::size_t params = Float::params, macs = Float::macs, macs_executed = Float::macs_executed;
  static constexpr std::size_t scratch_bytes = 0;

  template <class B>
  static void forward(const unsigned char* w, const std::int8_t* in, float* out, unsigned char*) noexcept {
    const std::int8_t* wq = detail::tensor_at<std::int8_t>(w, tensors, 0);
    const std::int32_t* bias = detail::tensor_at<std::int32_t>(w, tensors, 1);
    const float* dq = detail::tensor_at<float>(w, tensors, 2);
    std::int32_t acc[N];
    B::template dot_rows_s8<C, N>(wq, in, bias, acc);
    for (std::size_t n = 0; n < N; ++n) out[n] = static_cast<float>(acc[n]) * dq[n];
  }

  static Status check(const unsigned char* w) noexcept {
    const unsigned char* bias = w + detail::tensor_offset_bytes(tensors, 1);
    for (std::size_t n = 0; n < N; ++n)  // no requantization: multiplier 1, shift 0
      if (!q8::row_ok(w + n * C, C, q8::read_i32(bias + 4 * n), 0, 0)) return Status::invalid_parameter;
    return Status::ok;
  }
};

}  // namespace mubi
