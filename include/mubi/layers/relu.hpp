// mubi: ReLU, max(x, 0), element-wise.
#pragma once

#include <array>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

template <class InShape>
struct ReLULayer {
  using In = InShape;
  using Out = InShape;
  static constexpr LayerRecord record{LayerKind::relu, 0, 0, 0, Out::len, Out::ch};
  static constexpr std::array<TensorSpec, 0> tensors{};
  static constexpr std::size_t params = 0, macs = 0, macs_executed = 0, scratch_floats = 0;

  static void forward(const float*, const float* MUBI_RESTRICT in, float* MUBI_RESTRICT out,
                      float*) noexcept {
    // Written as a comparison so NaN propagates as PyTorch's relu does.
    for (std::size_t i = 0; i < In::size; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
  }
  static Status check(const unsigned char*) noexcept { return Status::ok; }
};

struct ReLU {
  template <class In>
  using layer = ReLULayer<In>;
};

}  // namespace mubi
