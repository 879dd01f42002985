// mubi: the backend contract. A backend is a struct of static kernels that the layers call as
// B::template kernel<sizes...>(...); this header says what each one must do, and
// backend::conforms<B> checks at compile time that B declares all of them (BasicModel
// static_asserts it, so a backend that misses one fails with this header's name in the
// message). Scalar (backend/scalar.hpp) is the definition: every other backend must give
// the same int8 results bit for bit and float results within rounding (the golden tests hold
// every backend of a build to both). Adding a backend (NEON, Helium...) means implementing
// this list, nothing else: `struct MyBackend : ScalarKernels<MyBackend>` (CRTP) supplies every
// kernel not overridden, and Scalar's helpers (gemm_acc's rows, dot_prepared_s8 on rows where
// they are) then call MyBackend's kernels. One backend per instruction set, named by it
// (backend/x86/: Sse2, Avx2, Avx2Vnni, Avx512; Xsimd<> for NEON), so that one type means the
// same code in every translation unit (runtime dispatch compiles each in its own, with its
// flags: dispatch/dispatch.hpp).
//
// General rules (CMSIS-NN's way of writing a kernel's contract):
//   - Sizes are template parameters (compile-time), pointers are the data; no kernel
//     allocates, throws or keeps state between calls.
//   - Layouts: activations are time-major (T x C, a time step's C values contiguous); float
//     weight matrices are stored outputs-contiguous (w[i][n]: In x N, row-major), int8
//     weight rows input-contiguous (row r: N int8 values), as docs/format.md lays them out
//     in the blob. Nothing has to be aligned beyond its element type unless stated.
//   - Aliasing: outputs never overlap inputs or weights (lstm_cell's c is read and written).
//   - Reads past the end: none, except where stated (the int8 dot products, which may read up
//     to 15 bytes past x and past the last row; the layers leave that slack in their buffers).
//   - Float sums may be reordered (FMA, wider accumulators, other association); integer sums
//     may be reordered freely (they are exact). Saturation and rounding are as specified.
//
// Float kernels
//   name                               a short name for reports ("scalar", "xsimd", "eigen").
//   gemv_acc<In, N>(w, x, y)           y[n] += sum_i x[i] w[i N + n]; w: In x N; y accumulates.
//   gemm_acc<In, N, M>(w, x, y)        M rows at once: y[m][n] += sum_i x[m][i] w[i][n]
//                                      (x: M x In, y: M x N, contiguous).
//   normalize<T, C>(in, mean, inv_std, out)
//                                      out[t][c] = (in[t][c] - mean[c]) inv_std[c].
//   conv1d<T, C, F, K>(w, bias, in, out)
//                                      'same' Conv1D, stride 1, K odd, pad (K - 1) / 2, zeros
//                                      outside the window: out[t][f] = bias[f] +
//                                      sum_{k,c} w[(k C + c) F + f] in[t + k - pad][c].
//   relu<N>(in, out)                   out = max(in, 0), NaN stays NaN.
//   maxpool1d<T, C, P>(in, out)        window and stride P, floor (T / P steps); NaN wins.
//   lstm_cell<H>(gates, c, h)          gates: i, f, g, o pre-activations (4 H); c = f c + i g
//                                      with sigmoid(i, f, o), tanh(g); h = o tanh(c); c in
//                                      place.
//   lstm_cells<H, N>(gates, c, h, hs) N rows of lstm_cell at once: row n's gates at gates +
//                                      4 H n (the kernel may overwrite them), its c at c + H n,
//                                      its h at h + hs n (the lockstep LSTM).
//   lstm_lockstep                      optional constexpr bool (false where absent): whether the
//                                      float LSTM's forward_lockstep runs its N windows as one
//                                      N-row product per step on this backend (else window by
//                                      window: measured slower on 16-register, 8-lane AVX2).
//   copies_float_weights               optional constexpr bool (false where absent): the model
//                                      keeps a copy of each float layer's weight block in its
//                                      prepared storage, 64-byte aligned (load()/bind()), and
//                                      the layers read that copy. The blob aligns tensors to
//                                      16 bytes only, so without it most 32- and 64-byte loads
//                                      of a weight row straddle two cache lines.
//
// Int8 kernels (docs/int8.md gives the arithmetic; results are bit-exact with Scalar)
//   dot_rows_s8<N, R>(w, x, bias, acc) acc[r] = bias[r] + sum_j w[r N + j] x[j], int32, for R
//                                      rows of N; may read up to 15 bytes past x and past
//                                      the last row, never letting them change a result.
//   relays_rows<N, R>                  constexpr bool: whether prepare_rows_s8 re-lays rows out.
//   PreparedRows<N, R>                 what prepare_rows_s8 makes (a reference to the rows
//                                      where they are, or a re-laid copy of them).
//   prepare_rows_s8<N, R>(w, rows)     once, at load()/bind(), for a layer that runs the same
//                                      rows many times (a conv block's steps, an LSTM's
//                                      recurrence): the model keeps the PreparedRows in its
//                                      own storage (model/sequential.hpp, prepare()), so
//                                      infer() does no weight work. Where relays_rows holds,
//                                      PreparedRows must be trivially copyable and at most
//                                      32-byte aligned.
//   dot_prepared_s8<N, R>(rows, x, bias, acc)
//                                      dot_rows_s8 on prepared rows. Where relays_rows holds,
//                                      the backend also has PackedActivation (its element
//                                      type for activations), prepare_activations_s8<Len>(x,
//                                      out) (x's values as prepared rows read them; may read and
//                                      write up to 15 values past Len) and dot_prepared_s8 on
//                                      such prepared activations.
//   pool_requantize_s8<F, P>(acc, m0, shift, zp, lo, hi, y)
//                                      y[f] = clamp(zp + RQ(max_p acc[p F + f], m0[f],
//                                      shift[f]), lo, hi), lo <= hi (a conv block's epilogue).
//   quantize_s8<C>(x, a, b, zp, q)     input quantization of one raw sample: q[c] =
//                                      round_half_away(fma32(x[c], a[c], b[c])) saturated to
//                                      int8, NaN -> zp (core/input_quant.hpp).
//   quantizes_windows<T, C>            constexpr bool: whether the backend has
//                                      quantize_window_s8<T, C>(x, a, b, zp, q), the same on
//                                      a whole T x C window (a conv block then quantizes the
//                                      window once instead of row by row).
//   LstmQ8<H>                          the int8 LSTM's element-wise work for one direction,
//                                      constructed once per run from (gate m0[4], gate
//                                      shift[4], cell power p, h m0, h shift, h zero point);
//                                      gate_t: its gate element type; gate(g, acc, out): gate g
//                                      of H units from the accumulators (sigmoid, or tanh for
//                                      g = 2, in Q0.15); cell(gates, c, h): the int16 cell and
//                                      the int8 hidden state from the four gates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace mubi::backend {
namespace contract {

template <class B, class = void>
struct HasFloatKernels : std::false_type {};
template <class B>
struct HasFloatKernels<
    B, std::void_t<decltype(B::name),
                   decltype(B::template gemv_acc<2, 3>(std::declval<const float*>(), std::declval<const float*>(),
                                                        std::declval<float*>())),
                   decltype(B::template gemm_acc<2, 3, 2>(std::declval<const float*>(), std::declval<const float*>(),
                                                           std::declval<float*>())),
                   decltype(B::template normalize<2, 3>(std::declval<const float*>(), std::declval<const float*>(),
                                                         std::declval<const float*>(), std::declval<float*>())),
                   decltype(B::template conv1d<4, 2, 3, 3>(std::declval<const float*>(), std::declval<const float*>(),
                                                            std::declval<const float*>(), std::declval<float*>())),
                   decltype(B::template relu<5>(std::declval<const float*>(), std::declval<float*>())),
                   decltype(B::template maxpool1d<4, 2, 2>(std::declval<const float*>(), std::declval<float*>())),
                   decltype(B::template lstm_cell<3>(std::declval<const float*>(), std::declval<float*>(),
                                                      std::declval<float*>())),
                   decltype(B::template lstm_cells<3, 2>(std::declval<float*>(), std::declval<float*>(),
                                                          std::declval<float*>(), std::size_t{}))>> : std::true_type {};

template <class B, class = void>
struct HasInt8Kernels : std::false_type {};
template <class B>
struct HasInt8Kernels<
    B, std::void_t<decltype(B::template dot_rows_s8<5, 3>(std::declval<const std::int8_t*>(),
                                                           std::declval<const std::int8_t*>(),
                                                           std::declval<const std::int32_t*>(),
                                                           std::declval<std::int32_t*>())),
                   decltype(bool{B::template relays_rows<5, 3>}),
                   decltype(B::template prepare_rows_s8<5, 3>(
                       std::declval<const std::int8_t*>(),
                       std::declval<typename B::template PreparedRows<5, 3>&>())),
                   decltype(B::template dot_prepared_s8<5, 3>(
                       std::declval<const typename B::template PreparedRows<5, 3>&>(),
                       std::declval<const std::int8_t*>(), std::declval<const std::int32_t*>(),
                       std::declval<std::int32_t*>())),
                   decltype(B::template pool_requantize_s8<3, 2>(
                       std::declval<const std::int32_t*>(), std::declval<const std::int32_t*>(),
                       std::declval<const std::int32_t*>(), std::int32_t{}, std::int32_t{}, std::int32_t{},
                       std::declval<std::int8_t*>())),
                   decltype(B::template quantize_s8<3>(std::declval<const float*>(), std::declval<const float*>(),
                                                        std::declval<const float*>(), std::int8_t{},
                                                        std::declval<std::int8_t*>())),
                   decltype(bool{B::template quantizes_windows<4, 3>}),
                   typename B::template LstmQ8<3>::gate_t,
                   decltype(std::declval<const typename B::template LstmQ8<3>&>().gate(
                       std::size_t{}, std::declval<const std::int32_t*>(),
                       std::declval<typename B::template LstmQ8<3>::gate_t*>())),
                   decltype(std::declval<const typename B::template LstmQ8<3>&>().cell(
                       std::declval<const typename B::template LstmQ8<3>::gate_t*>(),
                       std::declval<std::int16_t*>(), std::declval<std::int8_t*>()))>> : std::true_type {};

template <class B, class = void>
struct CopiesFloatWeights : std::false_type {};
template <class B>
struct CopiesFloatWeights<B, std::void_t<decltype(bool{B::copies_float_weights})>>
    : std::bool_constant<B::copies_float_weights> {};

template <class B, class = void>
struct LstmLockstep : std::false_type {};
template <class B>
struct LstmLockstep<B, std::void_t<decltype(bool{B::lstm_lockstep})>> : std::bool_constant<B::lstm_lockstep> {};

}  // namespace contract

// Whether the float LSTM runs lockstep windows as one product per step on B.
template <class B>
inline constexpr bool lstm_lockstep = contract::LstmLockstep<B>::value;

// Whether a model run with (or laid out for) B keeps 64-byte-aligned float weights.
template <class B>
inline constexpr bool copies_float_weights = contract::CopiesFloatWeights<B>::value;

// Whether B declares every kernel of the contract above (with the right parameter types).
template <class B>
inline constexpr bool conforms = contract::HasFloatKernels<B>::value && contract::HasInt8Kernels<B>::value;

}  // namespace mubi::backend
