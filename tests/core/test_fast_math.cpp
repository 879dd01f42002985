// The xsimd backend's vectorised exp, sigmoid and tanh against the standard library (in
// double) over the whole float range: every 61st bit pattern of all 2^32 (about 70 million
// values, every exponent, both signs) plus infinities and the clamp boundaries.
#include <doctest/doctest.h>

#ifdef MUBI_TEST_XSIMD

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <mubi/backend/xsimd_math.hpp>

namespace {

// The documented bounds (backend/xsimd_math.hpp).
constexpr double kSigmoidMaxError = 1.5e-7;  // absolute
constexpr double kTanhMaxError = 2.5e-7;     // absolute
constexpr double kExpMaxRelError = 3e-7;     // relative, inside the unclamped range

using Batch = xsimd::batch<float>;

struct Worst {
  double sigmoid = 0, tanh = 0, exp_rel = 0;
  float at_sigmoid = 0, at_tanh = 0, at_exp = 0;
};

void check_batch(const float* x, Worst& w) {
  alignas(64) float s[Batch::size], t[Batch::size], e[Batch::size];
  const Batch v = Batch::load_unaligned(x);
  mubi::fast::sigmoid(v).store_aligned(s);
  mubi::fast::tanh(v).store_aligned(t);
  mubi::fast::exp(v).store_aligned(e);
  for (std::size_t k = 0; k < Batch::size; ++k) {
    const double xd = x[k];
    const double ds = std::fabs(s[k] - 1.0 / (1.0 + std::exp(-xd)));
    const double dt = std::fabs(t[k] - std::tanh(xd));
    if (!(ds <= w.sigmoid)) w.sigmoid = ds, w.at_sigmoid = x[k];
    if (!(dt <= w.tanh)) w.tanh = dt, w.at_tanh = x[k];
    if (xd > -87.3 && xd < 88.37) {
      const double ref = std::exp(xd);
      const double de = std::fabs(e[k] - ref) / ref;
      if (!(de <= w.exp_rel)) w.exp_rel = de, w.at_exp = x[k];
    }
  }
}

}  // namespace

TEST_CASE("fast sigmoid / tanh / exp over the whole float range") {
  Worst w;
  float buf[Batch::size];
  std::size_t n = 0;
  for (std::uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 61) {
    const auto b32 = static_cast<std::uint32_t>(bits);
    float x;
    std::memcpy(&x, &b32, sizeof x);
    if (std::isnan(x)) continue;  // NaN policy is a separate concern
    buf[n++] = x;
    if (n == Batch::size) check_batch(buf, w), n = 0;
  }
  const float special[] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           88.3762f, 88.7228f, -87.3365f, 0.0f, -0.0f, 1e-30f, -1e-30f};
  for (float x : special) {
    for (float& b : buf) b = x;
    check_batch(buf, w);
  }
  INFO("sigmoid max abs error " << w.sigmoid << " at " << w.at_sigmoid);
  INFO("tanh max abs error " << w.tanh << " at " << w.at_tanh);
  INFO("exp max rel error " << w.exp_rel << " at " << w.at_exp);
  CHECK(w.sigmoid <= kSigmoidMaxError);
  CHECK(w.tanh <= kTanhMaxError);
  CHECK(w.exp_rel <= kExpMaxRelError);
  MESSAGE("sigmoid " << w.sigmoid << ", tanh " << w.tanh << ", exp relative " << w.exp_rel);
}

#endif
