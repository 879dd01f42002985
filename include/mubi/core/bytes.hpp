// mubi: little-endian reads from unaligned bytes (blob header, tables and load() payloads).
#pragma once

#include <cstdint>
#include <cstring>

#include "../config.hpp"

namespace mubi::detail {

MUBI_ALWAYS_INLINE std::uint16_t read_u16(const unsigned char* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
MUBI_ALWAYS_INLINE std::uint32_t read_u32(const unsigned char* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t read_u64(const unsigned char* p) noexcept {
  return static_cast<std::uint64_t>(read_u32(p)) | (static_cast<std::uint64_t>(read_u32(p + 4)) << 32);
}
// The host is little-endian (config.hpp), so a float is its four bytes in order.
inline float read_f32(const unsigned char* p) noexcept {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}

}  // namespace mubi::detail
