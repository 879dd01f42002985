// mubi: LSTM over a window, one layer, zero initial state, PyTorch semantics: gate order
// i, f, g, o; c' = f*c + i*g; h' = o*tanh(c'). The two PyTorch biases are stored summed.
// One template serves the unidirectional LSTM (D = 1) and the BiLSTM (D = 2, bilstm.hpp); the
// int8 form is layers/int8/lstm.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../backend/contract.hpp"
#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"
#include "aggregate.hpp"

namespace mubi {
namespace detail {

// The recurrence around an LSTM cell, one definition for the float and the int8 layer: the
// time steps each direction visits and in which order, and how its hidden states become the
// output (every step's h for Sequence, their mean for Mean, the last h otherwise).
template <std::size_t T, std::size_t D, std::size_t H, class Aggregation>
struct Recurrence {
  // With Last, the backward output at the last position is one step from the zero state.
  static constexpr std::size_t backward_steps = (D == 2 && std::is_same_v<Aggregation, Last>) ? 1 : T;
  static constexpr std::size_t steps(std::size_t d) { return d == 1 ? backward_steps : T; }
  // The time step of step s of direction d (the backward direction runs from the end).
  static constexpr std::size_t time(std::size_t d, std::size_t s) { return d == 1 ? T - 1 - s : s; }

  // After each step: h (H values) is direction d's hidden state at time t.
  template <class V, class Sum>
  static void after_step(std::size_t d, std::size_t t, const V* h, V* out, Sum* sum) noexcept {
    if constexpr (std::is_same_v<Aggregation, Sequence>) {
      for (std::size_t j = 0; j < H; ++j) out[t * D * H + d * H + j] = h[j];
    } else if constexpr (std::is_same_v<Aggregation, Mean>) {
      for (std::size_t j = 0; j < H; ++j) sum[j] += h[j];
    }
  }
  // After the last step; mean(sum, steps) is the value type's mean of `steps` summed states.
  template <class V, class Sum, class MeanOf>
  static void after_run(std::size_t d, const V* h, const Sum* sum, V* out, MeanOf&& mean) noexcept {
    if constexpr (std::is_same_v<Aggregation, Mean>) {
      for (std::size_t j = 0; j < H; ++j) out[d * H + j] = mean(sum[j], steps(d));
    } else if constexpr (Aggregation::vector) {  // Last, FinalStates: the state after the run
      for (std::size_t j = 0; j < H; ++j) out[d * H + j] = h[j];
    }
  }
};

}  // namespace detail

template <class InShape, std::size_t Hidden, std::size_t Directions, class Aggregation, class Num = float>
struct LSTMLayer : detail::FloatValues {
  static_assert(std::is_same_v<Num, float>, "mubi::LSTM: numeric type float, or std::int8_t with layers/int8/lstm.hpp");
  static_assert(Hidden > 0, "mubi::LSTM: the hidden size must be at least 1");
  static_assert(Directions == 1 || Directions == 2, "mubi::LSTM: one or two directions");
  using In = InShape;
  static constexpr std::size_t T = In::len, I = In::ch, H = Hidden, D = Directions, G = 4 * Hidden;
  using Out = Shape<(Aggregation::vector ? 1 : T), D * H>;
  static constexpr LayerRecord record{LayerKind::lstm, H, Aggregation::code, D, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};

  // Per direction: weight_ih [I][4H], weight_hh [H][4H] (outputs contiguous), bias [4H].
  static constexpr auto make_tensors() {
    std::array<TensorSpec, 3 * D> t{};
    const TensorRole roles[6] = {TensorRole::lstm_w_ih_fwd, TensorRole::lstm_w_hh_fwd, TensorRole::lstm_bias_fwd,
                                 TensorRole::lstm_w_ih_bwd, TensorRole::lstm_w_hh_bwd, TensorRole::lstm_bias_bwd};
    const std::uint32_t counts[3] = {I * G, H * G, G};
    for (std::size_t k = 0; k < 3 * D; ++k) t[k] = TensorSpec{roles[k], counts[k % 3]};
    return t;
  }
  static constexpr std::array<TensorSpec, 3 * D> tensors = make_tensors();

  static constexpr std::size_t params = D * (G * I + G * H + 2 * G);  // PyTorch counts b_ih and b_hh
  static constexpr std::size_t macs_per_step = G * (I + H);
  static constexpr std::size_t macs = D * T * macs_per_step;
  using Recurrence = detail::Recurrence<T, D, H, Aggregation>;
  static constexpr std::size_t backward_steps = Recurrence::backward_steps;
  static constexpr std::size_t macs_executed = (T + (D == 2 ? backward_steps : 0)) * macs_per_step;
  // The input projection bias + W_ih x_t is computed for TC steps at once (one matrix product
  // that reuses each weight for several steps), then each step adds W_hh h in place.
  static constexpr std::size_t TC = T < 8 ? T : 8;
  // Gates of TC steps, h, c, the running sum for Mean.
  static constexpr std::size_t scratch_bytes = (TC * G + 3 * H) * sizeof(float);

  template <class B>
  static void forward(const float* w, const float* in, float* out, float* scratch) noexcept {
    for (std::size_t d = 0; d < D; ++d) run_direction<B>(w, d, in, out, scratch);
  }

  static Status check(const unsigned char*) noexcept { return Status::ok; }

  // Lockstep (Sequential::forward_lockstep, infer_batch): N windows' recurrences side by
  // side, so each step is one N-row matrix product instead of N matrix-vector products that
  // each wait on their own h. W_ih and W_hh lie back to back in the blob (G floats per row,
  // a multiple of 16 bytes: no padding between them), so [x_t, h] times that (I + H) x G
  // matrix is the whole pre-activation, summed in the order forward() sums it.
  // On a backend without backend::lstm_lockstep the N windows run one by one.
  template <std::size_t N>
  static constexpr std::size_t lockstep_scratch_bytes =
      N * (I + H + G + 2 * H) * sizeof(float) > scratch_bytes ? N * (I + H + G + 2 * H) * sizeof(float) : scratch_bytes;

  template <class B, std::size_t N>
  static void forward_lockstep(const float* w, const float* const* in, float* const* out, float* scratch) noexcept {
    if constexpr (backend::lstm_lockstep<B>) {
      for (std::size_t d = 0; d < D; ++d) run_direction_lockstep<B, N>(w, d, in, out, scratch);
    } else {
      for (std::size_t n = 0; n < N; ++n) forward<B>(w, in[n], out[n], scratch);
    }
  }

 private:
  // Weight offsets per direction, folded at compile time (no out-of-line helper shared
  // across per-ISA units).
  static constexpr std::size_t ih_at[2] = {detail::tensor_offset(tensors, 0), detail::tensor_offset(tensors, D > 1 ? 3 : 0)};
  static constexpr std::size_t hh_at[2] = {detail::tensor_offset(tensors, 1), detail::tensor_offset(tensors, D > 1 ? 4 : 1)};
  static constexpr std::size_t b_at[2] = {detail::tensor_offset(tensors, 2), detail::tensor_offset(tensors, D > 1 ? 5 : 2)};
  static_assert(hh_at[0] == ih_at[0] + I * G && hh_at[D - 1] == ih_at[D - 1] + I * G,
                "mubi::LSTM: W_hh follows W_ih (the lockstep product reads them as one matrix)");

  template <class B, std::size_t N>
  static void run_direction_lockstep(const float* w, std::size_t d, const float* const* in, float* const* out,
                                     float* scratch) noexcept {
    constexpr std::size_t X = I + H;
    const float* w_xh = w + ih_at[d];
    const float* bias = w + b_at[d];
    float* xh = scratch;          // N rows [x_t, h]
    float* gates = xh + N * X;    // N rows of 4 H
    float* c = gates + N * G;     // N x H
    float* sum = c + N * H;       // N x H (Mean)
    for (std::size_t k = 0; k < N * X; ++k) xh[k] = 0.0f;
    for (std::size_t k = 0; k < N * H; ++k) c[k] = sum[k] = 0.0f;
    for (std::size_t s = 0; s < Recurrence::steps(d); ++s) {
      const std::size_t t = Recurrence::time(d, s);
      for (std::size_t n = 0; n < N; ++n) {
        std::memcpy(xh + n * X, in[n] + t * I, I * sizeof(float));
        std::memcpy(gates + n * G, bias, G * sizeof(float));
      }
      B::template gemm_acc<X, G, N>(w_xh, xh, gates);
      B::template lstm_cells<H, N>(gates, c, xh + I, X);
      for (std::size_t n = 0; n < N; ++n) Recurrence::after_step(d, t, xh + n * X + I, out[n], sum + n * H);
    }
    for (std::size_t n = 0; n < N; ++n)
      Recurrence::after_run(d, xh + n * X + I, sum + n * H, out[n],
                            [](float total, std::size_t k) { return total / static_cast<float>(k); });
  }

  template <class B>
  static void run_direction(const float* w, std::size_t d, const float* in, float* out, float* scratch) noexcept {
    const float* w_ih = w + ih_at[d];
    const float* w_hh = w + hh_at[d];
    const float* bias = w + b_at[d];
    float* gates = scratch;  // first: its size is a multiple of 4 floats, so h and c stay aligned
    float* h = gates + TC * G;
    float* c = h + H;
    float* sum = c + H;
    for (std::size_t j = 0; j < H; ++j) h[j] = c[j] = sum[j] = 0.0f;

    const bool backward = d == 1;
    const std::size_t steps = Recurrence::steps(d);
    for (std::size_t s0 = 0; s0 < steps; s0 += TC) {
      // Steps s0 .. s0+n-1 read input rows t0 .. t0+n-1 (in reverse for the backward direction).
      const std::size_t n = steps - s0 < TC ? steps - s0 : TC;
      const std::size_t t0 = backward ? T - s0 - n : s0;
      for (std::size_t k = 0; k < n; ++k)
        for (std::size_t r = 0; r < G; ++r) gates[k * G + r] = bias[r];
      if (n == TC) {
        B::template gemm_acc<I, G, TC>(w_ih, in + t0 * I, gates);
      } else {
        for (std::size_t k = 0; k < n; ++k) B::template gemv_acc<I, G>(w_ih, in + (t0 + k) * I, gates + k * G);
      }
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t s = s0 + k, t = Recurrence::time(d, s);
        float* g = gates + (t - t0) * G;
        if (s > 0) B::template gemv_acc<H, G>(w_hh, h, g);  // h is still zero at the first step
        B::template lstm_cell<H>(g, c, h);
        Recurrence::after_step(d, t, h, out, sum);
      }
    }
    Recurrence::after_run(d, h, sum, out, [](float total, std::size_t n) { return total / static_cast<float>(n); });
  }
};

// Unidirectional LSTM (the paper's A2 ablation).
template <std::size_t Hidden, class Aggregation = Last>
struct LSTM {
  template <class In, class T = float>
  using layer = LSTMLayer<In, Hidden, 1, Aggregation, T>;
};

}  // namespace mubi
