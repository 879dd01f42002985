// mubi: the int8 conv block (docs/int8.md, "Conv1D"): one pass that can also quantize the raw
// input (a leading Normalize) and apply ReLU and MaxPool1D, so the full-length conv output
// never exists in memory. model/quantized.hpp turns [Normalize] Conv1D [ReLU] [MaxPool1D] of
// a float layer list into one such layer.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../../backend/scalar.hpp"
#include "../../core/descriptor.hpp"
#include "../../core/fixed_point.hpp"
#include "../../core/quant_check.hpp"
#include "../../core/quant_params.hpp"
#include "../../core/shape.hpp"
#include "../../status.hpp"
#include "../conv1d.hpp"

namespace mubi {

namespace q8 {
// The records an int8 conv block runs together: Normalize before it, ReLU and MaxPool1D<Pool>
// (Pool 0: none) after it.
template <bool Normalize, bool Relu, std::size_t Pool>
struct ConvFusion {};
}  // namespace q8

template <class InShape, std::size_t Filters, std::size_t Kernel, bool Norm, bool Relu, std::size_t Pool>
struct Conv1DLayer<InShape, Filters, Kernel, std::int8_t, q8::ConvFusion<Norm, Relu, Pool>> {
  static_assert(Kernel % 2 == 1, "mubi::Conv1D: the kernel size must be odd for 'same' padding");
  static_assert(Filters > 0, "mubi::Conv1D: at least one filter");
  static_assert(Pool == 0 || InShape::len >= Pool, "mubi::MaxPool1D: the input sequence is shorter than the pool window");
  using In = InShape;
  static constexpr std::size_t T = In::len, C = In::ch, F = Filters, K = Kernel, pad = (K - 1) / 2, KC = K * C;
  static constexpr std::size_t P = Pool == 0 ? 1 : Pool;
  using Out = Shape<T / P, F>;
  static_assert(q8::dot_fits(KC), "mubi::Conv1D<int8>: K * C too large for an int32 accumulator");
  using in_type = std::conditional_t<Norm, float, std::int8_t>;
  using out_type = std::int8_t;
  using weight_type = unsigned char;
  using scratch_type = unsigned char;

  static constexpr std::size_t record_count = 1 + Norm + Relu + (Pool > 0);
  static constexpr std::array<LayerRecord, record_count> records = [] {
    std::array<LayerRecord, record_count> r{};
    std::size_t n = 0;
    if (Norm) r[n++] = LayerRecord{LayerKind::normalize, 0, 0, 0, T, C};
    r[n++] = LayerRecord{LayerKind::conv1d, F, K, pad, T, F};
    if (Relu) r[n++] = LayerRecord{LayerKind::relu, 0, 0, 0, T, F};
    if (Pool > 0) r[n++] = LayerRecord{LayerKind::maxpool1d, Pool, Pool, 0, Out::len, F};
    return r;
  }();
  static constexpr std::size_t conv_record = Norm ? 1 : 0;
  using Quant = q8::ConvQuant<F>;
  using InQuant = q8::InputQuant<C>;
  static constexpr std::array<TensorSpec, Norm ? 3 : 2> tensors = [] {
    std::array<TensorSpec, Norm ? 3 : 2> t{};
    std::size_t n = 0;
    if (Norm) t[n++] = TensorSpec{TensorRole::quant_input, static_cast<std::uint32_t>(InQuant::size), DType::f32, 0};
    t[n++] = TensorSpec{TensorRole::conv_weight, static_cast<std::uint32_t>(F * KC), DType::i8, conv_record};
    t[n++] = TensorSpec{TensorRole::conv_quant, static_cast<std::uint32_t>(Quant::size), DType::i32, conv_record};
    return t;
  }();
  static constexpr std::size_t weight_index = Norm ? 1 : 0, quant_index = weight_index + 1;
  static constexpr std::size_t params = F * KC + F;
  static constexpr std::size_t macs = T * F * KC;
  static constexpr std::size_t macs_executed = Out::len * P * F * KC;  // floor pooling skips the tail
  // A backend that re-lays rows out (a host) gets the whole padded window, quantized and
  // prepared once on its stack; each step then reads its K rows in place.
  template <class B>
  static constexpr bool whole_window = B::template relays_rows<KC, F>;
  static constexpr std::size_t padded_len = (T + K - 1) * C;
  // Otherwise (an MCU, or x86 without AVX2): a ring of R = K + lead input rows in the arena,
  // stored twice (so every step's K rows are contiguous). Rows are written `lead` steps
  // before they are read: a vector load right after narrow stores to the same bytes stalls
  // on x86 (store forwarding). 16 bytes of slack after the window: SIMD dot products may
  // read past a row's end.
  static constexpr std::size_t lead = 2, R = K + lead;
  static constexpr std::size_t window_bytes = align_up(2 * R * C);
  static constexpr std::size_t scratch_bytes = window_bytes + kAlign;

  // Input quantization of one raw sample (C values), docs/int8.md "Normalize".
  template <class B = backend::Scalar>
  static void quantize_row(const unsigned char* w, const float* x, std::int8_t* q) noexcept {
    static_assert(Norm, "mubi: only a block that starts with Normalize quantizes raw samples");
    const InQuant iq{w};
    B::template quantize_s8<C>(x, iq.scales(), iq.offsets(), static_cast<std::int8_t>(iq.zero_point()), q);
  }

  // Prepared weights (model/sequential.hpp): a backend that re-lays rows out does it once, at
  // load()/bind(), into prepared_bytes<Layout> of the model's storage (Layout: the backend,
  // or backend::Dispatched, whose slot fits every ISA's layout).
  template <class Layout>
  static constexpr std::size_t prepared_bytes =
      Layout::template relays_rows<KC, F> ? sizeof(typename Layout::template PreparedRows<KC, F>) : 0;
  template <class B, class Layout = B>
  static void prepare(const unsigned char* w, unsigned char* prepared) noexcept {
    using Rows = typename B::template PreparedRows<KC, F>;
    static_assert(prepared_bytes<Layout> == 0 || sizeof(Rows) <= prepared_bytes<Layout>);
    if constexpr (B::template relays_rows<KC, F>)
      B::template prepare_rows_s8<KC, F>(detail::tensor_at<std::int8_t>(w, tensors, weight_index),
                                         *reinterpret_cast<Rows*>(prepared));
  }

  // `prepared`: what prepare<B>() made, or null (the rows are then prepared here, per call).
  template <class B, class Layout = B, class InT>
  static void forward(const unsigned char* w, const InT* in, std::int8_t* out, unsigned char* scratch,
                      const unsigned char* prepared = nullptr) noexcept {
    static_assert(std::is_same_v<InT, std::int8_t> || (Norm && std::is_same_v<InT, float>),
                  "mubi::Conv1D<int8>: reads int8, or raw floats when it starts with Normalize");
    const std::int8_t* wq = detail::tensor_at<std::int8_t>(w, tensors, weight_index);
    const Quant qp{w + detail::tensor_offset_bytes(tensors, quant_index)};
    const std::int32_t *bias = qp.biases(), *m0 = qp.multipliers(), *shift = qp.shifts();
    const std::int32_t zp_in = qp.zp_in(), zp_out = qp.zp_out(), lo = qp.lo(Relu), hi = qp.hi();
    using Rows = typename B::template PreparedRows<KC, F>;
    constexpr bool relays = B::template relays_rows<KC, F>;
    if constexpr (relays)
      if (prepared == nullptr) return forward_unprepared<B, Layout>(w, in, out, scratch);
    std::conditional_t<relays, char, Rows> in_place{};  // rows used where they are: a reference
    const Rows* rows_at;
    if constexpr (relays) {
      rows_at = reinterpret_cast<const Rows*>(prepared);
    } else {
      B::template prepare_rows_s8<KC, F>(wq, in_place);
      rows_at = &in_place;
    }
    const Rows& rows = *rows_at;
    // Input row r (0 <= r < T) into dst: quantized or copied.
    const auto input_row = [&](std::size_t r, std::int8_t* dst) {
      if constexpr (std::is_same_v<InT, float>) {
        quantize_row<B>(w, in + r * C, dst);
      } else {
        std::memcpy(dst, in + r * C, C);
      }
    };
    // The accumulators of a pool window's P steps (each step's K rows from rows_of_step),
    // max-pooled and requantized together.
    const auto run = [&](auto&& rows_of_step) {
      for (std::size_t u = 0; u < Out::len; ++u) {
        std::int32_t acc[P * F];
        for (std::size_t p = 0; p < P; ++p)
          B::template dot_prepared_s8<KC, F>(rows, rows_of_step(u * P + p), bias, acc + p * F);
        B::template pool_requantize_s8<F, P>(acc, m0, shift, zp_out, lo, hi, out + u * F);  // load() ensures lo <= hi
      }
    };

    if constexpr (whole_window<B>) {
      // Zero-point rows around the input and after it: the last step's dot product reads a
      // few values past the window (they meet zero weights), its preparation up to 15 more.
      alignas(32) std::int8_t padded[padded_len + 32];
      alignas(32) typename B::PackedActivation activations[padded_len + 32];
      std::memset(padded, zp_in, pad * C);
      std::memset(padded + (pad + T) * C, zp_in, pad * C + 32);
      if constexpr (std::is_same_v<InT, float> && B::template quantizes_windows<T, C>) {
        const InQuant iq{w};
        B::template quantize_window_s8<T, C>(in, iq.scales(), iq.offsets(), static_cast<std::int8_t>(iq.zero_point()),
                                             padded + pad * C);
      } else {
        for (std::size_t r = 0; r < T; ++r) input_row(r, padded + (pad + r) * C);
      }
      B::template prepare_activations_s8<padded_len + 16>(padded, activations);
      run([&](std::size_t t) { return static_cast<const typename B::PackedActivation*>(activations + t * C); });
    } else {
      auto* window = reinterpret_cast<std::int8_t*>(scratch);
      // Padded row r (input row r - pad) goes to slots r % R and r % R + R, so the K rows
      // step t needs, padded rows t .. t+K-1, are contiguous from slot t % R.
      const auto load_row = [&](std::size_t r_plus_pad) {
        std::int8_t* dst = window + (r_plus_pad % R) * C;
        if (r_plus_pad < pad || r_plus_pad - pad >= T) {
          for (std::size_t c = 0; c < C; ++c) dst[c] = static_cast<std::int8_t>(zp_in);
        } else {
          input_row(r_plus_pad - pad, dst);
        }
        std::memcpy(dst + R * C, dst, C);
      };
      for (std::size_t r = 0; r + 1 < K + lead; ++r) load_row(r);
      run([&](std::size_t t) {
        load_row(t + K - 1 + lead);  // into the slot of padded row t - 1, no longer needed
        return static_cast<const std::int8_t*>(window + (t % R) * C);
      });
    }
  }

  // Without prepared weights (a layer run on its own: tests, benchmarks): the rows prepared
  // here, on this frame's stack, for this call.
  template <class B, class Layout, class InT>
  MUBI_NOINLINE static void forward_unprepared(const unsigned char* w, const InT* in, std::int8_t* out,
                                               unsigned char* scratch) noexcept {
    typename B::template PreparedRows<KC, F> rows;
    B::template prepare_rows_s8<KC, F>(detail::tensor_at<std::int8_t>(w, tensors, weight_index), rows);
    forward<B, Layout>(w, in, out, scratch, reinterpret_cast<const unsigned char*>(&rows));
  }

  // Load-time checks: zero points and clamp bounds in int8, an integral zero point for the
  // input quantizer, and every filter's multiplier and worst-case accumulator (docs/int8.md).
  static Status check(const unsigned char* w) noexcept {
    if constexpr (Norm) {
      if (const Status s = InQuant{w}.validate(); s != Status::ok) return s;
    }
    const Quant qp{w + detail::tensor_offset_bytes(tensors, quant_index)};
    return qp.validate(w + detail::tensor_offset_bytes(tensors, weight_index), KC, Relu);
  }
};

}  // namespace mubi
