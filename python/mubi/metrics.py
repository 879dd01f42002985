"""Scores of predicted labels: accuracy, macro-F1, per-class F1, the confusion matrix (NumPy)."""

import numpy as np


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
