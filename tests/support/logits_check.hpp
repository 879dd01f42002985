// Logits against PyTorch's: every value within kTolerance, and the class mubi picks is
// PyTorch's best up to that tolerance (golden_case.hpp, dispatch/test_dispatch.cpp).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

namespace golden {

inline constexpr float kTolerance = 1e-5f;

template <class M>
void expect_logits(M& model, const std::vector<float>& input, const std::vector<float>& logits,
                   const std::string& what) {
  constexpr std::size_t in_size = M::input_size, classes = M::output_size;
  REQUIRE(input.size() % in_size == 0);
  const std::size_t n = input.size() / in_size;
  REQUIRE(n >= 1);
  REQUIRE(logits.size() == n * classes);
  for (std::size_t w = 0; w < n; ++w) {
    float out[classes] = {};
    REQUIRE(model.infer(input.data() + w * in_size, out) == mubi::Status::ok);
    const float* ref = logits.data() + w * classes;
    float worst = 0.0f;
    for (std::size_t k = 0; k < classes; ++k) worst = std::fmax(worst, std::fabs(out[k] - ref[k]));
    INFO(what << " window " << w << " max |mubi - torch| = " << worst);
    CHECK(worst <= kTolerance);
    // The class mubi picks must be PyTorch's best up to the tolerance: random-weight
    // references can tie two logits within float rounding (a round-trip seed gave 1.8e-7),
    // where comparing the two argmaxes would test the rounding, not the model.
    const std::size_t picked = mubi::argmax(out, classes), best = mubi::argmax(ref, classes);
    INFO("mubi picks class " << picked << ", PyTorch " << best);
    CHECK(ref[picked] >= ref[best] - 2 * kTolerance);
  }
}

}  // namespace golden
