// The batch API gives exactly the per-window results, with one worker or many.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <type_traits>
#include <vector>

#include <mubi/host/std_threads.hpp>
#include <mubi/mubi.hpp>

#include "test_util.hpp"

using namespace mubi;

namespace {

// infer_batch against infer() window by window, for model type D with worker arenas of
// type WorkerArena(M): M::Arena (window by window) or M::LockstepArena (lockstep_windows
// at a time, the float LSTM as one product per step). 100 windows: 12 lockstep groups of 8
// and 4 left over. Lockstep sums each gate in the order infer() does; 1e-6 leaves room for
// a backend whose matrix product orders them otherwise (a wrong window would be off by 0.1).
template <class D, bool Lockstep>
void batch_equals_infer(const char* blob_name) {
  using M = Model<D>;
  using WorkerArena = std::conditional_t<Lockstep, typename M::LockstepArena, typename M::Arena>;
  auto model = std::make_unique<M>();
  const auto blob = test::read_bytes(test::golden_dir() + "/" + blob_name);
  const auto x = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(x.size() >= 3 * D::input_size);

  constexpr std::size_t n = 100;  // windows built from the golden ones, scaled
  std::vector<float> in(n * D::input_size);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = x[i % (3 * D::input_size)] * (1.0f + 0.01f * static_cast<float>(i / D::input_size));

  auto arenas = std::make_unique<WorkerArena[]>(70);
  std::vector<float> out(n * D::output_size);
  CHECK(infer_batch(*model, in.data(), n, out.data(), arenas.get(), 2, host::StdThreads{}) == Status::not_ready);
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);

  std::vector<float> want(n * D::output_size);
  for (std::size_t i = 0; i < n; ++i) model->infer(in.data() + i * D::input_size, want.data() + i * D::output_size);

  const auto serial = [](std::size_t workers, auto&& fn) {
    for (std::size_t w = 0; w < workers; ++w) fn(w);
  };
  const auto expect_want = [&] {
    float worst = 0.0f;
    for (std::size_t k = 0; k < out.size(); ++k) worst = std::fmax(worst, std::fabs(out[k] - want[k]));
    INFO("max |batch - infer| = " << worst);
    if constexpr (Lockstep && D::dtype == DType::f32) CHECK(worst <= 1e-6f);
    else CHECK(out == want);  // the same code per window: the same bits
  };
  for (std::size_t workers : {1, 2, 3, 70}) {
    INFO("workers " << workers);
    std::fill(out.begin(), out.end(), -1.0f);
    REQUIRE(infer_batch(*model, in.data(), n, out.data(), arenas.get(), workers, host::StdThreads{}) == Status::ok);
    expect_want();
    std::fill(out.begin(), out.end(), -1.0f);
    REQUIRE(infer_batch(*model, in.data(), n, out.data(), arenas.get(), workers, serial) == Status::ok);
    expect_want();
  }
}

}  // namespace

TEST_CASE("infer_batch equals infer, window by window, on 1, 2, 3 and 70 workers") {
  batch_equals_infer<Folded<configs::UciHar<>>, false>("uci_har.mubi");
  batch_equals_infer<Int8<configs::UciHar<>>, false>("uci_har.int8.mubi");
}

TEST_CASE("infer_batch with lockstep arenas equals infer, float and int8") {
  batch_equals_infer<Folded<configs::UciHar<>>, true>("uci_har.mubi");
  batch_equals_infer<Int8<configs::UciHar<>>, true>("uci_har.int8.mubi");
}

TEST_CASE("infer_lockstep runs lockstep_windows windows as infer() runs each") {
  using D = Folded<configs::UciHar<>>;
  using M = Model<D>;
  constexpr std::size_t N = M::lockstep_windows;
  auto model = std::make_unique<M>();
  auto arena = std::make_unique<M::LockstepArena>();
  std::vector<float> in(N * D::input_size), out(N * D::output_size, -1.0f), want(N * D::output_size);
  CHECK(model->infer_lockstep(in.data(), out.data(), *arena) == Status::not_ready);
  CHECK(out == std::vector<float>(N * D::output_size, -1.0f));
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  const auto x = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);
  // N different windows (the golden ones, reversed in time for the later ones), so that a
  // mix-up between lockstep rows shows.
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t k = 0; k < D::input_size; ++k)
      in[n * D::input_size + k] = x[(n % 3) * D::input_size + (n < 3 ? k : D::input_size - 1 - k)];
  for (std::size_t n = 0; n < N; ++n) model->infer(in.data() + n * D::input_size, want.data() + n * D::output_size);
  REQUIRE(model->infer_lockstep(in.data(), out.data(), *arena) == Status::ok);
  float worst = 0.0f;
  for (std::size_t k = 0; k < out.size(); ++k) worst = std::fmax(worst, std::fabs(out[k] - want[k]));
  CHECK(worst <= 1e-6f);
}

namespace {

// A model whose infer() fails on one window: infer_batch must pass the failure on.
struct FailsOnWindow {
  static constexpr std::size_t input_size = 1, output_size = 1;
  struct Arena {};
  float bad = 0;
  bool ready() const noexcept { return true; }
  Status infer(const float* in, float* out, Arena&) const noexcept {
    if (*in == bad) return Status::not_ready;
    *out = *in;
    return Status::ok;
  }
};

}  // namespace

TEST_CASE("infer_batch and infer_range return the status of a window that fails") {
  FailsOnWindow model;
  model.bad = 37;
  std::vector<float> in(100), out(100);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  FailsOnWindow::Arena arenas[4];
  const auto serial = [](std::size_t workers, auto&& fn) {
    for (std::size_t w = 0; w < workers; ++w) fn(w);
  };
  for (std::size_t workers : {1, 3, 4}) {
    INFO("workers " << workers);
    CHECK(infer_batch(model, in.data(), in.size(), out.data(), arenas, workers, serial) == Status::not_ready);
    CHECK(infer_batch(model, in.data(), in.size(), out.data(), arenas, workers, host::StdThreads{}) == Status::not_ready);
  }
  CHECK(infer_range(model, in.data(), out.data(), 0, 37, arenas[0]) == Status::ok);
  CHECK(infer_range(model, in.data(), out.data(), 30, 40, arenas[0]) == Status::not_ready);
  model.bad = -1;
  CHECK(infer_batch(model, in.data(), in.size(), out.data(), arenas, 3, serial) == Status::ok);
  CHECK(out == in);
}
