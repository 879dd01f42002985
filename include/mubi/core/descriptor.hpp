// mubi: how a layer describes itself to the blob format (docs/format.md): a layer record
// (kind, hyperparameters, output shape) and the list of tensors it stores.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../status.hpp"

namespace mubi {

// Numeric type codes shared by the header (model dtype) and tensor descriptors.
// f64 only for front-end filter sections (docs/format.md, version 2).
enum class DType : std::uint8_t { f32 = 1, i8 = 2, i16 = 3, i32 = 4, f64 = 5 };

enum class LayerKind : std::uint16_t {
  input = 1,
  normalize = 2,
  conv1d = 3,
  batchnorm = 4,
  relu = 5,
  maxpool1d = 6,
  lstm = 7,
  dense = 8,
  softmax = 9,
  // front-end stages (format version 2, docs/frontend.md): before the Input record
  raw_input = 16,
  fe_median = 17,
  fe_fir = 18,
  fe_iir = 19,
  fe_iir_residual = 20,
  fe_select = 21,
};

enum class TensorRole : std::uint16_t {
  norm_mean = 1,
  norm_std = 2,
  conv_weight = 3,
  conv_bias = 4,
  bn_gamma = 5,
  bn_beta = 6,
  bn_running_mean = 7,
  bn_running_var = 8,
  lstm_w_ih_fwd = 9,
  lstm_w_hh_fwd = 10,
  lstm_bias_fwd = 11,
  lstm_w_ih_bwd = 12,
  lstm_w_hh_bwd = 13,
  lstm_bias_bwd = 14,
  dense_weight = 15,
  dense_bias = 16,
  // int8 blobs only (docs/int8.md)
  quant_input = 17,
  conv_quant = 18,
  lstm_weight_fwd = 19,
  lstm_quant_fwd = 20,
  lstm_weight_bwd = 21,
  lstm_quant_bwd = 22,
  dense_dequant = 23,
  // front-end stages
  fe_fir_taps = 24,
  fe_sos = 25,
  fe_channel_map = 26,
};

constexpr std::size_t dtype_size(DType t) {
  return t == DType::i8 ? 1 : t == DType::i16 ? 2 : t == DType::f64 ? 8 : 4;
}

// One 16-byte record of the blob's layer table.
struct LayerRecord {
  LayerKind kind;
  std::uint16_t p0, p1, p2;
  std::uint32_t out_len, out_ch;
};

// A tensor a layer stores: its role, element count and type, and which of the layer's
// records it belongs to (an int8 conv block is several records executed as one layer).
struct TensorSpec {
  TensorRole role;
  std::uint32_t count;
  DType dtype = DType::f32;
  std::uint8_t record = 0;
};

constexpr const char* to_string(LayerKind k) noexcept {
  switch (k) {
    case LayerKind::input: return "Input";
    case LayerKind::normalize: return "Normalize";
    case LayerKind::conv1d: return "Conv1D";
    case LayerKind::batchnorm: return "BatchNorm";
    case LayerKind::relu: return "ReLU";
    case LayerKind::maxpool1d: return "MaxPool1D";
    case LayerKind::lstm: return "LSTM";
    case LayerKind::dense: return "Dense";
    case LayerKind::softmax: return "Softmax";
    case LayerKind::raw_input: return "RawInput";
    case LayerKind::fe_median: return "Median";
    case LayerKind::fe_fir: return "FIR";
    case LayerKind::fe_iir: return "IIR";
    case LayerKind::fe_iir_residual: return "IIRResidual";
    case LayerKind::fe_select: return "Select";
  }
  return "Unknown";
}

namespace detail {

// The value types of a float layer (layers/contract.hpp): float in and out, weights and
// scratch read as floats.
struct FloatValues {
  using in_type = float;
  using out_type = float;
  using weight_type = float;
  using scratch_type = float;
};

// What a float layer without weights, MACs or scratch declares (ReLU, MaxPool1D, Softmax).
struct NoWeights : FloatValues {
  static constexpr std::array<TensorSpec, 0> tensors{};
  static constexpr std::size_t params = 0, macs = 0, macs_executed = 0, scratch_bytes = 0;
  static Status check(const unsigned char*) noexcept { return Status::ok; }
};

// Byte offset of tensor i inside a layer's weight block: tensors are packed in order, each
// starting on a 16-byte boundary (the blob payload has the same layout, so bind() is a
// pointer assignment). tensor_offset(t, N) is the block's size.
template <std::size_t N>
MUBI_ALWAYS_INLINE constexpr std::size_t tensor_offset_bytes(const std::array<TensorSpec, N>& t, std::size_t i) {
  std::size_t off = 0;
  for (std::size_t k = 0; k < i && k < N; ++k) off += align_up(t[k].count * dtype_size(t[k].dtype));
  return off;
}

// The same in floats, for float layers (all of whose tensors are float32).
template <std::size_t N>
MUBI_ALWAYS_INLINE constexpr std::size_t tensor_offset(const std::array<TensorSpec, N>& t, std::size_t i) {
  return tensor_offset_bytes(t, i) / sizeof(float);
}

template <std::size_t N>
constexpr std::size_t tensor_floats(const std::array<TensorSpec, N>& t) {
  return tensor_offset(t, N);
}

// A typed view of tensor i of a layer's weight block `w` (16-byte aligned).
template <class T, std::size_t N>
MUBI_ALWAYS_INLINE const T* tensor_at(const unsigned char* w, const std::array<TensorSpec, N>& t, std::size_t i) noexcept {
  return reinterpret_cast<const T*>(w + tensor_offset_bytes(t, i));
}

}  // namespace detail
}  // namespace mubi
