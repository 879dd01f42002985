"""mubi.Model.predict against the C++ infer_batch it wraps, on the same cores and data.

    PYTHONPATH=build/py/python /usr/bin/python3 python/bench/predict_overhead.py \\
        --baseline build/py/python/mubi_infer_batch_baseline [--windows 100000]

For the shipped UCI-HAR float and int8 models: the 240 shipped windows tiled to N, the
median of 5 rounds of predict() (every hardware thread) against the median of 5 rounds of
infer_batch in C++ (python/bench/infer_batch_baseline.cpp, built with the extension's
flags), in microseconds per window, and their ratio.
"""
import argparse
import os
import subprocess
import time

import numpy as np

import mubi

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--windows", type=int, default=100000)
    args = parser.parse_args()
    data = os.path.join(REPO, "examples", "data", "uci_har_sample", "test_x.f32")
    base = np.fromfile(data, "<f4").reshape(-1, 128, 9)
    x = np.ascontiguousarray(np.resize(base, (args.windows, 128, 9)))
    for name in ("uci_har.mubi", "uci_har.int8.mubi"):
        path = os.path.join(REPO, "examples", "models", name)
        model = mubi.Model(path)
        rounds = []
        for _ in range(5):
            t0 = time.perf_counter()
            model.predict(x)
            rounds.append((time.perf_counter() - t0) * 1e6 / args.windows)
        py = sorted(rounds)[2]
        cpp = float(subprocess.run([args.baseline, path, data, str(args.windows)], check=True,
                                   capture_output=True, text=True).stdout)
        print(f"{name}: predict {py:.3f} us/window, infer_batch {cpp:.3f} us/window, "
              f"ratio {py / cpp:.3f} ({os.cpu_count()} hardware threads, {args.windows} windows)")


if __name__ == "__main__":
    main()
