// The host backends a test build has besides Scalar (always): each xsimd-based backend its
// compiler flags allow (x86: Sse2, and Avx2 / Avx2Vnni / Avx512 in the per-ISA test builds;
// elsewhere Xsimd<>) and Eigen, where CMake found them. for_each_simd_backend(f) calls f(tag)
// for each, tag::type being the backend. (Runtime dispatch has its own tests:
// model/test_dispatch.cpp.)
#pragma once

#ifdef MUBI_TEST_XSIMD
#if defined(__SSE2__)
#include <mubi/backend/x86/sse2.hpp>
#if defined(__AVX2__) && defined(__FMA__)
#include <mubi/backend/x86/avx2.hpp>
#define MUBI_TEST_AVX2 1
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__AVXVNNI__)
#include <mubi/backend/x86/avx2_vnni.hpp>
#define MUBI_TEST_AVX2_VNNI 1
#endif
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && \
    defined(__AVX2__) && defined(__FMA__)
#include <mubi/backend/x86/avx512.hpp>
#define MUBI_TEST_AVX512 1
#endif
#else
#include <mubi/backend/xsimd.hpp>
#endif
#endif
#ifdef MUBI_TEST_EIGEN
#include <mubi/backend/eigen.hpp>
#endif

namespace test {

template <class B>
struct BackendTag {
  using type = B;
};

template <class F>
void for_each_simd_backend(F&& f) {
#ifdef MUBI_TEST_XSIMD
#if defined(__SSE2__)
  f(BackendTag<mubi::backend::Sse2>{});
#ifdef MUBI_TEST_AVX2
  f(BackendTag<mubi::backend::Avx2>{});
#endif
#ifdef MUBI_TEST_AVX2_VNNI
  f(BackendTag<mubi::backend::Avx2Vnni>{});
#endif
#ifdef MUBI_TEST_AVX512
  f(BackendTag<mubi::backend::Avx512>{});
#endif
#else
  f(BackendTag<mubi::backend::Xsimd<>>{});
#endif
#endif
#ifdef MUBI_TEST_EIGEN
  f(BackendTag<mubi::backend::Eigen>{});
#endif
  (void)f;
}

}  // namespace test
