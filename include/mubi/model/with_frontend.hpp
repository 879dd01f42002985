// mubi: WithFrontEnd<FE, Net>, a model type that takes raw sensor samples: the front end FE
// (frontend/frontend.hpp) before the network Net (Folded<A> or Int8<A>). Its blob is format
// version 2: FE's records and tensors, then Net's exactly as in Net's own blob, so the
// signature covers both and Model<WithFrontEnd<FE, Net>> refuses a blob whose front end
// differs in structure (stage kinds, lengths, channel ranges); the coefficients are
// validated at load() / bind(). Windows (infer) are the network's input, the front end's
// output; Stream runs the front end sample by sample (runtime/stream.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../backend/scalar.hpp"
#include "../format/blob.hpp"
#include "../frontend/frontend.hpp"
#include "../status.hpp"
#include "sequential.hpp"

namespace mubi {

template <class FE, class Net>
struct WithFrontEnd {
  using frontend = FE;
  using network = Net;
  using source = void;  // load() does not fold: the network part is deployed as it is
  using In = typename Net::In;
  using Out = typename Net::Out;
  using input_type = typename Net::input_type;
  using output_type = typename Net::output_type;
  static_assert(FE::channels == In::ch, "mubi::WithFrontEnd: the front end's output channels must be the network's input channels");
  static constexpr std::size_t input_size = Net::input_size;
  static constexpr std::size_t output_size = Net::output_size;
  static constexpr DType dtype = Net::dtype;

  static constexpr std::size_t record_count = FE::record_count + Net::record_count;
  static constexpr std::array<LayerRecord, record_count> records = [] {
    std::array<LayerRecord, record_count> r{};
    std::size_t n = 0;
    for (const LayerRecord& x : FE::records) r[n++] = x;
    for (const LayerRecord& x : Net::records) r[n++] = x;
    return r;
  }();
  static constexpr std::uint64_t signature = format::signature_of(records);

  static constexpr std::size_t tensor_count = FE::tensor_count + Net::tensor_count;
  static constexpr std::array<detail::TensorDesc, tensor_count> tensor_table = [] {
    std::array<detail::TensorDesc, tensor_count> t{};
    std::size_t n = 0;
    for (const detail::TensorDesc& d : FE::tensor_table) t[n++] = d;
    for (detail::TensorDesc d : Net::tensor_table) {
      d.layer = static_cast<std::uint16_t>(d.layer + FE::record_count);
      d.offset = static_cast<std::uint32_t>(d.offset + FE::weight_bytes);
      t[n++] = d;
    }
    return t;
  }();
  static constexpr std::size_t weight_bytes = FE::weight_bytes + Net::weight_bytes;
  static constexpr std::size_t payload_offset = format::payload_offset(record_count, tensor_count);
  static constexpr std::size_t blob_bytes = payload_offset + weight_bytes;
  static constexpr std::size_t params = FE::params + Net::params;
  static constexpr std::size_t macs = Net::macs, macs_executed = Net::macs_executed;
  static constexpr std::size_t arena_bytes = Net::arena_bytes;

  // The front end's weights lead the payload; the network's follow (16-byte aligned).
  static const unsigned char* frontend_weights(const unsigned char* w) noexcept { return w; }
  static const unsigned char* network_weights(const unsigned char* w) noexcept { return w + FE::weight_bytes; }

  template <class B, class Layout = B, class InT>
  static void forward(const unsigned char* w, const InT* in, output_type* out, unsigned char* arena,
                      const unsigned char* prepared = nullptr) noexcept {
    Net::template forward<B, Layout>(network_weights(w), in, out, arena, prepared);
  }
  static constexpr std::size_t arena_stride = Net::arena_stride;
  template <std::size_t N>
  static constexpr std::size_t lockstep_scratch_bytes = Net::template lockstep_scratch_bytes<N>;
  template <class B, std::size_t N, class Layout = B, class InT>
  static void forward_lockstep(const unsigned char* w, const InT* in, output_type* out, unsigned char* arenas,
                               const unsigned char* prepared = nullptr) noexcept {
    Net::template forward_lockstep<B, N, Layout>(network_weights(w), in, out, arenas, prepared);
  }
  // The network's prepared weights (model/sequential.hpp); the front end has none.
  template <class Layout>
  static constexpr std::size_t prepared_bytes = Net::template prepared_bytes<Layout>;
  template <class B, class Layout = B>
  static void prepare(const unsigned char* w, unsigned char* prepared) noexcept {
    Net::template prepare<B, Layout>(network_weights(w), prepared);
  }
  template <class B = backend::Scalar, class N = Net>
  static void quantize_sample(const unsigned char* w, const float* x, std::int8_t* q) noexcept {
    N::template quantize_sample<B>(network_weights(w), x, q);
  }

  static Status check_tables(const format::BlobView& v) noexcept { return detail::check_tables_of<WithFrontEnd>(v); }
  static Status check_values(const unsigned char* payload) noexcept {
    if (const Status s = FE::check(payload); s != Status::ok) return s;
    return Net::check_values(payload + FE::weight_bytes);
  }
};

namespace detail {
// The front end of a model type, or void (every model type declares `frontend`).
template <class A>
using FrontEndOf = typename A::frontend;
}  // namespace detail

}  // namespace mubi
