#!/bin/sh
# The offline install the README documents: a venv with the system site packages, then
# pip install --no-build-isolation --no-index of a copy of python/ (so the source tree stays
# clean), then the installed package and a console script against the shipped models.
# usage: pip_install.sh PYTHON SOURCE_DIR WORK_DIR
set -eu
python=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work/src"
cp -r "$src/python/pyproject.toml" "$src/python/setup.py" "$src/python/README.md" \
      "$src/python/mubi" "$src/python/mubi_train" "$work/src/"
"$python" -m venv --system-site-packages "$work/venv"
MUBI_SOURCE_DIR=$src "$work/venv/bin/pip" install --quiet --no-build-isolation --no-index "$work/src"
cd "$work"  # not the source tree: the installed package is the one imported
"$work/venv/bin/python" - "$src" <<'PY'
import os, sys
import numpy as np
import mubi
src = sys.argv[1]
assert mubi.__file__.startswith(os.path.join(os.getcwd(), "venv")), mubi.__file__
x = np.fromfile(os.path.join(src, "examples/data/uci_har_sample/test_x.f32"), "<f4").reshape(-1, 128, 9)
y = np.fromfile(os.path.join(src, "examples/data/uci_har_sample/test_y.u8"), np.uint8)
for name in ("uci_har.mubi", "uci_har.int8.mubi"):
    acc = float(np.mean(mubi.Model(os.path.join(src, "examples/models", name)).predict(x).argmax(1) == y))
    print(f"installed mubi.Model {name}: accuracy {100 * acc:.2f}% on {len(x)} shipped windows")
    assert acc > 0.85
PY
"$work/venv/bin/mubi-check-blob" "$src/examples/models/uci_har.int8.mubi" | tail -1 | grep -qx OK
echo "pip install: ok"
