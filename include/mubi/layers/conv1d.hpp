// mubi: Conv1D, stride 1, 'same' zero padding (K-1)/2, bias. Time-major in and out.
// Weights are stored [f][k][c] so that each output is one contiguous dot product over the
// K*C input values of the window it sees (CMSIS-NN's 1xN order).
#pragma once

#include <array>

#include "../core/descriptor.hpp"
#include "../core/math.hpp"
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
      {{TensorRole::conv_weight, static_cast<std::uint32_t>(F * K * C)}, {TensorRole::conv_bias, F}}};
  static constexpr std::size_t params = F * C * K + F;
  static constexpr std::size_t macs = T * F * K * C;  // padded taps counted, as the spec table does
  static constexpr std::size_t macs_executed = macs;
  static constexpr std::size_t scratch_floats = 0;

  static void forward(const float* w, const float* MUBI_RESTRICT in, float* MUBI_RESTRICT out,
                      float*) noexcept {
    const float* weight = w;
    const float* bias = w + detail::tensor_offset(tensors, 1);
    for (std::size_t t = 0; t < T; ++t) {
      // Taps k0..k1 fall inside the sequence; the rest read zero padding and are skipped.
      const std::size_t k0 = t < pad ? pad - t : 0;
      const std::size_t k1 = t + pad >= T ? K - (t + pad + 1 - T) : K;
      const float* x = in + (t + k0 - pad) * C;
      const std::size_t n = (k1 - k0) * C;
      for (std::size_t f = 0; f < F; ++f)
        out[t * F + f] = bias[f] + math::dot(weight + (f * K + k0) * C, x, n);
    }
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
