#!/bin/sh
# A fuzzing campaign on the blob reader (tests/fuzz/fuzz_blob.cpp), clang + ASan + UBSan:
#   tools/fuzz.sh [SECONDS]     default 1800 (30 minutes)
# Runs from the committed corpus into build/fuzz/campaign, then merges what found new
# coverage back into tests/fuzz/corpus (minimised), and prints libFuzzer's final stats.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-1800}
tools/deps.sh test
cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUBI_SANITIZE=ON \
      -DMUBI_BUILD_FUZZ=ON -DMUBI_WERROR=OFF >/dev/null
cmake --build build/fuzz --target mubi_fuzz_blob -j"$(nproc)" >/dev/null
mkdir -p build/fuzz/campaign
echo "fuzzing for $seconds s"
build/fuzz/tests/mubi_fuzz_blob -max_total_time="$seconds" -print_final_stats=1 -print_coverage=0 \
    build/fuzz/campaign tests/fuzz/corpus 2>&1 | tee build/fuzz/campaign.log | grep -E "^#|stat::|ERROR|SUMMARY" | tail -20
# Minimise: keep the inputs of the campaign and the corpus that reach new coverage.
mkdir -p build/fuzz/merged
build/fuzz/tests/mubi_fuzz_blob -merge=1 build/fuzz/merged tests/fuzz/corpus build/fuzz/campaign 2>&1 | tail -2
echo "corpus: $(ls tests/fuzz/corpus | wc -l) files before; merged set $(ls build/fuzz/merged | wc -l) files in build/fuzz/merged"
