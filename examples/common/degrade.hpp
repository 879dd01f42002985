// Degraded inputs for `mubi eval` (the paper's robustness tests, Section VI-A): samples lost
// at a fixed rate, and sensors lost entirely. Host-side example code (std::vector), not part
// of the library.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace examples {

struct Degradation {
  std::size_t drop_every = 0;             // K >= 2: every K-th sample lost; 0: none
  std::vector<std::size_t> zero_channels;  // channels read as 0 (a sensor lost)
  bool any() const { return drop_every != 0 || !zero_channels.empty(); }
};

// The hop h (1 <= h < T) at which window b continues window a (b's first T - h rows are a's
// last T - h rows, bit for bit), or 0 if it does not.
inline std::size_t continuation_hop(const float* a, const float* b, std::size_t T, std::size_t C) {
  for (std::size_t h = 1; h < T; ++h)
    if (std::memcmp(a + h * C, b, (T - h) * C * sizeof(float)) == 0) return h;
  return 0;
}

// Window i of `x` (count windows of T x C) as a degraded sensor would have delivered it:
// with drop_every = K, samples K-1, 2K-1, ... of the window's timeline are lost and the
// window is refilled with the samples that follow, taken from the next windows where they
// continue this one (same recording, found by their overlap); where the recording's samples
// run out, the last one is held (`held` is set). Then the zeroed channels.
inline void degrade_window(const float* x, std::size_t count, std::size_t i, std::size_t T, std::size_t C,
                           const Degradation& d, float* out, bool& held) {
  held = false;
  const float* w = x + i * T * C;
  if (d.drop_every < 2) {
    std::memcpy(out, w, T * C * sizeof(float));
  } else {
    // The recording from window i on: its T rows, then each continuing window's new rows.
    std::vector<const float*> rows;
    for (std::size_t t = 0; t < T; ++t) rows.push_back(w + t * C);
    const std::size_t need = T + T / (d.drop_every - 1) + 1;
    for (std::size_t j = i; rows.size() < need && j + 1 < count; ++j) {
      const float* a = x + j * T * C;
      const float* b = a + T * C;
      const std::size_t h = continuation_hop(a, b, T, C);
      if (h == 0) break;
      for (std::size_t t = T - h; t < T && rows.size() < need; ++t) rows.push_back(b + t * C);
    }
    std::size_t filled = 0;
    for (std::size_t s = 0; s < rows.size() && filled < T; ++s)
      if ((s + 1) % d.drop_every != 0) std::memcpy(out + filled++ * C, rows[s], C * sizeof(float));
    for (held = filled < T; filled < T; ++filled) std::memcpy(out + filled * C, out + (filled - 1) * C, C * sizeof(float));
  }
  for (const std::size_t c : d.zero_channels)
    for (std::size_t t = 0; t < T; ++t) out[t * C + c] = 0.0f;
}

// "3,4,5" or channel names from the dataset's meta.json ("body_gyro_x,..."); false if a
// channel is unknown or out of range.
inline bool parse_channels(const std::string& list, const std::vector<std::string>& names, std::size_t C,
                           std::vector<std::size_t>& out) {
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = list.find(',', at);
    const std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    std::size_t c = C;
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == item) c = k;
    if (c == C && !item.empty() && item.find_first_not_of("0123456789") == std::string::npos) c = std::stoul(item);
    if (c >= C) return false;
    out.push_back(c);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return !out.empty();
}

}  // namespace examples
