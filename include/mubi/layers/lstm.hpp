// mubi: LSTM over a window, one layer, zero initial state, PyTorch semantics: gate order
// i, f, g, o; c' = f*c + i*g; h' = o*tanh(c'). The two PyTorch biases are stored summed.
// One template serves the unidirectional LSTM (D = 1) and the BiLSTM (D = 2, bilstm.hpp).
#pragma once

#include <array>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../core/math.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"
#include "aggregate.hpp"

namespace mubi {
namespace detail {

// One LSTM step for one direction: x (In) and h, c (H) in; h, c updated in place.
// No restrict qualifiers here: with them GCC 12 -O2 miscompiled a two-step, one-unit LSTM
// (test_layers.cpp, "LSTM: one unit, two steps").
template <std::size_t In, std::size_t H>
MUBI_ALWAYS_INLINE void lstm_step(const float* w_ih, const float* w_hh,
                                  const float* bias, const float* x,
                                  float* h, float* c,
                                  float* gates) noexcept {
  for (std::size_t r = 0; r < 4 * H; ++r)
    gates[r] = bias[r] + math::dot(w_ih + r * In, x, In) + math::dot(w_hh + r * H, h, H);
  for (std::size_t j = 0; j < H; ++j) {
    const float i = math::sigmoid(gates[j]);
    const float f = math::sigmoid(gates[H + j]);
    const float g = math::tanh(gates[2 * H + j]);
    const float o = math::sigmoid(gates[3 * H + j]);
    c[j] = f * c[j] + i * g;
    h[j] = o * math::tanh(c[j]);
  }
}

}  // namespace detail

template <class InShape, std::size_t Hidden, std::size_t Directions, class Aggregation>
struct LSTMLayer {
  static_assert(Hidden > 0, "mubi::LSTM: the hidden size must be at least 1");
  static_assert(Directions == 1 || Directions == 2, "mubi::LSTM: one or two directions");
  using In = InShape;
  static constexpr std::size_t T = In::len, I = In::ch, H = Hidden, D = Directions, G = 4 * Hidden;
  using Out = Shape<(Aggregation::vector ? 1 : T), D * H>;
  static constexpr LayerRecord record{LayerKind::lstm, H, Aggregation::code, D, Out::len, Out::ch};

  static constexpr auto make_tensors() {
    std::array<TensorSpec, 3 * D> t{};
    const TensorRole roles[6] = {TensorRole::lstm_w_ih_fwd, TensorRole::lstm_w_hh_fwd, TensorRole::lstm_bias_fwd,
                                 TensorRole::lstm_w_ih_bwd, TensorRole::lstm_w_hh_bwd, TensorRole::lstm_bias_bwd};
    const std::uint32_t counts[3] = {G * I, G * H, G};
    for (std::size_t k = 0; k < 3 * D; ++k) t[k] = TensorSpec{roles[k], counts[k % 3]};
    return t;
  }
  static constexpr std::array<TensorSpec, 3 * D> tensors = make_tensors();

  static constexpr std::size_t params = D * (G * I + G * H + 2 * G);  // PyTorch counts b_ih and b_hh
  static constexpr std::size_t macs_per_step = G * (I + H);
  static constexpr std::size_t macs = D * T * macs_per_step;
  // With Last, the backward output at the last position is one step from the zero state.
  static constexpr std::size_t backward_steps = (D == 2 && std::is_same_v<Aggregation, Last>) ? 1 : T;
  static constexpr std::size_t macs_executed = (T + (D == 2 ? backward_steps : 0)) * macs_per_step;
  static constexpr std::size_t scratch_floats = 2 * H + G + H;  // h, c, gates, running sum for Mean

  static void forward(const float* w, const float* in, float* out,
                      float* scratch) noexcept {
    for (std::size_t d = 0; d < D; ++d) run_direction(w, d, in, out, scratch);
  }

  static Status check(const unsigned char*) noexcept { return Status::ok; }

 private:
  static void run_direction(const float* w, std::size_t d, const float* in,
                            float* out, float* scratch) noexcept {
    const float* w_ih = w + detail::tensor_offset(tensors, 3 * d);
    const float* w_hh = w + detail::tensor_offset(tensors, 3 * d + 1);
    const float* bias = w + detail::tensor_offset(tensors, 3 * d + 2);
    float* h = scratch;
    float* c = h + H;
    float* gates = c + H;
    float* sum = gates + G;
    for (std::size_t j = 0; j < H; ++j) h[j] = c[j] = sum[j] = 0.0f;

    const bool backward = d == 1;
    const std::size_t steps = backward ? backward_steps : T;
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t t = backward ? T - 1 - s : s;
      detail::lstm_step<I, H>(w_ih, w_hh, bias, in + t * I, h, c, gates);
      if constexpr (std::is_same_v<Aggregation, Sequence>) {
        for (std::size_t j = 0; j < H; ++j) out[t * D * H + d * H + j] = h[j];
      } else if constexpr (std::is_same_v<Aggregation, Mean>) {
        for (std::size_t j = 0; j < H; ++j) sum[j] += h[j];
      }
    }
    if constexpr (std::is_same_v<Aggregation, Mean>) {
      for (std::size_t j = 0; j < H; ++j) out[d * H + j] = sum[j] / static_cast<float>(T);
    } else if constexpr (Aggregation::vector) {  // Last, FinalStates: the state after the run
      for (std::size_t j = 0; j < H; ++j) out[d * H + j] = h[j];
    }
  }
};

// Unidirectional LSTM (the paper's A2 ablation).
template <std::size_t Hidden, class Aggregation = Last>
struct LSTM {
  template <class In>
  using layer = LSTMLayer<In, Hidden, 1, Aggregation>;
};

}  // namespace mubi
