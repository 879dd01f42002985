#!/bin/sh
# Quick start, command 1: build the demo (Release) and run it.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh demo
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DMUBI_BUILD_TESTS=OFF -DMUBI_WERROR=OFF >/dev/null
cmake --build build/demo --target mubi_demo mubi_cli -j"$(nproc)" >/dev/null
build/demo/examples/mubi_demo "$@"
