// mubi: the portable xsimd backend, Xsimd<Arch>: the xsimd float kernels (xsimd_float.hpp)
// on any architecture xsimd 8.1 supports (NEON on Arm hosts), Scalar's int8 kernels. On x86
// the ISA-named backends (backend/x86/) replace it, with int8 kernels of their own;
// backend/default.hpp picks among them.
#pragma once

#include <xsimd/xsimd.hpp>

#include "xsimd_float.hpp"

namespace mubi::backend {

template <class Arch = xsimd::default_arch>
struct Xsimd : XsimdFloat<Xsimd<Arch>, Arch> {
  static constexpr const char* name = "xsimd";
};

}  // namespace mubi::backend
