// The batch API gives exactly the per-window results, with one worker or many.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include <mubi/host/std_threads.hpp>
#include <mubi/mubi.hpp>

#include "test_util.hpp"

using namespace mubi;

TEST_CASE("infer_batch equals infer, window by window, on 1, 2, 3 and 70 workers") {
  using D = Folded<configs::UciHar<>>;
  using M = Model<D>;
  auto model = std::make_unique<M>();
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  const auto x = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(x.size() >= 3 * D::input_size);

  constexpr std::size_t n = 100;  // windows built from the golden ones, scaled
  std::vector<float> in(n * D::input_size);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = x[i % (3 * D::input_size)] * (1.0f + 0.01f * static_cast<float>(i / D::input_size));

  auto arenas = std::make_unique<M::Arena[]>(70);
  std::vector<float> out(n * D::output_size);
  CHECK(infer_batch(*model, in.data(), n, out.data(), arenas.get(), 2, host::StdThreads{}) == Status::not_ready);
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);

  std::vector<float> want(n * D::output_size);
  for (std::size_t i = 0; i < n; ++i) model->infer(in.data() + i * D::input_size, want.data() + i * D::output_size);

  const auto serial = [](std::size_t workers, auto&& fn) {
    for (std::size_t w = 0; w < workers; ++w) fn(w);
  };
  for (std::size_t workers : {1, 2, 3, 70}) {
    std::fill(out.begin(), out.end(), -1.0f);
    INFO("workers " << workers);
    REQUIRE(infer_batch(*model, in.data(), n, out.data(), arenas.get(), workers, host::StdThreads{}) == Status::ok);
    CHECK(out == want);
    std::fill(out.begin(), out.end(), -1.0f);
    REQUIRE(infer_batch(*model, in.data(), n, out.data(), arenas.get(), workers, serial) == Status::ok);
    CHECK(out == want);
  }
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
