// mubi: Conv1D, stride 1, 'same' zero padding (K-1)/2, bias. Time-major in and out.
// Weights are stored [k][c][f] (outputs contiguous); the backend runs the kernel.
#pragma once

#include <array>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

template <class InShape, std::size_t Filters, std::size_t Kernel>
struct Conv1DLayer {
  static_assert(Kernel % 2 == 1, "mubi::Conv1D: the kernel size must be odd for 'same' padding");
  static_assert(Filters > 0, "mubi::Conv1D: at least one filter");
  using In = InShape;
  using Out = Shape<In::len, Filters>;
  static constexpr std::size_t T = In::len, C = In::ch, F = Filters, K = Kernel, pad = (K - 1) / 2;
  static constexpr LayerRecord record{LayerKind::conv1d, F, K, pad, Out::len, Out::ch};
  static constexpr std::array<TensorSpec, 2> tensors{
      {{TensorRole::conv_weight, static_cast<std::uint32_t>(K * C * F)}, {TensorRole::conv_bias, F}}};
  static constexpr std::size_t params = F * C * K + F;
  static constexpr std::size_t macs = T * F * K * C;  // padded taps counted, as the spec table does
  static constexpr std::size_t macs_executed = macs;
  static constexpr std::size_t scratch_floats = 0;

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
