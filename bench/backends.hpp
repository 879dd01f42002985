// The backends a benchmark build has: scalar always; the best xsimd-based backend the build's
// flags allow (backend/default.hpp: Sse2 without -march, Avx2 / Avx2Vnni / Avx512 with it,
// Xsimd<> on Arm) and Eigen when found by CMake.
#pragma once

#ifdef MUBI_HAVE_XSIMD
#include <mubi/backend/default.hpp>
using BenchSimd = mubi::backend::Default;
#define MUBI_BENCH_XSIMD(...) __VA_ARGS__
#else
#define MUBI_BENCH_XSIMD(...) ((void)0)
#endif

#ifdef MUBI_HAVE_EIGEN
#include <mubi/backend/eigen.hpp>
#define MUBI_BENCH_EIGEN(...) __VA_ARGS__
#else
#define MUBI_BENCH_EIGEN(...) ((void)0)
#endif
