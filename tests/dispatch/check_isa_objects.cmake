# Every function a per-ISA dispatch object defines with external linkage must be typed by
# that ISA's backend (a template instantiated on mubi::backend::<BACKEND>): a plain inline
# function or a template on anything else would be a weak symbol that the linker may merge
# with the baseline's copy, letting AVX code run on a CPU without AVX. Global text symbols
# (T, W) only: data cannot hold instructions, and local ones (t) are the unit's own.
#   cmake -DNM=nm -DOBJECT=file.o -DBACKEND=Avx2 -P check_isa_objects.cmake
execute_process(COMMAND ${NM} -C --defined-only ${OBJECT} OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${OBJECT}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(typed 0)
set(foreign "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]+ ([tTW]) (.*)$")
    set(kind "${CMAKE_MATCH_1}")
    set(symbol "${CMAKE_MATCH_2}")
    if(symbol MATCHES "mubi::backend::${BACKEND}[,> ]")
      math(EXPR typed "${typed} + 1")
    elseif(symbol STREQUAL "__clang_call_terminate")
      # clang's two-call helper for a throw out of noexcept: no vector code in it
    elseif(NOT kind STREQUAL "t")  # local symbols cannot be merged
      string(APPEND foreign "\n  ${symbol}")
    endif()
  endif()
endforeach()
if(NOT foreign STREQUAL "")
  message(FATAL_ERROR "${OBJECT}: functions not typed by mubi::backend::${BACKEND}:${foreign}")
endif()
if(typed EQUAL 0)
  message(FATAL_ERROR "${OBJECT}: no function typed by mubi::backend::${BACKEND} (nothing registered?)")
endif()
message(STATUS "${OBJECT}: ${typed} functions typed by mubi::backend::${BACKEND}, no other global function")
