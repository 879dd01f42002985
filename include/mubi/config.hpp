// mubi: compile-time configuration shared by every header.
#pragma once

#include <cstddef>
#include <cstdint>

#define MUBI_VERSION_MAJOR 0
#define MUBI_VERSION_MINOR 1
#define MUBI_VERSION_PATCH 0

// No `restrict` anywhere in mubi: with restrict-qualified pointers GCC 12 -O2 miscompiled a
// two-step LSTM (tests/layers/test_layers.cpp, "LSTM: one unit, two steps", caught it).

// A function kept out of line whatever the optimization level (GCC, Clang; elsewhere a hint
// the compiler may ignore).
#if defined(__GNUC__) || defined(__clang__)
#define MUBI_NOINLINE __attribute__((noinline))
#else
#define MUBI_NOINLINE
#endif
// A small helper shared by every backend, always inlined: left out of line it would be one weak
// symbol for all of a binary's per-ISA units (runtime dispatch, dispatch/dispatch.hpp), and the
// linker might keep the copy compiled with AVX-512 for a CPU without it.
// (x86 only: elsewhere there is no dispatch, and a microcontroller's -Os decides.)
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define MUBI_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MUBI_ALWAYS_INLINE inline
#endif
// Out of line on 32-bit Arm (microcontrollers: one copy of a layer's code), inlined elsewhere.
#if defined(__arm__) && !defined(__aarch64__)
#define MUBI_LAYER_NOINLINE MUBI_NOINLINE
#else
#define MUBI_LAYER_NOINLINE
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

// A model's own buffers (weight storage, arenas) start on a cache line on 64-bit hosts, where
// 32- and 64-byte vector stores would otherwise straddle two; kAlign on a microcontroller,
// where the padding would cost RAM. Offsets inside them stay multiples of kAlign.
#if defined(__x86_64__) || defined(__aarch64__)
inline constexpr std::size_t kBufferAlign = 64;
#else
inline constexpr std::size_t kBufferAlign = kAlign;
#endif

// Windows infer_batch runs in lockstep (Model::LockstepArena): enough rows that the LSTM's
// per-step product runs at FMA throughput rather than on one window's latency chain.
inline constexpr std::size_t kLockstepWindows = 8;

}  // namespace mubi
