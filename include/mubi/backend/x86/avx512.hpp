// mubi: the AVX-512 backend (Ice Lake, Sapphire Rapids, Zen 4): 16-lane float products where
// the output count is a multiple of 16, 8-lane kernels elsewhere (the network's 16 filters,
// 24 hidden units and 96 gates are multiples of 8 but not all of 16: measured on an AVX-512
// Xeon, the UCI-HAR window ran 2x faster on 8 lanes than on 16), and the int8 products as
// EVEX vpdpbusd. Needs -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma.
#pragma once

#if !(defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__))
#error "mubi: backend/x86/avx512.hpp needs AVX-512 F, BW, VL and VNNI"
#endif

#include "avx2_kernels.hpp"

#include "../../dispatch/isa.hpp"

namespace mubi::backend {

struct Avx512 : x86::Avx2Kernels<Avx512, xsimd::avx512f, true> {
  static constexpr const char* name = "avx512";
  static constexpr Isa isa = Isa::avx512;
  static __m256i dpbusd(__m256i acc, __m256i u, __m256i w) noexcept { return _mm256_dpbusd_epi32(acc, u, w); }
};

}  // namespace mubi::backend
