// mubi: the portable scalar backend: the reference kernels, the MCU backend, no dependencies.
// Every backend provides the same static kernels with the same weight layouts (outputs
// contiguous, docs/format.md); layers call them as B::template kernel<sizes...>(...).
// ScalarKernels<Self> is CRTP: a backend Self derives from it, replaces the kernels it speeds
// up, and the helpers here (gemm_acc's rows, dot_prepared_s8, ...) call Self's kernels, not
// these. Each backend instantiates its own copy (ScalarKernels<Avx2>::relu is not
// ScalarKernels<Scalar>::relu), so a tail compiled for AVX2 never stands in for the baseline's.
// Loops run over outputs innermost, so host compilers auto-vectorise them without changing
// the order of any sum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../core/fixed_point.hpp"
#include "../core/input_quant.hpp"
#include "../core/math.hpp"

#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#include <cstring>
#define MUBI_ARM_DSP 1
#endif

namespace mubi::backend {

template <class Self>
struct ScalarKernels {

  // y[n] += sum_i x[i] * w[i][n]   (w: In x N, row-major).
  template <std::size_t In, std::size_t N>
  static void gemv_acc(const float* w, const float* x, float* y) noexcept {
    for (std::size_t i = 0; i < In; ++i) {
      const float xi = x[i];
      const float* wi = w + i * N;
      for (std::size_t n = 0; n < N; ++n) y[n] += wi[n] * xi;
    }
  }

  // Per-channel z-score of a T x C window: out = (in - mean[c]) * inv_std[c].
  template <std::size_t T, std::size_t C>
  static void normalize(const float* in, const float* mean, const float* inv_std, float* out) noexcept {
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t c = 0; c < C; ++c) out[t * C + c] = (in[t * C + c] - mean[c]) * inv_std[c];
  }
  // Elements [begin, end) of the flattened window (the SIMD backends reuse it for a tail).
  template <std::size_t C>
  static void normalize_range(const float* in, const float* mean, const float* inv_std, float* out, std::size_t begin,
                              std::size_t end) noexcept {
    for (std::size_t k = begin; k < end; ++k) out[k] = (in[k] - mean[k % C]) * inv_std[k % C];
  }

  // y[m][n] += sum_i x[m][i] * w[i][n] for M rows (x: M x In, y: M x N, both contiguous):
  // an LSTM's input projection for several steps at once, off the recurrence's critical path.
  template <std::size_t In, std::size_t N, std::size_t M>
  static void gemm_acc(const float* w, const float* x, float* y) noexcept {
    for (std::size_t m = 0; m < M; ++m) Self::template gemv_acc<In, N>(w, x + m * In, y + m * N);
  }

  // 'same' Conv1D, stride 1: out[t][f] = bias[f] + sum_{k,c} w[k][c][f] * in[t + k - pad][c],
  // zero outside the window. Time-major in (T x C) and out (T x F).
  template <std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void conv1d(const float* w, const float* bias, const float* in, float* out) noexcept {
    conv1d_steps<T, C, F, K>(w, bias, in, out, 0, T);
  }

  // Output steps [t_begin, t_end) of conv1d (the SIMD backends reuse it for the edges).
  template <std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void conv1d_steps(const float* w, const float* bias, const float* in, float* out, std::size_t t_begin,
                           std::size_t t_end) noexcept {
    constexpr std::size_t pad = (K - 1) / 2;
    for (std::size_t t = t_begin; t < t_end; ++t) {
      // Taps k0..k1 fall inside the window; their inputs are (k1 - k0) * C contiguous values.
      const std::size_t k0 = t < pad ? pad - t : 0;
      const std::size_t k1 = t + pad >= T ? K - (t + pad + 1 - T) : K;
      float* y = out + t * F;
      for (std::size_t f = 0; f < F; ++f) y[f] = bias[f];
      const float* x = in + (t + k0 - pad) * C;
      const float* wk = w + k0 * C * F;
      for (std::size_t j = 0; j < (k1 - k0) * C; ++j) {
        const float xj = x[j];
        for (std::size_t f = 0; f < F; ++f) y[f] += wk[j * F + f] * xj;
      }
    }
  }

  // ReLU, element-wise; NaN stays NaN (as PyTorch's relu).
  template <std::size_t N>
  static void relu(const float* in, float* out) noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = in[i] < 0.0f ? 0.0f : in[i];
  }

  // MaxPool over time, window and stride P, floor: out has T / P steps. NaN wins (PyTorch).
  template <std::size_t T, std::size_t C, std::size_t P>
  static void maxpool1d(const float* in, float* out) noexcept {
    for (std::size_t t = 0; t < T / P; ++t)
      for (std::size_t c = 0; c < C; ++c) {
        float m = in[t * P * C + c];
        for (std::size_t p = 1; p < P; ++p) {
          const float v = in[(t * P + p) * C + c];
          if (v > m || v != v) m = v;
        }
        out[t * C + c] = m;
      }
  }

  // LSTM cell update from pre-activation gates (i, f, g, o blocks of H): c = f*c + i*g,
  // h = o * tanh(c).
  template <std::size_t H>
  static void lstm_cell(const float* gates, float* c, float* h) noexcept {
    lstm_cell_range<H>(gates, c, h, 0, H);
  }

  // N cells side by side (the lockstep recurrence): row n's gates at gates + n 4H (the
  // backend may overwrite them), its c at c + n H, its h at h + n h_stride.
  template <std::size_t H, std::size_t N>
  static void lstm_cells(float* gates, float* c, float* h, std::size_t h_stride) noexcept {
    for (std::size_t n = 0; n < N; ++n) Self::template lstm_cell<H>(gates + n * 4 * H, c + n * H, h + n * h_stride);
  }

  // int8 dot product with an int32 accumulator (the int8 layers' inner loop); the caller's
  // static_assert bounds N so that it cannot overflow.
  template <std::size_t N>
  static std::int32_t dot_s8(const std::int8_t* w, const std::int8_t* x) noexcept {
    std::int32_t acc = 0;
    std::size_t i = 0;
#ifdef MUBI_ARM_DSP
    // Cortex-M4/M7/M33 DSP: 4 MACs per two SMLAD, on bytes sign-extended in pairs (SXTB16;
    // CMSIS-NN's read-and-pad idea). Integer sums in another order: the same result.
    for (; i + 4 <= N; i += 4) {
      std::uint32_t wv, xv;
      std::memcpy(&wv, w + i, 4);  // unaligned word loads are fine on v7E-M
      std::memcpy(&xv, x + i, 4);
      acc = __smlad(__sxtb16(wv), __sxtb16(xv), acc);
      acc = __smlad(__sxtb16((wv >> 8) | (wv << 24)), __sxtb16((xv >> 8) | (xv << 24)), acc);
    }
#endif
    for (; i < N; ++i) acc += static_cast<std::int32_t>(w[i]) * x[i];
    return acc;
  }

  // acc[r] = bias[r] + dot(row r of w, x) for R rows of N int8 each (rows contiguous): the
  // int8 layers' matrix-vector product. A SIMD backend may read up to 15 bytes past the end
  // of x and of the last row (the layers guarantee those bytes are inside their buffers)
  // but never lets them change a result.
  template <std::size_t N, std::size_t R>
  static void dot_rows_s8(const std::int8_t* w, const std::int8_t* x, const std::int32_t* bias,
                          std::int32_t* acc) noexcept {
#ifdef MUBI_ARM_DSP
    // Four rows per pass: each word of x is loaded and sign-extended once for four rows' SMLADs
    // (CMSIS-NN keeps several outputs in registers the same way): 23 instructions per 16 MACs
    // instead of 32. Integer sums in another order: the same result.
    constexpr std::size_t R4 = R / 4 * 4;
    for (std::size_t r = 0; r < R4; r += 4) dot4_rows_s8(w + r * N, N, x, bias + r, acc + r);
#else
    constexpr std::size_t R4 = 0;
#endif
    if constexpr (R4 < R)
      for (std::size_t r = R4; r < R; ++r) acc[r] = bias[r] + dot_s8<N>(w + r * N, x);
  }
#ifdef MUBI_ARM_DSP
  // N is a run-time value: one copy of the kernel in flash for every layer's row length.
  static void dot4_rows_s8(const std::int8_t* w, std::size_t N, const std::int8_t* x, const std::int32_t* bias,
                           std::int32_t* acc) noexcept {
    std::int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    const std::int8_t *w0 = w, *w1 = w + N, *w2 = w + 2 * N, *w3 = w + 3 * N;
    std::size_t i = 0;
    const auto word = [](const std::int8_t* p) {
      std::uint32_t v;
      std::memcpy(&v, p, 4);  // unaligned word loads are fine on v7E-M
      return v;
    };
    const auto odd = [](std::uint32_t v) { return __sxtb16((v >> 8) | (v << 24)); };  // bytes 1, 3
    for (; i + 4 <= N; i += 4) {
      const std::uint32_t xv = word(x + i), xe = __sxtb16(xv), xo = odd(xv);
      std::uint32_t v = word(w0 + i);
      a0 = __smlad(__sxtb16(v), xe, a0);
      a0 = __smlad(odd(v), xo, a0);
      v = word(w1 + i);
      a1 = __smlad(__sxtb16(v), xe, a1);
      a1 = __smlad(odd(v), xo, a1);
      v = word(w2 + i);
      a2 = __smlad(__sxtb16(v), xe, a2);
      a2 = __smlad(odd(v), xo, a2);
      v = word(w3 + i);
      a3 = __smlad(__sxtb16(v), xe, a3);
      a3 = __smlad(odd(v), xo, a3);
    }
    for (; i < N; ++i) {
      const std::int32_t xi = x[i];
      a0 += w0[i] * xi;
      a1 += w1[i] * xi;
      a2 += w2[i] * xi;
      a3 += w3[i] * xi;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
  }
#endif

  // A layer that runs the same R x N int8 rows many times (a conv block's steps, an LSTM's
  // recurrence) prepares them once per call; a SIMD backend may re-lay them out (on the
  // stack) for its dot products. Here the rows are used where they are.
  template <std::size_t N, std::size_t R>
  static constexpr bool relays_rows = false;
  template <std::size_t N, std::size_t R>
  struct RowsRef {
    const std::int8_t* w = nullptr;
  };
  template <std::size_t N, std::size_t R>
  using PreparedRows = RowsRef<N, R>;
  template <std::size_t N, std::size_t R>
  static void prepare_rows_s8(const std::int8_t* w, RowsRef<N, R>& rows) noexcept {
    rows.w = w;
  }
  template <std::size_t N, std::size_t R>
  static void dot_prepared_s8(const RowsRef<N, R>& rows, const std::int8_t* x, const std::int32_t* bias,
                              std::int32_t* acc) noexcept {
    Self::template dot_rows_s8<N, R>(rows.w, x, bias, acc);
  }

  // A conv block's epilogue: max-pooling of P steps' accumulators (acc[p * F + f]; P = 1: no
  // pool), then int8 requantization with per-channel multipliers: y[f] = clamp(zp +
  // RQ(max_p acc[p * F + f], m0[f], shift[f]), lo, hi), lo <= hi. (Pooling before
  // requantizing gives the same result: RQ is monotonic.)
  template <std::size_t F, std::size_t P>
  static void pool_requantize_s8(const std::int32_t* acc, const std::int32_t* m0, const std::int32_t* shift,
                                 std::int32_t zp, std::int32_t lo, std::int32_t hi, std::int8_t* y) noexcept {
    pool_requantize_s8_range<F, P>(acc, m0, shift, zp, lo, hi, y, 0, F);
  }
  template <std::size_t F, std::size_t P>
  static void pool_requantize_s8_range(const std::int32_t* acc, const std::int32_t* m0, const std::int32_t* shift,
                                       std::int32_t zp, std::int32_t lo, std::int32_t hi, std::int8_t* y,
                                       std::size_t f_begin, std::size_t f_end) noexcept {
    for (std::size_t f = f_begin; f < f_end; ++f) {
      std::int32_t best = acc[f];
      for (std::size_t p = 1; p < P; ++p) best = acc[p * F + f] > best ? acc[p * F + f] : best;
      const std::int32_t v = zp + q8::requantize(best, m0[f], shift[f]);
      y[f] = static_cast<std::int8_t>(v < lo ? lo : v > hi ? hi : v);
    }
  }

  // int8 input quantization of C raw values (docs/int8.md, "Normalize"): v = fma(x, a, b) in
  // float32, NaN -> zp, saturated to [-128, 127], rounded half away from zero
  // (core/input_quant.hpp: single precision only).
  template <std::size_t C>
  static void quantize_s8(const float* x, const float* a, const float* b, std::int8_t zp, std::int8_t* q) noexcept {
    quantize_s8_range(x, a, b, zp, q, 0, C);
  }
  static void quantize_s8_range(const float* x, const float* a, const float* b, std::int8_t zp, std::int8_t* q,
                                std::size_t c_begin, std::size_t c_end) noexcept {
    for (std::size_t c = c_begin; c < c_end; ++c) q[c] = detail::quantize_value_s8(x[c], a[c], b[c], zp);
  }

  // Whether quantize_window_s8 (a whole T x C window into T * C bytes) pays off over
  // quantizing a conv block's rows as it reads them (and so needs that much stack).
  template <std::size_t T, std::size_t C>
  static constexpr bool quantizes_windows = false;

  // The int8 LSTM's element-wise work for one direction (docs/int8.md), its terms bound once
  // per run: gate(g, acc, out): gate g (i, f, g, o) of H units, z = sat16(RQ(acc)) in Q3.12,
  // then sigmoid, or tanh for the cell candidate (g = 2), in Q0.15; cell(gate, c, h): the
  // cell and hidden state from the four gates (H each), c = sat16(RDBPOT(f c, 15));
  // c = sat16(c + RDBPOT(i g, 30 + p)); h = sat8(zp_h + RQ(o tanh(c))). A SIMD backend may
  // keep the gates in a wider gate_t and prepare its terms in the constructor.
  template <std::size_t H>
  struct LstmQ8 {
    using gate_t = std::int16_t;
    const std::int32_t *m0, *shift;  // per gate
    std::int32_t p, out_m0, out_shift, zp_h;
    LstmQ8(const std::int32_t* gate_m0, const std::int32_t* gate_shift, std::int32_t cell_p, std::int32_t h_m0,
           std::int32_t h_shift, std::int32_t h_zp) noexcept
        : m0(gate_m0), shift(gate_shift), p(cell_p), out_m0(h_m0), out_shift(h_shift), zp_h(h_zp) {}
    void gate(std::size_t g, const std::int32_t* acc, gate_t* out) const noexcept {
      lstm_gate_q8_range(acc, m0[g], shift[g], g == 2, out, 0, H);
    }
    void cell(const gate_t* gates, std::int16_t* c, std::int8_t* h) const noexcept {
      lstm_cell_q8_range(gates, H, c, h, p, out_m0, out_shift, zp_h, 0, H);
    }
  };
  // Units [j_begin, j_end) of LstmQ8's gate and cell (the SIMD backends finish tails with them).
  template <class Gate>
  static void lstm_gate_q8_range(const std::int32_t* acc, std::int32_t m0, std::int32_t shift, bool tanh_gate,
                                 Gate* out, std::size_t j_begin, std::size_t j_end) noexcept {
    for (std::size_t j = j_begin; j < j_end; ++j) {
      const std::int32_t z = q8::sat16(q8::requantize(acc[j], m0, shift));
      out[j] = static_cast<Gate>(tanh_gate ? q8::tanh_q15(3 * z) : q8::sigmoid_q15(3 * z));
    }
  }
  template <class Gate>
  static void lstm_cell_q8_range(const Gate* gate, std::size_t H, std::int16_t* c, std::int8_t* h, std::int32_t p,
                                 std::int32_t out_m0, std::int32_t out_shift, std::int32_t zp_h, std::size_t j_begin,
                                 std::size_t j_end) noexcept {
    const int cell_shift = p + 12;  // the cell in 2^p to Q3.12 (times 3 for the table's index)
    for (std::size_t j = j_begin; j < j_end; ++j) {
      const std::int32_t ig = gate[j], fg = gate[H + j], gg = gate[2 * H + j], og = gate[3 * H + j];
      std::int32_t cj = q8::sat16(q8::rdbpot(fg * c[j], 15));
      cj = q8::sat16(cj + q8::rdbpot(ig * gg, 30 + p));
      c[j] = static_cast<std::int16_t>(cj);
      const std::int32_t v = cell_shift >= 0 ? 3 * cj * (1 << cell_shift) : q8::rdbpot(3 * cj, -cell_shift);
      h[j] = static_cast<std::int8_t>(q8::sat8(zp_h + q8::requantize(og * q8::tanh_q15(v), out_m0, out_shift)));
    }
  }

  // Units [j_begin, j_end) of lstm_cell (the SIMD backends reuse it for a tail).
  template <std::size_t H>
  static void lstm_cell_range(const float* gates, float* c, float* h, std::size_t j_begin, std::size_t j_end) noexcept {
    for (std::size_t j = j_begin; j < j_end; ++j) {
      const float i = math::sigmoid(gates[j]);
      const float f = math::sigmoid(gates[H + j]);
      const float g = math::tanh(gates[2 * H + j]);
      const float o = math::sigmoid(gates[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * math::tanh(c[j]);
    }
  }
};

// The reference backend.
struct Scalar : ScalarKernels<Scalar> {
  static constexpr const char* name = "scalar";
};

}  // namespace mubi::backend
