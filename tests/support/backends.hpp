// The host backends a test build has besides Scalar (always): xsimd and Eigen when CMake
// found them. for_each_simd_backend(f) calls f(tag) for each, tag::type being the backend.
#pragma once

#ifdef MUBI_TEST_XSIMD
#include <mubi/backend/xsimd.hpp>
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
  f(BackendTag<mubi::backend::Xsimd<>>{});
#endif
#ifdef MUBI_TEST_EIGEN
  f(BackendTag<mubi::backend::Eigen>{});
#endif
  (void)f;
}

}  // namespace test
