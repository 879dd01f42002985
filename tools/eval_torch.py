"""Evaluate a trained checkpoint in PyTorch on a window dataset directory.

    /usr/bin/python3 tools/eval_torch.py --model examples/models/uci_har.pt \
        --data data/uci_har_subset --split test [--predictions OUT.u8] [--json OUT.json]

Prints accuracy, macro-F1, per-class F1 and the confusion matrix (rows = true class, columns =
predicted), and optionally writes the predicted label of every window (one uint8 each) so the
C++ `mubi eval` can be compared window by window. The checkpoint is one written by
mubi_torch.save_checkpoint (tools/train.py writes runs/NAME/model.pt); the window dataset
directory is one written by tools/har_data.py (raw sensor units; the model normalizes).
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import har_data  # noqa: E402


def confusion(y_true, y_pred, classes):
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m


def scores(y_true, y_pred, classes):
    """accuracy, macro-F1 (mean over all classes; F1 of a class with no true and no predicted
    window counts as 0), per-class F1, confusion matrix."""
    m = confusion(y_true, y_pred, classes)
    tp = np.diag(m).astype(np.float64)
    denom = m.sum(axis=0) + m.sum(axis=1)  # predicted + true
    f1 = np.divide(2 * tp, denom, out=np.zeros(classes), where=denom > 0)
    return dict(accuracy=float(tp.sum() / max(m.sum(), 1)), macro_f1=float(f1.mean()),
                per_class_f1=[float(v) for v in f1], confusion=m.tolist())


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


def format_report(result, class_names):
    lines = [f"windows {sum(map(sum, result['confusion']))}  accuracy {100 * result['accuracy']:.2f}%"
             f"  macro-F1 {100 * result['macro_f1']:.2f}%", "per-class F1:"]
    width = max(len(n) for n in class_names)
    for name, f in zip(class_names, result["per_class_f1"]):
        lines.append(f"  {name:{width}s} {100 * f:6.2f}%")
    lines.append("confusion (rows true, columns predicted):")
    for name, row in zip(class_names, result["confusion"]):
        lines.append(f"  {name:{width}s} " + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="checkpoint (mubi_torch.save_checkpoint)")
    parser.add_argument("--data", required=True, help="window dataset directory")
    parser.add_argument("--split", default="test")
    parser.add_argument("--predictions", help="write the predicted labels here (uint8 each)")
    parser.add_argument("--json", help="write the scores here as JSON")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    import mubi_torch

    module = mubi_torch.load_checkpoint(args.model)
    x, y, _, meta = har_data.read_split(args.data, args.split)
    cfg = module.config
    if x.shape[1:] != (cfg["window"], cfg["in_channels"]):
        raise SystemExit(f"data windows are {x.shape[1]} x {x.shape[2]}, the model expects "
                         f"{cfg['window']} x {cfg['in_channels']}")
    pred, _ = predict(module, x)
    result = scores(y, pred, cfg["classes"])
    names = meta.get("classes") or [str(c) for c in range(cfg["classes"])]
    print(f"{args.model} on {args.data} ({args.split})")
    print(format_report(result, names))
    if args.predictions:
        pred.astype(np.uint8).tofile(args.predictions)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
