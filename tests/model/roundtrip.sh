#!/bin/sh
# Exports freshly initialised reference modules (a new seed each run) with mubi.export
# via mubi_train.golden (PYTHONPATH: the package), then runs the C++ golden tests on them.
set -eu
python=$1 src=$2 work=$3 tests=$4
seed=${MUBI_ROUNDTRIP_SEED:-$(date +%s)}
echo "round trip seed $seed (set MUBI_ROUNDTRIP_SEED to repeat)"
rm -rf "$work" && mkdir -p "$work"
"$python" -m mubi_train.golden --out "$work" --seed "$seed" --no-verify
MUBI_GOLDEN_DIR="$work" "$tests" --test-case='golden*'
