// mubi: ReLU, max(x, 0), element-wise.
#pragma once

#include <array>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"

namespace mubi {

template <class InShape>
struct ReLULayer : detail::NoWeights {
  using In = InShape;
  using Out = InShape;
  static constexpr LayerRecord record{LayerKind::relu, 0, 0, 0, Out::len, Out::ch};

  static void forward(const float*, const float* MUBI_RESTRICT in, float* MUBI_RESTRICT out,
                      float*) noexcept {
    // Written as a comparison so NaN propagates as PyTorch's relu does.
    for (std::size_t i = 0; i < In::size; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
  }
};

struct ReLU {
  template <class In>
  using layer = ReLULayer<In>;
};

}  // namespace mubi
