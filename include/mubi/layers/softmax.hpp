// mubi: softmax over channels (per time step) and argmax, as a layer and as free functions
// for models that output logits.
#pragma once

#include <array>
#include <cmath>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"

namespace mubi {

// Index of the largest value; the first one on ties; NaN never wins, and all-NaN (or
// n == 0) gives 0, so the result always names a class.
inline std::size_t argmax(const float* x, std::size_t n) noexcept {
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] == x[i] && (best == n || x[i] > x[best])) best = i;
  return best == n ? 0 : best;
}

// Numerically stable softmax (subtracts the maximum first). in and out may alias.
inline void softmax(const float* in, float* out, std::size_t n) noexcept {
  float m = in[0];
  for (std::size_t i = 1; i < n; ++i) m = in[i] > m ? in[i] : m;
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += (out[i] = std::exp(in[i] - m));
  for (std::size_t i = 0; i < n; ++i) out[i] /= sum;
}

template <class InShape>
struct SoftmaxLayer : detail::NoWeights {
  using In = InShape;
  using Out = InShape;
  static constexpr LayerRecord record{LayerKind::softmax, 0, 0, 0, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};

  template <class B>
  static void forward(const float*, const float* in, float* out, float*) noexcept {
    for (std::size_t t = 0; t < In::len; ++t) softmax(in + t * In::ch, out + t * In::ch, In::ch);
  }
};

// In an int8 model Softmax runs in float on the float logits of the int8 Dense.
struct Softmax {
  template <class In, class = float>
  using layer = SoftmaxLayer<In>;
};

}  // namespace mubi
