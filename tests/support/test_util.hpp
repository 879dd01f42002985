// Test helpers: reading golden files, aligned byte buffers. Tests may allocate; include/ may not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <mubi/format/blob.hpp>

namespace test {

inline std::string golden_dir() {
  const char* env = std::getenv("MUBI_GOLDEN_DIR");
  return env ? env : MUBI_GOLDEN_DIR_DEFAULT;
}

// The repository's examples/ (shipped models and real data), or MUBI_EXAMPLES_DIR.
inline std::string examples_dir() {
  const char* env = std::getenv("MUBI_EXAMPLES_DIR");
  return env ? env : MUBI_EXAMPLES_DIR_DEFAULT;
}

inline std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline std::vector<float> read_floats(const std::string& path) {
  const std::vector<unsigned char> b = read_bytes(path);
  std::vector<float> v(b.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
  return v;
}

// Bytes placed at a chosen offset from a 16-byte boundary (0 = aligned, for bind()).
class Bytes {
 public:
  explicit Bytes(const std::vector<unsigned char>& src, std::size_t misalign = 0)
      : store_(src.size() + 32), size_(src.size()) {
    auto addr = reinterpret_cast<std::uintptr_t>(store_.data());
    std::size_t pad = (16 - addr % 16) % 16 + misalign;
    data_ = store_.data() + pad;
    for (std::size_t i = 0; i < size_; ++i) data_[i] = src[i];
  }
  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::vector<unsigned char> vec() const { return std::vector<unsigned char>(data_, data_ + size_); }

 private:
  std::vector<unsigned char> store_;
  unsigned char* data_;
  std::size_t size_;
};

// Re-seals a blob after a deliberate edit, so checks past the CRC can be reached.
inline void fix_crc(std::vector<unsigned char>& b) {
  const std::uint32_t crc = mubi::format::blob_crc32(b.data(), b.size());
  for (int k = 0; k < 4; ++k) b[mubi::format::kCrcOffset + k] = static_cast<unsigned char>(crc >> (8 * k));
}

inline void put_u32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) b[at + k] = static_cast<unsigned char>(v >> (8 * k));
}

}  // namespace test
