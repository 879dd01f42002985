// mubi: LSTM over a window, one layer, zero initial state, PyTorch semantics: gate order
// i, f, g, o; c' = f*c + i*g; h' = o*tanh(c'). The two PyTorch biases are stored summed.
// One template serves the unidirectional LSTM (D = 1) and the BiLSTM (D = 2, bilstm.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../core/fixed_point.hpp"
#include "../core/quant_check.hpp"
#include "../core/quant_params.hpp"
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
  static_assert(std::is_same_v<Num, float>, "mubi::LSTM: numeric type float or std::int8_t");
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

 private:
  template <class B>
  static void run_direction(const float* w, std::size_t d, const float* in, float* out, float* scratch) noexcept {
    const float* w_ih = w + detail::tensor_offset(tensors, 3 * d);
    const float* w_hh = w + detail::tensor_offset(tensors, 3 * d + 1);
    const float* bias = w + detail::tensor_offset(tensors, 3 * d + 2);
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

// The int8 LSTM (docs/int8.md, "LSTM"): int8 input and hidden state, one int8 weight row per
// gate unit over [x_t | h], int32 accumulators, Q3.12 gate inputs, Q0.15 gates, an int16
// cell in 2^p. TFLite Micro's integer LSTM, with one requantization per gate row.
template <class InShape, std::size_t Hidden, std::size_t Directions, class Aggregation>
struct LSTMLayer<InShape, Hidden, Directions, Aggregation, std::int8_t> {
  using Float = LSTMLayer<InShape, Hidden, Directions, Aggregation>;
  using In = InShape;
  using Out = typename Float::Out;
  static constexpr std::size_t T = In::len, I = In::ch, H = Hidden, D = Directions, G = 4 * Hidden, IH = I + H;
  static_assert(q8::dot_fits(IH), "mubi::LSTM<int8>: input + hidden too wide for an int32 accumulator");
  using in_type = std::int8_t;
  using out_type = std::int8_t;
  using weight_type = unsigned char;
  using scratch_type = unsigned char;
  static constexpr LayerRecord record = Float::record;
  static constexpr std::array<LayerRecord, 1> records{record};
  using Quant = q8::LstmQuant<H>;
  static constexpr std::array<TensorSpec, 2 * D> tensors = [] {
    std::array<TensorSpec, 2 * D> t{};
    const TensorRole roles[4] = {TensorRole::lstm_weight_fwd, TensorRole::lstm_quant_fwd, TensorRole::lstm_weight_bwd,
                                 TensorRole::lstm_quant_bwd};
    for (std::size_t k = 0; k < 2 * D; ++k)
      t[k] = k % 2 == 0 ? TensorSpec{roles[k], static_cast<std::uint32_t>(G * IH), DType::i8}
                        : TensorSpec{roles[k], static_cast<std::uint32_t>(Quant::size), DType::i32};
    return t;
  }();
  static constexpr std::size_t params = Float::params, macs = Float::macs, macs_executed = Float::macs_executed;
  using Recurrence = typename Float::Recurrence;
  // [x_t | h] (int8), gate values (int16; a backend with wider gates keeps them on its
  // stack), cell (int16), running sum for Mean (int32).
  static constexpr std::size_t xh_bytes = align_up(IH), gate_bytes = align_up(G * 2), cell_bytes = align_up(H * 2);
  static constexpr std::size_t scratch_bytes = xh_bytes + gate_bytes + cell_bytes + H * 4;

  template <class B>
  static void forward(const unsigned char* w, const std::int8_t* in, std::int8_t* out, unsigned char* scratch) noexcept {
    for (std::size_t d = 0; d < D; ++d) run_direction<B>(w, d, in, out, scratch);
  }

  static Status check(const unsigned char* w) noexcept {
    for (std::size_t d = 0; d < D; ++d) {
      const Quant qp{w + detail::tensor_offset_bytes(tensors, 2 * d + 1)};
      if (const Status s = qp.validate(w + detail::tensor_offset_bytes(tensors, 2 * d), IH); s != Status::ok) return s;
    }
    return Status::ok;
  }

 private:
  template <class B>
  static void run_direction(const unsigned char* w, std::size_t d, const std::int8_t* in, std::int8_t* out,
                            unsigned char* scratch) noexcept {
    const std::int8_t* wq = detail::tensor_at<std::int8_t>(w, tensors, 2 * d);
    const Quant qp{w + detail::tensor_offset_bytes(tensors, 2 * d + 1)};
    const std::int32_t* bias = qp.biases();
    const std::int32_t zp_h = qp.zp_h();
    auto* xh = reinterpret_cast<std::int8_t*>(scratch);
    const typename B::template LstmQ8<H> elementwise(qp.multipliers(), qp.shifts(), qp.cell_power(), qp.out_m0(),
                                                     qp.out_shift(), zp_h);
    // The gates: int16 in the arena, or on the stack where a backend keeps them wider.
    using Gate = typename B::template LstmQ8<H>::gate_t;
    constexpr bool wide_gates = !std::is_same_v<Gate, std::int16_t>;
    std::array<Gate, wide_gates ? G : 0> gate_stack;
    Gate* gate;
    if constexpr (wide_gates) {
      gate = gate_stack.data();
    } else {
      gate = reinterpret_cast<Gate*>(scratch + xh_bytes);
    }
    auto* c = reinterpret_cast<std::int16_t*>(scratch + xh_bytes + gate_bytes);
    auto* sum = reinterpret_cast<std::int32_t*>(scratch + xh_bytes + gate_bytes + cell_bytes);
    std::int8_t* h = xh + I;
    for (std::size_t j = 0; j < H; ++j) {
      h[j] = static_cast<std::int8_t>(zp_h);  // real 0
      c[j] = 0;
      sum[j] = 0;
    }
    const std::size_t steps = Recurrence::steps(d);
    // A backend that re-lays rows out gets them once per direction, for a recurrence (one
    // step is not worth it); otherwise the rows run where they are, H at a time (a small
    // stack on an MCU).
    constexpr bool relays = B::template relays_rows<IH, G>;
    const bool prepared = relays && steps > 1;
    typename B::template PreparedRows<IH, G> rows;
    if (prepared) B::template prepare_rows_s8<IH, G>(wq, rows);
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t t = Recurrence::time(d, s);
      std::memcpy(xh, in + t * I, I);
      if constexpr (relays) {
        if (prepared) {
          std::int32_t acc[G];
          B::template dot_prepared_s8<IH, G>(rows, xh, bias, acc);
          for (std::size_t g = 0; g < 4; ++g) elementwise.gate(g, acc + g * H, gate + g * H);
        }
      }
      for (std::size_t g = 0; !prepared && g < 4; ++g) {  // gates i, f, g, o
        std::int32_t acc[H];
        B::template dot_rows_s8<IH, H>(wq + g * H * IH, xh, bias + g * H, acc);
        elementwise.gate(g, acc, gate + g * H);
      }
      elementwise.cell(gate, c, h);
      Recurrence::after_step(d, t, h, out, sum);
    }
    Recurrence::after_run(d, h, sum, out, [](std::int32_t total, std::size_t n) {
      return static_cast<std::int8_t>(q8::round_half_away_div(total, static_cast<std::int32_t>(n)));
    });
  }
};

// Unidirectional LSTM (the paper's A2 ablation).
template <std::size_t Hidden, class Aggregation = Last>
struct LSTM {
  template <class In, class T = float>
  using layer = LSTMLayer<In, Hidden, 1, Aggregation, T>;
};

}  // namespace mubi
