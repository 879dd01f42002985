// mubi: the AVX2 + FMA backend (Haswell and later, Zen): x86/avx2_kernels.hpp with int16-pair
// int8 products (pmaddwd). Needs -mavx2 -mfma (x86-64-v3).
#pragma once

#include "avx2_kernels.hpp"

#include "../../dispatch/isa.hpp"

namespace mubi::backend {

struct Avx2 : x86::Avx2Kernels<Avx2, xsimd::fma3<xsimd::avx2>, false> {
  static constexpr const char* name = "avx2";
  static constexpr Isa isa = Isa::avx2;
};

}  // namespace mubi::backend
