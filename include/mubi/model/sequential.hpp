// mubi: Sequential, the compile-time model type. It takes the input shape and layer
// hyperparameters, propagates shapes through the layers, and computes once, at compile
// time, everything the rest of the library needs: the blob's layer and tensor tables and
// signature, weight offsets, parameter count, MACs, and the activation arena.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../config.hpp"
#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../format/blob.hpp"
#include "../status.hpp"

namespace mubi {
namespace detail {

template <class... Ts>
struct TypeList {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <class T, class List>
struct Prepend;
template <class T, class... Ts>
struct Prepend<T, TypeList<Ts...>> {
  using type = TypeList<T, Ts...>;
};

// Instantiates each layer spec with the output shape of the layer before it.
template <class In, class... Specs>
struct Chain {
  using type = TypeList<>;
};
template <class In, class S, class... Rest>
struct Chain<In, S, Rest...> {
  using L = typename S::template layer<In>;
  using type = typename Prepend<L, typename Chain<typename L::Out, Rest...>::type>::type;
};

template <std::size_t I, class List>
struct At;
template <std::size_t I, class T, class... Ts>
struct At<I, TypeList<T, Ts...>> : At<I - 1, TypeList<Ts...>> {};
template <class T, class... Ts>
struct At<0, TypeList<T, Ts...>> {
  using type = T;
};

constexpr std::size_t max_of(std::initializer_list<std::size_t> v) {
  std::size_t m = 0;
  for (std::size_t x : v) m = x > m ? x : m;
  return m;
}

// True when the float's exponent bits are not all ones (bit test: immune to -ffast-math).
inline bool finite_f32(const unsigned char* p) noexcept {
  return (read_u32(p) & 0x7F800000u) != 0x7F800000u;
}

// One tensor descriptor as the model expects it (docs/format.md, tensor table).
struct TensorDesc {
  std::uint16_t layer;
  TensorRole role;
  DType dtype;
  std::uint32_t count;
  std::uint32_t offset;  // bytes from the payload start
};

constexpr std::array<std::uint8_t, format::kTensorDescBytes> desc_bytes(const TensorDesc& d) {
  std::array<std::uint8_t, format::kTensorDescBytes> b{};
  const auto put = [&b](std::size_t at, std::uint32_t v, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) b[at + k] = static_cast<std::uint8_t>((v >> (8 * k)) & 0xFF);
  };
  put(0, d.layer, 2);
  put(2, static_cast<std::uint16_t>(d.role), 2);
  put(4, static_cast<std::uint8_t>(d.dtype), 1);
  put(8, d.count, 4);
  put(12, d.offset, 4);
  return b;  // scale, zero point and reserved fields are zero for float tensors
}

template <class InputT, class Layers>
struct SequentialImpl;

template <class InputT, class... Ls>
struct SequentialImpl<InputT, TypeList<Ls...>> {
  static_assert(sizeof...(Ls) > 0, "mubi::Sequential: a model needs at least one layer");

  using layer_list = TypeList<Ls...>;
  template <std::size_t I>
  using layer = typename At<I, layer_list>::type;

  static constexpr std::size_t layer_count = sizeof...(Ls);
  using In = typename InputT::Out;
  using Out = typename layer<layer_count - 1>::Out;
  static constexpr std::size_t input_size = In::size;
  static constexpr std::size_t output_size = Out::size;
  static constexpr DType dtype = DType::f32;

  // The blob's layer table: the input record, then every layer.
  static constexpr std::array<LayerRecord, layer_count + 1> records{
      {LayerRecord{LayerKind::input, 0, 0, 0, In::len, In::ch}, Ls::record...}};
  static constexpr std::uint64_t signature = format::signature_of(records);

  static constexpr std::size_t params = (Ls::params + ...);
  static constexpr std::size_t macs = (Ls::macs + ...);                    // the spec's count
  static constexpr std::size_t macs_executed = (Ls::macs_executed + ...);  // what forward() does

  // Weights: each layer's tensors packed and 16-byte aligned, layers back to back.
  static constexpr std::array<std::size_t, layer_count + 1> layer_offset = [] {
    std::array<std::size_t, layer_count + 1> o{};
    const std::size_t floats[] = {detail::tensor_floats(Ls::tensors)...};
    for (std::size_t i = 0; i < layer_count; ++i) o[i + 1] = o[i] + floats[i];
    return o;
  }();
  static constexpr std::size_t weight_floats = layer_offset[layer_count];
  static constexpr std::size_t weight_bytes = weight_floats * sizeof(float);

  static constexpr std::size_t tensor_count = (Ls::tensors.size() + ...);
  static constexpr std::array<TensorDesc, tensor_count> tensor_table = [] {
    std::array<TensorDesc, tensor_count> t{};
    std::size_t n = 0, li = 0;
    const auto add = [&](const auto& specs) {
      for (std::size_t k = 0; k < specs.size(); ++k)
        t[n++] = TensorDesc{static_cast<std::uint16_t>(li + 1), specs[k].role, DType::f32, specs[k].count,
                            static_cast<std::uint32_t>((layer_offset[li] + tensor_offset(specs, k)) * sizeof(float))};
      ++li;
    };
    (add(Ls::tensors), ...);
    return t;
  }();
  static constexpr std::size_t payload_offset = format::payload_offset(layer_count + 1, tensor_count);
  static constexpr std::size_t blob_bytes = payload_offset + weight_bytes;

  // Arena: two ping-pong activation buffers (each layer reads one and writes the other;
  // the first reads the caller's input, the last writes the caller's output) plus the
  // largest per-layer scratch.
  static constexpr std::size_t activation_floats = [] {
    const std::size_t out_floats[] = {align_up(Ls::Out::size * sizeof(float)) / sizeof(float)...};
    std::size_t m = 0;
    for (std::size_t i = 0; i + 1 < layer_count; ++i) m = out_floats[i] > m ? out_floats[i] : m;
    return m;
  }();
  static constexpr std::size_t scratch_floats = max_of({align_up(Ls::scratch_floats * sizeof(float)) / sizeof(float)...});
  static constexpr std::size_t arena_floats = 2 * activation_floats + scratch_floats;
  static constexpr std::size_t arena_bytes = arena_floats * sizeof(float);

  // Runs the window `in` (In::size floats) to `out` (Out::size floats) with backend B.
  // `weights` points at weight_floats floats laid out as the blob payload; `arena` at
  // arena_floats floats, 16-byte aligned.
  template <class B>
  static void forward(const float* weights, const float* in, float* out, float* arena) noexcept {
    run_layers<B>(weights, in, out, arena, std::make_index_sequence<layer_count>{});
  }

  // Validation step 14-15 on a payload (possibly unaligned) already known to have this
  // model's tensor table.
  static Status check_values(const unsigned char* payload) noexcept {
    for (const TensorDesc& d : tensor_table)
      for (std::uint32_t k = 0; k < d.count; ++k)
        if (!finite_f32(payload + d.offset + k * sizeof(float))) return Status::non_finite_weight;
    Status s = Status::ok;
    std::size_t i = 0;
    ((s = s == Status::ok ? Ls::check(payload + layer_offset[i] * sizeof(float)) : s, ++i), ...);
    return s;
  }

  // Validation steps 11-12: the blob's tables must be exactly the ones this type implies.
  static Status check_tables(const format::BlobView& v) noexcept {
    if (v.layer_count != records.size() ||
        format::signature_of_bytes(v.layer_table(), format::kLayerRecordBytes * v.layer_count) != v.signature)
      return Status::bad_layer_table;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto expect = format::record_bytes(records[i]);
      if (std::memcmp(expect.data(), v.layer_table() + i * format::kLayerRecordBytes, expect.size()) != 0)
        return Status::bad_layer_table;
    }
    if (v.tensor_count != tensor_count || v.payload_bytes != weight_bytes) return Status::bad_tensor_table;
    for (std::size_t i = 0; i < tensor_count; ++i) {
      const auto expect = desc_bytes(tensor_table[i]);
      if (std::memcmp(expect.data(), v.tensor_table() + i * format::kTensorDescBytes, expect.size()) != 0)
        return Status::bad_tensor_table;
    }
    return Status::ok;
  }

 private:
  template <class B, std::size_t... I>
  static void run_layers(const float* w, const float* in, float* out, float* arena,
                         std::index_sequence<I...>) noexcept {
    (run_layer<B, I>(w, in, out, arena), ...);
  }
  template <class B, std::size_t I>
  static void run_layer(const float* w, const float* in, float* out, float* arena) noexcept {
    const float* src = I == 0 ? in : arena + ((I - 1) % 2) * activation_floats;
    float* dst = I == layer_count - 1 ? out : arena + (I % 2) * activation_floats;
    layer<I>::template forward<B>(w + layer_offset[I], src, dst, arena + 2 * activation_floats);
  }
};

}  // namespace detail

// A model type: `Input<T, C>` followed by layer specs, e.g.
//   Sequential<Input<128, 9>, Normalize, Conv1D<16, 5>, ReLU, MaxPool1D<2>, BiLSTM<24>, Dense<6>>
template <class InputT, class... Specs>
struct Sequential : detail::SequentialImpl<InputT, typename detail::Chain<typename InputT::Out, Specs...>::type> {
  using input_spec = InputT;
  using spec_list = detail::TypeList<Specs...>;
};

}  // namespace mubi
