// mubi: Int8<Arch>, the int8 form of a model type (docs/int8.md). It has the layer table of
// Folded<Arch> (same signature; an int8 blob differs in its dtype and tensors) and the same
// interface as every model type; Model<Int8<Arch>> loads and binds the blobs that
// python/mubi/quantize.py writes. Each Conv1D runs with its neighbouring Normalize, ReLU and
// MaxPool1D as one int8 layer, so the arena holds only pooled activations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../layers/batchnorm.hpp"
#include "../layers/conv1d.hpp"
#include "../layers/int8/conv1d.hpp"
#include "../layers/int8/dense.hpp"
#include "../layers/int8/lstm.hpp"
#include "../layers/maxpool1d.hpp"
#include "../layers/normalize.hpp"
#include "../layers/relu.hpp"
#include "../layers/softmax.hpp"
#include "fold.hpp"
#include "sequential.hpp"

namespace mubi {
namespace detail {

// The float layer list (BatchNorm already folded) becomes the int8 layer list by these rules,
// applied from the front (Q8Chain):
//
//   float layers                                 int8 layer
//   Normalize Conv1D<F,K> [ReLU] [MaxPool1D<P>]  Conv1DLayer<.., int8, ConvFusion<true, relu, P>>
//   Conv1D<F,K> [ReLU] [MaxPool1D<P>]            Conv1DLayer<.., int8, ConvFusion<false, relu, P>>
//   any other spec S (BiLSTM, Dense)             S::layer<In, int8_t>, its int8 form
//   Normalize, ReLU, MaxPool1D, BatchNorm        a compile error anywhere else (RunsInsideConv)
//
// so the fusion lives here, in the types, and Conv1DLayer's int8 form runs one pass: input
// quantization, the convolution, ReLU, and max-pooling of the accumulators before
// requantization (layers/int8/conv1d.hpp).
template <class S>
struct RunsInsideConv : std::false_type {};
template <>
struct RunsInsideConv<Normalize> : std::true_type {};
template <>
struct RunsInsideConv<ReLU> : std::true_type {};
template <>
struct RunsInsideConv<BatchNorm> : std::true_type {};
template <std::size_t P>
struct RunsInsideConv<MaxPool1D<P>> : std::true_type {};

struct NotQuantizable {
  template <class In, class>
  using layer = SoftmaxLayer<In>;
};

template <class In, class List>
struct Q8Chain;

template <class In>
struct Q8Chain<In, TypeList<>> {
  using type = TypeList<>;
};

template <class In, class S, class... Rest>
struct Q8Chain<In, TypeList<S, Rest...>> {
  static_assert(!RunsInsideConv<S>::value,
                "mubi::Int8: Normalize must be the first layer and be followed by Conv1D; ReLU and MaxPool1D "
                "must follow a Conv1D (in that order); BatchNorm must follow a Conv1D to be folded");
  using L = typename std::conditional_t<RunsInsideConv<S>::value, NotQuantizable, S>::template layer<In, std::int8_t>;
  using type = typename Prepend<L, typename Q8Chain<typename L::Out, TypeList<Rest...>>::type>::type;
};

template <class List>
struct TakeReLU {
  static constexpr bool value = false;
  using rest = List;
};
template <class... Rest>
struct TakeReLU<TypeList<ReLU, Rest...>> {
  static constexpr bool value = true;
  using rest = TypeList<Rest...>;
};
template <class List>
struct TakePool {
  static constexpr std::size_t value = 0;
  using rest = List;
};
template <std::size_t P, class... Rest>
struct TakePool<TypeList<MaxPool1D<P>, Rest...>> {
  static constexpr std::size_t value = P;
  using rest = TypeList<Rest...>;
};

// A conv block: [Normalize] Conv1D [ReLU] [MaxPool1D] as one int8 layer.
template <class In, bool Norm, std::size_t F, std::size_t K, class Rest>
struct Q8Block {
  using relu = TakeReLU<Rest>;
  using pool = TakePool<typename relu::rest>;
  using L = Conv1DLayer<In, F, K, std::int8_t, q8::ConvFusion<Norm, relu::value, pool::value>>;
  using type = typename Prepend<L, typename Q8Chain<typename L::Out, typename pool::rest>::type>::type;
};
template <class In, std::size_t F, std::size_t K, class... Rest>
struct Q8Chain<In, TypeList<Normalize, Conv1D<F, K>, Rest...>> : Q8Block<In, true, F, K, TypeList<Rest...>> {};
template <class In, std::size_t F, std::size_t K, class... Rest>
struct Q8Chain<In, TypeList<Conv1D<F, K>, Rest...>> : Q8Block<In, false, F, K, TypeList<Rest...>> {};

template <class Arch>
using Int8Base = SequentialImpl<typename Arch::input_spec,
                                typename Q8Chain<typename Arch::In, typename fold_batchnorm_t<Arch>::spec_list>::type,
                                DType::i8>;

}  // namespace detail

template <class Arch>
struct Int8 : detail::Int8Base<Arch> {
  using float_model = fold_batchnorm_t<Arch>;
  static_assert(detail::Int8Base<Arch>::signature == float_model::signature,
                "mubi::Int8: the int8 layer table must equal the folded float model's");
  static_assert(std::is_same_v<typename detail::Int8Base<Arch>::input_type, float>,
                "mubi::Int8: the model must start with Normalize (the int8 input quantizer)");

  // One raw sample (In::ch values) to int8, as the model's first layer quantizes its input,
  // with backend B's kernel (every backend gives the same bytes).
  template <class B = backend::Scalar>
  static void quantize_sample(const unsigned char* weights, const float* x, std::int8_t* q) noexcept {
    detail::Int8Base<Arch>::template layer<0>::template quantize_row<B>(weights, x, q);
  }
};

}  // namespace mubi
