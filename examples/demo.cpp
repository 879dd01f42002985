// mubi demo: the UCI-HAR network trained on real data (examples/models/uci_har.mubi) and its
// int8 quantization (uci_har.int8.mubi) classify real UCI-HAR test windows shipped with the
// repository (examples/data/uci_har_sample: 240 windows, 40 per activity, from the 9 test
// subjects), and the demo reports what a person wants to know: how well, how fast, how small,
// float and int8 side by side. Then the same models with their front end (uci_har_raw*.mubi)
// take 61 s of a test volunteer's *raw* phone samples (acc in g, gyro in rad/s, 50 Hz) and
// classify the stream every 64 samples, as a device would.
//   mubi_demo [MODEL.mubi [DATASET_DIR [MODEL.int8.mubi]]]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "common/window_dataset.hpp"
#include "demo_models.hpp"

using demo::Net;
using demo::Net8;
using demo::RawNet;
using demo::RawNet8;
using demo::Trained;

static mubi::Model<Net> loaded;        // static storage: weights + arena, no heap
static mubi::BoundModel<Net> bound;    // arena only; weights stay in the blob
static mubi::BoundModel<Net8> bound8;  // the int8 model, bound the same way
alignas(16) static unsigned char blob[Net::blob_bytes];  // stand in for const arrays in flash
alignas(16) static unsigned char blob8[Net8::blob_bytes];

// Reads a blob into `to` and binds `model` to it.
template <class M, std::size_t N>
bool bind_file(M& model, const std::string& path, unsigned char (&to)[N]) {
  bool ok = false;
  const std::vector<char> file = examples::slurp(path, ok);
  if (!ok || file.size() > N) {
    std::printf("cannot bind %s: %s\n", path.c_str(), ok ? "larger than the model's blob" : "cannot read it");
    return false;
  }
  std::memcpy(to, file.data(), file.size());
  const mubi::Status s = model.bind(to, file.size());
  if (s != mubi::Status::ok) std::printf("cannot bind %s: %s\n", path.c_str(), mubi::to_string(s));
  return s == mubi::Status::ok;
}

// Median time per window over 15 rounds of the whole set, one thread.
template <class M>
double median_us(const M& model, const examples::WindowDataset& data) {
  std::vector<double> rounds;
  auto arena = std::make_unique<typename M::Arena>();
  std::array<float, M::output_size> out{};
  for (int r = 0; r < 15; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < data.count; ++i) model.infer(data.x.data() + i * M::input_size, out.data(), *arena);
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                     static_cast<double>(data.count));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

// Which kernels a model runs: its backend, or for runtime dispatch the instruction set chosen.
template <class M>
static std::string kernels_in_use(const M& model) {
  if constexpr (M::is_dispatched)
    return std::string("dispatched at load: ") + mubi::to_string(model.isa()) + " kernels";
  else
    return std::string(M::backend::name) + " backend";
}

// Raw samples in: the front end stored in the blob makes the network's 9 channels.
static mubi::Model<RawNet> raw_model;
static mubi::Model<RawNet8> raw_model8;

template <class M>
bool load_file(M& model, const std::string& path) {
  bool ok = false;
  const std::vector<char> file = examples::slurp(path, ok);
  const mubi::Status s = ok ? model.load(file.data(), file.size()) : mubi::Status::truncated;
  if (s != mubi::Status::ok) std::printf("cannot load %s: %s\n", path.c_str(), mubi::to_string(s));
  return s == mubi::Status::ok;
}

int raw_stream(const std::string& dir) {
  if (!load_file(raw_model, MUBI_EXAMPLES_DIR "/models/uci_har_raw.mubi") ||
      !load_file(raw_model8, MUBI_EXAMPLES_DIR "/models/uci_har_raw.int8.mubi"))
    return 1;
  bool ok = false, ok_labels = false;
  const std::vector<char> bytes = examples::slurp(dir + "/raw.f32", ok);
  const std::vector<char> labels = examples::slurp(dir + "/labels.u8", ok_labels);  // per sample, 255: none
  constexpr std::size_t R = RawNet::frontend::raw_channels, lag = RawNet::frontend::lag, T = RawNet::In::len;
  const std::size_t n = bytes.size() / (R * sizeof(float));
  if (!ok || !ok_labels || n == 0 || labels.size() + lag < n) {
    std::printf("cannot read the raw stream in %s\n", dir.c_str());
    return 1;
  }
  std::vector<float> raw(n * R);
  std::memcpy(raw.data(), bytes.data(), raw.size() * sizeof(float));

  auto stream = std::make_unique<mubi::Stream<mubi::Model<RawNet>>>(raw_model);
  auto stream8 = std::make_unique<mubi::Stream<mubi::Model<RawNet8>>>(raw_model8);
  const char letter[] = "WUDsSL";  // walking, upstairs, downstairs, sitting, standing, laying
  std::string truth, got, got8;
  std::size_t pure = 0, right = 0, right8 = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < n; ++k) {
    bool classified = false, classified8 = false;
    stream->push(raw.data() + k * R, classified);
    stream8->push(raw.data() + k * R, classified8);
    if (!classified) continue;
    // The window holds the features of raw samples k - lag - T + 1 .. k - lag.
    const std::size_t first = k - lag + 1 - T;
    const unsigned char l0 = static_cast<unsigned char>(labels[first]);
    bool one_activity = l0 < 6;
    for (std::size_t t = first; t < first + T; ++t) one_activity = one_activity && static_cast<unsigned char>(labels[t]) == l0;
    truth += one_activity ? letter[l0] : '.';
    got += letter[stream->label()];
    got8 += letter[stream8->label()];
    pure += one_activity;
    right += one_activity && stream->label() == l0;
    right8 += one_activity && stream8->label() == l0;
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\nmubi demo, part 2: raw phone samples in (%s/raw.f32)\n", dir.c_str());
  std::printf("  %zu samples of acc x y z (g) and gyro x y z (rad/s) at 50 Hz from a UCI-HAR test volunteer;\n"
              "  the front end stored in the blob (median, noise FIR, gravity and gyro high-pass filters)\n"
              "  makes the 9 channels, the model classifies every 64 samples (W U D walking / upstairs /\n"
              "  downstairs, s sitting, S standing, L laying, . window not inside one activity):\n",
              n);
  std::printf("    truth    %s\n    float32  %s\n    int8     %s\n", truth.c_str(), got.c_str(), got8.c_str());
  std::printf("  windows inside one activity: float32 right on %zu of %zu, int8 on %zu (the excerpt starts 174 s\n"
              "  into a recording: the first windows see the filters start from zero, docs/frontend.md)\n",
              right, pure, right8);
  std::printf("  %.1f us per raw sample for both streams (front end every sample, a model every 64th);\n"
              "  front-end state %zu bytes per stream\n",
              us / static_cast<double>(n), RawNet::frontend::state_bytes);
  return 0;
}

int main(int argc, char** argv) {
  const std::string model_path = argc > 1 ? argv[1] : MUBI_EXAMPLES_DIR "/models/uci_har.mubi";
  const std::string data_dir = argc > 2 ? argv[2] : MUBI_EXAMPLES_DIR "/data/uci_har_sample";
  const std::string int8_path = argc > 3 ? argv[3] : MUBI_EXAMPLES_DIR "/models/uci_har.int8.mubi";

  bool ok = false;
  const std::vector<char> file = examples::slurp(model_path, ok);
  if (const mubi::Status s = loaded.load(file.data(), file.size()); s != mubi::Status::ok) {
    std::printf("cannot load %s: %s\n", model_path.c_str(), mubi::to_string(s));
    return 1;
  }
  if (!bind_file(bound, model_path, blob) || !bind_file(bound8, int8_path, blob8)) return 1;
  const examples::WindowDataset data = examples::read_window_dataset(data_dir, "test", Net::input_size);
  if (!data.error.empty()) {
    std::printf("%s\n", data.error.c_str());
    return 1;
  }

  std::printf("mubi demo: μBi-ConvLSTM on real UCI-HAR test windows\n");
  std::printf("  model   %s (%s)\n", model_path.c_str(), kernels_in_use(loaded).c_str());
  std::printf("          %s (int8)\n", int8_path.c_str());
  std::printf("  data    %s: %zu windows of 128 x 9 raw sensor values (2.56 s at 50 Hz)\n\n", data_dir.c_str(),
              data.count);

  auto cm = std::make_unique<mubi::Confusion<Net::output_size>>();
  auto cm8 = std::make_unique<mubi::Confusion<Net::output_size>>();
  std::size_t agree = 0, same_label = 0;
  for (std::size_t i = 0; i < data.count; ++i) {
    std::array<float, Net::output_size> a{}, b{}, q{};
    const float* x = data.x.data() + i * Net::input_size;
    loaded.infer(x, a.data());
    bound.infer(x, b.data());
    bound8.infer(x, q.data());
    agree += a == b;
    const std::size_t label = mubi::argmax(a.data(), a.size()), label8 = mubi::argmax(q.data(), q.size());
    same_label += label == label8;
    cm->add(data.y[i], label);
    cm8->add(data.y[i], label8);
  }
  std::printf("float32 model:\n");
  examples::print_report(*cm, examples::read_class_names(data_dir));

  const double us = median_us(bound, data), us8 = median_us(bound8, data);
  std::printf("\n  %-26s %12s %12s\n", "", "float32", "int8");
  std::printf("  %-26s %11.2f%% %11.2f%%\n", "accuracy", 100.0 * cm->accuracy(), 100.0 * cm8->accuracy());
  std::printf("  %-26s %11.2f%% %11.2f%%\n", "macro-F1", 100.0 * cm->macro_f1(), 100.0 * cm8->macro_f1());
  std::printf("  %-26s %9.1f us %9.1f us\n", "latency per window", us, us8);
  std::printf("  %-26s %12zu %12zu\n", "blob bytes", Net::blob_bytes, Net8::blob_bytes);
  std::printf("  %-26s %12zu %12zu\n", "weight bytes", Net::weight_bytes, Net8::weight_bytes);
  std::printf("  %-26s %12zu %12zu\n", "arena bytes", Net::arena_bytes, Net8::arena_bytes);
  std::printf("\n  latency: median of 15 rounds, one thread; sizes are compile-time constants of the model types\n");
  std::printf("  model        %zu parameters, %zu MACs per window (%zu in the paper's count: the backward LSTM\n"
              "               needs one step)\n",
              Trained::params, Net::macs_executed, Net::macs);
  std::printf("  int8 label   equal to float32 on %zu of %zu windows\n", same_label, data.count);
  std::printf("  load / bind  agree bit for bit on %zu of %zu windows\n", agree, data.count);
  if (agree != data.count) return 1;
  return raw_stream(MUBI_EXAMPLES_DIR "/data/uci_har_stream");
}
