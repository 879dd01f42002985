// mubi: BatchNorm1d in inference mode (running statistics, eps 1e-5), per channel.
// Normally folded into the preceding Conv1D (model/fold.hpp); kept as a layer so the network
// as trained can run unfolded and serve as the oracle for the fold.
#pragma once

#include <array>
#include <cmath>

#include "../core/bytes.hpp"
#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../status.hpp"

namespace mubi {

inline constexpr double kBatchNormEps = 1e-5;

template <class InShape>
struct BatchNormLayer : detail::FloatValues {
  using In = InShape;
  using Out = InShape;
  static constexpr std::size_t C = In::ch;
  static constexpr LayerRecord record{LayerKind::batchnorm, 0, 0, 0, Out::len, Out::ch};
  static constexpr std::array<LayerRecord, 1> records{record};
  static constexpr std::array<TensorSpec, 4> tensors{{{TensorRole::bn_gamma, C},
                                                      {TensorRole::bn_beta, C},
                                                      {TensorRole::bn_running_mean, C},
                                                      {TensorRole::bn_running_var, C}}};
  static constexpr std::size_t params = 2 * C;  // gamma and beta; running stats are buffers
  static constexpr std::size_t macs = 0;
  static constexpr std::size_t macs_executed = 0;
  static constexpr std::size_t scratch_bytes = 0;

  template <class B>
  static void forward(const float* w, const float* in, float* out,
                      float*) noexcept {
    const float* gamma = w;
    const float* beta = w + detail::tensor_offset(tensors, 1);
    const float* mean = w + detail::tensor_offset(tensors, 2);
    const float* var = w + detail::tensor_offset(tensors, 3);
    for (std::size_t t = 0; t < In::len; ++t)
      for (std::size_t c = 0; c < C; ++c) {
        const float inv_std = 1.0f / std::sqrt(var[c] + static_cast<float>(kBatchNormEps));
        out[t * C + c] = (in[t * C + c] - mean[c]) * inv_std * gamma[c] + beta[c];
      }
  }

  static Status check(const unsigned char* w) noexcept {
    const unsigned char* var = w + detail::tensor_offset(tensors, 3) * sizeof(float);
    for (std::size_t c = 0; c < C; ++c)
      if (!(detail::read_f32(var + c * sizeof(float)) >= 0.0f)) return Status::invalid_parameter;
    return Status::ok;
  }
};

struct BatchNorm {
  template <class In>
  using layer = BatchNormLayer<In>;
};

}  // namespace mubi
