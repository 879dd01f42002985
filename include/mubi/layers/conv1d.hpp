// mubi: Conv1D, stride 1, 'same' zero padding (K-1)/2, bias. Time-major in and out.
// Weights stored [k][c][f] (outputs contiguous); the backend runs the kernel. The int8 form
// is layers/int8/conv1d.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

template <class InShape, std::size_t Filters, std::size_t Kernel, class Num = float, class Fusion = void>
struct Conv1DLayer : detail::FloatValues {
  static_assert(std::is_same_v<Num, float>, "mubi::Conv1D: numeric type float, or std::int8_t with layers/int8/conv1d.hpp");
  static_assert(Kernel % 2 == 1, "mubi::Conv1D: the kernel size must be odd for 'same' padding");
  static_assert(Filters > 0, "mubi::Conv1D: at least one filter");
  using In = InShape;
  using Out = Shape<In::len, Filters>;
  static constexpr std::size_t T = In::len, C = In::ch, F = Filters, K = Kernel, pad = (K - 1) / 2;
  static constexpr LayerRecord record{LayerKind::conv1d, F, K, pad, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};
  static constexpr std::array<TensorSpec, 2> tensors{
      {{TensorRole::conv_weight, static_cast<std::uint32_t>(K * C * F)}, {TensorRole::conv_bias, F}}};
  static constexpr std::size_t params = F * C * K + F;
  static constexpr std::size_t macs = T * F * K * C;  // padded taps counted, as the spec table does
  static constexpr std::size_t macs_executed = macs;
  static constexpr std::size_t scratch_bytes = 0;

  template <class B>
  static void forward(const float* w, const float* in, float* out, float*) noexcept {
    B::template conv1d<T, C, F, K>(w, w + detail::tensor_offset(tensors, 1), in, out);
  }

  static Status check(const unsigned char*) noexcept { return Status::ok; }
};

template <std::size_t Filters, std::size_t Kernel = 5>
struct Conv1D {
  static constexpr std::size_t filters = Filters, kernel = Kernel;
  template <class In>
  using layer = Conv1DLayer<In, Filters, Kernel>;
};

}  // namespace mubi
