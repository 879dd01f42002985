// Runtime dispatch in one binary built without -march: every instruction set's kernels
// (registered by mubi_dispatch(), tests/CMakeLists.txt) give PyTorch's logits within 1e-5 on
// the golden vectors (float) and the integer reference's bit for bit (int8, against Scalar).
//   mubi_dispatch_tests ISA   the parity tests on ISA's kernels; exit code 77 (CTest:
//                             skipped) where this CPU or this build has none
//   mubi_dispatch_tests       the tests that need no particular ISA
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "dispatch_models.hpp"
#include "logits_check.hpp"
#include "test_util.hpp"

using mubi::Isa;
using mubi::Status;
using Dispatched = mubi::backend::Dispatched;

namespace {

Isa g_isa = Isa::sse2;  // the ISA under test (main)

template <class A>
void float_parity(const std::string& name) {
  using Deploy = mubi::Folded<A>;
  INFO("case " << name << ", " << mubi::to_string(g_isa) << " kernels");
  const std::string base = test::golden_dir() + "/" + name;
  test::Bytes blob(test::read_bytes(base + ".mubi"));
  const auto input = test::read_floats(base + ".input.f32");
  const auto logits = test::read_floats(base + ".logits.f32");
  auto model = std::make_unique<mubi::BoundModel<Deploy, Dispatched>>();
  REQUIRE(model->select_isa(g_isa) == Status::ok);
  REQUIRE(model->bind(blob.data(), blob.size()) == Status::ok);
  REQUIRE(model->isa() == g_isa);  // bind() keeps the selected kernels
  golden::expect_logits(*model, input, logits, std::string(mubi::to_string(g_isa)) + " kernels");
}

template <class A>
void int8_parity(const std::string& name) {
  using Q = mubi::Int8<A>;
  INFO("case " << name << " int8, " << mubi::to_string(g_isa) << " kernels");
  const std::string base = test::golden_dir() + "/" + name;
  const auto bytes = test::read_bytes(base + ".int8.mubi");
  const auto input = test::read_floats(base + ".int8.input.f32");
  auto model = std::make_unique<mubi::Model<Q, Dispatched>>();
  auto reference = std::make_unique<mubi::Model<Q, mubi::backend::Scalar>>();
  REQUIRE(model->select_isa(g_isa) == Status::ok);
  REQUIRE(model->load(bytes.data(), bytes.size()) == Status::ok);
  REQUIRE(reference->load(bytes.data(), bytes.size()) == Status::ok);
  REQUIRE(model->isa() == g_isa);
  const std::size_t n = input.size() / Q::input_size;
  REQUIRE(n >= 1);
  for (std::size_t w = 0; w < n; ++w) {
    const float* x = input.data() + w * Q::input_size;
    float got[Q::output_size] = {}, want[Q::output_size] = {};
    REQUIRE(model->infer(x, got) == Status::ok);
    REQUIRE(reference->infer(x, want) == Status::ok);
    INFO("window " << w);
    CHECK(std::memcmp(got, want, sizeof got) == 0);
    // The streaming path: samples quantized one by one, then the int8 window.
    std::vector<std::int8_t> qg(Q::input_size + 16), qw(Q::input_size + 16);
    constexpr std::size_t C = Q::In::ch;
    for (std::size_t t = 0; t < Q::In::len; ++t) {
      REQUIRE(model->quantize_sample(x + t * C, qg.data() + t * C) == Status::ok);
      REQUIRE(reference->quantize_sample(x + t * C, qw.data() + t * C) == Status::ok);
    }
    CHECK(std::memcmp(qg.data(), qw.data(), Q::input_size) == 0);
    REQUIRE(model->infer_quantized(qg.data(), got) == Status::ok);
    CHECK(std::memcmp(got, want, sizeof got) == 0);
  }
}

template <class A>
void parity(const std::string& name) {
  float_parity<A>(name);
  int8_parity<A>(name);
}

}  // namespace

TEST_CASE("dispatch: parity on the selected ISA's kernels, the 8 dataset configurations") {
  using namespace mubi::configs;
  parity<UciHar<>>("uci_har");
  parity<MotionSense<>>("motionsense");
  parity<Wisdm<>>("wisdm");
  parity<Pamap2<>>("pamap2");
  parity<Opportunity<>>("opportunity");
  parity<UniMib<>>("unimib");
  parity<Skoda<>>("skoda");
  parity<Daphnet<>>("daphnet");
}

TEST_CASE("dispatch: load() picks the best registered ISA this CPU runs; unregistered models run the baseline") {
  using Deploy = mubi::Folded<mubi::configs::UciHar<>>;
  Isa best = Isa::sse2;
  for (int i = 0; i < mubi::kIsaCount; ++i)
    if (mubi::dispatch::cpu_runs(static_cast<Isa>(i)) && mubi::dispatch::Registry<Deploy>::slot[i] != nullptr)
      best = static_cast<Isa>(i);
  const auto bytes = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  auto model = std::make_unique<mubi::Model<Deploy, Dispatched>>();
  REQUIRE(model->load(bytes.data(), bytes.size()) == Status::ok);
  MESSAGE("this CPU and build: " << std::string(mubi::to_string(model->isa())) << " kernels");
  CHECK(model->isa() == best);
  // Every registered slot holds its own ISA's kernels.
  for (int i = 0; i < mubi::kIsaCount; ++i)
    if (const auto* k = mubi::dispatch::Registry<Deploy>::slot[i]) {
      CHECK(static_cast<int>(k->isa) == i);
      CHECK(std::string(k->backend) == mubi::to_string(k->isa));
    }

  // A variant nobody registered: only the baseline, compiled in this unit.
  using Unlisted = mubi::Folded<mubi::configs::UciHar<8, 16>>;
  auto other = std::make_unique<mubi::Model<Unlisted, Dispatched>>();
  const auto small = test::read_bytes(test::golden_dir() + "/uci_har_f8_h16.mubi");
  REQUIRE(other->load(small.data(), small.size()) == Status::ok);
  CHECK(other->isa() == Isa::sse2);
  CHECK(other->select_isa(Isa::avx2) == Status::isa_unavailable);
  CHECK(other->isa() == Isa::sse2);  // unchanged
  CHECK(other->select_isa(Isa::sse2) == Status::ok);
}

int main(int argc, char** argv) {
  doctest::Context context;
  if (argc > 1 && argv[1][0] != '-') {
    const std::string want = argv[1];
    bool known = false;
    for (int i = 0; i < mubi::kIsaCount; ++i)
      if (want == mubi::to_string(static_cast<Isa>(i))) {
        g_isa = static_cast<Isa>(i);
        known = true;
      }
    if (!known) {
      std::fprintf(stderr, "unknown ISA %s\n", argv[1]);
      return 2;
    }
    using Probe = mubi::Folded<mubi::configs::UciHar<>>;
    if (mubi::dispatch::kernels_for<Probe>(g_isa) == nullptr) {
      std::printf("SKIPPED: %s: %s\n", argv[1],
                  mubi::dispatch::cpu_runs(g_isa) ? "this build has no kernels for it" : "this CPU does not run it");
      return 77;
    }
    context.setOption("test-case", "dispatch: parity*");
    context.applyCommandLine(argc - 1, argv + 1);
  } else {
    context.setOption("test-case-exclude", "dispatch: parity*");
    context.applyCommandLine(argc, argv);
  }
  return context.run();
}
