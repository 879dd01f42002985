// mubi: backend::Dispatched, the backend tag of runtime dispatch (x86-64): Model<Arch,
// Dispatched> runs the best kernels this CPU has among those the build registered for Arch
// (dispatch/dispatch.hpp), chosen once at load()/bind(), and the baseline Sse2 kernels,
// compiled in the model's own translation unit, where none are registered.
#pragma once

#include <cstddef>

#include "x86/packed_rows.hpp"
#include "x86/sse2.hpp"

namespace mubi::backend {

struct Dispatched {
  static constexpr const char* name = "dispatched";
  using baseline = Sse2;  // what runs where no better kernels are registered or supported
  // The layout of the model's prepared weights (model/sequential.hpp, prepare()): room for
  // whichever ISA's prepared rows, at the same offsets for all of them.
  template <std::size_t N, std::size_t R>
  static constexpr bool relays_rows = x86::packs_rows<N, R>;
  template <std::size_t N, std::size_t R>
  using PreparedRows = x86::AnyPackedRows<N, R>;
  static constexpr bool copies_float_weights = true;  // as the AVX2 and AVX-512 kernels read them
};

}  // namespace mubi::backend
