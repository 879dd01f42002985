// mubi: LSTM over a window, one layer, zero initial state, PyTorch semantics: gate order
// i, f, g, o; c' = f*c + i*g; h' = o*tanh(c'). The two PyTorch biases are stored summed.
// One template serves the unidirectional LSTM (D = 1) and the BiLSTM (D = 2, bilstm.hpp).
#pragma once

#include <array>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"
#include "aggregate.hpp"

namespace mubi {

template <class InShape, std::size_t Hidden, std::size_t Directions, class Aggregation>
struct LSTMLayer {
  static_assert(Hidden > 0, "mubi::LSTM: the hidden size must be at least 1");
  static_assert(Directions == 1 || Directions == 2, "mubi::LSTM: one or two directions");
  using In = InShape;
  static constexpr std::size_t T = In::len, I = In::ch, H = Hidden, D = Directions, G = 4 * Hidden;
  using Out = Shape<(Aggregation::vector ? 1 : T), D * H>;
  static constexpr LayerRecord record{LayerKind::lstm, H, Aggregation::code, D, Out::len, Out::ch};

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
  // With Last, the backward output at the last position is one step from the zero state.
  static constexpr std::size_t backward_steps = (D == 2 && std::is_same_v<Aggregation, Last>) ? 1 : T;
  static constexpr std::size_t macs_executed = (T + (D == 2 ? backward_steps : 0)) * macs_per_step;
  static constexpr std::size_t scratch_floats = G + 3 * H;  // gates, h, c, running sum for Mean

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
    float* h = gates + G;
    float* c = h + H;
    float* sum = c + H;
    for (std::size_t j = 0; j < H; ++j) h[j] = c[j] = sum[j] = 0.0f;

    const bool backward = d == 1;
    const std::size_t steps = backward ? backward_steps : T;
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t t = backward ? T - 1 - s : s;
      for (std::size_t r = 0; r < G; ++r) gates[r] = bias[r];
      B::template gemv_acc<I, G>(w_ih, in + t * I, gates);
      if (s > 0) B::template gemv_acc<H, G>(w_hh, h, gates);  // h is still zero at the first step
      B::template lstm_cell<H>(gates, c, h);
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
