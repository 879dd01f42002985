// mubi: the Eigen backend: fixed-size Eigen::Map products over mubi's own buffers (no
// Eigen-owned storage, no heap), Eigen's vectorised exp and tanh. Same kernels and layouts
// as Scalar. Host only; opt in with the mubi::eigen CMake target.
#pragma once

#include <cstddef>

#include <Eigen/Core>

#include "scalar.hpp"

namespace mubi::backend {

struct Eigen : ScalarKernels<Eigen> {
  static constexpr const char* name = "eigen";

  template <std::size_t In, std::size_t N>
  static void gemv_acc(const float* w, const float* x, float* y) noexcept {
    using Wm = ::Eigen::Matrix<float, int{In}, int{N}, (N > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
    using Xv = ::Eigen::Matrix<float, 1, int{In}>;
    using Yv = ::Eigen::Matrix<float, 1, int{N}>;
    ::Eigen::Map<Yv>(y).noalias() += ::Eigen::Map<const Xv>(x) * ::Eigen::Map<const Wm>(w);
  }

  template <std::size_t In, std::size_t N, std::size_t M>
  static void gemm_acc(const float* w, const float* x, float* y) noexcept {
    using Wm = ::Eigen::Matrix<float, int{In}, int{N}, (N > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
    using Xm = ::Eigen::Matrix<float, int{M}, int{In}, (In > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
    using Ym = ::Eigen::Matrix<float, int{M}, int{N}, (N > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
    ::Eigen::Map<Ym>(y).noalias() += ::Eigen::Map<const Xm>(x) * ::Eigen::Map<const Wm>(w);
  }

  // The interior steps (all taps inside the window) are one product: each row of the input
  // map is the K*C window of one output step; rows overlap (outer stride C).
  template <std::size_t T, std::size_t C, std::size_t F, std::size_t K>
  static void conv1d(const float* w, const float* bias, const float* in, float* out) noexcept {
    constexpr std::size_t pad = (K - 1) / 2;
    if constexpr (T < K) {
      ScalarKernels<Eigen>::conv1d<T, C, F, K>(w, bias, in, out);
    } else {
      constexpr int R = int{T - 2 * pad}, KC = int{K * C}, Fi = int{F};
      using Xm = ::Eigen::Matrix<float, R, KC, (KC > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
      using Wm = ::Eigen::Matrix<float, KC, Fi, (Fi > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
      using Ym = ::Eigen::Matrix<float, R, Fi, (Fi > 1 ? ::Eigen::RowMajor : ::Eigen::ColMajor)>;
      using Bv = ::Eigen::Matrix<float, 1, Fi>;
      const ::Eigen::Map<const Xm, ::Eigen::Unaligned, ::Eigen::OuterStride<int{C}>> x(in);
      ::Eigen::Map<Ym> y(out + pad * F);
      y.noalias() = x * ::Eigen::Map<const Wm>(w);
      y.rowwise() += ::Eigen::Map<const Bv>(bias);
      ScalarKernels<Eigen>::conv1d_steps<T, C, F, K>(w, bias, in, out, 0, pad);
      ScalarKernels<Eigen>::conv1d_steps<T, C, F, K>(w, bias, in, out, T - pad, T);
    }
  }

  template <std::size_t H>
  static void lstm_cell(const float* gates, float* c, float* h) noexcept {
    using A = ::Eigen::Array<float, int{H}, 1>;
    const ::Eigen::Map<const A> gi(gates), gf(gates + H), gg(gates + 2 * H), go(gates + 3 * H);
    ::Eigen::Map<A> cm(c), hm(h);
    const A i = (1.0f + (-gi).exp()).inverse();
    const A f = (1.0f + (-gf).exp()).inverse();
    const A o = (1.0f + (-go).exp()).inverse();
    cm = f * cm + i * gg.tanh();
    hm = o * cm.tanh();
  }
};

}  // namespace mubi::backend
