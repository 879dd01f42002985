// mubi: compile-time configuration shared by every header.
#pragma once

#include <cstddef>
#include <cstdint>

#define MUBI_VERSION_MAJOR 0
#define MUBI_VERSION_MINOR 1
#define MUBI_VERSION_PATCH 0

#if defined(__GNUC__) || defined(__clang__)
#define __restrict__
#define MUBI_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MUBI_RESTRICT
#define MUBI_ALWAYS_INLINE inline
#endif

// The blob format and bind() read weights in place, so the host must be little-endian.
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
#error "mubi reads little-endian blobs in place; big-endian targets are not supported"
#endif

namespace mubi {

// Every tensor in a blob and every activation buffer starts on this boundary, so a bound
// blob can be read with aligned vector loads.
inline constexpr std::size_t kAlign = 16;

constexpr std::size_t align_up(std::size_t n, std::size_t a = kAlign) { return (n + a - 1) / a * a; }

}  // namespace mubi
