// mubi demo: the UCI-HAR network trained on real data (examples/models/uci_har.mubi)
// classifies real UCI-HAR test windows shipped with the repository
// (examples/data/uci_har_sample: 240 windows, 40 per activity, from the 9 test subjects),
// and reports what a person wants to know: how well, how fast, how small.
//   mubi_demo [MODEL.mubi [DATASET_DIR]]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>

#include "common/window_dataset.hpp"

using Net = mubi::Folded<mubi::configs::UciHar<>>;  // 128 x 9 window -> 6 activities

static mubi::Model<Net> loaded;      // static storage: weights + arena, no heap
static mubi::BoundModel<Net> bound;  // arena only; weights stay in the blob
alignas(16) static unsigned char blob[Net::blob_bytes];  // stands in for a const array in flash

int main(int argc, char** argv) {
  const std::string model_path = argc > 1 ? argv[1] : MUBI_EXAMPLES_DIR "/models/uci_har.mubi";
  const std::string data_dir = argc > 2 ? argv[2] : MUBI_EXAMPLES_DIR "/data/uci_har_sample";

  bool ok = false;
  const std::vector<char> file = examples::slurp(model_path, ok);
  if (const mubi::Status s = loaded.load(file.data(), file.size()); s != mubi::Status::ok) {
    std::printf("cannot load %s: %s\n", model_path.c_str(), mubi::to_string(s));
    return 1;
  }
  std::memcpy(blob, file.data(), std::min(file.size(), sizeof blob));
  if (const mubi::Status s = bound.bind(blob, file.size()); s != mubi::Status::ok) {
    std::printf("cannot bind %s: %s\n", model_path.c_str(), mubi::to_string(s));
    return 1;
  }
  const examples::WindowDataset data = examples::read_window_dataset(data_dir, "test", Net::input_size);
  if (!data.error.empty()) {
    std::printf("%s\n", data.error.c_str());
    return 1;
  }
  std::vector<std::string> names = examples::read_class_names(data_dir);

  std::printf("mubi demo: μBi-ConvLSTM on real UCI-HAR test windows\n");
  std::printf("  model   %s (%s backend)\n", model_path.c_str(), mubi::Model<Net>::backend::name);
  std::printf("  data    %s: %zu windows of 128 x 9 raw sensor values (2.56 s at 50 Hz)\n\n", data_dir.c_str(),
              data.count);

  auto cm = std::make_unique<mubi::Confusion<Net::output_size>>();
  std::size_t agree = 0;
  for (std::size_t i = 0; i < data.count; ++i) {
    std::array<float, Net::output_size> a{}, b{};
    loaded.infer(data.x.data() + i * Net::input_size, a.data());
    bound.infer(data.x.data() + i * Net::input_size, b.data());
    agree += a == b;
    cm->add(data.y[i], mubi::argmax(a.data(), a.size()));
  }
  examples::print_report(*cm, names);

  // Latency: median of 15 rounds over all windows, one thread.
  std::vector<double> rounds;
  std::array<float, Net::output_size> out{};
  for (int r = 0; r < 15; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < data.count; ++i) bound.infer(data.x.data() + i * Net::input_size, out.data());
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                     static_cast<double>(data.count));
  }
  std::sort(rounds.begin(), rounds.end());
  std::printf("\n  latency      %.1f us per window (median of 15 rounds, one thread)\n", rounds[rounds.size() / 2]);
  std::printf("  model        %zu parameters; blob %zu bytes (weights %zu), known at compile time\n",
              mubi::configs::UciHar<>::params, Net::blob_bytes, Net::weight_bytes);
  std::printf("  arena        %zu bytes of activations and scratch\n", Net::arena_bytes);
  std::printf("  work         %zu MACs per window (%zu in the paper's count: the backward LSTM needs one step)\n",
              Net::macs_executed, Net::macs);
  std::printf("  load / bind  agree bit for bit on %zu of %zu windows\n", agree, data.count);
  return agree == data.count ? 0 : 1;
}
