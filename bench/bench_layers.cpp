// Google Benchmark: every layer of the UCI-HAR network, on each backend: float32 layers with
// random weights, int8 layers with the weights of the golden int8 blob (random weights would
// not be valid quantization parameters). Time per call; items = one layer application.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <random>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "backends.hpp"

namespace {

// Floats on a 64-byte boundary, as a model's prepared weights and arenas lie on a host
// (model/sequential.hpp, prepare(); config.hpp, kBufferAlign), zeroed.
class AlignedFloats {
 public:
  explicit AlignedFloats(std::size_t n)
      : n_(n), p_(static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t{64}))) {
    std::fill(p_, p_ + n_, 0.0f);
  }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  ~AlignedFloats() { ::operator delete[](p_, std::align_val_t{64}); }
  float* data() { return p_; }
  std::size_t size() const { return n_; }
  float& operator[](std::size_t i) { return p_[i]; }
  float* begin() { return p_; }
  float* end() { return p_ + n_; }

 private:
  std::size_t n_;
  float* p_;
};

template <class L>
struct Fixture {
  AlignedFloats w, in, out, scratch;
  Fixture()
      : w(mubi::detail::tensor_floats(L::tensors) + 16),
        in(L::In::size),
        out(L::Out::size),
        scratch(L::scratch_bytes / sizeof(float) + 16) {
    std::mt19937 rng(42);
    std::normal_distribution<float> n(0.0f, 0.3f);
    for (float& v : w) v = n(rng);
    for (float& v : in) v = n(rng);
  }
};

template <class L, class B>
void layer(benchmark::State& state) {
  Fixture<L> f;
  for (auto _ : state) {
    L::template forward<B>(f.w.data(), f.in.data(), f.out.data(), f.scratch.data());
    benchmark::DoNotOptimize(f.out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// The float LSTM on mubi::kLockstepWindows windows at once (forward_lockstep, what
// infer_batch runs); items = windows, to compare with the one-window figure.
template <class L, class B>
void lstm_lockstep(benchmark::State& state) {
  constexpr std::size_t N = mubi::kLockstepWindows;
  Fixture<L> f;
  AlignedFloats in(N * L::In::size), out(N * L::Out::size), scratch(L::template lockstep_scratch_bytes<N> / 4);
  for (std::size_t k = 0; k < in.size(); ++k) in[k] = f.in[k % f.in.size()] * (1.0f + 0.01f * (k / f.in.size()));
  const float* src[N];
  float* dst[N];
  for (std::size_t n = 0; n < N; ++n) {
    src[n] = in.data() + n * L::In::size;
    dst[n] = out.data() + n * L::Out::size;
  }
  for (auto _ : state) {
    L::template forward_lockstep<B, N>(f.w.data(), src, dst, scratch.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * N));
}

// One LSTM step (16 -> 24, 96 gates): the recurrence's unit of latency.
template <class B>
void lstm_step(benchmark::State& state) {
  constexpr std::size_t I = 16, H = 24, G = 4 * H;
  Fixture<mubi::LSTMLayer<mubi::Shape<1, I>, H, 1, mubi::Last>> f;
  std::vector<float> gates(G), h(H, 0.1f), c(H, 0.2f);
  const float* w_ih = f.w.data();
  const float* w_hh = w_ih + I * G;
  for (auto _ : state) {
    for (std::size_t r = 0; r < G; ++r) gates[r] = 0.0f;
    B::template gemv_acc<I, G>(w_ih, f.in.data(), gates.data());
    B::template gemv_acc<H, G>(w_hh, h.data(), gates.data());
    B::template lstm_cell<H>(gates.data(), c.data(), h.data());
    benchmark::DoNotOptimize(h.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// The int8 layers of Int8<UciHar>, each run on its weight block of the golden int8 blob.
using Q = mubi::Int8<mubi::configs::UciHar<>>;

template <std::size_t I, class B>
void int8_layer(benchmark::State& state) {
  using L = typename Q::template layer<I>;
  std::ifstream file(std::string(MUBI_GOLDEN_DIR) + "/uci_har.int8.mubi", std::ios::binary);
  const std::vector<unsigned char> blob{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (blob.size() != Q::blob_bytes) return state.SkipWithError("golden int8 blob not found");
  using In = typename L::in_type;
  using Out = typename L::out_type;
  struct alignas(16) Buffers {
    unsigned char w[Q::weight_bytes];
    In in[L::In::size];
    Out out[L::Out::size + 16];
    unsigned char scratch[L::scratch_bytes + 16];
  };
  auto b = std::make_unique<Buffers>();
  std::memcpy(b->w, blob.data() + Q::payload_offset, Q::weight_bytes);
  std::mt19937 rng(42);
  for (auto& v : b->in) v = static_cast<In>(std::is_same_v<In, float> ? std::normal_distribution<float>(0.0f, 0.3f)(rng)
                                                                       : static_cast<float>(rng() % 200) - 100.0f);
  for (auto _ : state) {
    L::template forward<B>(b->w + Q::layer_offset[I], b->in, b->out, b->scratch);
    benchmark::DoNotOptimize(b->out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

template <std::size_t I, class B>
void register_int8_layer(const char* label) {
  benchmark::RegisterBenchmark((std::string(label) + "/" + B::name).c_str(), int8_layer<I, B>);
}

template <std::size_t I>
void register_int8(const char* label) {
  register_int8_layer<I, mubi::backend::Scalar>(label);
  MUBI_BENCH_XSIMD(register_int8_layer<I, BenchSimd>(label));
}

using Conv1 = mubi::Conv1DLayer<mubi::Shape<128, 9>, 16, 5>;
using Conv2 = mubi::Conv1DLayer<mubi::Shape<64, 16>, 16, 5>;
using Pool1 = mubi::MaxPool1DLayer<mubi::Shape<128, 16>, 2>;
using Relu1 = mubi::ReLULayer<mubi::Shape<128, 16>>;
using Norm = mubi::NormalizeLayer<mubi::Shape<128, 9>>;
using BiLast = mubi::LSTMLayer<mubi::Shape<32, 16>, 24, 2, mubi::Last>;
using BiFull = mubi::LSTMLayer<mubi::Shape<32, 16>, 24, 2, mubi::FinalStates>;
using Head = mubi::DenseLayer<mubi::Shape<1, 48>, 6>;

template <class L, class B>
void register_layer(const char* label) {
  benchmark::RegisterBenchmark((std::string(label) + "/" + B::name).c_str(), layer<L, B>);
}

template <class L>
void register_all(const char* label) {
  register_layer<L, mubi::backend::Scalar>(label);
  MUBI_BENCH_XSIMD(register_layer<L, BenchSimd>(label));
  MUBI_BENCH_EIGEN(register_layer<L, mubi::backend::Eigen>(label));
}

}  // namespace

int main(int argc, char** argv) {
  register_all<Norm>("Normalize 128x9");
  register_all<Conv1>("Conv1D 128x9->16 k5");
  register_all<Relu1>("ReLU 128x16");
  register_all<Pool1>("MaxPool1D 128x16");
  register_all<Conv2>("Conv1D 64x16->16 k5");
  register_all<BiLast>("BiLSTM 32x16->24 last");
  register_all<BiFull>("BiLSTM 32x16->24 final_states");
  benchmark::RegisterBenchmark("BiLSTM 32x16->24 last, lockstep/scalar", lstm_lockstep<BiLast, mubi::backend::Scalar>);
  MUBI_BENCH_XSIMD(benchmark::RegisterBenchmark((std::string("BiLSTM 32x16->24 last, lockstep/") + BenchSimd::name).c_str(),
                                                lstm_lockstep<BiLast, BenchSimd>));
  MUBI_BENCH_EIGEN(benchmark::RegisterBenchmark("BiLSTM 32x16->24 last, lockstep/eigen",
                                                lstm_lockstep<BiLast, mubi::backend::Eigen>));
  register_all<Head>("Dense 48->6");
  register_int8<0>("int8 Normalize+Conv1D+ReLU+MaxPool 128x9->64x16");
  register_int8<1>("int8 Conv1D+ReLU+MaxPool 64x16->32x16");
  register_int8<2>("int8 BiLSTM 32x16->24 last");
  register_int8<3>("int8 Dense 48->6");
  benchmark::RegisterBenchmark("LSTM step 16->24/scalar", lstm_step<mubi::backend::Scalar>);
  MUBI_BENCH_XSIMD(benchmark::RegisterBenchmark((std::string("LSTM step 16->24/") + BenchSimd::name).c_str(), lstm_step<BenchSimd>));
  MUBI_BENCH_EIGEN(benchmark::RegisterBenchmark("LSTM step 16->24/eigen", lstm_step<mubi::backend::Eigen>));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
