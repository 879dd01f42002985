// The streaming runner on a long real stream (examples/data/uci_har_stream: 3072 samples of a
// UCI-HAR test volunteer): every classification equals infer() on the same window, bit for
// bit, for the shipped float and int8 models and for two hops.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <mubi/mubi.hpp>

#include "test_util.hpp"

using namespace mubi;

namespace {

template <class M, std::size_t Hop>
void stream_equals_windows(const char* model_file) {
  const auto blob = test::read_bytes(test::examples_dir() + "/models/" + model_file);
  const auto stream = test::read_floats(test::examples_dir() + "/data/uci_har_stream/stream.f32");
  constexpr std::size_t T = M::In::len, C = M::In::ch, N = M::output_size;
  const std::size_t samples = stream.size() / C;
  REQUIRE(samples == 3072);
  auto model = std::make_unique<M>();
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);
  auto runner = std::make_unique<Stream<M, Hop>>(*model);
  INFO(model_file << ", hop " << Hop);

  std::size_t emitted = 0;
  for (std::size_t s = 0; s < samples; ++s) {
    bool classified = false;
    REQUIRE(runner->push(stream.data() + s * C, classified) == Status::ok);
    // A window is complete at sample T-1, then every Hop samples.
    const bool due = s + 1 >= T && (s + 1 - T) % Hop == 0;
    REQUIRE(classified == due);
    if (!classified) continue;
    const std::size_t start = s + 1 - T;
    float expect[N];
    REQUIRE(model->infer(stream.data() + start * C, expect) == Status::ok);
    CHECK(std::memcmp(runner->scores(), expect, sizeof expect) == 0);
    CHECK(runner->label() == argmax(expect, N));
    ++emitted;
  }
  CHECK(emitted == (samples - T) / Hop + 1);
  CHECK(runner->classifications() == emitted);

  // After reset() a whole new window is needed before the next classification.
  runner->reset();
  bool classified = true;
  for (std::size_t s = 0; s + 1 < T; ++s) {
    REQUIRE(runner->push(stream.data() + s * C, classified) == Status::ok);
    CHECK_FALSE(classified);
  }
}

template <class M, std::size_t... I>
bool every_layer(M& model, const float* in, float* out, std::index_sequence<I...>) {
  return ((model.template infer_layer<I>(in, out) == Status::ok) && ...);
}

}  // namespace

TEST_CASE("streaming: float model, every classification equals infer() on its window") {
  using M = Model<Folded<configs::UciHar<>>>;
  stream_equals_windows<M, 64>("uci_har.mubi");
  stream_equals_windows<M, 25>("uci_har.mubi");
}

TEST_CASE("streaming: int8 model (window kept in int8), every classification equals infer()") {
  using M = Model<Int8<configs::UciHar<>>>;
  stream_equals_windows<M, 64>("uci_har.int8.mubi");
  stream_equals_windows<M, 25>("uci_har.int8.mubi");
  static_assert(sizeof(Stream<M>) < 128 * 9 + 64, "the int8 window is kept in int8");
}

TEST_CASE("layer by layer (infer_layer, the firmware's profiler) equals infer(); window_data is the window") {
  using M = Model<Int8<configs::UciHar<>>>;
  const auto blob = test::read_bytes(test::examples_dir() + "/models/uci_har.int8.mubi");
  const auto samples = test::read_floats(test::examples_dir() + "/data/uci_har_stream/stream.f32");
  auto model = std::make_unique<M>();
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);
  auto runner = std::make_unique<Stream<M>>(*model);
  std::vector<std::int8_t> window(128 * 9);
  bool classified = false;
  for (std::size_t s = 0; s < 128; ++s) {
    REQUIRE(runner->push(samples.data() + s * 9, classified) == Status::ok);
    REQUIRE(model->quantize_sample(samples.data() + s * 9, window.data() + s * 9) == Status::ok);
  }
  REQUIRE(classified);
  // After the classification the window slid by a hop: its first 64 rows are rows 64..127.
  CHECK(std::memcmp(runner->window_data(), window.data() + 64 * 9, 64 * 9) == 0);
  float whole[6], layered[6];
  REQUIRE(model->infer_quantized(window.data(), whole) == Status::ok);
  CHECK(std::memcmp(whole, runner->scores(), sizeof whole) == 0);
  static_assert(M::arch::layer_count == 4);
  CHECK(model->infer_layer<0>(window.data(), layered) == Status::ok);
  CHECK(model->infer_layer<1>(window.data(), layered) == Status::ok);
  CHECK(model->infer_layer<2>(window.data(), layered) == Status::ok);
  CHECK(model->infer_layer<3>(window.data(), layered) == Status::ok);
  CHECK(std::memcmp(whole, layered, sizeof whole) == 0);
  // The float model too, from raw floats.
  using F = Model<Folded<configs::UciHar<>>>;
  const auto fblob = test::read_bytes(test::examples_dir() + "/models/uci_har.mubi");
  auto fmodel = std::make_unique<F>();
  REQUIRE(fmodel->load(fblob.data(), fblob.size()) == Status::ok);
  float fwhole[6], flayered[6];
  REQUIRE(fmodel->infer(samples.data(), fwhole) == Status::ok);
  CHECK(every_layer(*fmodel, samples.data(), flayered, std::make_index_sequence<F::arch::layer_count>{}));
  // Float: the same within rounding (a host build may contract multiply-adds differently when
  // the layers are inlined into forward() than when run alone; int8 above is exact).
  for (std::size_t k = 0; k < 6; ++k) CHECK(std::fabs(fwhole[k] - flayered[k]) <= 1e-5f * (1.0f + std::fabs(fwhole[k])));
  auto unbound = std::make_unique<F>();
  CHECK(unbound->infer_layer<0>(samples.data(), flayered) == Status::not_ready);
}

TEST_CASE("streaming: a model that is not ready reports it and classifies nothing") {
  using M = BoundModel<Int8<configs::UciHar<>>>;
  auto model = std::make_unique<M>();
  Stream<M> runner(*model);
  const float sample[9] = {};
  bool classified = true;
  CHECK(runner.push(sample, classified) == Status::not_ready);
  CHECK_FALSE(classified);
}

namespace {

// The scores of every classification of the stream, as the host computes them.
template <class M>
std::vector<float> host_scores(const char* model_file) {
  const auto blob = test::read_bytes(test::examples_dir() + "/models/" + model_file);
  const auto stream = test::read_floats(test::examples_dir() + "/data/uci_har_stream/stream.f32");
  auto model = std::make_unique<M>();
  REQUIRE(model->load(blob.data(), blob.size()) == Status::ok);
  auto runner = std::make_unique<Stream<M>>(*model);
  std::vector<float> scores;
  for (std::size_t s = 0; s < stream.size() / M::In::ch; ++s) {
    bool classified = false;
    REQUIRE(runner->push(stream.data() + s * M::In::ch, classified) == Status::ok);
    if (classified) scores.insert(scores.end(), runner->scores(), runner->scores() + M::output_size);
  }
  return scores;
}

template <class M>
void check_expected_file(const char* model_file, const char* expected_file) {
  const auto scores = host_scores<M>(model_file);
  const std::string path = test::examples_dir() + "/data/uci_har_stream/" + expected_file;
  // Regenerating writes PATH.new beside the committed file and still compares with the
  // committed one: the check never compares a file with itself (replace it by hand).
  if (std::getenv("MUBI_WRITE_EXPECTED")) {
    std::ofstream(path + ".new", std::ios::binary)
        .write(reinterpret_cast<const char*>(scores.data()), static_cast<std::streamsize>(scores.size() * 4));
    MESSAGE("wrote " << path << ".new");
  }
  const auto committed = test::read_floats(path);
  INFO(path << " (MUBI_WRITE_EXPECTED=1 mubi_tests -tc='*MCU*' writes the host's scores to " << path << ".new)");
  REQUIRE(committed.size() == scores.size());
#if defined(__FMA__)
  // A host build with FMA (-march=native) may contract the float kernels' multiply-adds, so
  // the float file (written by a build without FMA) holds within 1e-5, as the firmware's
  // float check does within 1e-4; int8 is integer arithmetic and stays bit-exact.
  if (!M::is_int8) {
    for (std::size_t i = 0; i < scores.size(); ++i) CHECK(std::fabs(committed[i] - scores[i]) < 1e-5f);
    return;
  }
#endif
  CHECK(std::memcmp(committed.data(), scores.data(), scores.size() * 4) == 0);
}

}  // namespace

TEST_CASE("streaming: the MCU firmware's expected scores are the host's (examples/mcu)") {
  check_expected_file<Model<Int8<configs::UciHar<>>, backend::Scalar>>("uci_har.int8.mubi", "expected_int8.f32");
  check_expected_file<Model<Folded<configs::UciHar<>>, backend::Scalar>>("uci_har.mubi", "expected_float.f32");
}
