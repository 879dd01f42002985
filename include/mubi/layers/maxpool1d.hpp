// mubi: MaxPool1D over time, window P, stride P, floor (PyTorch's default): T -> floor(T/P).
#pragma once

#include <array>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"

namespace mubi {

template <class InShape, std::size_t Pool>
struct MaxPool1DLayer : detail::NoWeights {
  static_assert(Pool >= 1, "mubi::MaxPool1D: the pool size must be at least 1");
  static_assert(InShape::len >= Pool,
                "mubi::MaxPool1D: the input sequence is shorter than the pool window");
  using In = InShape;
  using Out = Shape<In::len / Pool, In::ch>;
  static constexpr std::size_t C = In::ch;
  static constexpr LayerRecord record{LayerKind::maxpool1d, Pool, Pool, 0, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};

  template <class B>
  static void forward(const float*, const float* in, float* out, float*) noexcept {
    B::template maxpool1d<In::len, C, Pool>(in, out);
  }
};

template <std::size_t Pool = 2>
struct MaxPool1D {
  template <class In>
  using layer = MaxPool1DLayer<In, Pool>;
};

}  // namespace mubi
