// Policy for absurd windows (docs/robustness.md): inference never fails or corrupts
// anything; finite inputs up to +-1e30 give finite logits; NaN or infinite inputs give
// unspecified logits, and argmax still names a class. Every backend of the build.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "backends.hpp"
#include "test_util.hpp"

namespace {

using Deploy = mubi::Folded<mubi::configs::UciHar<>>;
constexpr std::size_t kIn = Deploy::input_size, kOut = Deploy::output_size;

struct Case {
  const char* name;
  float value;     // every element, or only element `at` when at < kIn
  std::size_t at;
  bool finite;     // are finite logits promised?
};

template <class B>
void check_backend(const std::vector<unsigned char>& blob, const std::vector<float>& normal) {
  INFO("backend " << B::name);
  auto model = std::make_unique<mubi::Model<Deploy, B>>();
  REQUIRE(model->load(blob.data(), blob.size()) == mubi::Status::ok);
  std::array<float, kOut> before{}, after{}, out{};
  REQUIRE(model->infer(normal.data(), before.data()) == mubi::Status::ok);

  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const Case cases[] = {
      {"all zero", 0.0f, kIn, true},      {"all +1e6", 1e6f, kIn, true},      {"all -1e6", -1e6f, kIn, true},
      {"all +1e30", 1e30f, kIn, true},    {"all -1e30", -1e30f, kIn, true},   {"one +1e30", 1e30f, 100, true},
      {"all NaN", nan, kIn, false},       {"one NaN", nan, 500, false},       {"all +inf", inf, kIn, false},
      {"all -inf", -inf, kIn, false},     {"one -inf", -inf, 7, false},       {"max float", 3.4e38f, kIn, false},
  };
  for (const Case& c : cases) {
    INFO("window " << c.name);
    std::vector<float> x = c.at < kIn ? normal : std::vector<float>(kIn, c.value);
    if (c.at < kIn) x[c.at] = c.value;
    out.fill(-7.0f);
    CHECK(model->infer(x.data(), out.data()) == mubi::Status::ok);
    CHECK(mubi::argmax(out.data(), kOut) < kOut);
    if (c.finite)
      for (float v : out) CHECK(std::isfinite(v));
    // Nothing carried over: the next normal window gives bit-identical logits.
    REQUIRE(model->infer(normal.data(), after.data()) == mubi::Status::ok);
    CHECK(after == before);
  }
}

}  // namespace

TEST_CASE("absurd and non-finite windows: defined results, nothing corrupted") {
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  auto normal = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(normal.size() >= kIn);
  normal.resize(kIn);
  check_backend<mubi::backend::Scalar>(blob, normal);
  test::for_each_simd_backend([&](auto tag) { check_backend<typename decltype(tag)::type>(blob, normal); });
}

TEST_CASE("argmax of all-NaN logits is class 0") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float x[3] = {nan, nan, nan};
  CHECK(mubi::argmax(x, 3) == 0);
}
