// The int8 path (docs/int8.md): the integer primitives against their definitions, and whole
// models bit-exact with the Python integer reference (python/mubi/int8_ref.py) on the golden int8
// vectors of every configuration and variant, including hostile windows (0, +-1e6, NaN);
// the int8 blob's load-time checks; quantize_sample + infer_quantized equal to infer.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <algorithm>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "backends.hpp"
#include "test_util.hpp"

using namespace mubi;

TEST_CASE("int8 primitives: saturating doubling high multiply and rounding shifts") {
  CHECK(q8::srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
  CHECK(q8::srdhm(1 << 30, 1 << 30) == 1 << 29);
  CHECK(q8::srdhm(3, 1 << 30) == 2);    // 1.5 rounds up
  CHECK(q8::srdhm(-3, 1 << 30) == -1);  // -1.5 too: the negative nudge is 1 - 2^30 (TFLite's)
  CHECK(q8::srdhm(-1, 1 << 30) == 0);   // -0.5 -> 0
  CHECK(q8::srdhm(-5, 1 << 30) == -2);  // -2.5 -> -2
  CHECK(q8::rdbpot(5, 1) == 3);
  CHECK(q8::rdbpot(-5, 1) == -3);
  CHECK(q8::rdbpot(-1, 1) == -1);
  CHECK(q8::rdbpot(-4, 2) == -1);
  CHECK(q8::rdbpot(6, 2) == 2);
  CHECK(q8::rdbpot(-6, 2) == -2);
  CHECK(q8::rdbpot(INT32_MIN, 31) == -1);
  CHECK(q8::rdbpot(INT32_MAX, 31) == 1);
  // M = 0.0123 -> (1690499128, -6) (../shared/docs/int8-lstm.md); 1000 * M = 12.3.
  CHECK(q8::requantize(1000, 1690499128, -6) == 12);
  CHECK(q8::requantize(-1000, 1690499128, -6) == -12);
  // M = 0.33 -> (1417339208, -1): 100 * 0.33 = 33; M = 1.5 -> (3 << 29, 1).
  CHECK(q8::requantize(100, 1417339208, -1) == 33);
  CHECK(q8::requantize(10, 3 << 29, 1) == 15);
  CHECK(q8::sat16(40000) == 32767);
  CHECK(q8::sat8(-300) == -128);
  CHECK(q8::round_half_away_div(5, 2) == 3);
  CHECK(q8::round_half_away_div(-5, 2) == -3);
  CHECK(q8::round_half_away_div(-4, 3) == -1);
}

// The int8 LSTM's element-wise work (LstmQ8) of backend B against Scalar's: the four gates
// from 4H accumulators, then the cell and hidden state on random cells.
template <std::size_t H, class B, class Uniform>
void check_lstm_elementwise(const std::int32_t* acc, const std::int32_t* m0, const std::int32_t* shift, std::int32_t zp,
                            Uniform& uniform) {
  constexpr std::size_t G = 4 * H;
  const std::int32_t p = uniform(-27, 0), out_m0 = uniform(0, INT32_MAX), out_shift = uniform(-31, 0);
  const backend::Scalar::LstmQ8<H> want_terms(m0, shift, p, out_m0, out_shift, zp);
  const typename B::template LstmQ8<H> got_terms(m0, shift, p, out_m0, out_shift, zp);
  std::int16_t want_gate[G];
  typename B::template LstmQ8<H>::gate_t got_gate[G];
  for (std::size_t g = 0; g < 4; ++g) {
    want_terms.gate(g, acc + g * H, want_gate + g * H);
    got_terms.gate(g, acc + g * H, got_gate + g * H);
  }
  REQUIRE(std::equal(want_gate, want_gate + G, got_gate));

  std::int16_t c_want[H], c_got[H];
  std::int8_t h_want[H], h_got[H];
  for (std::size_t j = 0; j < H; ++j) c_want[j] = c_got[j] = static_cast<std::int16_t>(uniform(-32768, 32767));
  want_terms.cell(want_gate, c_want, h_want);
  got_terms.cell(got_gate, c_got, h_got);
  REQUIRE(std::memcmp(c_want, c_got, sizeof c_want) == 0);
  REQUIRE(std::memcmp(h_want, h_got, H) == 0);
}

// The SIMD int8 kernels re-derive the primitives (e.g. SRDHM as floor((p + 2^30) / 2^31));
// they must give Scalar's bytes for any parameters load() accepts, extremes included.
TEST_CASE("int8 backend kernels equal Scalar on random and extreme values") {
  std::mt19937 rng(20261125);
  const auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return static_cast<std::int32_t>(std::uniform_int_distribution<std::int64_t>(lo, hi)(rng));
  };
  // Accumulators whose requantized value plus a zero point stays in int32 (with M <= 1), as
  // load()'s worst-case check guarantees for real blobs.
  constexpr std::int32_t edge = INT32_MAX - 256;
  const auto any_i32 = [&](int round) {
    switch (round % 4) {
      case 0: return uniform(-edge, edge);
      case 1: return uniform(-70000, 70000);
      case 2: return uniform(0, 1) ? edge - uniform(0, 3) : -edge + uniform(0, 3);
      default: return uniform(-(1 << 20), 1 << 20);
    }
  };
  constexpr std::size_t H = 24, G = 4 * H;
  test::for_each_simd_backend([&](auto tag) {
    using B = typename decltype(tag)::type;
    for (int round = 0; round < 4000; ++round) {
      std::int32_t acc[G], m0[G], shift[G];
      const bool left = round % 5 == 4;  // a left shift needs accumulators that stay in int32
      for (std::size_t r = 0; r < G; ++r) {
        acc[r] = left ? uniform(-(1 << 26), 1 << 26) : any_i32(round);
        // Powers of two make exact halves (a * 2^30 / 2^31 for odd a): the rounding cases.
        m0[r] = round % 7 == 0 ? (r % 2 ? INT32_MAX : 0)
                : round % 7 == 1 ? 1 << uniform(27, 30)
                                 : uniform(0, INT32_MAX);
        shift[r] = left ? uniform(0, 4) : uniform(-31, 0);
      }
      const std::int32_t zp = uniform(-128, 127), a = uniform(-128, 127), b = uniform(-128, 127);
      std::int8_t want8[G], got8[G];
      backend::Scalar::pool_requantize_s8<G, 1>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), want8);
      B::template pool_requantize_s8<G, 1>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), got8);
      REQUIRE(std::memcmp(want8, got8, G) == 0);
      // Pooled: the maximum of 3 steps of 32 channels, or of 4 steps of 20 (a tail of 4).
      backend::Scalar::pool_requantize_s8<32, 3>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), want8);
      B::template pool_requantize_s8<32, 3>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), got8);
      REQUIRE(std::memcmp(want8, got8, 32) == 0);
      backend::Scalar::pool_requantize_s8<20, 4>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), want8);
      B::template pool_requantize_s8<20, 4>(acc, m0, shift, zp, std::min(a, b), std::max(a, b), got8);
      REQUIRE(std::memcmp(want8, got8, 20) == 0);

      check_lstm_elementwise<H, B>(acc, m0, shift, zp, uniform);
      check_lstm_elementwise<20, B>(acc, m0, shift, zp, uniform);  // a tail past the last full vector
    }
  });
}

// Prepared rows (re-laid out by a SIMD backend: int16 pairs, or VNNI byte quads with x + 128)
// must give Scalar's dot products for every row length, including odd ones and extremes.
template <std::size_t N, std::size_t R, class B>
void check_prepared_rows(std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(-128, 127);
  // Rows, x and 16 bytes of slack after each: the kernels may read up to 15 bytes past.
  std::vector<std::int8_t> w(R * N + 16), x(N + 16);
  std::int32_t bias[R], want[R], got[R];
  for (int round = 0; round < 50; ++round) {
    for (auto& v : w) v = static_cast<std::int8_t>(round == 0 ? -128 : round == 1 ? 127 : byte(rng));
    for (auto& v : x) v = static_cast<std::int8_t>(round == 0 ? -128 : round == 1 ? -128 : byte(rng));
    for (std::size_t r = 0; r < R; ++r) bias[r] = static_cast<std::int32_t>(byte(rng)) * 1000;
    backend::Scalar::dot_rows_s8<N, R>(w.data(), x.data(), bias, want);
    typename B::template PreparedRows<N, R> rows;
    B::template prepare_rows_s8<N, R>(w.data(), rows);
    B::template dot_prepared_s8<N, R>(rows, x.data(), bias, got);
    REQUIRE(std::memcmp(want, got, sizeof want) == 0);
    if constexpr (B::template relays_rows<N, R>) {  // the conv blocks' path: activations prepared once
      std::vector<typename B::PackedActivation> prepared(N + 16);
      B::template prepare_activations_s8<N>(x.data(), prepared.data());
      std::fill(got, got + R, 0);
      B::template dot_prepared_s8<N, R>(rows, static_cast<const typename B::PackedActivation*>(prepared.data()), bias, got);
      REQUIRE(std::memcmp(want, got, sizeof want) == 0);
    }
  }
}

TEST_CASE("int8 prepared rows give Scalar's dot products") {
  std::mt19937 rng(7);
  test::for_each_simd_backend([&](auto tag) {
    using B = typename decltype(tag)::type;
    check_prepared_rows<45, 16, B>(rng);  // the UCI-HAR conv blocks and LSTM
    check_prepared_rows<80, 16, B>(rng);
    check_prepared_rows<40, 96, B>(rng);
    check_prepared_rows<17, 8, B>(rng);  // odd lengths: a last pair or quad that is partly outside the row
    check_prepared_rows<3, 24, B>(rng);
    check_prepared_rows<66, 40, B>(rng);
    check_prepared_rows<12, 6, B>(rng);  // rows not a multiple of 8: used where they are
  });
}

TEST_CASE("int8 sigmoid/tanh table equals its definition, and the functions stay within 2 LSB") {
  for (int i = 0; i < 256; ++i) {
    const double v = std::floor(65536.0 / (1.0 + std::exp(-i / 24.0)) + 0.5);
    CHECK(q8::kSigmoidTable[i] == static_cast<std::uint16_t>(v > 65535 ? 65535 : v));
  }
  CHECK(q8::sigmoid_q15(0) == 16384);
  CHECK(q8::tanh_q15(0) == 0);
  double worst_sigmoid = 0, worst_tanh = 0;
  std::int32_t previous_s = -1, previous_t = -32768;
  for (std::int32_t z = -32768; z <= 32767; ++z) {  // every Q3.12 input
    const double x = z / 4096.0;
    const std::int32_t s = q8::sigmoid_q15(3 * z), t = q8::tanh_q15(3 * z);
    REQUIRE(s >= previous_s);  // monotone
    REQUIRE(t >= previous_t);
    previous_s = s;
    previous_t = t;
    worst_sigmoid = std::fmax(worst_sigmoid, std::fabs(s / 32768.0 - 1.0 / (1.0 + std::exp(-x))));
    worst_tanh = std::fmax(worst_tanh, std::fabs(t / 32768.0 - std::tanh(x)));
  }
  INFO("max |error|: sigmoid " << worst_sigmoid << ", tanh " << worst_tanh);
  CHECK(worst_sigmoid < 2.0 / 32768);
  CHECK(worst_tanh < 3.0 / 32768);
}

namespace {

// Runs the golden int8 windows of one case through every backend and both ways in (load,
// bind), and through quantize_sample + infer_quantized; all must equal the Python
// reference's logits bit for bit.
template <class Arch>
void run_int8_case(const std::string& name) {
  using Q = Int8<Arch>;
  const std::string base = test::golden_dir() + "/" + name + ".int8";
  const auto blob = test::read_bytes(base + ".mubi");
  const auto input = test::read_floats(base + ".input.f32");
  const auto expect = test::read_floats(base + ".logits.f32");
  INFO("int8 case " << name);
  REQUIRE(blob.size() == Q::blob_bytes);
  constexpr std::size_t in_size = Q::input_size, classes = Q::output_size;
  REQUIRE(input.size() % in_size == 0);
  const std::size_t n = input.size() / in_size;
  REQUIRE(expect.size() == n * classes);

  const auto check_model = [&](auto& model, const char* how) {
    for (std::size_t w = 0; w < n; ++w) {
      float out[classes];
      REQUIRE(model.infer(input.data() + w * in_size, out) == Status::ok);
      INFO(how << ", window " << w);
      CHECK(std::memcmp(out, expect.data() + w * classes, sizeof out) == 0);
    }
  };
  auto loaded = std::make_unique<Model<Q, backend::Scalar>>();
  REQUIRE(loaded->load(blob.data(), blob.size()) == Status::ok);
  check_model(*loaded, "scalar, load");
  test::Bytes aligned(blob);
  test::for_each_simd_backend([&](auto tag) {
    using B = typename decltype(tag)::type;
    auto bound = std::make_unique<BoundModel<Q, B>>();
    REQUIRE(bound->bind(aligned.data(), aligned.size()) == Status::ok);
    check_model(*bound, B::name);
  });

  // A window quantized sample by sample (as a streaming device keeps it) gives the same logits.
  std::vector<std::int8_t> q(in_size);
  for (std::size_t w = 0; w < n; ++w) {
    for (std::size_t t = 0; t < Q::In::len; ++t)
      REQUIRE(loaded->quantize_sample(input.data() + w * in_size + t * Q::In::ch, q.data() + t * Q::In::ch) == Status::ok);
    float out[classes];
    REQUIRE(loaded->infer_quantized(q.data(), out) == Status::ok);
    CHECK(std::memcmp(out, expect.data() + w * classes, sizeof out) == 0);
  }
}

}  // namespace

TEST_CASE("int8 golden: bit-exact with the integer reference, the 8 dataset configurations") {
  run_int8_case<configs::UciHar<>>("uci_har");
  run_int8_case<configs::MotionSense<>>("motionsense");
  run_int8_case<configs::Wisdm<>>("wisdm");
  run_int8_case<configs::Pamap2<>>("pamap2");
  run_int8_case<configs::Opportunity<>>("opportunity");
  run_int8_case<configs::UniMib<>>("unimib");
  run_int8_case<configs::Skoda<>>("skoda");
  run_int8_case<configs::Daphnet<>>("daphnet");
}

TEST_CASE("int8 golden: bit-exact with the integer reference, A1-A4 and other shapes") {
  run_int8_case<MuBiConvLSTM_A1<128, 9, 6>>("uci_har_a1");
  run_int8_case<MuBiConvLSTM_A2<128, 9, 6>>("uci_har_a2");
  run_int8_case<MuBiConvLSTM_A3<128, 9, 6>>("uci_har_a3");
  run_int8_case<MuBiConvLSTM_A4<128, 9, 6>>("uci_har_a4");
  run_int8_case<configs::UciHar<8, 16>>("uci_har_f8_h16");
  run_int8_case<configs::UciHar<24, 32>>("uci_har_f24_h32");
  run_int8_case<MuBiConvLSTM<128, 9, 6, 16, 24, 5, FinalStates>>("uci_har_final_states");
  run_int8_case<MuBiConvLSTM<128, 9, 6, 16, 24, 3>>("uci_har_k3");
}

TEST_CASE("int8 model type: sizes at compile time, same layer table as the folded float model") {
  using F = Folded<configs::UciHar<>>;
  using Q = Int8<configs::UciHar<>>;
  static_assert(Q::signature == F::signature);
  static_assert(Q::dtype == DType::i8 && F::dtype == DType::f32);
  static_assert(Q::params == F::params && Q::macs == F::macs && Q::macs_executed == F::macs_executed);
  static_assert(Q::record_count == F::record_count && Q::layer_count == 4);  // 3 conv blocks fused
  static_assert(Q::blob_bytes <= 12 * 1024, "the UCI-HAR int8 blob fits 12 KB (docs/int8.md, the bar)");
  static_assert(Q::blob_bytes == 12000);
  // Pooled activations only: 64 x 16 and 32 x 16 int8 at the two ends of the arena.
  static_assert(Q::activation_bytes == 64 * 16 + 32 * 16);
  static_assert(Q::arena_bytes < F::arena_bytes / 8);
}

TEST_CASE("int8 blobs: wrong dtype either way, bad quantization parameters refused without change") {
  using Q = Int8<configs::UciHar<>>;
  using F = Folded<configs::UciHar<>>;
  const auto q_blob = test::read_bytes(test::golden_dir() + "/uci_har.int8.mubi");
  const auto f_blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  auto qm = std::make_unique<Model<Q>>();
  auto fm = std::make_unique<Model<F>>();
  CHECK(qm->load(f_blob.data(), f_blob.size()) == Status::wrong_dtype);
  CHECK(fm->load(q_blob.data(), q_blob.size()) == Status::wrong_dtype);
  REQUIRE(qm->load(q_blob.data(), q_blob.size()) == Status::ok);
  const std::vector<unsigned char> before(qm->weights(), qm->weights() + Q::weight_bytes);

  // The first conv block's conv_quant tensor, its terms by name (q8::ConvQuant<16>).
  using CQ = q8::ConvQuant<16>;
  constexpr std::size_t quant = Q::payload_offset + Q::tensor_table[2].offset;
  const auto term = [](std::size_t i) { return quant + 4 * i; };
  static_assert(Q::tensor_table[2].role == TensorRole::conv_quant);
  const auto damaged = [&](std::size_t at, std::int32_t v) {
    auto u = q_blob;
    std::memcpy(u.data() + at, &v, 4);
    test::fix_crc(u);
    return u;
  };
  const std::pair<std::size_t, std::int32_t> cases[] = {
      {term(CQ::shift_at + 0), 31},           // shift 31: not a valid multiplier exponent
      {term(CQ::shift_at + 0), 30},           // shift 30: the accumulator would leave int32
      {term(CQ::m0_at + 3), -5},              // negative multiplier
      {term(CQ::zp_in_at), 128},              // zp_in outside int8
      {term(CQ::hi_at), -129},                // hi outside int8
      {term(CQ::bias_at + 0), 2147483000},    // a bias whose worst case overflows
  };
  for (const auto& damage : cases) {
    const std::size_t at = damage.first;  // (not a structured binding: INFO captures it)
    const std::int32_t v = damage.second;
    INFO("offset " << at << " value " << v);
    const auto u = damaged(at, v);
    CHECK(qm->load(u.data(), u.size()) == Status::invalid_parameter);
    test::Bytes aligned(u);
    auto bm = std::make_unique<BoundModel<Q>>();
    CHECK(bm->bind(aligned.data(), aligned.size()) == Status::invalid_parameter);
    CHECK_FALSE(bm->ready());
  }
  CHECK(std::equal(before.begin(), before.end(), qm->weights()));
  {  // the block's ReLU raises the lower bound to zp_out = 0, above hi = -10
    auto u = damaged(term(CQ::zp_out_at), 0);
    const std::int32_t hi = -10;
    std::memcpy(u.data() + term(CQ::hi_at), &hi, 4);
    test::fix_crc(u);
    CHECK(qm->load(u.data(), u.size()) == Status::invalid_parameter);
  }
  // The LSTM's cell power outside [-27, 0] and a non-integral input zero point.
  constexpr std::size_t lstm_quant = Q::payload_offset + Q::tensor_table[6].offset;
  static_assert(Q::tensor_table[6].role == TensorRole::lstm_quant_fwd);
  CHECK(qm->load(damaged(lstm_quant + 4 * q8::LstmQuant<24>::cell_power_at, 3).data(), q_blob.size()) ==
        Status::invalid_parameter);
  auto u = q_blob;
  const float half = 0.5f;
  std::memcpy(u.data() + Q::payload_offset + 4 * q8::InputQuant<9>::zero_point_at, &half, 4);  // quant_input zp
  test::fix_crc(u);
  CHECK(qm->load(u.data(), u.size()) == Status::invalid_parameter);
  const float nan = std::nanf("");
  std::memcpy(u.data() + Q::payload_offset + 4 * q8::InputQuant<9>::scale_at, &nan, 4);  // scale[0]
  test::fix_crc(u);
  CHECK(qm->load(u.data(), u.size()) == Status::non_finite_weight);
  CHECK(std::equal(before.begin(), before.end(), qm->weights()));
}

TEST_CASE("int8 input quantization saturates and maps NaN to the zero point") {
  using Q = Int8<configs::UciHar<>>;
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.int8.mubi");
  auto m = std::make_unique<Model<Q>>();
  std::int8_t q[9];
  const float sample[9] = {};
  CHECK(m->quantize_sample(sample, q) == Status::not_ready);
  REQUIRE(m->load(blob.data(), blob.size()) == Status::ok);
  const float* a = reinterpret_cast<const float*>(m->weights());
  const auto zp = static_cast<std::int8_t>(a[18]);
  const float huge[9] = {1e30f, -1e30f, INFINITY, -INFINITY, std::nanf(""), 1e6f, -1e6f, 0.0f, 0.0f};
  REQUIRE(m->quantize_sample(huge, q) == Status::ok);
  // a[c] > 0 (1 / (std * s)), so +big saturates high and -big low.
  CHECK(q[0] == 127);
  CHECK(q[1] == -128);
  CHECK(q[2] == 127);
  CHECK(q[3] == -128);
  CHECK(q[4] == zp);
  CHECK(q[5] == 127);
  CHECK(q[6] == -128);
}

#ifdef MUBI_TEST_AVX2
namespace {
// Avx2's kernels, counting the row preparations that re-lay int8 rows out.
struct CountingAvx2 : backend::x86::Avx2Kernels<CountingAvx2, xsimd::fma3<xsimd::avx2>, false> {
  static constexpr const char* name = "avx2 (counting)";
  static inline int prepares = 0;
  template <std::size_t N, std::size_t R, class Rows>
  static void prepare_rows_s8(const std::int8_t* w, Rows& rows) noexcept {
    if constexpr (relays_rows<N, R>) ++prepares;
    Avx2Kernels::template prepare_rows_s8<N, R>(w, rows);
  }
};
}  // namespace

TEST_CASE("prepared once: load() and bind() re-lay the int8 rows out, infer() only reads them") {
  using Q = Int8<configs::UciHar<>>;
  static_assert(Q::prepared_bytes<CountingAvx2> > 0 && Q::prepared_bytes<backend::Scalar> == 0);
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.int8.mubi");
  const auto input = test::read_floats(test::golden_dir() + "/uci_har.int8.input.f32");
  REQUIRE(input.size() >= 4 * Q::input_size);
  auto model = std::make_unique<Model<Q, CountingAvx2>>();
  auto reference = std::make_unique<Model<Q, backend::Scalar>>();
  REQUIRE(reference->load(blob.data(), blob.size()) == Status::ok);
  CountingAvx2::prepares = 0;
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);
  CHECK(CountingAvx2::prepares == 4);  // two conv blocks, the LSTM's two directions
  for (std::size_t w = 0; w < 4; ++w) {
    float got[Q::output_size], want[Q::output_size];
    REQUIRE(model->infer(input.data() + w * Q::input_size, got) == Status::ok);
    REQUIRE(reference->infer(input.data() + w * Q::input_size, want) == Status::ok);
    CHECK(std::memcmp(got, want, sizeof got) == 0);
  }
  CHECK(CountingAvx2::prepares == 4);  // none per window
  test::Bytes aligned(blob);
  auto bound = std::make_unique<BoundModel<Q, CountingAvx2>>();
  REQUIRE(bound->bind(aligned.data(), aligned.size()) == Status::ok);
  CHECK(CountingAvx2::prepares == 8);
  // The control: the forward pass without prepared weights does count per window.
  alignas(64) static unsigned char arena[Q::arena_bytes];
  float out[Q::output_size];
  Q::forward<CountingAvx2>(model->weights(), input.data(), out, arena);
  CHECK(CountingAvx2::prepares == 12);
}
#endif
