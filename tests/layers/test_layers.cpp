// Every layer against small hand-computed cases.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <initializer_list>
#include <random>
#include <vector>

#include <mubi/mubi.hpp>

using namespace mubi;

namespace {

// Lays out a layer's tensors as the blob payload does (each on a 16-byte boundary).
template <class L>
std::vector<float> pack(std::initializer_list<std::vector<float>> tensors) {
  std::vector<float> w(detail::tensor_floats(L::tensors) + 4, 0.0f);
  std::size_t k = 0;
  for (const auto& t : tensors) {
    REQUIRE(k < L::tensors.size());
    REQUIRE(t.size() == L::tensors[k].count);
    for (std::size_t i = 0; i < t.size(); ++i) w[detail::tensor_offset(L::tensors, k) + i] = t[i];
    ++k;
  }
  REQUIRE(k == L::tensors.size());
  return w;
}

template <class L>
std::vector<float> run(const std::vector<float>& w, const std::vector<float>& in) {
  REQUIRE(in.size() == L::In::size);
  std::vector<float> out(L::Out::size, -12345.0f), scratch(L::scratch_bytes / sizeof(float) + 1);
  L::template forward<backend::Scalar>(w.data(), in.data(), out.data(), scratch.data());
  return out;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-6f) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol));
  }
}

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float scale = 0.5f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

}  // namespace

TEST_CASE("Normalize: (x - mean) / std per channel") {
  using L = NormalizeLayer<Shape<2, 2>>;
  const auto w = pack<L>({{1.0f, 2.0f}, {2.0f, 4.0f}});
  check_close(run<L>(w, {3.0f, 6.0f, -1.0f, 2.0f}), {1.0f, 1.0f, -1.0f, 0.0f});
}

TEST_CASE("Conv1D: 'same' padding, bias, [k][c][f] weight order") {
  SUBCASE("one channel, kernel 3") {
    using L = Conv1DLayer<Shape<4, 1>, 1, 3>;
    const auto w = pack<L>({{1.0f, 2.0f, 3.0f}, {0.5f}});
    // out[t] = 0.5 + 1*x[t-1] + 2*x[t] + 3*x[t+1], zero outside.
    check_close(run<L>(w, {1.0f, 2.0f, 3.0f, 4.0f}), {8.5f, 14.5f, 20.5f, 11.5f});
  }
  SUBCASE("two channels, two filters, kernel 1") {
    using L = Conv1DLayer<Shape<2, 2>, 2, 1>;
    // filter 0 = x0 + 2 x1, filter 1 = 3 x0 + 4 x1 (+ 1), stored [c][f].
    const auto w = pack<L>({{1.0f, 3.0f, 2.0f, 4.0f}, {0.0f, 1.0f}});
    check_close(run<L>(w, {1.0f, 10.0f, 2.0f, 20.0f}), {21.0f, 44.0f, 42.0f, 87.0f});
  }
  SUBCASE("sequence shorter than the kernel") {
    using L = Conv1DLayer<Shape<2, 1>, 1, 5>;
    const auto w = pack<L>({{1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, {0.0f}});
    check_close(run<L>(w, {1.0f, 10.0f}), {43.0f, 32.0f});
  }
  SUBCASE("hyperparameters in the layer record") {
    using L = Conv1DLayer<Shape<128, 9>, 16, 5>;
    CHECK(L::record.p0 == 16);
    CHECK(L::record.p1 == 5);
    CHECK(L::record.p2 == 2);
    CHECK(L::params == 16 * 9 * 5 + 16);
    CHECK(L::macs == 128 * 16 * 5 * 9);
  }
}

TEST_CASE("BatchNorm: running statistics, eps 1e-5") {
  using L = BatchNormLayer<Shape<2, 1>>;
  const auto w = pack<L>({{2.0f}, {1.0f}, {3.0f}, {3.0f}});
  const float k = 2.0f / std::sqrt(3.0f + 1e-5f);
  check_close(run<L>(w, {5.0f, 3.0f}), {2.0f * k + 1.0f, 1.0f});
}

TEST_CASE("ReLU") {
  using L = ReLULayer<Shape<1, 4>>;
  check_close(run<L>({}, {-1.0f, 0.0f, 2.5f, -0.0f}), {0.0f, 0.0f, 2.5f, 0.0f});
}

TEST_CASE("MaxPool1D: window 2, floor on odd lengths") {
  using L = MaxPool1DLayer<Shape<5, 2>, 2>;
  static_assert(L::Out::len == 2);
  check_close(run<L>({}, {1, 5, 2, 4, 7, 0, 3, 9, 100, 100}), {2, 5, 7, 9});
  using L3 = MaxPool1DLayer<Shape<7, 1>, 3>;
  static_assert(L3::Out::len == 2);
  check_close(run<L3>({}, {1, 3, 2, -1, -5, -2, 50}), {3, -1});
}

TEST_CASE("LSTM: one unit, two steps, against the PyTorch equations") {
  using L = LSTMLayer<Shape<2, 1>, 1, 1, Last>;
  const float wi = 0.5f, wf = -0.3f, wg = 0.8f, wo = 0.2f;  // weight_ih, gates i f g o
  const float ui = 0.1f, uf = 0.4f, ug = -0.6f, uo = 0.7f;  // weight_hh
  const float bi = 0.05f, bf = 0.1f, bg = -0.2f, bo = 0.3f;  // b_ih + b_hh
  const auto w = pack<L>({{wi, wf, wg, wo}, {ui, uf, ug, uo}, {bi, bf, bg, bo}});
  const double x[2] = {1.5, -0.7};
  double h = 0, c = 0;
  const auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (double xt : x) {
    const double i = sig(wi * xt + ui * h + bi), f = sig(wf * xt + uf * h + bf);
    const double g = std::tanh(wg * xt + ug * h + bg), o = sig(wo * xt + uo * h + bo);
    c = f * c + i * g;
    h = o * std::tanh(c);
  }
  check_close(run<L>(w, {1.5f, -0.7f}), {static_cast<float>(h)}, 1e-6f);
  CHECK(L::params == 4 + 4 + 8);
}

TEST_CASE("BiLSTM aggregations agree with the full output sequence") {
  constexpr std::size_t T = 5, I = 3, H = 4;
  using Seq = LSTMLayer<Shape<T, I>, H, 2, Sequence>;
  using LastL = LSTMLayer<Shape<T, I>, H, 2, Last>;
  using Final = LSTMLayer<Shape<T, I>, H, 2, FinalStates>;
  using MeanL = LSTMLayer<Shape<T, I>, H, 2, Mean>;
  static_assert(Seq::Out::len == T && Seq::Out::ch == 2 * H);
  static_assert(LastL::Out::len == 1 && LastL::Out::ch == 2 * H);
  static_assert(LastL::macs_executed == (T + 1) * 4 * H * (I + H));
  static_assert(Final::macs_executed == 2 * T * 4 * H * (I + H));

  std::mt19937 rng(7);
  std::vector<float> w(detail::tensor_floats(Seq::tensors));
  for (float& v : w) v = random_vector(1, rng, 0.8f)[0];
  const auto x = random_vector(T * I, rng, 1.5f);
  const auto seq = run<Seq>(w, x);
  const auto last = run<LastL>(w, x), fin = run<Final>(w, x), mean = run<MeanL>(w, x);
  for (std::size_t j = 0; j < H; ++j) {
    // PyTorch output[:, -1]: forward after T steps, backward at position T-1 (one step).
    CHECK(last[j] == doctest::Approx(seq[(T - 1) * 2 * H + j]).epsilon(1e-6));
    CHECK(last[H + j] == doctest::Approx(seq[(T - 1) * 2 * H + H + j]).epsilon(1e-6));
    // h_n: the backward direction's final state is its output at position 0.
    CHECK(fin[j] == doctest::Approx(seq[(T - 1) * 2 * H + j]).epsilon(1e-6));
    CHECK(fin[H + j] == doctest::Approx(seq[H + j]).epsilon(1e-6));
    for (std::size_t d = 0; d < 2; ++d) {
      double s = 0;
      for (std::size_t t = 0; t < T; ++t) s += seq[t * 2 * H + d * H + j];
      CHECK(mean[d * H + j] == doctest::Approx(s / T).epsilon(1e-6));
    }
  }
  // The single backward step really is what Last sees: changing earlier inputs leaves it.
  auto x2 = x;
  x2[0] += 1.0f;
  const auto last2 = run<LastL>(w, x2);
  for (std::size_t j = 0; j < H; ++j) {
    CHECK(last2[H + j] == last[H + j]);
    CHECK(last2[j] != last[j]);
  }
}

TEST_CASE("Dense") {
  using L = DenseLayer<Shape<1, 2>, 3>;
  const auto w = pack<L>({{1, 3, 5, 2, 4, 6}, {1, 0, -1}});  // W = [[1 2] [3 4] [5 6]] stored [c][n]
  check_close(run<L>(w, {1.0f, 1.0f}), {4.0f, 7.0f, 10.0f});
}

TEST_CASE("Softmax and argmax") {
  using L = SoftmaxLayer<Shape<1, 2>>;
  check_close(run<L>({}, {0.0f, std::log(3.0f)}), {0.25f, 0.75f});
  check_close(run<L>({}, {1000.0f, 1000.0f}), {0.5f, 0.5f});  // no overflow
  const float ties[] = {1.0f, 3.0f, 3.0f, 2.0f};
  CHECK(argmax(ties, 4) == 1);
  const float with_nan[] = {std::nanf(""), -1.0f, 2.0f};
  CHECK(argmax(with_nan, 3) == 2);
}
