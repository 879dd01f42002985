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

#include "../backend/contract.hpp"
#include "../config.hpp"
#include "../core/descriptor.hpp"
#include "../core/shape.hpp"
#include "../format/blob.hpp"
#include "../layers/contract.hpp"
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
  return b;  // scale and zero point (bytes 16-23) are zero in float blobs; reserved bytes always
}

// Blocks of tensors (a layer's or a front-end stage's) packed back to back: the byte offset
// of each block, and the total as the last entry.
template <class... Ls>
constexpr std::array<std::size_t, sizeof...(Ls) + 1> block_offsets() {
  std::array<std::size_t, sizeof...(Ls) + 1> o{};
  const std::size_t bytes[] = {tensor_offset_bytes(Ls::tensors, Ls::tensors.size())..., 0};
  for (std::size_t i = 0; i < sizeof...(Ls); ++i) o[i + 1] = o[i] + bytes[i];
  return o;
}

// The tensor table of blocks Ls: block i's tensors belong to layer record
// first_record[i] + spec.record and lie at offsets[i] + their offset in the block.
template <class... Ls>
constexpr std::array<TensorDesc, (Ls::tensors.size() + ... + 0)> tensor_table_of(
    const std::array<std::size_t, sizeof...(Ls)>& first_record, const std::array<std::size_t, sizeof...(Ls) + 1>& offsets) {
  std::array<TensorDesc, (Ls::tensors.size() + ... + 0)> t{};
  std::size_t n = 0, i = 0;
  const auto add = [&](const auto& specs) {
    for (std::size_t k = 0; k < specs.size(); ++k)
      t[n++] = TensorDesc{static_cast<std::uint16_t>(first_record[i] + specs[k].record), specs[k].role, specs[k].dtype,
                          specs[k].count, static_cast<std::uint32_t>(offsets[i] + tensor_offset_bytes(specs, k))};
    ++i;
  };
  (add(Ls::tensors), ...);
  return t;
}

// Validation steps 11-12 for any model type A (records, tensor_table, weight_bytes, dtype):
// the blob's tables must be exactly the ones A implies (an int8 blob's descriptor scale /
// zero point fields are informative and not compared).
template <class A>
Status check_tables_of(const format::BlobView& v) noexcept {
  if (v.layer_count != A::records.size() ||
      format::signature_of_bytes(v.layer_table(), format::kLayerRecordBytes * v.layer_count) != v.signature)
    return Status::bad_layer_table;
  for (std::size_t i = 0; i < A::records.size(); ++i) {
    const auto expect = format::record_bytes(A::records[i]);
    if (std::memcmp(expect.data(), v.layer_table() + i * format::kLayerRecordBytes, expect.size()) != 0)
      return Status::bad_layer_table;
  }
  if (v.tensor_count != A::tensor_table.size() || v.payload_bytes != A::weight_bytes)
    return Status::bad_tensor_table;
  for (std::size_t i = 0; i < A::tensor_table.size(); ++i) {
    const auto expect = desc_bytes(A::tensor_table[i]);
    const unsigned char* got = v.tensor_table() + i * format::kTensorDescBytes;
    const bool head = std::memcmp(expect.data(), got, 16) == 0;
    const bool quant = A::dtype != DType::f32 || std::memcmp(expect.data() + 16, got + 16, 8) == 0;
    if (!head || !quant || std::memcmp(expect.data() + 24, got + 24, 8) != 0) return Status::bad_tensor_table;
  }
  return Status::ok;
}

// A layer's prepared bytes for Layout: what it declares (prepared_bytes<Layout>: the int8
// layers), else its whole weight block where Layout keeps float weights 64-byte aligned
// (backend::copies_float_weights: the layer then reads that copy), else 0.
template <class L, class Layout, class = void>
struct OwnPreparedBytes : std::integral_constant<std::size_t, 0> {
  static constexpr bool declared = false;
};
template <class L, class Layout>
struct OwnPreparedBytes<L, Layout, std::void_t<decltype(L::template prepared_bytes<Layout>)>>
    : std::integral_constant<std::size_t, L::template prepared_bytes<Layout>> {
  static constexpr bool declared = true;
};
template <class L, class Layout>
inline constexpr bool copies_weights = !OwnPreparedBytes<L, Layout>::declared &&
                                       std::is_same_v<typename L::weight_type, float> &&
                                       backend::copies_float_weights<Layout> && !L::tensors.empty();
template <class L, class Layout>
constexpr std::size_t prepared_bytes_of() {
  if constexpr (copies_weights<L, Layout>) return tensor_offset_bytes(L::tensors, L::tensors.size());
  else return OwnPreparedBytes<L, Layout>::value;
}

// A layer's lockstep scratch for N windows (layers with forward_lockstep<B, N>: the float
// LSTM), or 0: the layer then runs window by window inside forward_lockstep().
template <class L, std::size_t N, class = void>
struct LockstepBytes : std::integral_constant<std::size_t, 0> {};
template <class L, std::size_t N>
struct LockstepBytes<L, N, std::void_t<decltype(L::template lockstep_scratch_bytes<N>)>>
    : std::integral_constant<std::size_t, L::template lockstep_scratch_bytes<N>> {};

template <class InputT, class Layers, DType Dt = DType::f32>
struct SequentialImpl;

template <class InputT, class... Ls, DType Dt>
struct SequentialImpl<InputT, TypeList<Ls...>, Dt> {
  static_assert(sizeof...(Ls) > 0, "mubi::Sequential: a model needs at least one layer");

  using layer_list = TypeList<Ls...>;
  template <std::size_t I>
  using layer = typename At<I, layer_list>::type;

  static constexpr std::size_t layer_count = sizeof...(Ls);  // executed layers
  using In = typename InputT::Out;
  using Out = typename layer<layer_count - 1>::Out;
  static_assert((LayerContract<Ls>::ok && ...), "mubi::Sequential: a layer breaks the layer contract");
  using input_type = typename layer<0>::in_type;
  using output_type = typename layer<layer_count - 1>::out_type;
  using source = void;    // what load() also accepts and folds (Folded<A>: A)
  using frontend = void;  // no front end (WithFrontEnd)
  static constexpr std::size_t input_size = In::size;
  static constexpr std::size_t output_size = Out::size;
  static constexpr DType dtype = Dt;

 private:
  template <std::size_t... I>
  static constexpr bool links_ok(std::index_sequence<I...>) {
    return (std::is_same_v<typename layer<I>::out_type, typename layer<I + 1>::in_type> && ...);
  }
  static_assert(links_ok(std::make_index_sequence<layer_count - 1>{}),
                "mubi::Sequential: a layer reads a different numeric type than the layer before it writes");

 public:
  // The blob's layer table: the input record, then every layer's records.
  static constexpr std::size_t record_count = 1 + (Ls::records.size() + ...);
  static constexpr std::array<LayerRecord, record_count> records = [] {
    std::array<LayerRecord, record_count> r{};
    r[0] = LayerRecord{LayerKind::input, 0, 0, 0, In::len, In::ch};
    std::size_t n = 1;
    const auto add = [&](const auto& rs) {
      for (const LayerRecord& x : rs) r[n++] = x;
    };
    (add(Ls::records), ...);
    return r;
  }();
  // Index in `records` of each layer's first record.
  static constexpr std::array<std::size_t, layer_count> record_base = [] {
    std::array<std::size_t, layer_count> b{};
    const std::size_t sizes[] = {Ls::records.size()...};
    for (std::size_t i = 0, n = 1; i < layer_count; n += sizes[i], ++i) b[i] = n;
    return b;
  }();
  static constexpr std::uint64_t signature = format::signature_of(records);

  static constexpr std::size_t params = (Ls::params + ...);
  static constexpr std::size_t macs = (Ls::macs + ...);                    // the spec's count
  static constexpr std::size_t macs_executed = (Ls::macs_executed + ...);  // what forward() does

  // Weights: each layer's tensors packed and 16-byte aligned, layers back to back (bytes).
  static constexpr std::array<std::size_t, layer_count + 1> layer_offset = block_offsets<Ls...>();
  static constexpr std::size_t weight_bytes = layer_offset[layer_count];

  static constexpr std::size_t tensor_count = (Ls::tensors.size() + ...);
  static constexpr std::array<TensorDesc, tensor_count> tensor_table = tensor_table_of<Ls...>(record_base, layer_offset);
  static constexpr std::size_t payload_offset = format::payload_offset(record_count, tensor_count);
  static constexpr std::size_t blob_bytes = payload_offset + weight_bytes;

  // Arena: activations at the two ends of one buffer. A layer whose input lies at the bottom
  // writes at the top and vice versa, so the buffer needs the largest input + output of any
  // layer (the first reads the caller's input, the last writes the caller's output); the
  // largest per-layer scratch follows it.
  static constexpr std::size_t activation_bytes = [] {
    const std::size_t out[] = {align_up(Ls::Out::size * sizeof(typename Ls::out_type))...};
    std::size_t m = 0;
    for (std::size_t i = 0; i + 1 < layer_count; ++i) {
      const std::size_t need = (i == 0 ? 0 : out[i - 1]) + out[i];
      m = need > m ? need : m;
    }
    return m;
  }();
  static constexpr std::array<std::size_t, layer_count> output_at = [] {
    const std::size_t out[] = {align_up(Ls::Out::size * sizeof(typename Ls::out_type))...};
    std::array<std::size_t, layer_count> at{};
    bool bottom = false;  // where the previous layer's output lies (the caller's input: neither)
    for (std::size_t i = 0; i + 1 < layer_count; ++i) {
      at[i] = bottom ? activation_bytes - out[i] : 0;
      bottom = !bottom;
    }
    return at;
  }();
  static constexpr std::size_t scratch_bytes = max_of({align_up(Ls::scratch_bytes)...});
  static constexpr std::size_t arena_bytes = activation_bytes + scratch_bytes;

  // Runs the window `in` (In::size values) to `out` (Out::size values) with backend B.
  // `weights` points at weight_bytes laid out as the blob payload, `arena` at arena_bytes,
  // both 16-byte aligned. An int8 model also takes an already quantized window (InT int8).
  // Not inlined into its caller, and on a microcontroller each layer out of line too
  // (forward_layer): the network's code is the same whether it runs from Model::infer, a
  // Stream's push or a profiler that runs it layer by layer, so its cost does not depend on
  // the call site, and a profiler adds no second copy of it to flash. (On a host the layers
  // stay inlined into forward(): 5 % faster for the float model, whose layers are small.)
  // `prepared`: what prepare<B, Layout>() made from these weights, or null (a layer then
  // derives what it needs per call).
  template <class B, class Layout = B, class InT>
  MUBI_NOINLINE static void forward(const unsigned char* weights, const InT* in, output_type* out, unsigned char* arena,
                                    const unsigned char* prepared = nullptr) noexcept {
    run_layers<B, Layout>(weights, in, out, arena, prepared, std::make_index_sequence<layer_count>{});
  }

  // Prepared weights: what a backend derives from the weights once (an int8 layer's rows
  // re-laid out for its dot products, a float layer's weights copied 64-byte aligned), computed
  // at load()/bind() into prepared_bytes<Layout> of the model's storage, 64-byte aligned, each
  // layer's part at prepared_offset<Layout>[I]. Layout is the backend, or backend::Dispatched
  // (room for every ISA's layout). Zero for backends that use the weights where they are
  // (Scalar: the MCU; Sse2, Xsimd, Eigen for float).
  template <class Layout>
  static constexpr std::array<std::size_t, layer_count + 1> prepared_offset = [] {
    const std::size_t bytes[] = {align_up(prepared_bytes_of<Ls, Layout>(), 64)...};
    std::array<std::size_t, layer_count + 1> at{};
    for (std::size_t i = 0; i < layer_count; ++i) at[i + 1] = at[i] + bytes[i];
    return at;
  }();
  template <class Layout>
  static constexpr std::size_t prepared_bytes = prepared_offset<Layout>[layer_count];
  template <class B, class Layout = B>
  static void prepare(const unsigned char* weights, unsigned char* prepared) noexcept {
    prepare_layers<B, Layout>(weights, prepared, std::make_index_sequence<layer_count>{});
  }

  // Layer I alone, as forward() runs it: it reads `in` (I = 0) or the previous layer's output
  // in the arena, and writes `out` (the last layer) or its own output in the arena.
  template <class B, std::size_t I, class Layout = B, class InT>
  MUBI_LAYER_NOINLINE static void forward_layer(const unsigned char* w, const InT* in, output_type* out,
                                          unsigned char* arena, const unsigned char* prepared = nullptr) noexcept {
    using L = layer<I>;
    using Src = std::conditional_t<I == 0, InT, typename L::in_type>;
    using Dst = typename L::out_type;
    using W = typename L::weight_type;
    using S = typename L::scratch_type;
    const Src* src;
    if constexpr (I == 0) {
      src = in;
    } else {
      src = reinterpret_cast<const Src*>(arena + output_at[I - 1]);
    }
    Dst* dst;
    if constexpr (I == layer_count - 1) {
      dst = out;
    } else {
      dst = reinterpret_cast<Dst*>(arena + output_at[I]);
    }
    if constexpr (copies_weights<L, Layout>) {
      L::template forward<B>(reinterpret_cast<const W*>(weights_of<I, Layout>(w, prepared)), src, dst,
                             reinterpret_cast<S*>(arena + activation_bytes));
    } else if constexpr (prepared_bytes_of<L, Layout>() > 0) {
      L::template forward<B, Layout>(reinterpret_cast<const W*>(w + layer_offset[I]), src, dst,
                                     reinterpret_cast<S*>(arena + activation_bytes),
                                     prepared ? prepared + prepared_offset<Layout>[I] : nullptr);
    } else {
      (void)prepared;
      L::template forward<B>(reinterpret_cast<const W*>(w + layer_offset[I]), src, dst,
                             reinterpret_cast<S*>(arena + activation_bytes));
    }
  }

  // Lockstep: N windows through the network together (infer_batch). A layer with
  // forward_lockstep (the float LSTM) runs the N as one; the runs of layers between such
  // layers run window by window. `in`: N windows back to back, `out`: N outputs;
  // `arenas`: N arenas of arena_stride bytes, then lockstep_scratch_bytes<N> (kBufferAlign aligned).
  static constexpr std::size_t arena_stride = align_up(arena_bytes, kBufferAlign);
  template <std::size_t N>
  static constexpr std::size_t lockstep_scratch_bytes = max_of({align_up(LockstepBytes<Ls, N>::value)...});
  template <class B, std::size_t N, class Layout = B, class InT>
  MUBI_NOINLINE static void forward_lockstep(const unsigned char* weights, const InT* in, output_type* out,
                                             unsigned char* arenas, const unsigned char* prepared = nullptr) noexcept {
    lockstep_from<B, N, Layout, 0>(weights, in, out, arenas, prepared);
  }

  // Validation steps 14-15 on a payload (possibly unaligned) already known to have this
  // model's tensor table.
  static Status check_values(const unsigned char* payload) noexcept {
    for (const TensorDesc& d : tensor_table)
      for (std::uint32_t k = 0; d.dtype == DType::f32 && k < d.count; ++k)
        if (!finite_f32(payload + d.offset + k * sizeof(float))) return Status::non_finite_weight;
    Status s = Status::ok;
    std::size_t i = 0;
    ((s = s == Status::ok ? Ls::check(payload + layer_offset[i]) : s, ++i), ...);
    return s;
  }

  // Validation steps 11-12.
  static Status check_tables(const format::BlobView& v) noexcept { return check_tables_of<SequentialImpl>(v); }

 private:
  // Layer I's weight block: its aligned copy where the layout keeps one and prepare() made it.
  template <std::size_t I, class Layout>
  static const unsigned char* weights_of(const unsigned char* w, const unsigned char* prepared) noexcept {
    if constexpr (copies_weights<layer<I>, Layout>) {
      if (prepared) return prepared + prepared_offset<Layout>[I];
    }
    (void)prepared;
    return w + layer_offset[I];
  }
  template <class B, class Layout, class InT, std::size_t... I>
  static void run_layers(const unsigned char* w, const InT* in, output_type* out, unsigned char* arena,
                         const unsigned char* prepared, std::index_sequence<I...>) noexcept {
    (forward_layer<B, I, Layout>(w, in, out, arena, prepared), ...);
  }
  // The first layer at or after `begin` that runs N windows as one (layer_count: none).
  template <std::size_t N>
  static constexpr std::size_t next_lockstep(std::size_t begin) {
    const bool lockstep[] = {(LockstepBytes<Ls, N>::value > 0)...};
    while (begin < layer_count && !lockstep[begin]) ++begin;
    return begin;
  }
  // Layers Begin.. : a run of per-window layers window by window (each window's activations
  // stay in L1 through the run), then a lockstep layer on all N at once, and so on.
  template <class B, std::size_t N, class Layout, std::size_t Begin, class InT>
  static void lockstep_from(const unsigned char* w, const InT* in, output_type* out, unsigned char* arenas,
                            const unsigned char* prepared) noexcept {
    if constexpr (Begin < layer_count) {
      constexpr std::size_t end = next_lockstep<N>(Begin);
      if constexpr (end > Begin) {
        for (std::size_t n = 0; n < N; ++n)
          run_from<B, Layout, Begin>(w, in + n * input_size, out + n * output_size, arenas + n * arena_stride, prepared,
                                     std::make_index_sequence<end - Begin>{});
        lockstep_from<B, N, Layout, end>(w, in, out, arenas, prepared);
      } else {
        lockstep_layer<B, Begin, N, Layout>(w, in, out, arenas, prepared);
        lockstep_from<B, N, Layout, Begin + 1>(w, in, out, arenas, prepared);
      }
    }
  }
  template <class B, class Layout, std::size_t Begin, class InT, std::size_t... K>
  static void run_from(const unsigned char* w, const InT* in, output_type* out, unsigned char* arena,
                       const unsigned char* prepared, std::index_sequence<K...>) noexcept {
    (forward_layer<B, Begin + K, Layout>(w, in, out, arena, prepared), ...);
  }
  // Layer I (one with forward_lockstep) on all N windows, from and into their arenas.
  template <class B, std::size_t I, std::size_t N, class Layout, class InT>
  static void lockstep_layer(const unsigned char* w, const InT* in, output_type* out, unsigned char* arenas,
                             const unsigned char* prepared) noexcept {
    using L = layer<I>;
    using Src = std::conditional_t<I == 0, InT, typename L::in_type>;
    using Dst = typename L::out_type;
    static_assert(copies_weights<L, Layout> || prepared_bytes_of<L, Layout>() == 0,
                  "mubi: a lockstep layer reads its weights, or their aligned copy, only");
    const Src* src[N];
    Dst* dst[N];
    for (std::size_t n = 0; n < N; ++n) {
      unsigned char* arena = arenas + n * arena_stride;
      if constexpr (I == 0) src[n] = in + n * input_size;
      else src[n] = reinterpret_cast<const Src*>(arena + output_at[I - 1]);
      if constexpr (I == layer_count - 1) dst[n] = out + n * output_size;
      else dst[n] = reinterpret_cast<Dst*>(arena + output_at[I]);
    }
    L::template forward_lockstep<B, N>(reinterpret_cast<const typename L::weight_type*>(weights_of<I, Layout>(w, prepared)),
                                       src, dst, reinterpret_cast<typename L::scratch_type*>(arenas + N * arena_stride));
  }
  template <class B, class Layout, std::size_t... I>
  static void prepare_layers(const unsigned char* w, unsigned char* prepared, std::index_sequence<I...>) noexcept {
    const auto one = [&](auto index) {
      using L = layer<decltype(index)::value>;
      if constexpr (copies_weights<L, Layout>)
        std::memcpy(prepared + prepared_offset<Layout>[decltype(index)::value], w + layer_offset[decltype(index)::value],
                    prepared_bytes_of<L, Layout>());
      else if constexpr (prepared_bytes_of<L, Layout>() > 0)
        L::template prepare<B, Layout>(w + layer_offset[decltype(index)::value],
                                       prepared + prepared_offset<Layout>[decltype(index)::value]);
    };
    (one(std::integral_constant<std::size_t, I>{}), ...);
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
