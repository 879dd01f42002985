// mubi: the AVX2 + FMA kernels, shared by backend/x86/avx2.hpp (Avx2), avx2_vnni.hpp
// (Avx2Vnni) and avx512.hpp (Avx512): the xsimd float kernels on 8 lanes (WideArch for the
// products whose outputs are a multiple of its width) and the int8 kernels in AVX2
// intrinsics (xsimd 8.1 has no widening int8 multiply-add). Avx2Kernels<Self, WideArch,
// Vnni> is a CRTP base: with Vnni, Self supplies dpbusd (acc + the products of 4 unsigned
// bytes of u and 4 signed bytes of w, per int32 lane) in its own encoding. Everything here is
// a member of a template on Self, so each backend's copy is compiled with its own flags.
// Integer sums in another order and the same rounding: bit-identical to Scalar.
#pragma once

#if !(defined(__AVX2__) && defined(__FMA__))
#error "mubi: backend/x86/avx2_kernels.hpp needs AVX2 and FMA (-mavx2 -mfma)"
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <utility>

#include <immintrin.h>

#include "../xsimd_float.hpp"
#include "int16_dot.hpp"
#include "packed_rows.hpp"

namespace mubi::backend::x86 {

template <class Self, class WideArch, bool Vnni>
struct Avx2Kernels : XsimdFloat<Self, xsimd::fma3<xsimd::avx2>, WideArch> {
  using Base = ScalarKernels<Self>;
  static constexpr bool vnni = Vnni;
  // 32- and 64-byte weight loads on 64-byte-aligned copies (backend/contract.hpp): on a Zen 5
  // core a 40x96 product over 8 rows ran 1.9x faster on them than on the blob's 16-byte
  // alignment.
  static constexpr bool copies_float_weights = true;

  // The int8 matrix-vector product on rows where they are (int16_dot.hpp).
  template <std::size_t N, std::size_t R>
  static void dot_rows_s8(const std::int8_t* w, const std::int8_t* x, const std::int32_t* bias,
                          std::int32_t* acc) noexcept {
    dot_rows_s8_i16<I16Avx2<Self>, N, R>(w, x, bias, acc);
  }

  // Prepared rows (Scalar::prepare_rows_s8) for R a multiple of 8, laid out as
  // x86/packed_rows.hpp says. A dot product is then one broadcast of x's group q and one
  // multiply-add per 8 rows and group, with no horizontal sums; the accumulators are the outputs.
  template <std::size_t N, std::size_t R>
  static constexpr bool relays_rows = packs_rows<N, R>;

  template <std::size_t N, std::size_t R>
  using PackedRows = x86::PackedRows<N, R, Vnni>;

  template <std::size_t N, std::size_t R>
  using PreparedRows = std::conditional_t<relays_rows<N, R>, PackedRows<N, R>, typename Base::template RowsRef<N, R>>;

  using Base::prepare_rows_s8;
  using Base::dot_prepared_s8;
  template <std::size_t N, std::size_t R>
  static void prepare_rows_s8(const std::int8_t* w, PackedRows<N, R>& p) noexcept {
    constexpr std::size_t K = PackedRows<N, R>::K, Q = PackedRows<N, R>::Q;
    for (std::size_t r0 = 0; r0 < R; r0 += 8)
      for (std::size_t q0 = 0; q0 < Q; q0 += 8) {
        // Groups q0..q0+7 of 8 rows, transposed 8 x 8 as int32. A read may pass a row's
        // end into the next row (masked below), but never more than 15 bytes past the last
        // row (see dot_rows_s8): the last rows' tails go through a zeroed copy.
        __m256i v[8];
        MUBI_UNROLL for (std::size_t k = 0; k < 8; ++k) {
          const std::size_t at = (r0 + k) * N + K * q0;
          if constexpr (K == 2) {
            v[k] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + at)));
          } else if (at + 32 <= R * N + 15) {
            v[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + at));
          } else {
            alignas(32) std::int8_t tail[32] = {};
            std::memcpy(tail, w + at, R * N - at);
            v[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
          }
        }
        transpose8x8(v);
        for (std::size_t j = 0; j < 8 && q0 + j < Q; ++j)
          _mm256_store_si256(reinterpret_cast<__m256i*>(p.cells + (q0 + j) * R + r0), v[j]);
      }
    if constexpr (N % K != 0) {  // the last group's values past N belong to the next row
      const auto keep = static_cast<std::int32_t>(K == 2 ? 0xFFFFu : (1u << (8 * (N % K))) - 1u);
      for (std::size_t r = 0; r < R; r += 8) {
        auto* last = reinterpret_cast<__m256i*>(p.cells + (Q - 1) * R + r);
        _mm256_store_si256(last, _mm256_and_si256(*last, _mm256_set1_epi32(keep)));
      }
    }
    if constexpr (Vnni)
    for (std::size_t r = 0; r < R; r += 8) {
      __m256i sum = _mm256_setzero_si256();
      for (std::size_t q = 0; q < Q; ++q)
        sum = Self::dpbusd(sum, _mm256_set1_epi8(static_cast<char>(0x80)),
                     _mm256_load_si256(reinterpret_cast<const __m256i*>(p.cells + q * R + r)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(p.offset + r), _mm256_sub_epi32(_mm256_setzero_si256(), sum));
    }
  }

  // Activations as prepared rows read them: x + 128 as unsigned bytes (VNNI) or int16. A
  // layer whose steps read overlapping inputs (a conv block) prepares its whole padded
  // window once; a single vector goes through a copy on the stack.
  using PackedActivation = std::conditional_t<Vnni, std::uint8_t, std::int16_t>;
  // out[0..Len) from x[0..Len), in blocks of 16 (reads and writes up to 15 values past).
  template <std::size_t Len>
  static void prepare_activations_s8(const std::int8_t* x, PackedActivation* out) noexcept {
    if constexpr (Vnni) {
    MUBI_UNROLL for (std::size_t c = 0; c < (Len + 15) / 16; ++c)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * c),
                       _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + 16 * c)),
                                     _mm_set1_epi8(static_cast<char>(0x80))));
    } else {
      widen16<Len>(x, out);
    }
  }

  template <std::size_t N, std::size_t R>
  static void dot_prepared_s8(const PackedRows<N, R>& rows, const std::int8_t* x, const std::int32_t* bias,
                              std::int32_t* acc) noexcept {
    constexpr std::size_t KQ = PackedRows<N, R>::K * PackedRows<N, R>::Q;
    alignas(32) PackedActivation xg[(KQ + 15) / 16 * 16];  // a value past x meets a zero weight
    prepare_activations_s8<KQ>(x, xg);
    dot_prepared_s8<N, R>(rows, static_cast<const PackedActivation*>(xg), bias, acc);
  }

  // The same on prepared activations: group q of x (K values) is read from x + K q.
  template <std::size_t N, std::size_t R>
  static void dot_prepared_s8(const PackedRows<N, R>& rows, const PackedActivation* x, const std::int32_t* bias,
                              std::int32_t* acc) noexcept {
    constexpr std::size_t K = PackedRows<N, R>::K, Q = PackedRows<N, R>::Q, V = R / 8;
    // S partial sums when there are few output vectors, so that about 8 multiply-add chains
    // overlap (one chain is latency-bound).
    constexpr std::size_t S = V >= 8 ? 1 : 8 / V;
    __m256i a[S][V];
    MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) {
      a[0][v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8 * v));
      if constexpr (Vnni)
        a[0][v] = _mm256_add_epi32(a[0][v], _mm256_load_si256(reinterpret_cast<const __m256i*>(rows.offset + 8 * v)));
      MUBI_UNROLL for (std::size_t k = 1; k < S; ++k) a[k][v] = _mm256_setzero_si256();
    }
    const auto step = [&](std::size_t k, std::size_t q) {
      std::int32_t group;
      std::memcpy(&group, x + K * q, 4);
      const __m256i xq = _mm256_set1_epi32(group);
      MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) {
        const __m256i wq = _mm256_load_si256(reinterpret_cast<const __m256i*>(rows.cells + q * R + 8 * v));
        if constexpr (Vnni) {
          a[k][v] = Self::dpbusd(a[k][v], xq, wq);
        } else {
          a[k][v] = madd_acc(a[k][v], wq, xq);
        }
      }
    };
    constexpr std::size_t full = Q / S * S;
    for (std::size_t q = 0; q < full; q += S) MUBI_UNROLL for (std::size_t k = 0; k < S; ++k) step(k, q + k);
    for (std::size_t q = full; q < Q; ++q) step(0, q);
    MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) {
      MUBI_UNROLL for (std::size_t k = 1; k < S; ++k) a[0][v] = _mm256_add_epi32(a[0][v], a[k][v]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8 * v), a[0][v]);
    }
  }

  // A conv block's epilogue (Scalar::pool_requantize_s8), 8 channels per step.
  template <std::size_t F, std::size_t P>
  static void pool_requantize_s8(const std::int32_t* acc, const std::int32_t* m0, const std::int32_t* shift,
                                 std::int32_t zp, std::int32_t lo, std::int32_t hi, std::int8_t* y) noexcept {
    constexpr std::size_t full = F / 8 * 8;
    const auto load = [](const std::int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
    for (std::size_t f = 0; f < full; f += 8) {
      __m256i best = load(acc + f);
      MUBI_UNROLL for (std::size_t p = 1; p < P; ++p) best = _mm256_max_epi32(best, load(acc + p * F + f));
      const __m256i v = _mm256_add_epi32(Q8x8::requantize(best, load(m0 + f), load(shift + f)), _mm256_set1_epi32(zp));
      Q8x8::store8(y + f, _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi)));
    }
    if constexpr (full < F) Base::template pool_requantize_s8_range<F, P>(acc, m0, shift, zp, lo, hi, y, full, F);
  }

  // int8 input quantization (Scalar::quantize_s8), 8 channels per step: _mm256_fmadd_ps is
  // detail::fma_f32 (one float32 rounding), then the same saturation and rounding, so the
  // same bytes.
  template <std::size_t C>
  static void quantize_s8(const float* x, const float* a, const float* b, std::int8_t zp, std::int8_t* q) noexcept {
    constexpr std::size_t full = C / 8 * 8;
    for (std::size_t c = 0; c < full; c += 8) quantize8(x + c, a + c, b + c, zp, q + c);
    if constexpr (full < C) Base::quantize_s8_range(x, a, b, zp, q, full, C);
  }

  // A whole T x C window at once (the first conv block on a host): the channel pattern of a
  // and b repeats every lcm(C, 8) values, so every 8 values are one vector step.
  template <std::size_t T, std::size_t C>
  static constexpr bool quantizes_windows = true;
  template <std::size_t T, std::size_t C>
  static void quantize_window_s8(const float* x, const float* a, const float* b, std::int8_t zp, std::int8_t* q) noexcept {
    constexpr std::size_t P = C * 8 / std::gcd(C, std::size_t{8}), full = T * C / P * P;
    alignas(32) float ap[P], bp[P];
    for (std::size_t k = 0; k < P; ++k) {
      ap[k] = a[k % C];
      bp[k] = b[k % C];
    }
    for (std::size_t base = 0; base < full; base += P)
      MUBI_UNROLL for (std::size_t k = 0; k < P; k += 8) quantize8(x + base + k, ap + k, bp + k, zp, q + base + k);
    for (std::size_t k = full; k < T * C; ++k)  // channel k % C of the last, partial period
      Base::quantize_s8_range(x + k - k % C, a, b, zp, q + k - k % C, k % C, k % C + 1);
  }

  static void quantize8(const float* x, const float* a, const float* b, std::int8_t zp, std::int8_t* q) noexcept {
    const __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(a), _mm256_loadu_ps(b));
    // min/max return their second operand for NaN, so a NaN lane is finite here; it is
    // replaced by the zero point below. |clamped| <= 128: truncation and the fraction are exact.
    const __m256 clamped = _mm256_max_ps(_mm256_min_ps(v, _mm256_set1_ps(127.0f)), _mm256_set1_ps(-128.0f));
    __m256i t = _mm256_cvttps_epi32(clamped);
    const __m256 frac = _mm256_sub_ps(clamped, _mm256_cvtepi32_ps(t));
    t = _mm256_sub_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ)));
    t = _mm256_add_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ)));
    t = _mm256_blendv_epi8(t, _mm256_set1_epi32(zp), _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q), _mm_packs_epi16(w, w));
  }

 private:

  // a + the pairwise int16 products of w and x, summed per int32 lane (wrapping, as the
  // callers' static_asserts rule out overflow). Builds with VNNI use byte quads instead.
  static __m256i madd_acc(__m256i a, __m256i w, __m256i x) noexcept {
    return _mm256_add_epi32(a, _mm256_madd_epi16(w, x));
  }

  // x16[0..N) = x[0..N) widened, in blocks of 16 (reads up to 15 bytes past x; a value past
  // x meets a zero weight).
  template <std::size_t N>
  static void widen16(const std::int8_t* x, std::int16_t* x16) noexcept {
    MUBI_UNROLL for (std::size_t c = 0; c < (N + 15) / 16; ++c)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(x16 + 16 * c),
                         _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + 16 * c))));
  }

  // In-register transpose of an 8 x 8 int32 matrix (row k in v[k]).
  static void transpose8x8(__m256i (&v)[8]) noexcept {
    __m256i t[8], u[8];
    for (std::size_t k = 0; k < 8; k += 2) {
      t[k] = _mm256_unpacklo_epi32(v[k], v[k + 1]);
      t[k + 1] = _mm256_unpackhi_epi32(v[k], v[k + 1]);
    }
    for (std::size_t k = 0; k < 8; k += 4) {
      u[k] = _mm256_unpacklo_epi64(t[k], t[k + 2]);
      u[k + 1] = _mm256_unpackhi_epi64(t[k], t[k + 2]);
      u[k + 2] = _mm256_unpacklo_epi64(t[k + 1], t[k + 3]);
      u[k + 3] = _mm256_unpackhi_epi64(t[k + 1], t[k + 3]);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      v[k] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x20);
      v[k + 4] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x31);
    }
  }

  // docs/int8.md's primitives on 8 int32 lanes (fixed_point.hpp is the scalar definition).
  struct Q8x8 {
    static __m256i load16(const std::int16_t* p) noexcept {
      return _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static void store16(std::int16_t* p, __m256i v) noexcept {  // v already in int16 range
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(v, v), 0x08);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
    }
    static void store8(std::int8_t* p, __m256i v) noexcept {  // v already in int8 range
      const __m128i w = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packs_epi32(v, v), 0x08));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
    }
    static __m256i sat(__m256i v, int lo, int hi) noexcept {
      return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
    }
    // SRDHM(a, m0) for m0 >= 0 (load() checks it), so the INT32_MIN * INT32_MIN case cannot
    // occur. Multipliers per lane (a conv block's channels) or broadcast. With p = a * m0,
    // truncating (p + nudge) / 2^31 toward zero equals floor((p + 2^30) / 2^31) for either
    // sign of p, and the low 32 bits of a logical 64-bit shift are those of the arithmetic one.
    static __m256i srdhm(__m256i a, __m256i b) noexcept {
      const __m256i half = _mm256_set1_epi64x(std::int64_t{1} << 30);
      const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(a, b), half), 31);
      const __m256i odd = _mm256_slli_epi64(
          _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32)), half), 1);
      return _mm256_blend_epi32(even, odd, 0xAA);
    }
    static __m256i rdbpot(__m256i x, __m256i e) noexcept {  // 0 <= e <= 31
      const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), e), _mm256_set1_epi32(1));
      const __m256i rem = _mm256_and_si256(x, mask);
      const __m256i threshold =
          _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
      return _mm256_sub_epi32(_mm256_srav_epi32(x, e), _mm256_cmpgt_epi32(rem, threshold));
    }
    static __m256i requantize(__m256i x, __m256i m0, __m256i shift) noexcept {
      const __m256i zero = _mm256_setzero_si256();
      const __m256i left = _mm256_max_epi32(shift, zero), right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
      return rdbpot(srdhm(_mm256_sllv_epi32(x, left), m0), right);
    }
    // RDBPOT by one exponent 0 <= e <= 31 for all lanes, its constants made once.
    struct Rounding {
      __m256i mask, half;
      __m128i count;
      explicit Rounding(int e) noexcept
          : mask(_mm256_set1_epi32(static_cast<std::int32_t>((std::uint32_t{1} << e) - 1u))),
            half(_mm256_srli_epi32(mask, 1)),
            count(_mm_cvtsi32_si128(e)) {}
      __m256i operator()(__m256i x) const noexcept {
        const __m256i threshold = _mm256_sub_epi32(half, _mm256_srai_epi32(x, 31));  // + 1 for negative x
        return _mm256_sub_epi32(_mm256_sra_epi32(x, count), _mm256_cmpgt_epi32(_mm256_and_si256(x, mask), threshold));
      }
    };
    // RQ(x, m0, shift) with one multiplier and shift for all lanes (an LSTM gate, the output).
    struct Requant {
      __m256i m0;
      __m128i left;
      bool shifts_left;
      Rounding right;
      Requant(std::int32_t multiplier, std::int32_t shift) noexcept
          : m0(_mm256_set1_epi32(multiplier)),
            left(_mm_cvtsi32_si128(shift > 0 ? shift : 0)),
            shifts_left(shift > 0),
            right(shift > 0 ? 0 : -shift) {}
      __m256i operator()(__m256i x) const noexcept {
        if (shifts_left) x = _mm256_sll_epi32(x, left);
        return right(srdhm(x, m0));
      }
    };
    // The cell's terms (Scalar::lstm_cell_q8_range).
    struct CellTerms {
      Rounding forget, input, cell_right;
      __m128i cell_left;
      bool shifts_left;
      Requant out;
      __m256i zp;
      CellTerms(std::int32_t p, std::int32_t out_m0, std::int32_t out_shift, std::int32_t zp_h) noexcept
          : forget(15),
            input(30 + p),
            cell_right(p + 12 >= 0 ? 0 : -(p + 12)),
            cell_left(_mm_cvtsi32_si128(p + 12 >= 0 ? p + 12 : 0)),
            shifts_left(p + 12 >= 0),
            out(out_m0, out_shift),
            zp(_mm256_set1_epi32(zp_h)) {}
    };
    // The table's entries are 2^15 .. 2^16 - 2; stored minus 2^15 they fit int16, so an
    // interval's two ends sit in one int32, (kSigmoidTable[i] - 2^15) | (kSigmoidTable[i + 1]
    // - 2^15) << 16 (the last entry twice): one gather fetches both.
    static constexpr std::array<std::uint32_t, 256> pairs() {
      std::array<std::uint32_t, 256> t{};
      for (std::size_t i = 0; i < 256; ++i)
        t[i] = (q8::kSigmoidTable[i] - 32768u) | ((q8::kSigmoidTable[i < 255 ? i + 1 : 255] - 32768u) << 16);
      return t;
    }
    // q8::table_interpolate(a, frac_bits) - 2^(15 + frac_bits), for a >= 0: lo (2^f - frac) +
    // hi frac is one pmaddwd of the pair with (2^f - frac) | frac << 16. Past the table
    // (index clamped to 255) both ends are equal, so this is the last entry times 2^f.
    // Without clamp_index, a >> frac_bits must be below 256.
    template <bool clamp_index>
    static __m256i interpolate_minus_half(__m256i a, int frac_bits) noexcept {
      static constexpr std::array<std::uint32_t, 256> table = pairs();
      __m256i index = _mm256_srli_epi32(a, frac_bits);
      if constexpr (clamp_index) index = _mm256_min_epi32(index, _mm256_set1_epi32(255));
      const __m256i frac = _mm256_and_si256(a, _mm256_set1_epi32((1 << frac_bits) - 1));
      const __m256i both = _mm256_i32gather_epi32(reinterpret_cast<const int*>(table.data()), index, 4);
      const __m256i weights =
          _mm256_add_epi32(_mm256_sub_epi32(_mm256_slli_epi32(frac, 16), frac), _mm256_set1_epi32(1 << frac_bits));
      return _mm256_madd_epi16(both, weights);
    }
    // a * b for a in [0, 2^15) and b in int16 range (both in int32 lanes): one pmaddwd, as
    // a's upper half is zero, instead of the slower 32-bit multiply.
    static __m256i mul16(__m256i a, __m256i b) noexcept { return _mm256_madd_epi16(a, b); }
    // One LSTM gate block (Scalar::lstm_gate_q8_range): Q3.12 from the accumulators, then
    // sigmoid, or tanh for the cell candidate, in Q0.15.
    static __m256i gate(__m256i acc, const Requant& rq, bool tanh_gate) noexcept {
      const __m256i z = sat(rq(acc), -32768, 32767);
      const __m256i v = _mm256_add_epi32(z, _mm256_add_epi32(z, z));  // 3z: the table's index scale
      return tanh_gate ? tanh(v) : sigmoid(v);
    }
    // The cell and hidden state of 8 units (Scalar::lstm_cell_q8_range) from their gates.
    // f c / 2^15 stays within int16 (f < 2^15), so its saturation is left out.
    static void cell(__m256i ig, __m256i fg, __m256i gg, __m256i og, std::int16_t* c, std::int8_t* h,
                     const CellTerms& k) noexcept {
      __m256i cj = k.forget(mul16(fg, load16(c)));
      cj = sat(_mm256_add_epi32(cj, k.input(mul16(ig, gg))), -32768, 32767);
      store16(c, cj);
      __m256i v = _mm256_add_epi32(cj, _mm256_add_epi32(cj, cj));
      v = k.shifts_left ? _mm256_sll_epi32(v, k.cell_left) : k.cell_right(v);
      const __m256i hq = k.out(mul16(og, tanh(v)));
      store8(h, sat(_mm256_add_epi32(hq, k.zp), -128, 127));
    }
    // Scalar's sigmoid_q15 / tanh_q15 in fewer operations. Table entries are at most 65534,
    // so their positive branches never reach the clamp at 32767, and each negative branch
    // is the positive one mirrored: 2^15 - pos for sigmoid, -pos for tanh (where v = 0
    // gives 0 either way).
    static __m256i sigmoid(__m256i v) noexcept {  // |v| < 2^17 (3 z for an int16 z)
      const __m256i r = interpolate_minus_half<false>(_mm256_abs_epi32(v), 9);  // r - 2^24
      const __m256i pos = _mm256_srai_epi32(_mm256_add_epi32(r, _mm256_set1_epi32((1 << 24) + (1 << 9))), 10);
      const __m256i neg = _mm256_sub_epi32(_mm256_set1_epi32(1 << 15), pos);
      return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(pos), _mm256_castsi256_ps(neg),
                                                   _mm256_castsi256_ps(v)));  // by v's sign bit
    }
    static __m256i tanh(__m256i v) noexcept {
      const __m256i r = interpolate_minus_half<true>(_mm256_abs_epi32(v), 8);  // r - 2^23
      return _mm256_sign_epi32(_mm256_srai_epi32(_mm256_add_epi32(r, _mm256_set1_epi32(1 << 7)), 8), v);
    }
  };

 public:
  // The int8 LSTM's element-wise work (Scalar::LstmQ8) on 8 units per AVX2 register, tails
  // in Scalar: the same integer operations, so bit-identical results. Every term is
  // broadcast once per run, and the gates stay int32 between gate() and cell().
  template <std::size_t H>
  struct LstmQ8 {
    using gate_t = std::int32_t;
    static constexpr std::size_t full = H / 8 * 8;
    const std::int32_t *m0, *shift;
    std::int32_t p, out_m0, out_shift, zp_h;
    typename Q8x8::Requant gate_rq[4];
    typename Q8x8::CellTerms cell_terms;
    LstmQ8(const std::int32_t* gate_m0, const std::int32_t* gate_shift, std::int32_t cell_p, std::int32_t h_m0,
           std::int32_t h_shift, std::int32_t h_zp) noexcept
        : m0(gate_m0), shift(gate_shift), p(cell_p), out_m0(h_m0), out_shift(h_shift), zp_h(h_zp),
          gate_rq{{m0[0], shift[0]}, {m0[1], shift[1]}, {m0[2], shift[2]}, {m0[3], shift[3]}},
          cell_terms(cell_p, h_m0, h_shift, h_zp) {}
    void gate(std::size_t g, const std::int32_t* acc, gate_t* out) const noexcept {
      for (std::size_t j = 0; j < full; j += 8)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j),
                            Q8x8::gate(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j)), gate_rq[g], g == 2));
      if constexpr (full < H) Base::lstm_gate_q8_range(acc, m0[g], shift[g], g == 2, out, full, H);
    }
    void cell(const gate_t* gates, std::int16_t* c, std::int8_t* h) const noexcept {
      const auto load = [gates](std::size_t at) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(gates + at)); };
      for (std::size_t j = 0; j < full; j += 8)
        Q8x8::cell(load(j), load(H + j), load(2 * H + j), load(3 * H + j), c + j, h + j, cell_terms);
      if constexpr (full < H) Base::lstm_cell_q8_range(gates, H, c, h, p, out_m0, out_shift, zp_h, full, H);
    }
  };
};

}  // namespace mubi::backend::x86
