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
  static constexpr std::array<LayerRecord, 1> records{record};

  template <class B>
  static void forward(const float*, const float* in, float* out, float*) noexcept {
    B::template relu<In::size>(in, out);
  }
};

struct ReLU {
  template <class In>
  using layer = ReLULayer<In>;
};

}  // namespace mubi
