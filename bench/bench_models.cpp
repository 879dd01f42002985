// Google Benchmark: whole models (the 8 dataset configurations, BatchNorm folded, random
// weights from the golden blobs), float32 and int8, on each backend, one window at a time,
// single thread; and the batch API on 1 and all hardware threads. Counters: windows per second.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <mubi/host/std_threads.hpp>
#include <mubi/mubi.hpp>

#include "backends.hpp"
#include "bench_models.hpp"

namespace {

std::vector<unsigned char> read(const std::string& name) {
  std::ifstream f(std::string(MUBI_GOLDEN_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// D: the deployed type, Folded<Arch> (blob <name>.mubi) or Int8<Arch> (<name>.int8.mubi).
template <class Deployed, class B>
struct Loaded {
  using D = Deployed;
  std::unique_ptr<mubi::Model<D, B>> model = std::make_unique<mubi::Model<D, B>>();
  std::vector<float> windows;
  explicit Loaded(const std::string& name, std::size_t n = 64) : windows(n * D::input_size) {
    const auto blob = read(name + (D::dtype == mubi::DType::i8 ? ".int8.mubi" : ".mubi"));
    if (model->load(blob.data(), blob.size()) != mubi::Status::ok) return;
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (float& v : windows) v = g(rng);
  }
};

template <class D, class B>
void window(benchmark::State& state, const char* name) {
  Loaded<D, B> m(name);
  if (!m.model->ready()) return state.SkipWithError("golden blob not found");
  constexpr std::size_t in = D::input_size;
  float out[D::output_size];
  std::size_t i = 0;
  for (auto _ : state) {
    m.model->infer(m.windows.data() + (i++ % 64) * in, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());  // windows
}

// Lockstep: M::LockstepArena per worker (lockstep_windows at a time), else M::Arena.
template <class D, class B, bool Lockstep>
void batch(benchmark::State& state, const char* name) {
  const std::size_t workers = state.range(0) ? static_cast<std::size_t>(state.range(0)) : mubi::host::hardware_workers();
  constexpr std::size_t n = 4096;
  Loaded<D, B> m(name, n);
  if (!m.model->ready()) return state.SkipWithError("golden blob not found");
  using M = mubi::Model<D, B>;
  std::vector<float> out(n * M::output_size);
  using WorkerArena = std::conditional_t<Lockstep, typename M::LockstepArena, typename M::Arena>;
  auto arenas = std::make_unique<WorkerArena[]>(workers);
  for (auto _ : state) {
    mubi::infer_batch(*m.model, m.windows.data(), n, out.data(), arenas.get(), workers, mubi::host::StdThreads{});
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["workers"] = static_cast<double>(workers);
}

template <class D, class B>
void register_window(const char* name) {
  const char* kind = D::dtype == mubi::DType::i8 ? " int8/" : "/";
  benchmark::RegisterBenchmark((std::string("model ") + name + kind + B::name).c_str(),
                               [name](benchmark::State& st) { window<D, B>(st, name); });
}

template <class D>
void register_backends(const char* name) {
  register_window<D, mubi::backend::Scalar>(name);
  MUBI_BENCH_XSIMD(register_window<D, BenchSimd>(name));
  MUBI_BENCH_EIGEN(register_window<D, mubi::backend::Eigen>(name));
}

template <class Arch>
void register_model(const char* name) {
  register_backends<mubi::Folded<Arch>>(name);
  register_backends<mubi::Int8<Arch>>(name);
}

// Runtime dispatch (mubi_dispatch(), bench/CMakeLists.txt): what a build without -march runs.
template <class D>
void register_dispatched(const char* name) {
#ifdef MUBI_BENCH_DISPATCH
  register_window<D, mubi::backend::Dispatched>(name);
#else
  (void)name;
#endif
}

template <class D, class B>
void register_batch(const char* name) {
  const std::string label = std::string("batch ") + name + (D::dtype == mubi::DType::i8 ? " int8/" : "/") +
                            (std::is_same_v<B, mubi::backend::Default> ? "default" : B::name);
  benchmark::RegisterBenchmark(label.c_str(), [name](benchmark::State& st) { batch<D, B, true>(st, name); })
      ->Arg(1)->Arg(0)->UseRealTime();
  benchmark::RegisterBenchmark((label + " one at a time").c_str(),
                               [name](benchmark::State& st) { batch<D, B, false>(st, name); })
      ->Arg(1)->Arg(0)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_model<mubi::configs::UciHar<>>("uci_har");
  register_model<mubi::configs::MotionSense<>>("motionsense");
  register_model<mubi::configs::Wisdm<>>("wisdm");
  register_model<mubi::configs::Pamap2<>>("pamap2");
  register_model<mubi::configs::Opportunity<>>("opportunity");
  register_model<mubi::configs::UniMib<>>("unimib");
  register_model<mubi::configs::Skoda<>>("skoda");
  register_model<mubi::configs::Daphnet<>>("daphnet");
  register_dispatched<mubi::Folded<mubi::configs::UciHar<>>>("uci_har");
  register_dispatched<mubi::Int8<mubi::configs::UciHar<>>>("uci_har");
  // Batch API, UCI-HAR: 1 worker, then every hardware thread (argument 0); lockstep arenas,
  // and window by window ("one at a time") for comparison.
  register_batch<mubi::Folded<mubi::configs::UciHar<>>, mubi::backend::Default>("uci_har");
  register_batch<mubi::Int8<mubi::configs::UciHar<>>, mubi::backend::Default>("uci_har");
#ifdef MUBI_BENCH_DISPATCH
  register_batch<mubi::Folded<mubi::configs::UciHar<>>, mubi::backend::Dispatched>("uci_har");
  register_batch<mubi::Int8<mubi::configs::UciHar<>>, mubi::backend::Dispatched>("uci_har");
#endif
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
