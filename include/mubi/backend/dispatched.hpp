// mubi: backend::Dispatched, the backend tag of runtime dispatch (x86-64): Model<Arch,
// Dispatched> runs the best kernels this CPU has among those the build registered for Arch
// (dispatch/dispatch.hpp), chosen once at load()/bind(), and the baseline Sse2 kernels,
// compiled in the model's own translation unit, where none are registered.
#pragma once

#include "x86/sse2.hpp"

namespace mubi::backend {

struct Dispatched {
  static constexpr const char* name = "dispatched";
  using baseline = Sse2;  // what runs where no better kernels are registered or supported
};

}  // namespace mubi::backend
