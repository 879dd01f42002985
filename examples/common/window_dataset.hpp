// Host helper for the examples: a "window dataset directory" as written by python/mubi/datasets.py
// and as in ../shared/data: {split}_x.f32 (N x T x C float32, time-major, raw units) and
// {split}_y.u8 (labels). Examples may allocate; the library may not.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include <mubi/eval/confusion.hpp>

namespace examples {

struct WindowDataset {
  std::vector<float> x;
  std::vector<std::uint8_t> y;
  std::size_t count = 0;
  std::string error;  // empty when loaded
};

inline std::vector<char> slurp(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Reads DIR/{split}_x.f32 and DIR/{split}_y.u8 for windows of `window_floats` values.
inline WindowDataset read_window_dataset(const std::string& dir, const std::string& split,
                                         std::size_t window_floats) {
  WindowDataset d;
  bool ok_x = false, ok_y = false;
  const std::vector<char> x = slurp(dir + "/" + split + "_x.f32", ok_x);
  const std::vector<char> y = slurp(dir + "/" + split + "_y.u8", ok_y);
  if (!ok_x || !ok_y) {
    d.error = "cannot read " + dir + "/" + split + "_x.f32 and " + split + "_y.u8";
    return d;
  }
  if (y.empty() || x.size() != y.size() * window_floats * sizeof(float)) {
    d.error = split + "_x.f32 holds " + std::to_string(x.size()) + " bytes, not " + std::to_string(y.size()) +
              " windows of " + std::to_string(window_floats) + " float32 values";
    return d;
  }
  d.count = y.size();
  d.x.resize(x.size() / sizeof(float));
  std::memcpy(d.x.data(), x.data(), x.size());
  d.y.assign(y.begin(), y.end());
  return d;
}

// A list of names from DIR/meta.json: the first of `keys` that holds a JSON array of
// strings; empty when absent. A deliberately small reader for these files, not a JSON parser.
inline std::vector<std::string> read_name_list(const std::string& dir, std::initializer_list<const char*> keys) {
  bool ok = false;
  const std::vector<char> raw = slurp(dir + "/meta.json", ok);
  const std::string text(raw.begin(), raw.end());
  for (const char* key : keys) {
    std::size_t at = text.find(key);
    if (at == std::string::npos) continue;
    at = text.find_first_not_of(" \t\r\n:", at + std::strlen(key));
    if (at == std::string::npos || text[at] != '[') continue;
    std::vector<std::string> names;
    const std::size_t end = text.find(']', at);
    for (std::size_t q = text.find('"', at); q != std::string::npos && q < end; q = text.find('"', q + 1)) {
      const std::size_t close = text.find('"', q + 1);
      if (close == std::string::npos || close > end) break;
      names.push_back(text.substr(q + 1, close - q - 1));
      q = close;
    }
    return names;
  }
  return {};
}

// Class names ("class_names" or "classes") and channel names ("channels").
inline std::vector<std::string> read_class_names(const std::string& dir) {
  return read_name_list(dir, {"\"class_names\"", "\"classes\""});
}
inline std::vector<std::string> read_channel_names(const std::string& dir) {
  return read_name_list(dir, {"\"channels\""});
}

// Accuracy, macro-F1, per-class precision / recall / F1 and the confusion matrix, for people.
template <std::size_t N>
void print_report(const mubi::Confusion<N>& cm, const std::vector<std::string>& names = {}) {
  const auto name = [&](std::size_t c) {
    static char buf[16];
    if (c < names.size()) return names[c].c_str();
    std::snprintf(buf, sizeof buf, "class %zu", c);
    return static_cast<const char*>(buf);
  };
  std::printf("  windows %llu, accuracy %.2f%%, macro-F1 %.2f%%\n", static_cast<unsigned long long>(cm.total()),
              100.0 * cm.accuracy(), 100.0 * cm.macro_f1());
  std::printf("\n  %-20s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1", "support");
  for (std::size_t c = 0; c < N; ++c)
    std::printf("  %-20s %8.2f%% %8.2f%% %8.2f%% %8llu\n", name(c), 100.0 * cm.precision(c), 100.0 * cm.recall(c),
                100.0 * cm.f1(c), static_cast<unsigned long long>(cm.support(c)));
  std::printf("\n  confusion matrix (rows: truth, columns: predicted)\n  %-20s", "");
  for (std::size_t c = 0; c < N; ++c) std::printf(" %6zu", c);
  std::printf("\n");
  for (std::size_t t = 0; t < N; ++t) {
    std::printf("  %zu %-18.18s", t, name(t));
    for (std::size_t p = 0; p < N; ++p) std::printf(" %6llu", static_cast<unsigned long long>(cm.at(t, p)));
    std::printf("\n");
  }
}

}  // namespace examples
