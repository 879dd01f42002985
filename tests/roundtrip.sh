#!/bin/sh
# Exports freshly initialised reference modules (a new seed each run) with tools/export.py
# via tools/gen_golden.py, then runs the C++ golden tests on them.
set -eu
python=$1 src=$2 work=$3 tests=$4
seed=${MUBI_ROUNDTRIP_SEED:-$(date +%s)}
echo "round trip seed $seed (set MUBI_ROUNDTRIP_SEED to repeat)"
rm -rf "$work" && mkdir -p "$work"
"$python" "$src/tools/gen_golden.py" --out "$work" --seed "$seed" --no-verify
MUBI_GOLDEN_DIR="$work" "$tests" --test-case='golden*'
