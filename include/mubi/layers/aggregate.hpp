// mubi: how a recurrent layer turns its per-step outputs into what the next layer sees.
// Codes are the blob's LSTM p1 field (docs/format.md).
#pragma once

#include <cstdint>

namespace mubi {

// Every step's output, (T, D*H): for stacking recurrent layers.
struct Sequence {
  static constexpr std::uint16_t code = 0;
  static constexpr bool vector = false;
};
// PyTorch output[:, -1, :]: forward h after all T steps || backward h at the last position,
// which has seen only the last input step (so the backward direction runs one step).
struct Last {
  static constexpr std::uint16_t code = 1;
  static constexpr bool vector = true;
};
// h_n of every direction, each having seen the whole sequence.
struct FinalStates {
  static constexpr std::uint16_t code = 2;
  static constexpr bool vector = true;
};
// Mean over time of the per-step outputs (the paper's A4 ablation).
struct Mean {
  static constexpr std::uint16_t code = 3;
  static constexpr bool vector = true;
};

}  // namespace mubi
