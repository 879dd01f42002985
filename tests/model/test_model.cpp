// Compile-time facts of the model types: shapes, parameter counts and MACs (spec table),
// sizes, the BatchNorm fold as a type transformation, and run-time model behaviour.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <type_traits>

#include <mubi/mubi.hpp>
#ifdef MUBI_TEST_XSIMD
#include <mubi/backend/xsimd.hpp>
#endif

#include "backends.hpp"
#include "test_util.hpp"

using namespace mubi;

// Spec table (paper Table II): PyTorch numel totals and MACs with every LSTM step.
#define MUBI_SPEC_ROW(Type, P, M)                      \
  static_assert(Type::params == (P), #Type " params"); \
  static_assert(Type::macs == (M), #Type " MACs")
MUBI_SPEC_ROW(configs::UciHar<>, 10454, 420128);
MUBI_SPEC_ROW(configs::MotionSense<>, 10214, 389408);
MUBI_SPEC_ROW(configs::Wisdm<>, 9974, 358688);
MUBI_SPEC_ROW(configs::Pamap2<>, 11548, 522816);
MUBI_SPEC_ROW(configs::Opportunity<>, 16005, 1136880);
MUBI_SPEC_ROW(configs::UniMib<>, 10121, 358832);
MUBI_SPEC_ROW(configs::Skoda<>, 12379, 482768);
MUBI_SPEC_ROW(configs::Daphnet<>, 10258, 210016);
#undef MUBI_SPEC_ROW

TEST_CASE("parameter counts and MACs equal the spec table (rounded as printed)") {
  struct Row {
    const char* name;
    std::size_t params, macs, spec_params;
    double spec_kmacs;
  };
  const Row rows[] = {
      {"UCI-HAR", configs::UciHar<>::params, configs::UciHar<>::macs, 10454, 420.1},
      {"MotionSense", configs::MotionSense<>::params, configs::MotionSense<>::macs, 10214, 389.4},
      {"WISDM", configs::Wisdm<>::params, configs::Wisdm<>::macs, 9974, 358.7},
      {"PAMAP2", configs::Pamap2<>::params, configs::Pamap2<>::macs, 11548, 522.8},
      {"Opportunity", configs::Opportunity<>::params, configs::Opportunity<>::macs, 16005, 1136.9},
      {"UniMib", configs::UniMib<>::params, configs::UniMib<>::macs, 10121, 358.8},
      {"SKODA", configs::Skoda<>::params, configs::Skoda<>::macs, 12379, 482.8},
      {"Daphnet", configs::Daphnet<>::params, configs::Daphnet<>::macs, 10258, 210.0},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    CHECK(r.params == r.spec_params);
    CHECK(std::round(static_cast<double>(r.macs) / 100.0) / 10.0 == doctest::Approx(r.spec_kmacs));
  }
}

TEST_CASE("shapes propagate from hyperparameters") {
  using A = configs::UciHar<>;
  static_assert(std::is_same_v<A::In, Shape<128, 9>>);
  static_assert(std::is_same_v<A::Out, Shape<1, 6>>);
  static_assert(std::is_same_v<A::layer<3>::Out, Shape<128, 16>>);  // after ReLU
  static_assert(std::is_same_v<A::layer<4>::Out, Shape<64, 16>>);   // after MaxPool
  static_assert(std::is_same_v<A::layer<9>::In, Shape<32, 16>>);    // BiLSTM input
  static_assert(std::is_same_v<A::layer<9>::Out, Shape<1, 48>>);
  // Odd lengths follow PyTorch's floor pooling: 98 -> 49 -> 24.
  using S = configs::Skoda<>;
  static_assert(std::is_same_v<S::layer<9>::In, Shape<24, 16>>);
  static_assert(std::is_same_v<S::Out, Shape<1, 11>>);
  using A1 = MuBiConvLSTM_A1<128, 9, 6>;
  static_assert(std::is_same_v<A1::layer<7>::In, Shape<128, 16>>);
  using A2 = MuBiConvLSTM_A2<128, 9, 6>;
  static_assert(std::is_same_v<A2::layer<9>::Out, Shape<1, 24>>);
  CHECK(A::input_size == 128 * 9);
  CHECK(A::output_size == 6);
}

TEST_CASE("BatchNorm fold as a type transformation") {
  using A = configs::UciHar<>;
  using Hand = Sequential<Input<128, 9>, Normalize, Conv1D<16, 5>, ReLU, MaxPool1D<2>, Conv1D<16, 5>, ReLU,
                          MaxPool1D<2>, BiLSTM<24, Last>, Dense<6>>;
  static_assert(std::is_same_v<fold_batchnorm_t<A>, Hand>);
  static_assert(Folded<A>::signature == Hand::signature);
  static_assert(Folded<A>::params == A::params - 2 * (2 * 16));  // gamma, beta of two BatchNorms
  static_assert(Folded<A>::macs == A::macs);
  // A BatchNorm that does not follow a Conv1D stays.
  using Lone = Sequential<Input<4, 2>, BatchNorm, Conv1D<3, 3>, BatchNorm>;
  static_assert(std::is_same_v<fold_batchnorm_t<Lone>, Sequential<Input<4, 2>, BatchNorm, Conv1D<3, 3>>>);
  CHECK(A::signature != Folded<A>::signature);
}

TEST_CASE("the last-step BiLSTM runs one backward step") {
  using A = configs::UciHar<>;
  CHECK(A::macs == 420128);
  CHECK(A::macs_executed == 301088);  // spec: 420K -> 301K
  using A4 = MuBiConvLSTM_A4<128, 9, 6>;
  CHECK(A4::macs_executed == A4::macs);  // mean needs every backward step
}

// Every backend of the build implements the backend contract (backend/contract.hpp); a
// backend that does not fails to compile (compile-fail test backend_contract).
static_assert(mubi::backend::conforms<mubi::backend::Scalar>);
#ifdef MUBI_TEST_XSIMD
static_assert(mubi::backend::conforms<mubi::backend::Xsimd<>>);
#if defined(__SSE2__)
static_assert(mubi::backend::conforms<mubi::backend::Sse2>);
#endif
#ifdef MUBI_TEST_AVX2
static_assert(mubi::backend::conforms<mubi::backend::Avx2>);
#endif
#ifdef MUBI_TEST_AVX2_VNNI
static_assert(mubi::backend::conforms<mubi::backend::Avx2Vnni>);
#endif
#ifdef MUBI_TEST_AVX512
static_assert(mubi::backend::conforms<mubi::backend::Avx512>);
#endif
#endif
#ifdef MUBI_TEST_EIGEN
static_assert(mubi::backend::conforms<mubi::backend::Eigen>);
#endif

TEST_CASE("sizes are compile-time constants") {
  using D = Folded<configs::UciHar<>>;
  // 14 tensors, each padded to 16 bytes.
  static_assert(D::tensor_count == 14);
  static_assert(D::weight_bytes == 40896);
  static_assert(D::payload_offset == 672);
  static_assert(D::blob_bytes == 672 + 40896);
  // Arena: the largest input + output of a layer (ReLU on 128 x 16 floats) + LSTM scratch.
  static_assert(D::activation_bytes == 2 * 128 * 16 * 4);
  static_assert(D::scratch_bytes == (8 * 96 + 3 * 24) * 4);  // LSTM: gates of 8 steps, h, c, sum
  static_assert(D::arena_bytes == (2 * 2048 + 840) * 4);
  static_assert(sizeof(BoundModel<D>) < sizeof(Model<D>));
  static_assert(sizeof(Model<D>) >= D::weight_bytes + D::arena_bytes);
  CHECK(D::signature == 0x72fe6e5b91d0d6c2ull);  // docs/format.md worked example
}

TEST_CASE("a model refuses to run before weights are loaded, and a failed load changes nothing") {
  using D = Folded<configs::UciHar<>>;
  auto m = std::make_unique<Model<D>>();
  std::array<float, D::input_size> in{};
  std::array<float, D::output_size> out{};
  CHECK_FALSE(m->ready());
  CHECK(m->infer(in, out) == Status::not_ready);

  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  const auto x = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(m->load(blob.data(), blob.size()) == Status::ok);
  std::copy(x.begin(), x.begin() + D::input_size, in.begin());
  REQUIRE(m->infer(in, out) == Status::ok);
  const auto before = out;
  const unsigned char* weights = m->weights();

  auto bad = blob;
  bad[blob.size() / 2] ^= 0x40;  // damaged payload
  CHECK(m->load(bad.data(), bad.size()) == Status::bad_checksum);
  const auto other = test::read_bytes(test::golden_dir() + "/wisdm.mubi");
  CHECK(m->load(other.data(), other.size()) == Status::wrong_architecture);
  CHECK(m->weights() == weights);
  REQUIRE(m->infer(in, out) == Status::ok);
  CHECK(out == before);

  // A separate arena gives the same result (thread-per-arena use).
  auto arena = std::make_unique<Model<D>::Arena>();
  std::array<float, D::output_size> out2{};
  REQUIRE(m->infer(in.data(), out2.data(), *arena) == Status::ok);
  CHECK(out2 == before);
}
