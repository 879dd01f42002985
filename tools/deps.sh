#!/bin/sh
# Installs the Debian packages mubi needs, only those missing (Debian 12, as root or via sudo).
#   tools/deps.sh demo   compiler, CMake, xsimd (the fast host backend)
#   tools/deps.sh test   + clang and its sanitizer/libFuzzer runtime, doctest, Eigen, numpy, scipy, matplotlib (the ablation plot),
#                        PyTorch (parity round trip), pybind11, python3-dev, pytest, venv and pip (the
#                        Python extension), the arm-none-eabi toolchain (lean: C++ headers only,
#                        no libstdc++.a) and QEMU for the Cortex-M4 firmware
#   tools/deps.sh bench  + Google Benchmark
#   tools/deps.sh eval   the demo's packages + numpy, scipy, matplotlib: studies/raw_stream_eval.py
set -eu
case "${1:-test}" in
  demo) pkgs="g++ cmake make libxsimd-dev" ;;
  test) pkgs="g++ clang libclang-rt-14-dev cmake make doctest-dev libxsimd-dev libeigen3-dev python3-numpy python3-scipy python3-matplotlib python3-torch
              pybind11-dev python3-dev python3-pytest python3-venv python3-pip gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev qemu-system-arm" ;;
  bench) pkgs="g++ cmake make libxsimd-dev libeigen3-dev libbenchmark-dev python3-torch" ;;
  eval) pkgs="g++ cmake make libxsimd-dev python3-numpy python3-scipy python3-matplotlib" ;;
  *) echo "usage: $0 demo|test|bench|eval" >&2; exit 1 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
