// mubi: the int8 LSTM (docs/int8.md, "LSTM"), running the recurrence of layers/lstm.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../../core/descriptor.hpp"
#include "../../core/fixed_point.hpp"
#include "../../core/quant_check.hpp"
#include "../../core/quant_params.hpp"
#include "../../core/shape.hpp"
#include "../../status.hpp"
#include "../lstm.hpp"

namespace mubi {

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

  // Prepared weights (model/sequential.hpp; int8 conv1d.hpp says how): each direction's rows,
  // re-laid out once at load()/bind() where the backend does that.
  template <class Layout>
  static constexpr std::size_t prepared_stride =
      Layout::template relays_rows<IH, G> ? align_up(sizeof(typename Layout::template PreparedRows<IH, G>)) : 0;
  template <class Layout>
  static constexpr std::size_t prepared_bytes = D * prepared_stride<Layout>;
  template <class B, class Layout = B>
  static void prepare(const unsigned char* w, unsigned char* prepared) noexcept {
    using Rows = typename B::template PreparedRows<IH, G>;
    static_assert(prepared_bytes<Layout> == 0 || sizeof(Rows) <= prepared_stride<Layout>);
    if constexpr (B::template relays_rows<IH, G>)
      for (std::size_t d = 0; d < D; ++d)
        B::template prepare_rows_s8<IH, G>(detail::tensor_at<std::int8_t>(w, tensors, 2 * d),
                                           *reinterpret_cast<Rows*>(prepared + d * prepared_stride<Layout>));
  }

  // `prepared`: what prepare<B, Layout>() made, or null (the rows are then prepared per call).
  template <class B, class Layout = B>
  static void forward(const unsigned char* w, const std::int8_t* in, std::int8_t* out, unsigned char* scratch,
                      const unsigned char* prepared = nullptr) noexcept {
    for (std::size_t d = 0; d < D; ++d) {
      if constexpr (B::template relays_rows<IH, G>)
        if (prepared == nullptr) {
          run_unprepared<B>(w, d, in, out, scratch);
          continue;
        }
      run_direction<B>(w, d, in, out, scratch, prepared ? prepared + d * prepared_stride<Layout> : nullptr);
    }
  }

  static Status check(const unsigned char* w) noexcept {
    for (std::size_t d = 0; d < D; ++d) {
      const Quant qp{w + detail::tensor_offset_bytes(tensors, 2 * d + 1)};
      if (const Status s = qp.validate(w + detail::tensor_offset_bytes(tensors, 2 * d), IH); s != Status::ok) return s;
    }
    return Status::ok;
  }

 private:
  // Without prepared weights (a layer run on its own: tests, benchmarks): direction d's rows
  // prepared here, on this frame's stack, for this call.
  template <class B>
  MUBI_NOINLINE static void run_unprepared(const unsigned char* w, std::size_t d, const std::int8_t* in,
                                           std::int8_t* out, unsigned char* scratch) noexcept {
    typename B::template PreparedRows<IH, G> rows;
    B::template prepare_rows_s8<IH, G>(detail::tensor_at<std::int8_t>(w, tensors, 2 * d), rows);
    run_direction<B>(w, d, in, out, scratch, reinterpret_cast<const unsigned char*>(&rows));
  }

  template <class B>
  static void run_direction(const unsigned char* w, std::size_t d, const std::int8_t* in, std::int8_t* out,
                            unsigned char* scratch, const unsigned char* prepared_rows) noexcept {
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
    using Rows = typename B::template PreparedRows<IH, G>;
    const Rows* rows_at = reinterpret_cast<const Rows*>(prepared_rows);  // used only where relays
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t t = Recurrence::time(d, s);
      std::memcpy(xh, in + t * I, I);
      if constexpr (relays) {
        if (prepared) {
          std::int32_t acc[G];
          B::template dot_prepared_s8<IH, G>(*rows_at, xh, bias, acc);
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

}  // namespace mubi
