// The backends a benchmark build has: scalar always, xsimd and Eigen when found by CMake.
#pragma once

#ifdef MUBI_HAVE_XSIMD
#include <mubi/backend/xsimd.hpp>
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
