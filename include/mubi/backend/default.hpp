// mubi: which backend Model<Arch> uses when none is named: the fastest one the build has.
//   - MUBI_DEFAULT_BACKEND_SCALAR / _EIGEN / _XSIMD defined: that one (_XSIMD: the best
//     xsimd-based backend the flags allow);
//   - otherwise, where xsimd's header is on the include path (a host build):
//       x86: Avx512 (-mavx512f -mavx512bw -mavx512vl -mavx512vnni and AVX2 + FMA), else
//       Avx2Vnni (-mavx2 -mfma -mavxvnni), else Avx2 (-mavx2 -mfma), else the baseline
//       Sse2 -- or, in a target built with the per-ISA kernels (MUBI_DISPATCH, set by the
//       CMake function mubi_dispatch(), cmake/MubiDispatch.cmake), Dispatched: the best
//       kernels the CPU runs, chosen at load()/bind();
//       Arm with NEON: Xsimd<> (float SIMD, Scalar's int8);
//   - otherwise Scalar: the MCU build, or a host without xsimd.
// The choice depends only on compiler flags, definitions and include paths, never on include
// order, so all translation units of one target agree on what Model<Arch> is. Any backend
// can also be named explicitly: Model<Arch, backend::Scalar>.
#pragma once

#include "scalar.hpp"

#if !defined(MUBI_DEFAULT_BACKEND_SCALAR) && !defined(MUBI_DEFAULT_BACKEND_EIGEN) && \
    !defined(MUBI_DEFAULT_BACKEND_XSIMD) && defined(__has_include)
#if __has_include(<xsimd/xsimd.hpp>) && (defined(__SSE2__) || defined(__ARM_NEON))
#define MUBI_DEFAULT_BACKEND_XSIMD 1
#endif
#endif

#if defined(MUBI_DEFAULT_BACKEND_XSIMD) && !defined(MUBI_DEFAULT_BACKEND_SCALAR)
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && \
    defined(__AVX2__) && defined(__FMA__)
#include "x86/avx512.hpp"
namespace mubi::backend {
using Default = Avx512;
}
#elif defined(__AVX2__) && defined(__FMA__) && defined(__AVXVNNI__)
#include "x86/avx2_vnni.hpp"
namespace mubi::backend {
using Default = Avx2Vnni;
}
#elif defined(__AVX2__) && defined(__FMA__)
#include "x86/avx2.hpp"
namespace mubi::backend {
using Default = Avx2;
}
#elif defined(__SSE2__) && defined(MUBI_DISPATCH)
#include "dispatched.hpp"
namespace mubi::backend {
using Default = Dispatched;
}
#elif defined(__SSE2__)
#include "x86/sse2.hpp"
namespace mubi::backend {
using Default = Sse2;
}
#else
#include "xsimd.hpp"
namespace mubi::backend {
using Default = Xsimd<>;
}
#endif
#elif defined(MUBI_DEFAULT_BACKEND_EIGEN) && !defined(MUBI_DEFAULT_BACKEND_SCALAR)
#include "eigen.hpp"
namespace mubi::backend {
using Default = Eigen;
}
#else
namespace mubi::backend {
using Default = Scalar;
}
#endif
