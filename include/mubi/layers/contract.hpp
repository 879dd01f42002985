// mubi: the layer contract. Every layer type Sequential runs, float or int8, declares the
// same members, and Sequential checks them once at compile time (LayerContract, below):
//
//   using In, Out                     Shape<len, ch> it reads and writes
//   using in_type, out_type           the value types of its input and output (float, int8_t)
//   using weight_type                 how forward() reads its weight block (float, or bytes)
//   using scratch_type                how forward() reads its scratch (float, or bytes)
//   records                           std::array<LayerRecord, N>: its layer-table records (one,
//                                     or several for an int8 conv block run as one layer)
//   tensors                           std::array<TensorSpec, K>: what it stores in the blob
//   params, macs, macs_executed       counts (PyTorch numel; the spec's MACs; what runs)
//   scratch_bytes                     scratch it needs beside the activations
//   forward<B>(weights, in, out, scratch)   the layer on one window with backend B
//   check(weights)                    Status: load-time checks of its values (weights possibly
//                                     unaligned)
//
// Optional: prepared_bytes<Layout> and prepare<B, Layout> (weights a backend re-lays out at
// load(): the int8 layers), lockstep_scratch_bytes<N> and forward_lockstep<B, N>(weights,
// in[N], out[N], scratch) (N windows as one: the float LSTM; Sequential::forward_lockstep).
//
// Float layers take their four value types from detail::FloatValues (core/descriptor.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../core/descriptor.hpp"
#include "../status.hpp"

namespace mubi::detail {

template <class T>
struct IsArrayOf : std::false_type {};
template <class T, std::size_t N>
struct IsArrayOf<const std::array<T, N>> : std::true_type {
  using value_type = T;
};

// The compile-time check of the contract (a layer missing a member fails to compile here,
// naming it; one with a member of the wrong kind fails the static_asserts).
template <class L>
struct LayerContract {
  using records_t = IsArrayOf<decltype(L::records)>;
  using tensors_t = IsArrayOf<decltype(L::tensors)>;
  static_assert(records_t::value && std::is_same_v<typename records_t::value_type, LayerRecord>,
                "mubi layer contract: `records` must be a std::array<LayerRecord, N>");
  static_assert(tensors_t::value && std::is_same_v<typename tensors_t::value_type, TensorSpec>,
                "mubi layer contract: `tensors` must be a std::array<TensorSpec, K>");
  static_assert(L::records.size() >= 1, "mubi layer contract: a layer has at least one record");
  static_assert(std::is_same_v<typename L::in_type, float> || std::is_same_v<typename L::in_type, std::int8_t>,
                "mubi layer contract: in_type is float or int8_t");
  static_assert(std::is_same_v<typename L::out_type, float> || std::is_same_v<typename L::out_type, std::int8_t>,
                "mubi layer contract: out_type is float or int8_t");
  static_assert(std::is_same_v<typename L::weight_type, float> || std::is_same_v<typename L::weight_type, unsigned char>,
                "mubi layer contract: weight_type is float or unsigned char");
  static_assert(std::is_same_v<typename L::scratch_type, float> || std::is_same_v<typename L::scratch_type, unsigned char>,
                "mubi layer contract: scratch_type is float or unsigned char");
  static_assert(std::is_same_v<decltype(L::check(static_cast<const unsigned char*>(nullptr))), Status>,
                "mubi layer contract: check(const unsigned char*) returns a Status");
  static constexpr std::size_t sizes = L::params + L::macs + L::macs_executed + L::scratch_bytes + L::In::size +
                                       L::Out::size;
  static constexpr bool ok = true;
};

}  // namespace mubi::detail
