// mubi demo: classify windows with the UCI-HAR network, once through load() (weights copied
// into the model) and once through bind() (zero-copy over the blob), and report what a user
// cares about: labels, agreement, latency, bytes.
//   mubi_demo [MODEL.mubi WINDOWS.f32]
// Until a trained model ships, the default is the random-weight UCI-HAR golden blob and its
// windows from tests/data/golden (written by tools/gen_golden.py).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <mubi/mubi.hpp>

using Net = mubi::Folded<mubi::configs::UciHar<>>;  // 128 x 9 window -> 6 classes

static mubi::Model<Net> loaded;      // static storage: weights + arena, no heap
static mubi::BoundModel<Net> bound;  // arena only; weights stay in the blob
alignas(16) static unsigned char blob[Net::blob_bytes];  // stands in for a const array in flash

int main(int argc, char** argv) {
  const char* model_path = argc > 2 ? argv[1] : MUBI_DEMO_DIR "/uci_har.mubi";
  const char* windows_path = argc > 2 ? argv[2] : MUBI_DEMO_DIR "/uci_har.input.f32";
  static const char* const kClasses[] = {"WALKING", "UPSTAIRS", "DOWNSTAIRS", "SITTING", "STANDING", "LAYING"};

  std::ifstream f(model_path, std::ios::binary);
  const std::vector<unsigned char> file{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (const mubi::Status s = loaded.load(file.data(), file.size()); s != mubi::Status::ok) {
    std::printf("load %s: %s\n", model_path, mubi::to_string(s));
    return 1;
  }
  std::memcpy(blob, file.data(), std::min(file.size(), sizeof blob));
  if (const mubi::Status s = bound.bind(blob, file.size()); s != mubi::Status::ok) {
    std::printf("bind %s: %s\n", model_path, mubi::to_string(s));
    return 1;
  }

  std::ifstream w(windows_path, std::ios::binary);
  const std::vector<char> raw{std::istreambuf_iterator<char>(w), std::istreambuf_iterator<char>()};
  const std::size_t n = raw.size() / (Net::input_size * sizeof(float));
  if (n == 0) {
    std::printf("no 128 x 9 float32 windows in %s\n", windows_path);
    return 1;
  }
  std::vector<float> windows(n * Net::input_size);
  std::memcpy(windows.data(), raw.data(), windows.size() * sizeof(float));

  std::printf("mubi demo: μBi-ConvLSTM, UCI-HAR configuration (%s)\n", model_path);
  std::printf("  %zu parameters, %zu MACs per window (%zu executed: one backward LSTM step)\n",
              mubi::configs::UciHar<>::params, Net::macs, Net::macs_executed);
  std::printf("  blob %zu bytes, weights %zu bytes, arena %zu bytes, all known at compile time\n\n",
              Net::blob_bytes, Net::weight_bytes, Net::arena_bytes);

  std::size_t agree = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::array<float, Net::output_size> a{}, b{}, p{};
    loaded.infer(windows.data() + i * Net::input_size, a.data());
    bound.infer(windows.data() + i * Net::input_size, b.data());
    agree += a == b;
    mubi::softmax(a.data(), p.data(), p.size());
    const std::size_t label = mubi::argmax(a.data(), a.size());
    std::printf("  window %zu: %-10s p = %.3f\n", i, kClasses[label], static_cast<double>(p[label]));
  }
  std::printf("\n  load() and bind() agree bit for bit on %zu / %zu windows\n", agree, n);

  // Latency: median of 15 rounds over all windows (single thread, this build's flags).
  std::vector<double> rounds;
  std::array<float, Net::output_size> out{};
  for (int r = 0; r < 15; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int rep = 0; rep < 20; ++rep)
      for (std::size_t i = 0; i < n; ++i) bound.infer(windows.data() + i * Net::input_size, out.data());
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                     static_cast<double>(20 * n));
  }
  std::sort(rounds.begin(), rounds.end());
  std::printf("  latency: %.1f us per window (median of 15 rounds, scalar backend)\n", rounds[rounds.size() / 2]);
  return agree == n ? 0 : 1;
}
