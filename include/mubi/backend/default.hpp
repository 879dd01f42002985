// mubi: which backend Model<Arch> uses when none is named: the fastest one the build has.
//   - MUBI_DEFAULT_BACKEND_SCALAR / _EIGEN / _XSIMD defined: that one;
//   - otherwise xsimd when its header is on the include path and the target has SIMD
//     (SSE2 or NEON): a host build;
//   - otherwise Scalar: the MCU build, or a host without xsimd.
// The choice depends only on compiler flags and include paths, never on include order, so
// all translation units of one build agree on what Model<Arch> is. Any backend can also be
// named explicitly: Model<Arch, backend::Scalar>.
#pragma once

#include "scalar.hpp"

#if !defined(MUBI_DEFAULT_BACKEND_SCALAR) && !defined(MUBI_DEFAULT_BACKEND_EIGEN) && \
    !defined(MUBI_DEFAULT_BACKEND_XSIMD) && defined(__has_include)
#if __has_include(<xsimd/xsimd.hpp>) && (defined(__SSE2__) || defined(__ARM_NEON))
#define MUBI_DEFAULT_BACKEND_XSIMD 1
#endif
#endif

#if defined(MUBI_DEFAULT_BACKEND_XSIMD) && !defined(MUBI_DEFAULT_BACKEND_SCALAR)
#include "xsimd.hpp"
namespace mubi::backend {
using Default = Xsimd<>;
}
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
