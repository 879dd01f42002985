// mubi: compile-time configuration shared by every header.
#pragma once

#include <cstddef>
#include <cstdint>

#define MUBI_VERSION_MAJOR 0
#define MUBI_VERSION_MINOR 1
#define MUBI_VERSION_PATCH 0

// No `restrict` anywhere in mubi: with restrict-qualified pointers GCC 12 -O2 miscompiled a
// two-step LSTM (tests/layers/test_layers.cpp, "LSTM: one unit, two steps", caught it).

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
