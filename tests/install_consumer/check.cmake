# Installs mubi to a scratch prefix, then configures, builds and runs install_consumer/
# (find_package) and subdir_consumer/ (add_subdirectory).
file(REMOVE_RECURSE ${WORK_DIR})
foreach(step IN ITEMS
    "${CMAKE_COMMAND};-S;${SOURCE_DIR};-B;${WORK_DIR}/lib;-DMUBI_BUILD_TESTS=OFF;-DMUBI_BUILD_EXAMPLES=OFF;-DCMAKE_CXX_COMPILER=${CXX}"
    "${CMAKE_COMMAND};--install;${WORK_DIR}/lib;--prefix;${WORK_DIR}/prefix"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/tests/install_consumer;-B;${WORK_DIR}/consumer;-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix;-DCMAKE_CXX_COMPILER=${CXX}"
    "${CMAKE_COMMAND};--build;${WORK_DIR}/consumer"
    "${WORK_DIR}/consumer/consumer"
    "${WORK_DIR}/consumer/consumer_dispatch"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/tests/subdir_consumer;-B;${WORK_DIR}/subdir;-DMUBI_SOURCE_DIR=${SOURCE_DIR};-DCMAKE_CXX_COMPILER=${CXX}"
    "${CMAKE_COMMAND};--build;${WORK_DIR}/subdir"
    "${WORK_DIR}/subdir/consumer")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install check failed at: ${step}")
  endif()
endforeach()
message(STATUS "find_package(mubi CONFIG) and add_subdirectory both work")
