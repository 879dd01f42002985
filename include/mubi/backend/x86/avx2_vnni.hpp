// mubi: AVX2 + FMA with AVX-VNNI (Alder Lake and later): the int8 products as VEX-encoded
// vpdpbusd on byte quads. Needs -mavx2 -mfma -mavxvnni.
#pragma once

#if !defined(__AVXVNNI__)
#error "mubi: backend/x86/avx2_vnni.hpp needs AVX-VNNI (-mavxvnni)"
#endif

#include "avx2_kernels.hpp"

#include "../../dispatch/isa.hpp"

namespace mubi::backend {

struct Avx2Vnni : x86::Avx2Kernels<Avx2Vnni, xsimd::fma3<xsimd::avx2>, true> {
  static constexpr const char* name = "avx2_vnni";
  static constexpr Isa isa = Isa::avx2_vnni;
  static __m256i dpbusd(__m256i acc, __m256i u, __m256i w) noexcept { return _mm256_dpbusd_avx_epi32(acc, u, w); }
};

}  // namespace mubi::backend
