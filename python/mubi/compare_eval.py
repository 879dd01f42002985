"""Shows that the C++ `mubi eval` and PyTorch agree on the same exported model.

    /usr/bin/python3 -m mubi.compare_eval --mubi build/demo/examples/mubi \
        --checkpoint examples/models/uci_har.pt --blob examples/models/uci_har.mubi \
        --data ../shared/data/uci_har_subset [--split test] [--min-agreement 0.999]

Runs PyTorch (python/mubi/evaluate.py) and `mubi eval --predictions` on every window of the
split, prints both reports' headline figures, the share of identical predictions, and
fails (exit 1) when fewer than --min-agreement of the predictions agree or the two
macro-F1 figures differ at two decimals (in percent).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from . import metrics

from . import evaluate
from . import datasets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mubi", required=True, help="the mubi command-line tool")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--blob", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--min-agreement", type=float, default=0.999)
    args = parser.parse_args()

    import torch
    torch.set_num_threads(1)
    from . import torch_model

    module = torch_model.load_checkpoint(args.checkpoint)
    x, y, _, _ = datasets.read_split(args.data, args.split)
    torch_pred, _ = evaluate.predict(module, x)
    torch_f1 = metrics.scores(y, torch_pred, module.config["classes"])["macro_f1"]

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "pred.u8")
        r = subprocess.run([args.mubi, "eval", args.blob, "--data", args.data, "--split", args.split,
                            "--predictions", out], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            return 1
        mubi_pred = np.fromfile(out, dtype=np.uint8)
    m = re.search(r"macro-F1 ([0-9.]+)%", r.stdout)
    mubi_f1 = float(m.group(1)) if m else float("nan")

    agree = float(np.mean(mubi_pred == torch_pred)) if len(mubi_pred) == len(torch_pred) else 0.0
    print(f"{args.data} ({args.split}): {len(y)} windows")
    print(f"  PyTorch macro-F1 {100 * torch_f1:.2f}%   mubi eval macro-F1 {mubi_f1:.2f}%")
    print(f"  identical predictions: {int(round(agree * len(y)))} / {len(y)} ({100 * agree:.2f}%)")
    ok = agree >= args.min_agreement and f"{100 * torch_f1:.2f}" == f"{mubi_f1:.2f}"
    print("  agreement:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
