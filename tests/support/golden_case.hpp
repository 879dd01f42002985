// Parity with PyTorch: golden vectors written by python/mubi_train/golden.py (random-weight
// reference modules, raw input windows, PyTorch float32 logits). Every case is run four
// ways on the scalar backend (the folded blob loaded and bound, the unfolded blob through
// BatchNorm layers, the unfolded blob folded at load) and through every other backend of
// the build. MUBI_GOLDEN_DIR points the same test at freshly exported vectors
// (tests/model/roundtrip.sh).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>

#include <mubi/mubi.hpp>

#include "backends.hpp"
#include "logits_check.hpp"
#include "test_util.hpp"

namespace golden {

template <class Arch>
void run_case(const std::string& name) {
  using Deploy = mubi::Folded<Arch>;
  const std::string base = test::golden_dir() + "/" + name;
  const auto folded = test::read_bytes(base + ".mubi");
  const auto unfolded = test::read_bytes(base + ".unfolded.mubi");
  const auto input = test::read_floats(base + ".input.f32");
  const auto logits = test::read_floats(base + ".logits.f32");
  INFO("case " << name << " from " << base);
  REQUIRE(!folded.empty());
  REQUIRE(!unfolded.empty());
  CHECK(folded.size() == Deploy::blob_bytes);
  CHECK(unfolded.size() == Arch::blob_bytes);

  auto loaded = std::make_unique<mubi::Model<Deploy, mubi::backend::Scalar>>();
  REQUIRE(loaded->load(folded.data(), folded.size()) == mubi::Status::ok);
  expect_logits(*loaded, input, logits, "folded blob, load");

  test::Bytes aligned(folded);
  auto bound = std::make_unique<mubi::BoundModel<Deploy, mubi::backend::Scalar>>();
  REQUIRE(bound->bind(aligned.data(), aligned.size()) == mubi::Status::ok);
  expect_logits(*bound, input, logits, "folded blob, bind");

  auto reference = std::make_unique<mubi::Model<Arch, mubi::backend::Scalar>>();
  REQUIRE(reference->load(unfolded.data(), unfolded.size()) == mubi::Status::ok);
  expect_logits(*reference, input, logits, "unfolded blob, BatchNorm layers");

  auto folded_on_load = std::make_unique<mubi::Model<Deploy, mubi::backend::Scalar>>();
  REQUIRE(folded_on_load->load(unfolded.data(), unfolded.size()) == mubi::Status::ok);
  expect_logits(*folded_on_load, input, logits, "unfolded blob, folded on load");

  test::for_each_simd_backend([&](auto tag) {
    using B = typename decltype(tag)::type;
    auto simd = std::make_unique<mubi::BoundModel<Deploy, B>>();
    REQUIRE(simd->bind(aligned.data(), aligned.size()) == mubi::Status::ok);
    expect_logits(*simd, input, logits, std::string("folded blob, backend ") + B::name);
    auto simd_ref = std::make_unique<mubi::Model<Arch, B>>();
    REQUIRE(simd_ref->load(unfolded.data(), unfolded.size()) == mubi::Status::ok);
    expect_logits(*simd_ref, input, logits, std::string("unfolded blob, backend ") + B::name);
  });
}

}  // namespace golden

