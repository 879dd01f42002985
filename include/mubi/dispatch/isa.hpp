// mubi: the x86-64 instruction sets runtime dispatch chooses among, best last, and what this
// CPU runs (CPUID, and XGETBV for the register state the OS saves: a CPU may have AVX-512
// that the OS leaves off). Detection runs once, on first use.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define MUBI_X86_64 1
#endif

namespace mubi {

enum class Isa : unsigned char {
  sse2 = 0,   // the x86-64 baseline: backend::Sse2
  avx2,       // AVX2 + FMA (x86-64-v3): backend::Avx2
  avx2_vnni,  // AVX2 + FMA + AVX-VNNI: backend::Avx2Vnni
  avx512,     // AVX-512 F, BW, VL, VNNI (+ AVX2, FMA): backend::Avx512
};
inline constexpr int kIsaCount = 4;

constexpr const char* to_string(Isa isa) noexcept {
  switch (isa) {
    case Isa::sse2: return "sse2";
    case Isa::avx2: return "avx2";
    case Isa::avx2_vnni: return "avx2_vnni";
    case Isa::avx512: return "avx512";
  }
  return "unknown_isa";
}

namespace dispatch {

struct CpuFeatures {
  bool sse2 = false, avx2 = false, fma = false, avx_vnni = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false;
};

inline CpuFeatures detect_cpu() noexcept {
  CpuFeatures f;
#ifdef MUBI_X86_64
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.sse2 = (d >> 26) & 1u;
  const bool fma = (c >> 12) & 1u, osxsave = (c >> 27) & 1u, avx = (c >> 28) & 1u;
  std::uint64_t xcr0 = 0;
  if (osxsave) {
    std::uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));  // no -mxsave needed
    xcr0 = (std::uint64_t{hi} << 32) | lo;
  }
  const bool ymm = avx && (xcr0 & 0x6u) == 0x6u;    // XMM and YMM state
  const bool zmm = ymm && (xcr0 & 0xE0u) == 0xE0u;  // opmask, ZMM0-15 upper halves, ZMM16-31
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2 = ymm && ((b >> 5) & 1u);
  f.fma = ymm && fma;
  f.avx512f = zmm && ((b >> 16) & 1u);
  f.avx512bw = zmm && ((b >> 30) & 1u);
  f.avx512vl = zmm && ((b >> 31) & 1u);
  f.avx512vnni = zmm && ((c >> 11) & 1u);
  __cpuid_count(7, 1, a, b, c, d);
  f.avx_vnni = ymm && ((a >> 4) & 1u);
#endif
  return f;
}

// Whether this CPU (and its OS) runs the kernels of `isa`.
inline bool cpu_runs(Isa isa) noexcept {
  static const CpuFeatures f = detect_cpu();
  switch (isa) {
    case Isa::sse2: return f.sse2;
    case Isa::avx2: return f.avx2 && f.fma;
    case Isa::avx2_vnni: return f.avx2 && f.fma && f.avx_vnni;
    case Isa::avx512: return f.avx2 && f.fma && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
  }
  return false;
}

}  // namespace dispatch
}  // namespace mubi
