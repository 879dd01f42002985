// mubi: per-channel z-score, (x - mean[c]) / std[c], with training-set statistics stored in
// the blob so a device feeds raw sensor units.
#pragma once

#include <array>

#include "../core/bytes.hpp"
#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

template <class InShape>
struct NormalizeLayer : detail::FloatValues {
  using In = InShape;
  using Out = InShape;
  static constexpr std::size_t C = In::ch;
  static constexpr LayerRecord record{LayerKind::normalize, 0, 0, 0, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};
  static constexpr std::array<TensorSpec, 2> tensors{{{TensorRole::norm_mean, C}, {TensorRole::norm_std, C}}};
  static constexpr std::size_t params = 0;  // buffers, not parameters, in PyTorch
  static constexpr std::size_t macs = 0;
  static constexpr std::size_t macs_executed = 0;
  static constexpr std::size_t scratch_bytes = C * sizeof(float);  // 1 / std

  // Multiplies by 1/std (C divisions per window instead of T*C; at most 1.5 ulp from
  // PyTorch's division, far inside the 1e-5 parity tolerance).
  template <class B>
  static void forward(const float* w, const float* in, float* out, float* scratch) noexcept {
    const float* mean = w;
    const float* stdev = w + detail::tensor_offset(tensors, 1);
    float* inv = scratch;
    for (std::size_t c = 0; c < C; ++c) inv[c] = 1.0f / stdev[c];
    B::template normalize<In::len, C>(in, mean, inv, out);
  }

  // w: this layer's block of the payload, possibly unaligned (load() validates before copying).
  static Status check(const unsigned char* w) noexcept {
    const unsigned char* stdev = w + detail::tensor_offset(tensors, 1) * sizeof(float);
    for (std::size_t c = 0; c < C; ++c)
      if (!(detail::read_f32(stdev + c * sizeof(float)) > 0.0f)) return Status::invalid_parameter;
    return Status::ok;
  }
};

struct Normalize {
  template <class In>
  using layer = NormalizeLayer<In>;
};

}  // namespace mubi
