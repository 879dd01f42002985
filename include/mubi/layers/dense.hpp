// mubi: Dense (PyTorch Linear) on a vector: out[n] = bias[n] + sum_c x[c] W[c][n]. The int8
// form is layers/int8/dense.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

template <class InShape, std::size_t Outputs, class T = float>
struct DenseLayer : detail::FloatValues {
  static_assert(std::is_same_v<T, float>, "mubi::Dense: numeric type float, or std::int8_t with layers/int8/dense.hpp");
  static_assert(InShape::len == 1,
                "mubi::Dense: the input must be a vector (length 1); give the LSTM an aggregation "
                "(Last, FinalStates or Mean) before the Dense layer");
  static_assert(Outputs > 0, "mubi::Dense: at least one output");
  using In = InShape;
  using Out = Shape<1, Outputs>;
  static constexpr std::size_t C = In::ch, N = Outputs;
  static constexpr LayerRecord record{LayerKind::dense, N, 0, 0, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};
  static constexpr std::array<TensorSpec, 2> tensors{
      {{TensorRole::dense_weight, static_cast<std::uint32_t>(C * N)}, {TensorRole::dense_bias, N}}};
  static constexpr std::size_t params = N * C + N;
  static constexpr std::size_t macs = N * C;
  static constexpr std::size_t macs_executed = macs;
  static constexpr std::size_t scratch_bytes = 0;

  template <class B>
  static void forward(const float* w, const float* in, float* out, float*) noexcept {
    const float* bias = w + detail::tensor_offset(tensors, 1);
    for (std::size_t n = 0; n < N; ++n) out[n] = bias[n];
    B::template gemv_acc<C, N>(w, in, out);
  }
  static Status check(const unsigned char*) noexcept { return Status::ok; }
};

template <std::size_t Outputs>
struct Dense {
  template <class In, class T = float>
  using layer = DenseLayer<In, Outputs, T>;
};

}  // namespace mubi
