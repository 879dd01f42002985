// mubi: the float kernels on xsimd::batch<float, Arch> (Debian's xsimd 8.1), shared by every
// SIMD backend: XsimdFloat<Self, Arch, WideArch> is a CRTP base (ScalarKernels<Self> below
// it supplies the int8 kernels and the scalar tails). Same layouts and results (within float
// rounding) as Scalar; sizes that are not a multiple of the batch width finish with scalar
// code. WideArch (AVX-512 in backend/x86/avx512.hpp) serves only the products whose output
// count is a multiple of its width; each output is summed in the same order on every width.
// Host only: xsimd has no Cortex-M target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>

#include <xsimd/xsimd.hpp>

#include "scalar.hpp"
#include "xsimd_math.hpp"

// The fixed-size loops over accumulators must be unrolled into registers even at -O2.
#ifndef MUBI_UNROLL
#define MUBI_UNROLL _Pragma("GCC unroll 16")
#endif

namespace mubi::backend {

template <class Self, class Arch, class WideArch = Arch>
struct XsimdFloat : ScalarKernels<Self> {
  using Base = ScalarKernels<Self>;
  using batch = xsimd::batch<float, Arch>;
  static constexpr std::size_t W = batch::size;
  // The lockstep LSTM (backend/contract.hpp) where 16-lane products and gates carry it: on
  // AVX-512 the UCI-HAR batch ran 1.2x faster in lockstep, on AVX2 1.2x slower.
  static constexpr bool lstm_lockstep = xsimd::batch<float, WideArch>::size > W;

  // y[n] += sum_i x[i] * w[i][n].
  template <std::size_t In, std::size_t N>
  static void gemv_acc(const float* w, const float* x, float* y) noexcept {
    // At most 12 output batches per pass over the inputs, so accumulators stay in registers
    // (16 vector registers without AVX-512): 96 gates are one AVX2 pass. (A 6-register
    // AVX-512 version ran faster alone but slowed the whole window on an AVX-512 Xeon.)
    constexpr std::size_t V = N / W, chunk = V < 12 ? V : 12;
    if constexpr (V == 0) {
      Base::template gemv_acc<In, N>(w, x, y);  // fewer outputs than lanes (the 6-class head)
    } else {
      for (std::size_t v0 = 0; v0 + chunk <= V; v0 += chunk)
        gemv_batches<batch, In, N, chunk, (chunk <= 4 ? 2 : 1)>(w, x, y, v0);
      if constexpr (V % chunk != 0)
        gemv_batches<batch, In, N, V % chunk, (V % chunk <= 4 ? 2 : 1)>(w, x, y, V / chunk * chunk);
    }
    if constexpr (V > 0 && V * W < N)  // columns past the last full batch
      for (std::size_t n = V * W; n < N; ++n)
        for (std::size_t i = 0; i < In; ++i) y[n] += w[i * N + n] * x[i];
  }

  // Normalize (Scalar::normalize) over the flattened window: the channel pattern repeats
  // every lcm(C, lanes) values, so mean and 1/std are laid out once for that period.
  template <std::size_t T, std::size_t C>
  static void normalize(const float* in, const float* mean, const float* inv_std, float* out) noexcept {
    constexpr std::size_t P = C * W / std::gcd(C, W), full = T * C / P * P;
    if constexpr (full == 0 || P > 256) {
      Base::template normalize<T, C>(in, mean, inv_std, out);
    } else {
      alignas(64) float m[P], s[P];
      for (std::size_t k = 0; k < P; ++k) {
        m[k] = mean[k % C];
        s[k] = inv_std[k % C];
      }
      for (std::size_t base = 0; base < full; base += P)
        MUBI_UNROLL for (std::size_t k = 0; k < P; k += W)
          ((batch::load_unaligned(in + base + k) - batch::load_aligned(m + k)) * batch::load_aligned(s + k))
              .store_unaligned(out + base + k);
      if constexpr (full < T * C) Base::template normalize_range<C>(in, mean, inv_std, out, full, T * C);
    }
  }

  // y[m][n] += sum_i x[m][i] * w[i][n] for M rows: each weight vector is loaded once for 4
  // rows, so the product runs at FMA throughput, and 16 lanes where AVX-512 is enabled.
  template <std::size_t In, std::size_t N, std::size_t M>
  static void gemm_acc(const float* w, const float* x, float* y) noexcept {
    using Wide = xsimd::batch<float, WideArch>;
    if constexpr (N % Wide::size == 0) {
      gemm_impl<Wide, In, N, M>(w, x, y);
    } else if constexpr (N % W == 0) {
      gemm_impl<batch, In, N, M>(w, x, y);
    } else {
      Base::template gemm_acc<In, N, M>(w, x, y);
    }
  }

  // 'same' Conv1D: TB output steps at once, F/lanes batches each, so about 8 independent
  // accumulators keep the FMA units busy; the 2 * pad edge steps skip their padded taps.
  template <std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void conv1d(const float* w, const float* bias, const float* in, float* out) noexcept {
    using Wide = xsimd::batch<float, WideArch>;
    if constexpr (F % Wide::size == 0 && Wide::size > W && T >= K) {
      conv1d_impl<Wide, T, C, F, K>(w, bias, in, out);
    } else if constexpr (F % W == 0 && T >= K) {
      conv1d_impl<batch, T, C, F, K>(w, bias, in, out);
    } else {
      Base::template conv1d<T, C, F, K>(w, bias, in, out);
    }
  }

  template <std::size_t N>
  static void relu(const float* in, float* out) noexcept {
    constexpr std::size_t full = N / W * W;
    for (std::size_t i = 0; i < full; i += W) {
      const batch x = batch::load_unaligned(in + i);
      xsimd::select(x < batch(0.0f), batch(0.0f), x).store_unaligned(out + i);  // NaN stays
    }
    if constexpr (full < N) Base::template relu<N - full>(in + full, out + full);
  }

  template <std::size_t T, std::size_t C, std::size_t P>
  static void maxpool1d(const float* in, float* out) noexcept {
    if constexpr (C % W != 0) {
      Base::template maxpool1d<T, C, P>(in, out);
    } else {
      for (std::size_t t = 0; t < T / P; ++t)
        for (std::size_t c = 0; c < C; c += W) {
          batch m = batch::load_unaligned(in + t * P * C + c);
          for (std::size_t p = 1; p < P; ++p) {
            const batch v = batch::load_unaligned(in + (t * P + p) * C + c);
            m = xsimd::select((v > m) || (v != v), v, m);  // NaN wins
          }
          m.store_unaligned(out + t * C + c);
        }
    }
  }

  template <std::size_t H>
  static void lstm_cell(const float* gates, float* c, float* h) noexcept {
    constexpr std::size_t V = H / W;
    for (std::size_t v = 0; v < V; ++v) {
      const std::size_t j = v * W;
      const batch i = fast::sigmoid(batch::load_unaligned(gates + j));
      const batch f = fast::sigmoid(batch::load_unaligned(gates + H + j));
      const batch g = fast::tanh(batch::load_unaligned(gates + 2 * H + j));
      const batch o = fast::sigmoid(batch::load_unaligned(gates + 3 * H + j));
      const batch cn = xsimd::fma(f, batch::load_unaligned(c + j), i * g);
      cn.store_unaligned(c + j);
      (o * fast::tanh(cn)).store_unaligned(h + j);
    }
    if constexpr (H % W != 0) Base::template lstm_cell_range<H>(gates, c, h, V * W, H);
  }

  // N cells (Scalar::lstm_cells) with the gates' sigmoids and tanhs as one pass of wide
  // vectors over all N rows: one activation a / (1 + exp(s x)) + o with per-lane constants
  // (sigmoid: s = -1, a = 1, o = 0; tanh: s = 2, a = -2, o = 1, fast::tanh's own form): the
  // same operations as lstm_cell, equal up to where the compiler contracts a product and a
  // sum into one FMA (it may choose differently in the two); then c and h row by row.
  template <std::size_t H, std::size_t N>
  static void lstm_cells(float* gates, float* c, float* h, std::size_t h_stride) noexcept {
    using Wide = xsimd::batch<float, WideArch>;
    constexpr std::size_t G = 4 * H, L = Wide::size, P = std::lcm(G, L);
    if constexpr (L <= W || H % W != 0 || (N * G) % P != 0 || P > 256) {
      Base::template lstm_cells<H, N>(gates, c, h, h_stride);
    } else {
      static constexpr GateForm<G, H, P> form{};
      for (std::size_t base = 0; base < N * G; base += P)
        MUBI_UNROLL for (std::size_t k = 0; k < P; k += L) {
          const Wide s = Wide::load_aligned(form.s + k), o = Wide::load_aligned(form.o + k);
          const Wide e = fast::exp(s * Wide::load_unaligned(gates + base + k));
          ((-s) / (Wide(1.0f) + e) + o).store_unaligned(gates + base + k);
        }
      for (std::size_t n = 0; n < N; ++n) {
        const float* gn = gates + n * G;
        float* cn = c + n * H;
        float* hn = h + n * h_stride;
        MUBI_UNROLL for (std::size_t j = 0; j < H; j += W) {
          const batch cj = xsimd::fma(batch::load_unaligned(gn + H + j), batch::load_unaligned(cn + j),
                                      batch::load_unaligned(gn + j) * batch::load_unaligned(gn + 2 * H + j));
          cj.store_unaligned(cn + j);
          (batch::load_unaligned(gn + 3 * H + j) * fast::tanh(cj)).store_unaligned(hn + j);
        }
      }
    }
  }

 private:
  // lstm_cells' per-lane constants over P values of rows of G gates (g: the third H).
  template <std::size_t G, std::size_t H, std::size_t P>
  struct alignas(64) GateForm {
    float s[P], o[P];
    constexpr GateForm() : s{}, o{} {
      for (std::size_t k = 0; k < P; ++k) {
        const bool g = (k % G) / H == 2;
        s[k] = g ? 2.0f : -1.0f;
        o[k] = g ? 1.0f : 0.0f;
      }
    }
  };

  // Output batches v0 .. v0+VC-1 of gemv_acc, in S partial sums. With few batches the FMA
  // chain over the inputs is the bottleneck, and S = 2 halves it; with many the batches
  // already overlap, and a split would only spill registers.
  template <class B, std::size_t In, std::size_t N, std::size_t VC, std::size_t S>
  static void gemv_batches(const float* w, const float* x, float* y, std::size_t v0) noexcept {
    constexpr std::size_t L = B::size;
    B acc[S][VC];
    MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) {
      acc[0][v] = B::load_unaligned(y + (v0 + v) * L);
      if constexpr (S == 2) acc[1][v] = B(0.0f);
    }
    std::size_t i = 0;
    for (; i + S <= In; i += S) {
      MUBI_UNROLL for (std::size_t s = 0; s < S; ++s) {
        const B xi(x[i + s]);
        MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v)
          acc[s][v] = xsimd::fma(B::load_unaligned(w + (i + s) * N + (v0 + v) * L), xi, acc[s][v]);
      }
    }
    for (; i < In; ++i) {
      const B xi(x[i]);
      MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v)
        acc[0][v] = xsimd::fma(B::load_unaligned(w + i * N + (v0 + v) * L), xi, acc[0][v]);
    }
    MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) {
      if constexpr (S == 2) acc[0][v] += acc[1][v];
      acc[0][v].store_unaligned(y + (v0 + v) * L);
    }
  }

  template <class B, std::size_t In, std::size_t N, std::size_t M>
  static void gemm_impl(const float* w, const float* x, float* y) noexcept {
    // Registers: VC * MR accumulators + VC weights + a broadcast (32 vector registers with
    // AVX-512, else 16: 4 x 3 + 3 + 1 left nothing for addresses, and spilled where inlined).
    constexpr std::size_t V = N / B::size, VC0 = B::size == 16 ? 6 : 2, VC = V < VC0 ? V : VC0;  // 4 rows
    for (std::size_t v0 = 0; v0 + VC <= V; v0 += VC) gemm_rows<B, In, N, M, VC>(w, x, y, v0);
    if constexpr (V % VC != 0) gemm_rows<B, In, N, M, V % VC>(w, x, y, V / VC * VC);
  }

  template <class B, std::size_t In, std::size_t N, std::size_t M, std::size_t VC>
  static void gemm_rows(const float* w, const float* x, float* y, std::size_t v0) noexcept {
    constexpr std::size_t full = M / 4 * 4;
    for (std::size_t m = 0; m < full; m += 4) gemm_tile<B, In, N, VC, 4>(w, x + m * In, y + m * N, v0);
    if constexpr (full < M)
      for (std::size_t m = full; m < M; ++m) gemm_tile<B, In, N, VC, 1>(w, x + m * In, y + m * N, v0);
  }

  template <class B, std::size_t In, std::size_t N, std::size_t VC, std::size_t MR>
  static void gemm_tile(const float* w, const float* x, float* y, std::size_t v0) noexcept {
    constexpr std::size_t L = B::size;
    B acc[MR][VC];
    MUBI_UNROLL for (std::size_t m = 0; m < MR; ++m)
      MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) acc[m][v] = B::load_unaligned(y + m * N + (v0 + v) * L);
    for (std::size_t i = 0; i < In; ++i) {
      B wv[VC];
      MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) wv[v] = B::load_unaligned(w + i * N + (v0 + v) * L);
      MUBI_UNROLL for (std::size_t m = 0; m < MR; ++m) {
        const B xm(x[m * In + i]);
        MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) acc[m][v] = xsimd::fma(wv[v], xm, acc[m][v]);
      }
    }
    MUBI_UNROLL for (std::size_t m = 0; m < MR; ++m)
      MUBI_UNROLL for (std::size_t v = 0; v < VC; ++v) acc[m][v].store_unaligned(y + m * N + (v0 + v) * L);
  }

  template <class B, std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void conv1d_impl(const float* w, const float* bias, const float* in, float* out) noexcept {
    constexpr std::size_t V = F / B::size, pad = (K - 1) / 2;
    constexpr std::size_t TB = V >= 8 ? 1 : 8 / V;
    constexpr std::size_t interior = T - 2 * pad, blocked = interior / TB * TB;
    for (std::size_t t = 0; t < pad; ++t) edge<B, T, C, F, K>(w, bias, in, out, t);
    for (std::size_t t = pad; t < pad + blocked; t += TB) block<B, C, F, K, TB>(w, bias, in, out, t);
    if constexpr (blocked < interior)  // the last steps as one block too: independent sums
      block<B, C, F, K, interior - blocked>(w, bias, in, out, pad + blocked);
    for (std::size_t t = T - pad; t < T; ++t) edge<B, T, C, F, K>(w, bias, in, out, t);
  }

  // An edge step: only taps k0..k1 fall inside the window (the rest read zero padding). S
  // partial sums where V is small, so the step is not one long chain of dependent FMAs.
  template <class B, std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void edge(const float* w, const float* bias, const float* in, float* out, std::size_t t) noexcept {
    constexpr std::size_t L = B::size, V = F / L, pad = (K - 1) / 2, S = V >= 4 ? 1 : 4 / V;
    const std::size_t k0 = t < pad ? pad - t : 0;
    const std::size_t k1 = t + pad >= T ? K - (t + pad + 1 - T) : K;
    const float* x = in + (t + k0 - pad) * C;
    const float* wk = w + k0 * C * F;
    const std::size_t n = (k1 - k0) * C;
    B acc[S][V];
    MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) {
      acc[0][v] = B::load_unaligned(bias + v * L);
      MUBI_UNROLL for (std::size_t p = 1; p < S; ++p) acc[p][v] = B(0.0f);
    }
    std::size_t j = 0;
    for (; j + S <= n; j += S)
      MUBI_UNROLL for (std::size_t p = 0; p < S; ++p) {
        const B xj(x[j + p]);
        MUBI_UNROLL for (std::size_t v = 0; v < V; ++v)
          acc[p][v] = xsimd::fma(B::load_unaligned(wk + (j + p) * F + v * L), xj, acc[p][v]);
      }
    for (; j < n; ++j) {
      const B xj(x[j]);
      MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) acc[0][v] = xsimd::fma(B::load_unaligned(wk + j * F + v * L), xj, acc[0][v]);
    }
    MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) {
      MUBI_UNROLL for (std::size_t p = 1; p < S; ++p) acc[0][v] += acc[p][v];
      acc[0][v].store_unaligned(out + t * F + v * L);
    }
  }

  // Output steps t .. t+TB-1, all K taps inside the window.
  template <class B, std::size_t C, std::size_t F, std::size_t K, std::size_t TB>
  static void block(const float* w, const float* bias, const float* in, float* out, std::size_t t) noexcept {
    constexpr std::size_t L = B::size, V = F / L, pad = (K - 1) / 2, KC = K * C;
    B acc[TB][V];
    MUBI_UNROLL for (std::size_t b = 0; b < TB; ++b)
      MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) acc[b][v] = B::load_unaligned(bias + v * L);
    const float* x = in + (t - pad) * C;  // window of step t; step t+b starts b*C later
    for (std::size_t j = 0; j < KC; ++j) {
      B wv[V];
      MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) wv[v] = B::load_unaligned(w + j * F + v * L);
      MUBI_UNROLL for (std::size_t b = 0; b < TB; ++b) {
        const B xb(x[b * C + j]);
        MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) acc[b][v] = xsimd::fma(wv[v], xb, acc[b][v]);
      }
    }
    MUBI_UNROLL for (std::size_t b = 0; b < TB; ++b)
      MUBI_UNROLL for (std::size_t v = 0; v < V; ++v) acc[b][v].store_unaligned(out + (t + b) * F + v * L);
  }
};

}  // namespace mubi::backend
