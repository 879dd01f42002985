"""Summarise training runs (runs/*/metrics.json written by python/mubi_train/train.py) into one JSON file.

    /usr/bin/python3 studies/summarize_runs.py runs/uci_har_subset_s1 runs/uci_har_subset_s2 ... \
        --out studies/results/training.json [--shipped uci_har=runs/NAME ...]

Per run: dataset, seed, validation macro-F1 (the selection criterion), test accuracy, test
macro-F1 and per-class F1, epochs, best epoch, seconds, command. Per dataset directory and recipe
(mixup / weight averaging, where used): mean and sample standard deviation over the runs. Prints a Markdown table of the same.
"""

import argparse
import json
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_record(path):
    with open(os.path.join(path, "metrics.json")) as fh:
        m = json.load(fh)
    rec = dict(run=os.path.relpath(os.path.abspath(path), REPO), data=m["data"],
                dataset=m["dataset"], seed=m["seed"],
                val_macro_f1=None if m["validation"] is None else m["validation"]["macro_f1"],
                test_accuracy=m["test"]["accuracy"],
                test_macro_f1=m["test"]["macro_f1"], test_per_class_f1=m["test"]["per_class_f1"],
                classes=m["classes"], epochs=m["epochs_run"], best_epoch=m["best_epoch"],
                seconds=round(m["seconds"], 1), validation_subjects=m["split"]["validation_subjects"],
                command=m["command"], hyperparameters=m["hyperparameters"])
    extra = os.path.join(path, "eval_test_rebuilt.json")
    if os.path.exists(extra):  # python/mubi/evaluate.py --split test_rebuilt --json (informational)
        with open(extra) as fh:
            e = json.load(fh)
        rec.update(test_rebuilt_windows=int(np.sum(e["confusion"])),
                   test_rebuilt_accuracy=e["accuracy"], test_rebuilt_macro_f1=e["macro_f1"])
    return rec


def group_name(rec):
    """The data directory, plus the training options that change the recipe, if any."""
    h = rec["hyperparameters"]
    extra = []
    if h.get("val_fraction") == 0:
        extra.append(f"refit on all training subjects, {h['stop_epoch'] or h['epochs']} of "
                     f"{h['epochs']} epochs")
    if h.get("mixup"):
        extra.append(f"mixup {h['mixup']:g}")
    if h.get("sam"):
        extra.append(f"SAM {h['sam']:g}")
    if h.get("class_mix"):
        extra.append(f"same-class mixing {h['class_mix']:g}")
    if h.get("mixstyle"):
        extra.append(f"MixStyle {h['mixstyle']:g}")
    if h.get("time_warp"):
        extra.append(f"time warp {h['time_warp']:g}")
    if h.get("swa_epochs"):
        extra.append(f"SWA {h['swa_epochs']} epochs at {h['swa_lr']:g}")
    return rec["data"] + (" + " + ", ".join(extra) if extra else "")


def mean_std(values):
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    if len(v) == 0:
        return None
    return dict(mean=float(v.mean()), std=float(v.std(ddof=1)) if len(v) > 1 else 0.0, n=len(v))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--shipped", nargs="*", default=[],
                        help="NAME=RUN: the run whose model was shipped as NAME")
    parser.add_argument("--note", action="append", default=[], help="free-text notes to record")
    args = parser.parse_args(argv)

    runs = [run_record(r) for r in args.runs]
    groups = {}
    for r in runs:
        groups.setdefault(group_name(r), []).append(r)
    summary = {}
    for data, rs in groups.items():
        summary[data] = dict(dataset=rs[0]["dataset"], seeds=[r["seed"] for r in rs],
                             val_macro_f1=mean_std([r["val_macro_f1"] for r in rs]),
                             test_accuracy=mean_std([r["test_accuracy"] for r in rs]),
                             test_macro_f1=mean_std([r["test_macro_f1"] for r in rs]),
                             epochs=mean_std([r["epochs"] for r in rs]),
                             seconds=mean_std([r["seconds"] for r in rs]))
        if all("test_rebuilt_macro_f1" in r for r in rs):
            summary[data]["test_rebuilt_macro_f1"] = mean_std(
                [r["test_rebuilt_macro_f1"] for r in rs])
    shipped = {}
    for item in args.shipped:
        name, run = item.split("=", 1)
        rec = run_record(run)
        shipped[name] = dict(run=rec["run"], val_macro_f1=rec["val_macro_f1"],
                             test_macro_f1=rec["test_macro_f1"],
                             test_accuracy=rec["test_accuracy"])
    out = dict(what="training runs of python/mubi_train/train.py; scores are fractions (0..1); test scores "
                    "were computed once per run on the model its recipe chose: the early-stopped "
                    "epoch (selected by validation macro-F1) or, with SWA, the average after it; "
                    "refit runs (no validation subjects) end at a fixed epoch chosen on holdout "
                    "subjects",
               runs=runs, per_dataset=summary, shipped=shipped, notes=args.note)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")

    print("| run | seed | val macro-F1 | test acc | test macro-F1 | epochs (best) | s |")
    print("|---|---|---|---|---|---|---|")
    pct = lambda v: "—" if v is None else f"{100 * v:.2f}"  # noqa: E731
    for r in runs:
        print(f"| {r['run']} | {r['seed']} | {pct(r['val_macro_f1'])} | "
              f"{100 * r['test_accuracy']:.2f} | {100 * r['test_macro_f1']:.2f} | "
              f"{r['epochs']} ({r['best_epoch']}) | {r['seconds']:.0f} |")
    print()
    for data, s in summary.items():
        f = lambda k: ("—" if s[k] is None else  # noqa: E731
                       f"{100 * s[k]['mean']:.2f} ± {100 * s[k]['std']:.2f}")
        print(f"{data}: n={s['test_macro_f1']['n']} val F1 {f('val_macro_f1')}, test acc "
              f"{f('test_accuracy')}, test macro-F1 {f('test_macro_f1')}"
              + (f", test_rebuilt macro-F1 {f('test_rebuilt_macro_f1')}"
                 if "test_rebuilt_macro_f1" in s else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
