// mubi: scalar float maths used by the reference kernels.
#pragma once

#include <cmath>

#include "../config.hpp"

namespace mubi::math {

// PyTorch's CPU sigmoid is 1 / (1 + exp(-x)); keep the same formula so parity is tight.
MUBI_ALWAYS_INLINE float sigmoid(float x) noexcept { return 1.0f / (1.0f + std::exp(-x)); }
MUBI_ALWAYS_INLINE float tanh(float x) noexcept { return std::tanh(x); }

}  // namespace mubi::math
