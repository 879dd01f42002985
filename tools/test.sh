#!/bin/sh
# Quick start, command 2: every test, built with g++ and clang, as C++17 and C++20, with
# -Wall -Wextra -Wpedantic -Werror, and once more with g++ -O3 -march=native (-Werror) and with
# clang++ -O3 -march=native as a user configures it; then the whole
# suite again under AddressSanitizer + UndefinedBehaviorSanitizer, with a replay of the
# fuzzing corpus and a one-minute fuzzing run; and the Cortex-M4F firmware (int8 and float) cross-built and run under QEMU. Build
# trees live in build/<compiler>-c++<std>/, build/g++-native/, build/clang-native/, build/m4/ and
# build/sanitize/.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh test
jobs=$(nproc)
for cfg in g++:17 clang++:17 g++:20 clang++:20; do
  cxx=${cfg%%:*} std=${cfg##*:} dir=build/$cxx-c++$std
  echo "=== $cxx, C++$std ==="
  # The AVX2 / AVX-VNNI / AVX-512 builds of the parity tests once per compiler (C++17), to keep CI short.
  simd=$([ "$std" = 17 ] && echo ON || echo OFF)
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_STANDARD="$std" -DCMAKE_CXX_STANDARD_REQUIRED=ON \
        -DCMAKE_BUILD_TYPE=Release -DMUBI_WERROR=ON -DMUBI_SIMD_TESTS="$simd" >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
# The build a user makes for speed: Release with -march=native (AVX2/AVX-512 paths of xsimd and
# Eigen on this CPU), every test, -Werror as above.
echo "=== g++, C++17, -O3 -march=native ==="
dir=build/g++-native
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS="-O3 -march=native" -DMUBI_WERROR=ON -DMUBI_SIMD_TESTS=OFF >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs"
# The same build exactly as a user configures it with clang: their flags only, tests on (the
# default), no -Werror (the project's own flag, never forced on a consumer).
echo "=== clang++, C++17, -O3 -march=native, a user's configuration ==="
dir=build/clang-native
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_STANDARD=17 -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS="-O3 -march=native" >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs"
echo "=== Cortex-M4F firmware (arm-none-eabi-gcc -Os), under QEMU mps2-an386 ==="
dir=build/m4
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m4.cmake -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -V >"$dir/ctest.log" 2>&1 || { cat "$dir/ctest.log"; exit 1; }
grep -E "^[0-9]+: |tests passed" "$dir/ctest.log" | grep -v "sample [0-9]" || true  # the firmware's own report
echo "=== clang++, C++17, AddressSanitizer + UndefinedBehaviorSanitizer, fuzzing ==="
dir=build/sanitize
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_STANDARD=17 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMUBI_SANITIZE=ON -DMUBI_BUILD_FUZZ=ON -DMUBI_WERROR=ON >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs"
echo "all configurations passed"
