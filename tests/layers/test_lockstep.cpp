// The float LSTM in lockstep (forward_lockstep, what infer_batch runs through
// Model::infer_lockstep) against forward() window by window, on Scalar and every SIMD backend
// of the build (the per-ISA test builds add Avx2, Avx2Vnni and Avx512, whose 16-lane gates
// run only here and in a -march=native build), and the lstm_cells kernel against lstm_cell.
// (The per-window rows between h's are left zero by both: h's stride is checked too.)
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "backends.hpp"

using namespace mubi;

namespace {

constexpr std::size_t N = kLockstepWindows;

std::vector<float> random_floats(std::size_t n, unsigned seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = g(rng);
  return v;
}

// N distinct windows through L::forward_lockstep<B, N> and through L::forward<B> one by one:
// the largest difference.
template <class L, class B>
float lockstep_vs_forward() {
  const auto w = random_floats(detail::tensor_floats(L::tensors) + 16, 7, 0.4f);
  const auto in = random_floats(N * L::In::size, 11, 1.0f);
  std::vector<float> got(N * L::Out::size, -1.0f), want(N * L::Out::size, -2.0f);
  std::vector<float> scratch(L::template lockstep_scratch_bytes<N> / sizeof(float) + 16);
  const float* src[N];
  float* dst[N];
  for (std::size_t n = 0; n < N; ++n) {
    src[n] = in.data() + n * L::In::size;
    dst[n] = got.data() + n * L::Out::size;
  }
  L::template forward_lockstep<B, N>(w.data(), src, dst, scratch.data());
  for (std::size_t n = 0; n < N; ++n)
    L::template forward<B>(w.data(), src[n], want.data() + n * L::Out::size, scratch.data());
  float worst = 0.0f;
  for (std::size_t k = 0; k < got.size(); ++k) worst = std::fmax(worst, std::fabs(got[k] - want[k]));
  return worst;
}

template <class B>
void check_backend(const char* name) {
  CAPTURE(std::string(name));
  // The UCI-HAR BiLSTM (last), both directions over the whole window (final_states), every
  // step's output (sequence), the mean (A4), and a hidden size that is not a multiple of 8.
  CHECK(lockstep_vs_forward<LSTMLayer<Shape<32, 16>, 24, 2, Last>, B>() <= 1e-6f);
  CHECK(lockstep_vs_forward<LSTMLayer<Shape<32, 16>, 24, 2, FinalStates>, B>() <= 1e-6f);
  CHECK(lockstep_vs_forward<LSTMLayer<Shape<12, 9>, 16, 1, Sequence>, B>() <= 1e-6f);
  CHECK(lockstep_vs_forward<LSTMLayer<Shape<20, 8>, 32, 2, Mean>, B>() <= 1e-6f);
  CHECK(lockstep_vs_forward<LSTMLayer<Shape<16, 6>, 20, 2, Last>, B>() <= 1e-6f);

  // lstm_cells<H, N> gives lstm_cell's values (the 16-lane gates use its formulas; they may
  // differ by the rounding of a product the compiler fuses into an FMA in one and not the
  // other, so within 1e-6: a wrong lane constant or row offset is off by far more).
  constexpr std::size_t H = 24, G = 4 * H, stride = 40;
  auto gates = random_floats(N * G, 3, 3.0f);
  auto c = random_floats(N * H, 5, 1.0f);
  std::vector<float> h(N * stride, 0.0f), h_want(N * stride, 0.0f), c_want(c), gates_want(gates);
  B::template lstm_cells<H, N>(gates.data(), c.data(), h.data(), stride);
  for (std::size_t n = 0; n < N; ++n)
    B::template lstm_cell<H>(gates_want.data() + n * G, c_want.data() + n * H, h_want.data() + n * stride);
  float worst = 0.0f;
  for (std::size_t k = 0; k < c.size(); ++k) worst = std::fmax(worst, std::fabs(c[k] - c_want[k]));
  for (std::size_t k = 0; k < h.size(); ++k) worst = std::fmax(worst, std::fabs(h[k] - h_want[k]));
  CHECK(worst <= 1e-6f);
}

}  // namespace

TEST_CASE("the lockstep LSTM equals forward() window by window, and lstm_cells equals lstm_cell, on every backend") {
  check_backend<backend::Scalar>("scalar");
  test::for_each_simd_backend([](auto tag) {
    using B = typename decltype(tag)::type;
    check_backend<B>(B::name);
  });
}
