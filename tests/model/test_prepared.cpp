// Prepared float weights (model/sequential.hpp, prepare()): where a backend reads float
// weights from a 64-byte-aligned copy (backend::copies_float_weights), infer() reads that copy
// only. Built in the per-ISA test binaries (the AVX2 kernels); int8's prepared rows are
// tested in layers/test_int8.cpp.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>

#include <mubi/mubi.hpp>

#include "backends.hpp"
#include "test_util.hpp"

using namespace mubi;

#ifdef MUBI_TEST_AVX2
TEST_CASE("float weights: the AVX2 and AVX-512 kernels read a 64-byte-aligned copy made at bind(), never the blob") {
  using A = Folded<configs::UciHar<>>;  // the golden blob is the folded, deployed network
  // Every float layer with weights gets its block copied; Scalar (the MCU) and Sse2 copy nothing.
  static_assert(A::prepared_bytes<backend::Scalar> == 0 && A::prepared_bytes<backend::Sse2> == 0);
  static_assert(A::prepared_bytes<backend::Avx2> >= A::weight_bytes);
  for (std::size_t i = 0; i <= A::layer_count; ++i) CHECK(A::prepared_offset<backend::Avx2>[i] % 64 == 0);
  const auto blob = test::read_bytes(test::golden_dir() + "/uci_har.mubi");
  const auto input = test::read_floats(test::golden_dir() + "/uci_har.input.f32");
  REQUIRE(input.size() >= A::input_size);
  // Overwrites the bound blob's weights after bind(): whether the model's result changes.
  const auto changes_after_overwrite = [&](auto& model) {
    test::Bytes bound(blob);
    REQUIRE(model.bind(bound.data(), bound.size()) == Status::ok);
    float before[A::output_size], after[A::output_size];
    REQUIRE(model.infer(input.data(), before) == Status::ok);
    std::memset(bound.data() + A::payload_offset, 0x3f, A::weight_bytes);  // 0.75 everywhere
    REQUIRE(model.infer(input.data(), after) == Status::ok);
    return std::memcmp(before, after, sizeof before) != 0;
  };
  auto avx2 = std::make_unique<BoundModel<A, backend::Avx2>>();
  CHECK_FALSE(changes_after_overwrite(*avx2));
  // The control: Scalar reads the weights where they are, so the overwrite shows.
  auto scalar = std::make_unique<BoundModel<A, backend::Scalar>>();
  CHECK(changes_after_overwrite(*scalar));
}
#endif
