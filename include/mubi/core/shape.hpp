// mubi: activation shapes. Every activation is time-major [len][ch]; a vector has len 1.
#pragma once

#include <cstddef>

namespace mubi {

template <std::size_t Len, std::size_t Ch>
struct Shape {
  static_assert(Len > 0 && Ch > 0, "mubi: a shape must have at least one time step and one channel");
  static constexpr std::size_t len = Len;
  static constexpr std::size_t ch = Ch;
  static constexpr std::size_t size = Len * Ch;
};

// The model input: a window of T time steps of C sensor channels.
template <std::size_t T, std::size_t C>
struct Input {
  using Out = Shape<T, C>;
};

}  // namespace mubi
