// mubi: the blob format, versions 1 and 2 (docs/format.md): constants, CRC-32, FNV-1a, and the
// header checks that need no model type (validation steps 1-8).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../core/bytes.hpp"
#include "../core/descriptor.hpp"
#include "../status.hpp"

namespace mubi::format {

inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::uint16_t kVersionFrontEnd = 2;  // the layer table starts with a front end
inline constexpr std::size_t kHeaderBytes = 64;
inline constexpr std::size_t kLayerRecordBytes = 16;
inline constexpr std::size_t kTensorDescBytes = 32;
inline constexpr std::size_t kCrcOffset = 40;
inline constexpr unsigned char kMagic[4] = {'M', 'U', 'B', 'I'};

constexpr std::size_t payload_offset(std::size_t layers, std::size_t tensors) {
  return align_up(kHeaderBytes + kLayerRecordBytes * layers + kTensorDescBytes * tensors);
}

// CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zlib.crc32, four bits at a time: a 64-byte
// table instead of the usual 1 KB, which matters in a 24 KB firmware; a blob is checked once.
namespace detail {
constexpr std::array<std::uint32_t, 16> make_crc_table() {
  std::array<std::uint32_t, 16> t{};
  for (std::uint32_t i = 0; i < 16; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 4; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
inline constexpr std::array<std::uint32_t, 16> kCrcTable = make_crc_table();
}  // namespace detail

// Continues a CRC: pass the previous result as `crc` (start with 0).
inline std::uint32_t crc32(const unsigned char* p, std::size_t n, std::uint32_t crc = 0) noexcept {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    crc = detail::kCrcTable[crc & 0xFu] ^ (crc >> 4);
    crc = detail::kCrcTable[crc & 0xFu] ^ (crc >> 4);
  }
  return ~crc;
}

// The blob's CRC: the whole blob with the 4 CRC bytes read as zero.
inline std::uint32_t blob_crc32(const unsigned char* p, std::size_t total) noexcept {
  const unsigned char zero[4] = {0, 0, 0, 0};
  std::uint32_t crc = crc32(p, kCrcOffset);
  crc = crc32(zero, 4, crc);
  return crc32(p + kCrcOffset + 4, total - kCrcOffset - 4, crc);
}

inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

constexpr std::uint64_t fnv1a_byte(std::uint64_t h, std::uint8_t b) { return (h ^ b) * kFnvPrime; }

// Serialises a layer record little-endian, exactly as in the blob's layer table.
constexpr std::array<std::uint8_t, kLayerRecordBytes> record_bytes(const LayerRecord& r) {
  std::array<std::uint8_t, kLayerRecordBytes> b{};
  const std::uint32_t v16[4] = {static_cast<std::uint16_t>(r.kind), r.p0, r.p1, r.p2};
  for (int i = 0; i < 4; ++i) {
    b[2 * i] = static_cast<std::uint8_t>(v16[i] & 0xFF);
    b[2 * i + 1] = static_cast<std::uint8_t>(v16[i] >> 8);
  }
  const std::uint32_t v32[2] = {r.out_len, r.out_ch};
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) b[8 + 4 * i + k] = static_cast<std::uint8_t>((v32[i] >> (8 * k)) & 0xFF);
  return b;
}

template <std::size_t N>
constexpr std::uint64_t signature_of(const std::array<LayerRecord, N>& records) {
  std::uint64_t h = kFnvOffset;
  for (const LayerRecord& r : records)
    for (std::uint8_t byte : record_bytes(r)) h = fnv1a_byte(h, byte);
  return h;
}

inline std::uint64_t signature_of_bytes(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = 0; i < n; ++i) h = fnv1a_byte(h, p[i]);
  return h;
}

// A blob whose header passed steps 1-8: where things are.
struct BlobView {
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  std::uint16_t version = 0;
  std::uint8_t dtype = 0;
  std::uint64_t signature = 0;
  std::uint32_t layer_count = 0, tensor_count = 0;
  std::uint32_t payload_offset = 0, payload_bytes = 0, total_bytes = 0;

  const unsigned char* layer_table() const noexcept { return data + kHeaderBytes; }
  const unsigned char* tensor_table() const noexcept {
    return layer_table() + kLayerRecordBytes * layer_count;
  }
  const unsigned char* payload() const noexcept { return data + payload_offset; }
  LayerRecord layer(std::size_t i) const noexcept {
    const unsigned char* p = layer_table() + kLayerRecordBytes * i;
    return LayerRecord{static_cast<LayerKind>(::mubi::detail::read_u16(p)), ::mubi::detail::read_u16(p + 2),
                       ::mubi::detail::read_u16(p + 4), ::mubi::detail::read_u16(p + 6),
                       ::mubi::detail::read_u32(p + 8), ::mubi::detail::read_u32(p + 12)};
  }
};

// Validation steps 1-8 of docs/format.md. On failure `out` is left untouched.
inline Status parse_header(const void* data, std::size_t size, BlobView& out) noexcept {
  using ::mubi::detail::read_u16;
  using ::mubi::detail::read_u32;
  const auto* p = static_cast<const unsigned char*>(data);
  if (p == nullptr || size < kHeaderBytes) return Status::truncated;
  for (int i = 0; i < 4; ++i)
    if (p[i] != kMagic[i]) return Status::bad_magic;
  const std::uint16_t version = read_u16(p + 4);
  if (version != kVersion && version != kVersionFrontEnd) return Status::unsupported_version;
  const std::uint8_t dtype = p[6];
  if (dtype != static_cast<std::uint8_t>(DType::f32) && dtype != static_cast<std::uint8_t>(DType::i8))
    return Status::unknown_dtype;

  BlobView v;
  v.data = p;
  v.size = size;
  v.version = version;
  v.dtype = dtype;
  v.signature = ::mubi::detail::read_u64(p + 8);
  v.layer_count = read_u32(p + 20);
  v.tensor_count = read_u32(p + 24);
  v.payload_offset = read_u32(p + 28);
  v.payload_bytes = read_u32(p + 32);
  v.total_bytes = read_u32(p + 36);
  bool reserved_zero = p[7] == 0;
  for (std::size_t i = 44; i < kHeaderBytes; ++i) reserved_zero = reserved_zero && p[i] == 0;
  // 64-bit arithmetic: the counts are untrusted and must not wrap on 32-bit targets.
  const std::uint64_t table_end = kHeaderBytes + std::uint64_t{kLayerRecordBytes} * v.layer_count +
                                  std::uint64_t{kTensorDescBytes} * v.tensor_count;
  const std::uint64_t expect_payload = (table_end + kAlign - 1) / kAlign * kAlign;
  if (read_u32(p + 16) != kHeaderBytes || !reserved_zero || v.layer_count == 0 ||
      v.payload_offset != expect_payload || v.payload_bytes % kAlign != 0 ||
      std::uint64_t{v.total_bytes} != std::uint64_t{v.payload_offset} + v.payload_bytes)
    return Status::bad_header;
  if (size < v.total_bytes) return Status::truncated;
  if (size > v.total_bytes) return Status::size_mismatch;
  if (blob_crc32(p, v.total_bytes) != read_u32(p + kCrcOffset)) return Status::bad_checksum;
  // Version 2 if and only if the layer table starts with a front end (RawInput).
  const bool front_end = read_u16(p + kHeaderBytes) == static_cast<std::uint16_t>(LayerKind::raw_input);
  if (front_end != (version == kVersionFrontEnd)) return Status::bad_header;
  out = v;
  return Status::ok;
}

}  // namespace mubi::format
