#!/bin/sh
# Quick start, command 2: every test, built with g++ and clang, as C++17 and C++20, with
# -Wall -Wextra -Wpedantic -Werror; then the whole suite again under AddressSanitizer +
# UndefinedBehaviorSanitizer, with a replay of the fuzzing corpus and a one-minute fuzzing
# run. Build trees live in build/<compiler>-c++<std>/ and build/sanitize/.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh test
jobs=$(nproc)
for cfg in g++:17 clang++:17 g++:20 clang++:20; do
  cxx=${cfg%%:*} std=${cfg##*:} dir=build/$cxx-c++$std
  echo "=== $cxx, C++$std ==="
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_STANDARD="$std" -DCMAKE_CXX_STANDARD_REQUIRED=ON \
        -DCMAKE_BUILD_TYPE=Release -DMUBI_WERROR=ON >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
echo "=== clang++, C++17, AddressSanitizer + UndefinedBehaviorSanitizer, fuzzing ==="
dir=build/sanitize
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_STANDARD=17 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMUBI_SANITIZE=ON -DMUBI_BUILD_FUZZ=ON -DMUBI_WERROR=ON >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs"
echo "all configurations passed"
