// mubi front end: Select<M>, a new bank of M channels, output k = input channel map[k]
// (reorder, drop or copy channels, e.g. keep total acceleration beside the body part). The
// map is data (role fe_channel_map, int32), checked against the bank at load()/bind().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/descriptor.hpp"
#include "../status.hpp"

namespace mubi {

template <std::size_t C, std::size_t M>
struct SelectStage {
  static_assert(M >= 1 && M <= 0xFFFF, "mubi::Select: between 1 and 65535 output channels");
  static constexpr std::size_t in_ch = C, out_ch = M, lag = 0;
  static constexpr LayerRecord record{LayerKind::fe_select, static_cast<std::uint16_t>(M), 0, 0, 1, M};
  static constexpr std::array<TensorSpec, 1> tensors{{{TensorRole::fe_channel_map, M, DType::i32}}};

  struct State {};

  static Status check(const unsigned char* w) noexcept {
    for (std::size_t k = 0; k < M; ++k) {
      std::int32_t c;
      std::memcpy(&c, w + k * sizeof c, sizeof c);
      if (c < 0 || static_cast<std::size_t>(c) >= C) return Status::channel_out_of_range;
    }
    return Status::ok;
  }
  static void prepare(const unsigned char*, State&) noexcept {}
  static void reset(State&) noexcept {}

  static bool run(const unsigned char* w, State&, float* bank) noexcept {
    const std::int32_t* map = reinterpret_cast<const std::int32_t*>(w);
    float in[C];
    std::memcpy(in, bank, sizeof in);
    for (std::size_t k = 0; k < M; ++k) bank[k] = in[map[k]];
    return true;
  }
};

template <std::size_t M>
struct Select {
  template <std::size_t C>
  using stage = SelectStage<C, M>;
};

}  // namespace mubi
