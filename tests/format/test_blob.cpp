// Malformed blobs: each damage has its own status, nothing crashes, nothing changes.
// Starts from the golden UCI-HAR blobs written by python/mubi/export.py.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include <mubi/mubi.hpp>

#include "test_util.hpp"

using namespace mubi;

namespace {

using Arch = configs::UciHar<>;
using Deploy = Folded<Arch>;

std::vector<unsigned char> golden(const char* name) {
  auto b = test::read_bytes(test::golden_dir() + "/" + name);
  REQUIRE(!b.empty());
  return b;
}

Status load(const std::vector<unsigned char>& b) {
  auto m = std::make_unique<Model<Deploy>>();
  const Status s = m->load(b.data(), b.size());
  CHECK(m->ready() == (s == Status::ok));
  return s;
}

Status bind(const std::vector<unsigned char>& b, std::size_t misalign = 0) {
  test::Bytes bytes(b, misalign);
  BoundModel<Deploy> m;
  const Status s = m.bind(bytes.data(), bytes.size());
  CHECK(m.ready() == (s == Status::ok));
  return s;
}

// Byte offset of element k of tensor t in the blob.
std::size_t weight_at(std::size_t t, std::size_t k) {
  return Deploy::payload_offset + Deploy::tensor_table[t].offset + k * sizeof(float);
}

void put_f32(std::vector<unsigned char>& b, std::size_t at, float v) { std::memcpy(&b[at], &v, sizeof v); }

}  // namespace

TEST_CASE("a valid blob loads and binds") {
  const auto b = golden("uci_har.mubi");
  CHECK(b.size() == Deploy::blob_bytes);
  CHECK(load(b) == Status::ok);
  CHECK(bind(b) == Status::ok);
}

TEST_CASE("truncated at every byte") {
  const auto b = golden("uci_har.mubi");
  auto m = std::make_unique<Model<Deploy>>();
  BoundModel<Deploy> bm;
  test::Bytes aligned(b);
  std::size_t wrong = 0;
  for (std::size_t n = 0; n < b.size(); ++n) {
    wrong += m->load(b.data(), n) != Status::truncated;
    wrong += bm.bind(aligned.data(), n) != Status::truncated;
  }
  CHECK(wrong == 0);
  CHECK_FALSE(m->ready());
  CHECK(m->load(nullptr, 0) == Status::truncated);
  CHECK(m->load(nullptr, 1000) == Status::truncated);
}

TEST_CASE("header damage") {
  const auto good = golden("uci_har.mubi");
  auto b = good;
  SUBCASE("bad magic") {
    b[0] = 'X';
    CHECK(load(b) == Status::bad_magic);
  }
  SUBCASE("future version") {
    b[4] = 3;
    CHECK(load(b) == Status::unsupported_version);
  }
  SUBCASE("version 0") {
    b[4] = 0;
    CHECK(load(b) == Status::unsupported_version);
  }
  SUBCASE("undefined dtype") {
    b[6] = 9;
    CHECK(load(b) == Status::unknown_dtype);
  }
  SUBCASE("header_bytes") {
    test::put_u32(b, 16, 128);
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("reserved byte 7") {
    b[7] = 1;
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("reserved tail") {
    b[63] = 1;
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("payload offset inconsistent with the counts") {
    test::put_u32(b, 28, 688);
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("tensor count inconsistent with payload offset") {
    test::put_u32(b, 24, 15);
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("huge counts do not wrap") {
    test::put_u32(b, 20, 0xFFFFFFFFu);
    test::put_u32(b, 24, 0xFFFFFFFFu);
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("total_bytes inconsistent") {
    test::put_u32(b, 36, static_cast<std::uint32_t>(good.size() - 16));
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("payload_bytes not a multiple of 16") {
    test::put_u32(b, 32, static_cast<std::uint32_t>(Deploy::weight_bytes - 4));
    test::put_u32(b, 36, static_cast<std::uint32_t>(good.size() - 4));
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("zero layers") {
    test::put_u32(b, 20, 0);
    CHECK(load(b) == Status::bad_header);
  }
  SUBCASE("trailing bytes") {
    b.push_back(0);
    CHECK(load(b) == Status::size_mismatch);
  }
}

TEST_CASE("damaged bytes fail the checksum, wherever they are") {
  const auto good = golden("uci_har.mubi");
  for (std::size_t at : {std::size_t{8}, std::size_t{70}, std::size_t{300}, Deploy::payload_offset,
                         good.size() / 2, good.size() - 1}) {
    auto b = good;
    b[at] ^= 0x01;
    INFO("byte " << at);
    CHECK(load(b) == Status::bad_checksum);
    CHECK(bind(b) == Status::bad_checksum);
  }
  auto b = good;
  b[41] ^= 0xFF;  // the stored CRC itself
  CHECK(load(b) == Status::bad_checksum);
}

TEST_CASE("a valid blob of another dtype or architecture is refused by name") {
  auto b = golden("uci_har.mubi");
  b[6] = static_cast<unsigned char>(DType::i8);
  test::fix_crc(b);
  CHECK(load(b) == Status::wrong_dtype);
  CHECK(load(golden("wisdm.mubi")) == Status::wrong_architecture);
  CHECK(load(golden("uci_har_a4.mubi")) == Status::wrong_architecture);
  CHECK(bind(golden("uci_har_final_states.mubi")) == Status::wrong_architecture);
  // A bound (zero-copy) model cannot fold, so the unfolded blob is another architecture to it.
  CHECK(bind(golden("uci_har.unfolded.mubi")) == Status::wrong_architecture);
  // The unfolded model type does not take the folded blob.
  auto m = std::make_unique<Model<Arch>>();
  const auto folded = golden("uci_har.mubi");
  CHECK(m->load(folded.data(), folded.size()) == Status::wrong_architecture);
}

TEST_CASE("tables that do not match the signature or the model") {
  const auto good = golden("uci_har.mubi");
  auto b = good;
  SUBCASE("layer record edited, signature kept") {
    b[64 + 16 * 3 + 2] ^= 0x01;  // conv filters of layer 3's record
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_layer_table);
  }
  SUBCASE("layer table consistent with a forged signature") {
    // Swap two records and rewrite the signature to match: the hash checks out, the table
    // still differs from the model's, and the signature no longer names this model.
    b[64 + 16 * 1] = static_cast<unsigned char>(LayerKind::relu);
    const std::uint64_t sig = format::signature_of_bytes(b.data() + 64, 16 * 10);
    for (int k = 0; k < 8; ++k) b[8 + k] = static_cast<unsigned char>(sig >> (8 * k));
    test::fix_crc(b);
    CHECK(load(b) == Status::wrong_architecture);
  }
  const std::size_t tt = 64 + 16 * 10;  // tensor table
  SUBCASE("tensor element count") {
    b[tt + 8] ^= 0x01;
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_tensor_table);
  }
  SUBCASE("tensor offset") {
    b[tt + 32 + 12] ^= 0x10;
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_tensor_table);
  }
  SUBCASE("tensor role") {
    b[tt + 2] = 2;
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_tensor_table);
  }
  SUBCASE("tensor dtype") {
    b[tt + 4] = static_cast<unsigned char>(DType::i8);
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_tensor_table);
  }
  SUBCASE("non-zero scale on a float tensor") {
    b[tt + 19] = 0x3f;
    test::fix_crc(b);
    CHECK(load(b) == Status::bad_tensor_table);
  }
}

TEST_CASE("bind needs a 16-byte aligned payload; load does not") {
  const auto b = golden("uci_har.mubi");
  for (std::size_t off : {1, 2, 4, 8, 12}) {
    INFO("offset " << off);
    CHECK(bind(b, off) == Status::misaligned);
    test::Bytes shifted(b, off);
    auto m = std::make_unique<Model<Deploy>>();
    CHECK(m->load(shifted.data(), shifted.size()) == Status::ok);
  }
}

TEST_CASE("non-finite weights") {
  const auto good = golden("uci_har.mubi");
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  for (float v : bad_values)
    for (std::size_t t : {std::size_t{0}, std::size_t{2}, std::size_t{7}, Deploy::tensor_count - 1}) {
      auto b = good;
      put_f32(b, weight_at(t, 0), v);
      test::fix_crc(b);
      INFO("tensor " << t << " value " << v);
      CHECK(load(b) == Status::non_finite_weight);
      CHECK(bind(b) == Status::non_finite_weight);
    }
}

TEST_CASE("weights outside their domain") {
  const auto good = golden("uci_har.mubi");
  for (float v : {0.0f, -1.0f, -0.0f}) {
    auto b = good;
    put_f32(b, weight_at(1, 3), v);  // Normalize std of channel 3
    test::fix_crc(b);
    INFO("std " << v);
    CHECK(load(b) == Status::invalid_parameter);
  }
  // BatchNorm running_var < 0 in an unfolded blob, for the unfolded and the folding model.
  auto u = golden("uci_har.unfolded.mubi");
  const std::size_t var_tensor = 7;  // normalize 2, conv 2, bn gamma beta mean var
  REQUIRE(Arch::tensor_table[var_tensor].role == TensorRole::bn_running_var);
  put_f32(u, Arch::payload_offset + Arch::tensor_table[var_tensor].offset, -0.5f);
  test::fix_crc(u);
  auto ref = std::make_unique<Model<Arch>>();
  CHECK(ref->load(u.data(), u.size()) == Status::invalid_parameter);
  auto dep = std::make_unique<Model<Deploy>>();
  CHECK(dep->load(u.data(), u.size()) == Status::invalid_parameter);
}

TEST_CASE("a BatchNorm that would fold to a non-float weight is refused by the folding load") {
  // gamma 3e38 with running_var 0: finite as stored, and the unfolded model runs it, but
  // gamma / sqrt(var + eps) * w overflows float, so the fold refuses it (and changes nothing).
  auto u = golden("uci_har.unfolded.mubi");
  const std::size_t gamma_tensor = 4, var_tensor = 7;
  REQUIRE(Arch::tensor_table[gamma_tensor].role == TensorRole::bn_gamma);
  put_f32(u, Arch::payload_offset + Arch::tensor_table[gamma_tensor].offset, 3e38f);
  put_f32(u, Arch::payload_offset + Arch::tensor_table[var_tensor].offset, 0.0f);
  test::fix_crc(u);
  auto ref = std::make_unique<Model<Arch>>();
  CHECK(ref->load(u.data(), u.size()) == Status::ok);
  auto dep = std::make_unique<Model<Deploy>>();
  const auto good = golden("uci_har.mubi");
  REQUIRE(dep->load(good.data(), good.size()) == Status::ok);
  const unsigned char* before = dep->weights();
  std::vector<unsigned char> copy(before, before + Deploy::weight_bytes);
  CHECK(dep->load(u.data(), u.size()) == Status::invalid_parameter);
  CHECK(std::equal(copy.begin(), copy.end(), dep->weights()));
}

TEST_CASE("random damage behind a valid checksum never crashes") {
  const auto good = golden("uci_har.mubi");
  std::mt19937 rng(1234);
  std::uniform_int_distribution<std::size_t> pos(0, Deploy::payload_offset + 64);
  std::uniform_int_distribution<int> byte(0, 255);
  auto m = std::make_unique<Model<Deploy>>();
  int loaded = 0;
  for (int i = 0; i < 3000; ++i) {
    auto b = good;
    for (int k = 0; k < 1 + i % 4; ++k) b[pos(rng) % b.size()] = static_cast<unsigned char>(byte(rng));
    test::fix_crc(b);
    loaded += m->load(b.data(), b.size()) == Status::ok;
  }
  // Some edits hit padding or float bits and still load; the point is no crash.
  CHECK(loaded < 3000);
}

TEST_CASE("every status has a distinct name") {
  for (int i = 0; i <= static_cast<int>(Status::isa_unavailable); ++i)
    for (int j = 0; j < i; ++j)
      CHECK(std::string(to_string(static_cast<Status>(i))) != to_string(static_cast<Status>(j)));
  CHECK(std::string(to_string(Status::wrong_architecture)) == "wrong_architecture");
}
