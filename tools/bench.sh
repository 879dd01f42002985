#!/bin/sh
# Performance, as reported in the README: Google Benchmark (bench/) built with
# -O3 -march=native, with plain -O2 and (whole models only) with -O3 -march=x86-64-v3, then
# Debian's PyTorch timed in the same run on the same UCI-HAR network, and the ratio.
# Single-thread figures unless a name says batch.
#   tools/bench.sh [extra Google Benchmark flags]
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh bench
# v3: x86-64-v3 (AVX2 + FMA, no VNNI, no AVX-512), as on an AMD Zen 3: models only.
for cfg in native:"-O3 -march=native" o2:"-O2" v3:"-O3 -march=x86-64-v3"; do
  name=${cfg%%:*} flags=${cfg#*:}
  cmake -S . -B "build/bench-$name" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="$flags" -DMUBI_BUILD_BENCH=ON \
        -DMUBI_BUILD_TESTS=OFF -DMUBI_BUILD_EXAMPLES=OFF -DMUBI_WERROR=OFF >/dev/null
  cmake --build "build/bench-$name" -j"$(nproc)" >/dev/null
done
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
for name in native o2; do
  echo "=== layers, $name ==="
  "build/bench-$name/bench/bench_layers" --benchmark_min_time=0.3 "$@"
  echo "=== models, $name ==="
  "build/bench-$name/bench/bench_models" --benchmark_min_time=0.3 --benchmark_repetitions=5 \
      --benchmark_report_aggregates_only=true "$@" | tee "build/bench-$name/models.txt"
done
echo "=== models, v3 ==="
build/bench-v3/bench/bench_models --benchmark_filter='^model .*/xsimd' --benchmark_min_time=0.3 \
    --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
echo "=== PyTorch, same run ==="
PYTHONPATH=python /usr/bin/python3 bench/torch_baseline.py > build/bench-torch.txt
cat build/bench-torch.txt
torch_us=$(sed -n 's/^torch_us=//p' build/bench-torch.txt)
mubi_ns=$(grep "model uci_har/xsimd_median" build/bench-native/models.txt | awk "{print \$3}")
mubi_o2_ns=$(grep "model uci_har/xsimd_median" build/bench-o2/models.txt | awk "{print \$3}")
awk -v t="$torch_us" -v m="$mubi_ns" -v o="$mubi_o2_ns" 'BEGIN {
  printf "UCI-HAR window: mubi %.2f us (-O3 -march=native), %.2f us (-O2); PyTorch TorchScript %.1f us\n", m/1000, o/1000, t;
  printf "mubi is %.0fx faster than PyTorch batch 1 (native build), %.0fx (-O2 build)\n", t*1000/m, t*1000/o }'
echo "=== compile time: one TU instantiating the UCI-HAR model, float32 and int8 (bench/compile_time.cpp), g++ -O2 ==="
for i in 1 2 3; do
  /usr/bin/time -f "%e s" g++ -std=c++17 -O2 -Iinclude -c bench/compile_time.cpp -o build/compile_time.o
done
