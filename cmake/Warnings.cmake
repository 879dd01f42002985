# Strict warnings for mubi's own targets (tests, examples); the library itself is headers.
function(mubi_strict_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
    if(MUBI_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
      # GCC 12's maybe-uninitialized fires inside Eigen's AVX-512 intrinsics (system headers,
      # inlined into our tests): kept as a warning, not an error.
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
      endif()
    endif()
  endif()
endfunction()
