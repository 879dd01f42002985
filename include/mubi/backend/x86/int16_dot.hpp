// mubi: the int8 matrix-vector product on int16 lanes (pmaddwd) for the x86 backends that
// lack prepared rows for a size: 16 int8 values widened to int16 per step, in one AVX2
// register or two SSE2 registers. Every helper is a template on the backend that uses it
// (Self), so each backend's translation unit has its own copy, compiled with its own flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include <immintrin.h>

#ifndef MUBI_UNROLL
#define MUBI_UNROLL _Pragma("GCC unroll 16")
#endif

namespace mubi::backend::x86 {

#if defined(__SSE2__)
template <class Self>
struct I16Sse2 {
  static constexpr std::size_t parts = 2;
  using reg = __m128i;
  static void widen(const std::int8_t* p, __m128i* out) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    out[0] = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);  // sign-extend bytes 0-7
    out[1] = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);  // and 8-15
  }
  static void keep_first(std::size_t n, __m128i* v) noexcept {
    alignas(16) static const std::int16_t mask[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    v[0] = _mm_and_si128(v[0], _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + 16 - n)));
    v[1] = _mm_and_si128(v[1], _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask + 24 - n)));
  }
  template <std::size_t C, std::size_t... c>
  static __m128i row(const std::int8_t* w, const __m128i (&xv)[C][2], std::index_sequence<c...>) noexcept {
    __m128i s = _mm_setzero_si128();
    const auto step = [&](std::size_t k) {
      __m128i wv[2];
      widen(w + 16 * k, wv);
      s = _mm_add_epi32(s, _mm_add_epi32(_mm_madd_epi16(wv[0], xv[k][0]), _mm_madd_epi16(wv[1], xv[k][1])));
    };
    (step(c), ...);
    return s;
  }
  static __m128i sum4(const __m128i* s) noexcept {
    const __m128i u0 = _mm_add_epi32(_mm_unpacklo_epi32(s[0], s[1]), _mm_unpackhi_epi32(s[0], s[1]));
    const __m128i u1 = _mm_add_epi32(_mm_unpacklo_epi32(s[2], s[3]), _mm_unpackhi_epi32(s[2], s[3]));
    return _mm_add_epi32(_mm_unpacklo_epi64(u0, u1), _mm_unpackhi_epi64(u0, u1));
  }
  static std::int32_t sum1(__m128i v) noexcept {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
    return _mm_cvtsi128_si32(v);
  }
};
#endif

#if defined(__AVX2__)
template <class Self>
struct I16Avx2 {
  static constexpr std::size_t parts = 1;
  using reg = __m256i;
  static void widen(const std::int8_t* p, __m256i* out) noexcept {
    out[0] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void keep_first(std::size_t n, __m256i* v) noexcept {
    alignas(32) static const std::int16_t mask[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    v[0] = _mm256_and_si256(v[0], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + 16 - n)));
  }
  template <std::size_t C, std::size_t... c>
  static __m256i row(const std::int8_t* w, const __m256i (&xv)[C][1], std::index_sequence<c...>) noexcept {
    __m256i s = _mm256_setzero_si256();
    ((s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                                                    reinterpret_cast<const __m128i*>(w + 16 * c))),
                                                xv[c][0]))),
     ...);
    return s;
  }
  static __m128i sum4(const __m256i* s) noexcept {
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  }
  static std::int32_t sum1(__m256i s) noexcept {
    __m128i v = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
    return _mm_cvtsi128_si32(v);
  }
};
#endif

// The int8 matrix-vector product (Scalar::dot_rows_s8) on int16 lanes: x is widened once,
// then each row takes one pmaddwd per 16 (AVX2) or 8 (SSE2) inputs, four rows share the
// horizontal sums. xsimd 8.1 has no widening int8 multiply-add, so this uses the SSE2 /
// AVX2 intrinsics directly. Integer sums in another order: bit-identical to Scalar.
template <class I16, std::size_t N, std::size_t R>
inline void dot_rows_s8_i16(const std::int8_t* w, const std::int8_t* x, const std::int32_t* bias,
                        std::int32_t* acc) noexcept {
  constexpr std::size_t chunks = (N + 15) / 16;
  typename I16::reg xv[chunks][I16::parts];
  MUBI_UNROLL for (std::size_t c = 0; c < chunks; ++c) I16::widen(x + 16 * c, xv[c]);
  if constexpr (N % 16 != 0) I16::keep_first(N % 16, xv[chunks - 1]);  // bytes past x never count
  constexpr std::size_t full = R / 4 * 4;  // constexpr bounds: no spurious loop warnings
  for (std::size_t r = 0; r < full; r += 4) {
    typename I16::reg s[4];
    MUBI_UNROLL for (std::size_t k = 0; k < 4; ++k) s[k] = I16::row(w + (r + k) * N, xv, std::make_index_sequence<chunks>{});
    _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + r),
                     _mm_add_epi32(I16::sum4(s), _mm_loadu_si128(reinterpret_cast<const __m128i*>(bias + r))));
  }
  if constexpr (full < R)
    for (std::size_t r = full; r < R; ++r)
      acc[r] = bias[r] + I16::sum1(I16::row(w + r * N, xv, std::make_index_sequence<chunks>{}));
}

}  // namespace mubi::backend::x86
