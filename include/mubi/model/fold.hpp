// mubi: BatchNorm folding. A Conv1D followed by BatchNorm becomes one Conv1D,
//   w' = w * gamma / sqrt(var + eps),  b' = (b - mean) * gamma / sqrt(var + eps) + beta,
// at the type level (Folded<Arch> drops those BatchNorm layers) and numerically
// (fold_payload, used by Model<Folded<Arch>>::load on a blob of Arch).
#pragma once

#include <cmath>
#include <cstring>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../layers/batchnorm.hpp"
#include "../layers/conv1d.hpp"
#include "sequential.hpp"

namespace mubi {
namespace detail {

template <class S>
struct IsConvSpec : std::false_type {};
template <std::size_t F, std::size_t K>
struct IsConvSpec<Conv1D<F, K>> : std::true_type {};

template <class Kept, bool PrevConv, class... Specs>
struct DropFoldedBatchNorm {
  using type = Kept;
};
template <class... Kept, bool PrevConv, class S, class... Rest>
struct DropFoldedBatchNorm<TypeList<Kept...>, PrevConv, S, Rest...> {
  static constexpr bool drop = PrevConv && std::is_same_v<S, BatchNorm>;
  using kept = std::conditional_t<drop, TypeList<Kept...>, TypeList<Kept..., S>>;
  using type = typename DropFoldedBatchNorm<kept, IsConvSpec<S>::value, Rest...>::type;
};

template <class InputT, class List>
struct SequentialOf;
template <class InputT, class... Specs>
struct SequentialOf<InputT, TypeList<Specs...>> {
  using type = Sequential<InputT, Specs...>;
};

template <class InputT, class List>
struct FoldSpecs;
template <class InputT, class... Specs>
struct FoldSpecs<InputT, TypeList<Specs...>> {
  using type = typename SequentialOf<InputT, typename DropFoldedBatchNorm<TypeList<>, false, Specs...>::type>::type;
};

}  // namespace detail

// The architecture `Arch` with every Conv1D -> BatchNorm pair folded into one Conv1D.
// It is the same type as writing the folded Sequential by hand, plus `source`, which lets
// Model<Folded<Arch>>::load() accept an unfolded blob of Arch and fold it.
template <class Arch>
struct Folded : detail::FoldSpecs<typename Arch::input_spec, typename Arch::spec_list>::type {
  using source = Arch;
  using plain = typename detail::FoldSpecs<typename Arch::input_spec, typename Arch::spec_list>::type;
};

// fold_batchnorm_t<Arch>: the plain folded Sequential (no link to its source).
template <class Arch>
using fold_batchnorm_t = typename Folded<Arch>::plain;

namespace detail {

// Writes the folded weights of Dst from the (validated, possibly unaligned) payload of Src.
template <class Src, class Dst>
void fold_payload(const unsigned char* src, float* dst) noexcept {
  constexpr auto& rec = Src::records;  // rec[i + 1] describes layer i
  std::size_t j = 0;
  for (std::size_t i = 0; i < Src::layer_count; ++i) {
    const bool conv = rec[i + 1].kind == LayerKind::conv1d;
    const bool folded_bn = i > 0 && rec[i + 1].kind == LayerKind::batchnorm && rec[i].kind == LayerKind::conv1d;
    if (folded_bn) continue;
    const std::size_t floats = Src::layer_offset[i + 1] - Src::layer_offset[i];
    std::memcpy(dst + Dst::layer_offset[j], src + Src::layer_offset[i] * sizeof(float), floats * sizeof(float));
    if (conv && i + 1 < Src::layer_count && rec[i + 2].kind == LayerKind::batchnorm) {
      const std::size_t F = rec[i + 1].p0, taps = rec[i + 1].p1 * std::size_t{rec[i].out_ch};
      const std::size_t channel_stride = align_up(F * sizeof(float));  // BatchNorm tensors
      const unsigned char* bn = src + Src::layer_offset[i + 1] * sizeof(float);
      float* w = dst + Dst::layer_offset[j];
      float* b = w + align_up(F * taps * sizeof(float)) / sizeof(float);
      for (std::size_t f = 0; f < F; ++f) {
        const double gamma = read_f32(bn + f * sizeof(float));
        const double beta = read_f32(bn + channel_stride + f * sizeof(float));
        const double mean = read_f32(bn + 2 * channel_stride + f * sizeof(float));
        const double var = read_f32(bn + 3 * channel_stride + f * sizeof(float));
        const double a = gamma / std::sqrt(var + kBatchNormEps);
        for (std::size_t k = 0; k < taps; ++k) w[k * F + f] = static_cast<float>(w[k * F + f] * a);  // [k][c][f]
        b[f] = static_cast<float>((b[f] - mean) * a + beta);
      }
    }
    ++j;
  }
}

}  // namespace detail
}  // namespace mubi
