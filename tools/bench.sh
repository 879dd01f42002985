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
torch_batch_us=$(sed -n 's/^torch_batch_us=//p' build/bench-torch.txt)
# The README's table: each build's UCI-HAR window (Google Benchmark median, us) and batch
# (windows/s on one core and on all), float32 and int8, and PyTorch's time over mubi's. The
# Release build runs the dispatched kernels, the others their static default backend.
simd='(sse2|avx2|avx2_vnni|avx512|xsimd)'
window_us() {  # build, dtype suffix, backend pattern
  grep -E "^model uci_har$2/$3_median " "build/bench-$1/models.txt" | head -1 |
    sed -E 's/^.*_median +([0-9.]+) ns.*/\1/' | awk '{ printf "%.2f", $1 / 1000 }'
}
per_second() {  # build, dtype suffix, backend, workers (1, or 0 for all)
  grep -E "^batch uci_har$2/$3/$4/real_time_median " "build/bench-$1/models.txt" | head -1 |
    sed -E 's/.*items_per_second=([0-9.]+)([kM]?)\/s.*/\1 \2/' |
    awk '{ v = $1 * ($2 == "k" ? 1e3 : ($2 == "M" ? 1e6 : 1)); printf "%.0f", v }'
}
kernels() { grep -oE "^model uci_har/$simd" "build/bench-$1/models.txt" | head -1 | sed 's/^model uci_har\///'; }
echo "=== the README table ==="
echo "| build | kernels | float32 window | int8 window | float32 batch, 1 core / 2 | int8 batch, 1 core / 2 | PyTorch ÷ mubi, window / batch (float32, 1 core) |"
echo "|---|---|---|---|---|---|---|"
for name in release native v3; do
  if [ "$name" = release ]; then pattern=dispatched backend=dispatched label='Release, no `-march` (dispatched)'
  else pattern=$simd backend=default; fi
  [ "$name" = native ] && label='`-O3 -march=native`'
  [ "$name" = v3 ] && label='`-O3 -march=x86-64-v3`'
  f=$(window_us $name '' "$pattern") q=$(window_us $name ' int8' "$pattern")
  f1=$(per_second $name '' $backend 1) f2=$(per_second $name '' $backend 0)
  q1=$(per_second $name ' int8' $backend 1) q2=$(per_second $name ' int8' $backend 0)
  k=$([ "$name" = release ] && echo dispatched || kernels $name)
  awk -v l="$label" -v k="$k" -v f="$f" -v q="$q" -v f1="$f1" -v f2="$f2" -v q1="$q1" -v q2="$q2" \
      -v t="$torch_us" -v tb="$torch_batch_us" 'BEGIN {
    printf "| %s | %s | %s µs | %s µs | %d / %d | %d / %d | %.0f× / %.0f× |\n", l, k, f, q, f1, f2, q1, q2, t / f, tb * f1 / 1e6
  }'
done
echo "PyTorch (same run): TorchScript batch 1 $torch_us us, batch 256 $torch_batch_us us per window"
awk -v d="$(window_us release '' dispatched)" -v d8="$(window_us release ' int8' dispatched)" \
    -v n="$(window_us native '' "$simd")" -v n8="$(window_us native ' int8' "$simd")" \
    'BEGIN { printf "dispatched / native, window: float32 %.2fx, int8 %.2fx\n", d / n, d8 / n8 }'
echo "=== compile time: one TU instantiating the UCI-HAR model, float32 and int8 (bench/compile_time.cpp), g++ -O2 ==="
for i in 1 2 3; do
  /usr/bin/time -f "%e s" g++ -std=c++17 -O2 -Iinclude -c bench/compile_time.cpp -o build/compile_time.o
done
