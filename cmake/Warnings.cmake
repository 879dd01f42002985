# Strict warnings for mubi's own targets (tests, examples); the library itself is headers.
function(mubi_strict_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
    if(MUBI_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
      # GCC 12's AVX-512 intrinsic headers self-initialise their "undefined" vectors
      # (`__m512 __Y = __Y;`, GCC PR 105593, fixed in GCC 13), so (maybe-)uninitialized fires
      # inside Eigen's and xsimd's inlined AVX-512 code under -march=native: warnings, not
      # errors, with GCC before 13. clang keeps them errors.
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized -Wno-error=uninitialized)
      endif()
    endif()
  endif()
endfunction()
