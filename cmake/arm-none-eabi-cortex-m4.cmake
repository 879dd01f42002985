# Cross toolchain for Cortex-M4F (hard float) with Debian's arm-none-eabi GCC + newlib-nano.
#   cmake -S . -B build/m4 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m4.cmake -DCMAKE_BUILD_TYPE=MinSizeRel
# builds the firmware under examples/mcu and runs it under QEMU (mps2-an386) with CTest.
# Links with the C driver, so only the C++ headers are needed (libstdc++-arm-none-eabi-dev):
# the firmware uses nothing from libstdc++/libsupc++ (no new/delete, exceptions or RTTI).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # a bare-metal executable cannot link in checks

set(MUBI_MCU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_CXX_FLAGS_INIT "${MUBI_MCU_FLAGS} -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti \
-fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${MUBI_MCU_FLAGS} -nostartfiles --specs=nano.specs -Wl,--gc-sections")
set(CMAKE_EXECUTABLE_SUFFIX_CXX .elf)
set(CMAKE_CXX_LINK_EXECUTABLE
    "arm-none-eabi-gcc <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES> -lm")
# Never search the host's /usr/include (glibc headers would shadow newlib's).
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
