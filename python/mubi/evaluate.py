"""Evaluate a trained checkpoint in PyTorch on a window dataset directory.

    /usr/bin/python3 -m mubi.evaluate --model examples/models/uci_har.pt \
        --data data/uci_har_subset --split test [--predictions OUT.u8] [--json OUT.json]

Prints accuracy, macro-F1, per-class F1 and the confusion matrix (rows = true class, columns =
predicted), and optionally writes the predicted label of every window (one uint8 each) so the
C++ `mubi eval` can be compared window by window. The checkpoint is one written by
torch_model.save_checkpoint (python/mubi_train/train.py writes runs/NAME/model.pt); the window dataset
directory is one written by python/mubi/datasets.py (raw sensor units; the model normalizes).
"""

import argparse
import json
import sys

import numpy as np

from . import datasets
from . import metrics


def predict(module, x, batch=1024):
    """Argmax labels and logits of raw windows x (N, T, C) float32."""
    import torch
    module.eval()
    logits = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits.append(module(torch.from_numpy(np.ascontiguousarray(x[i:i + batch]))).numpy())
    logits = np.concatenate(logits) if logits else np.zeros((0, module.config["classes"]))
    return logits.argmax(axis=1), logits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="checkpoint (torch_model.save_checkpoint)")
    parser.add_argument("--data", required=True, help="window dataset directory")
    parser.add_argument("--split", default="test")
    parser.add_argument("--predictions", help="write the predicted labels here (uint8 each)")
    parser.add_argument("--json", help="write the scores here as JSON")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    from . import torch_model

    module = torch_model.load_checkpoint(args.model)
    x, y, _, meta = datasets.read_split(args.data, args.split)
    cfg = module.config
    if x.shape[1:] != (cfg["window"], cfg["in_channels"]):
        raise SystemExit(f"data windows are {x.shape[1]} x {x.shape[2]}, the model expects "
                         f"{cfg['window']} x {cfg['in_channels']}")
    pred, _ = predict(module, x)
    result = metrics.scores(y, pred, cfg["classes"])
    names = meta.get("classes") or [str(c) for c in range(cfg["classes"])]
    print(f"{args.model} on {args.data} ({args.split})")
    print(metrics.format_report(result, names))
    if args.predictions:
        pred.astype(np.uint8).tofile(args.predictions)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
