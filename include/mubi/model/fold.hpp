// mubi: BatchNorm folding. A Conv1D followed by BatchNorm becomes one Conv1D,
//   w' = w * gamma / sqrt(var + eps),  b' = (b - mean) * gamma / sqrt(var + eps) + beta,
// at the type level (Folded<Arch> drops those BatchNorm layers) and numerically
// (fold_payload, used by Model<Folded<Arch>>::load on a blob of Arch).
#pragma once

#include <cmath>
#include <cstring>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../status.hpp"
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

// The folded weights of Dst from the (validated, possibly unaligned) payload of Src.
// With dst == nullptr nothing is written: the pass only checks that every folded value is
// a finite float (a huge gamma / tiny variance could overflow), so that load() can refuse
// such a blob with invalid_parameter before it changes anything.
template <class Src, class Dst>
Status fold_payload(const unsigned char* src, unsigned char* dst) noexcept {
  constexpr auto& rec = Src::records;  // rec[i + 1] describes layer i (float layers: one record each)
  const auto to_float = [](double v, float& out) {
    if (!(v >= -3.4028234663852886e38 && v <= 3.4028234663852886e38)) return false;  // also NaN
    out = static_cast<float>(v);
    return true;
  };
  const auto put = [](unsigned char* at, std::size_t index, float v) {
    if (at) std::memcpy(at + index * sizeof(float), &v, sizeof v);
  };
  std::size_t j = 0;
  for (std::size_t i = 0; i < Src::layer_count; ++i) {
    const bool conv = rec[i + 1].kind == LayerKind::conv1d;
    const bool folded_bn = i > 0 && rec[i + 1].kind == LayerKind::batchnorm && rec[i].kind == LayerKind::conv1d;
    if (folded_bn) continue;
    const std::size_t bytes = Src::layer_offset[i + 1] - Src::layer_offset[i];
    const unsigned char* from = src + Src::layer_offset[i];
    if (dst) std::memcpy(dst + Dst::layer_offset[j], from, bytes);
    if (conv && i + 1 < Src::layer_count && rec[i + 2].kind == LayerKind::batchnorm) {
      const std::size_t F = rec[i + 1].p0, taps = rec[i + 1].p1 * std::size_t{rec[i].out_ch};
      const std::size_t bias_at = align_up(F * taps * sizeof(float)) / sizeof(float);  // conv bias
      const std::size_t channel_stride = align_up(F * sizeof(float));                  // BatchNorm tensors
      const unsigned char* bn = src + Src::layer_offset[i + 1];
      unsigned char* w = dst ? dst + Dst::layer_offset[j] : nullptr;
      for (std::size_t f = 0; f < F; ++f) {
        const double gamma = read_f32(bn + f * sizeof(float));
        const double beta = read_f32(bn + channel_stride + f * sizeof(float));
        const double mean = read_f32(bn + 2 * channel_stride + f * sizeof(float));
        const double var = read_f32(bn + 3 * channel_stride + f * sizeof(float));
        const double a = gamma / std::sqrt(var + kBatchNormEps);
        float v = 0.0f;
        for (std::size_t k = 0; k < taps; ++k) {  // weights [k][c][f]
          if (!to_float(static_cast<double>(read_f32(from + (k * F + f) * sizeof(float))) * a, v)) return Status::invalid_parameter;
          put(w, k * F + f, v);
        }
        if (!to_float((static_cast<double>(read_f32(from + (bias_at + f) * sizeof(float))) - mean) * a + beta, v))
          return Status::invalid_parameter;
        put(w, bias_at + f, v);
      }
    }
    ++j;
  }
  return Status::ok;
}

}  // namespace detail
}  // namespace mubi
