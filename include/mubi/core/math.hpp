// mubi: scalar float maths used by the reference kernels.
#pragma once

#include <cmath>
#include <cstddef>

#include "../config.hpp"

namespace mubi::math {

// PyTorch's CPU sigmoid is 1 / (1 + exp(-x)); keep the same formula so parity is tight.
inline float sigmoid(float x) noexcept { return 1.0f / (1.0f + std::exp(-x)); }
inline float tanh(float x) noexcept { return std::tanh(x); }

inline float dot(const float* a, const float* b, std::size_t n) noexcept {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace mubi::math
