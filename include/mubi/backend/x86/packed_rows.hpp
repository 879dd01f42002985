// mubi: the layout of the AVX2 backends' prepared int8 rows (x86/avx2_kernels.hpp), data only
// and independent of compiler flags, so that a model built for the x86-64 baseline can size
// the storage that runtime dispatch prepares into at load() (backend/dispatched.hpp).
// Rows are re-laid out in groups of K inputs, outputs contiguous: cells[q][r] holds
// w[r][Kq .. Kq+K-1]. With VNNI K = 4 bytes (vpdpbusd on x + 128 as unsigned bytes; offset[r]
// = -128 sum_j w[r][j] undoes the + 128); otherwise K = 2 (int16 pairs, pmaddwd).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mubi::backend::x86 {

// Which R x N row blocks the AVX2 backends re-lay out: 8 outputs per register.
template <std::size_t N, std::size_t R>
inline constexpr bool packs_rows = R % 8 == 0;

template <std::size_t N, std::size_t R, bool Vnni>
struct PackedRows {
  static constexpr std::size_t K = Vnni ? 4 : 2;
  static constexpr std::size_t Q = (N + K - 1) / K;
  alignas(32) std::int32_t offset[Vnni ? R : 1];
  alignas(32) std::int32_t cells[Q * R];
};

// Room for either layout.
template <std::size_t N, std::size_t R>
struct alignas(32) AnyPackedRows {
  static constexpr std::size_t bytes = sizeof(PackedRows<N, R, true>) > sizeof(PackedRows<N, R, false>)
                                           ? sizeof(PackedRows<N, R, true>)
                                           : sizeof(PackedRows<N, R, false>);
  unsigned char data[bytes];
};

}  // namespace mubi::backend::x86
