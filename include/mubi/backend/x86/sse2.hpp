// mubi: the x86-64 baseline backend (SSE2, every x86-64 CPU): xsimd float kernels on 4 lanes
// and the int8 dot products on int16 lanes (int16_dot.hpp); the rest of the int8 kernels are
// Scalar's. What a build without -march runs, and the fallback of runtime dispatch
// (dispatch/dispatch.hpp).
#pragma once

#if !defined(__SSE2__)
#error "mubi: backend/x86/sse2.hpp needs SSE2 (any x86-64 target)"
#endif

#include <cstddef>
#include <cstdint>

#include "../xsimd_float.hpp"
#include "int16_dot.hpp"

#include "../../dispatch/isa.hpp"

namespace mubi::backend {

struct Sse2 : XsimdFloat<Sse2, xsimd::sse2> {
  static constexpr const char* name = "sse2";
  static constexpr Isa isa = Isa::sse2;

  template <std::size_t N, std::size_t R>
  static void dot_rows_s8(const std::int8_t* w, const std::int8_t* x, const std::int32_t* bias,
                          std::int32_t* acc) noexcept {
    x86::dot_rows_s8_i16<x86::I16Sse2<Sse2>, N, R>(w, x, bias, acc);
  }
};

}  // namespace mubi::backend
