#!/bin/sh
# Performance, as reported in the README: Google Benchmark (bench/) built three ways -- the
# default user build (Release, no -march: the x86-64 baseline, where runtime dispatch picks the
# CPU's kernels), -O3 -march=native, and -O3 -march=x86-64-v3 (AVX2 + FMA, no VNNI or
# AVX-512, as on an AMD Zen 3) -- then Debian's PyTorch timed in the same run on the same
# UCI-HAR network, and the ratios. Single-thread figures unless a name says batch.
#   tools/bench.sh [extra Google Benchmark flags]
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh bench
for cfg in release:"Release:" native:"None:-O3 -march=native" v3:"None:-O3 -march=x86-64-v3"; do
  name=${cfg%%:*} rest=${cfg#*:}
  type=${rest%%:*} flags=${rest#*:}
  cmake -S . -B "build/bench-$name" -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_FLAGS="$flags" -DMUBI_BUILD_BENCH=ON \
        -DMUBI_BUILD_TESTS=OFF -DMUBI_BUILD_EXAMPLES=OFF -DMUBI_BUILD_PYTHON=OFF -DMUBI_WERROR=OFF >/dev/null
  cmake --build "build/bench-$name" -j"$(nproc)" >/dev/null
done
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
for name in release native v3; do
  if [ "$name" != v3 ]; then
    echo "=== layers, $name ==="
    "build/bench-$name/bench/bench_layers" --benchmark_min_time=0.3 "$@"
  fi
  echo "=== models, $name ==="
  "build/bench-$name/bench/bench_models" --benchmark_min_time=0.3 --benchmark_repetitions=5 \
      --benchmark_report_aggregates_only=true "$@" | tee "build/bench-$name/models.txt"
done
echo "=== PyTorch, same run ==="
PYTHONPATH=python /usr/bin/python3 bench/torch_baseline.py > build/bench-torch.txt
cat build/bench-torch.txt
torch_us=$(sed -n 's/^torch_us=//p' build/bench-torch.txt)
# The default backend of each build (sse2 / avx2 / avx2_vnni / avx512), and the dispatched one.
median() { grep -E "^model uci_har$2/$3_median " "build/bench-$1/models.txt" | sed -E 's/^.*_median +([0-9.]+) ns.*/\1/'; }
simd='(sse2|avx2|avx2_vnni|avx512|xsimd)'
awk -v t="$torch_us" -v d="$(median release '' dispatched)" -v d8="$(median release ' int8' dispatched)" \
    -v n="$(median native '' "$simd")" -v n8="$(median native ' int8' "$simd")" \
    -v b="$(median release '' sse2)" -v b8="$(median release ' int8' sse2)" 'BEGIN {
  printf "UCI-HAR window, float32 / int8 (us): default build dispatched %.2f / %.2f, -march=native %.2f / %.2f, baseline sse2 %.2f / %.2f\n",
         d/1000, d8/1000, n/1000, n8/1000, b/1000, b8/1000;
  printf "dispatched vs native: float32 %.2fx, int8 %.2fx; PyTorch TorchScript batch 1: %.1f us, mubi %.0fx faster (dispatched), %.0fx (native)\n",
         d/n, d8/n8, t, t*1000/d, t*1000/n }'
echo "=== compile time: one TU instantiating the UCI-HAR model, float32 and int8 (bench/compile_time.cpp), g++ -O2 ==="
for i in 1 2 3; do
  /usr/bin/time -f "%e s" g++ -std=c++17 -O2 -Iinclude -c bench/compile_time.cpp -o build/compile_time.o
done
