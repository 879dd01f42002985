"""Average the weights of several runs on the same split into one network ("model soup").

    /usr/bin/python3 studies/soup.py --data data/uci_har_rebuilt --out runs/NAME RUN [RUN ...]

The runs must share the fitting and validation subjects and should start from one checkpoint
(python/mubi_train/train.py --init-from, or branches of one trunk: --save-state, then --resume with other
seeds), so that their weights lie in one basin and their average is a good network; the
average is then one network of the same size, unlike an ensemble. The
BatchNorm statistics of the average are recomputed over the (unaugmented) fitting windows.

Recipes (Wortsman et al. 2022, "Model soups"): `uniform` averages every run; `greedy` (the
default) adds the runs in order of validation macro-F1 and keeps each one only if the
validation macro-F1 of the average does not drop (runs without validation subjects, such as
refit branches, allow `uniform` only). Choices use validation only; test scores
are computed once, on the chosen soup. Also reported, for comparison only: every ingredient
and the ensemble of their logits.

Writes OUT/model.pt, OUT/model.mubi, OUT/test_predictions.u8, OUT/metrics.json.
"""

import argparse
import copy
import json
import os
import sys
import time

import numpy as np

from mubi import datasets
from mubi import metrics
from mubi import evaluate
from mubi_train.loop import add_to_average, recalibrate_batchnorm, save_run_model


def average(modules):
    """Uniform average of the modules' parameters (BatchNorm statistics left to recompute)."""
    out = copy.deepcopy(modules[0])
    for k, m in enumerate(modules[1:], start=2):
        add_to_average(out, m, k)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="window dataset directory of the runs")
    p.add_argument("--out", required=True)
    p.add_argument("--recipe", choices=["greedy", "uniform"], default="greedy")
    p.add_argument("runs", nargs="+", help="run directories (python/mubi_train/train.py --out)")
    args = p.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    from mubi import torch_model

    metas = [json.load(open(os.path.join(r, "metrics.json"))) for r in args.runs]
    split = metas[0]["split"]
    held = (metas[0].get("holdout") or {}).get("subjects")
    for r, m in zip(args.runs, metas):
        if (m["split"]["validation_subjects"] != split["validation_subjects"]
                or m["split"]["fit_subjects"] != split["fit_subjects"]):
            p.error(f"{r} was fitted or validated on other subjects than {args.runs[0]}")
    x, y, s, meta = datasets.read_split(args.data, "train")
    classes = int(meta["classes_count"])
    fit = torch.from_numpy(x[np.isin(s, split["fit_subjects"])])
    x_va, y_va = x[np.isin(s, split["validation_subjects"])], y[np.isin(s, split["validation_subjects"])]
    x_ho, y_ho = (x[np.isin(s, held)], y[np.isin(s, held)]) if held else (None, None)
    x_te, y_te, _, _ = datasets.read_split(args.data, "test")

    if len(x_va) == 0:  # refit runs (--val-fraction 0): nothing to choose on
        if args.recipe != "uniform":
            p.error("the runs have no validation subjects: only --recipe uniform applies")
        x_va = y_va = None

    def f1(module, xs, ys):
        return None if xs is None else metrics.scores(
            ys, evaluate.predict(module, xs)[0], classes)["macro_f1"]

    def soup_of(modules):
        avg = average(modules)
        recalibrate_batchnorm(avg, fit, 512)
        return avg.eval()

    models = [torch_model.load_checkpoint(os.path.join(r, "model.pt")) for r in args.runs]
    val = [f1(m, x_va, y_va) for m in models]
    order = np.arange(len(models)) if x_va is None else np.argsort(val)[::-1]
    if args.recipe == "uniform":
        chosen = list(order)
        soup = soup_of([models[i] for i in chosen])
        soup_val = f1(soup, x_va, y_va)
        print(f"uniform soup of {len(models)} runs" + ("" if soup_val is None else
              f": validation macro-F1 {100 * soup_val:.2f}%"))
    else:
        chosen = [order[0]]
        soup, soup_val = models[order[0]], val[order[0]]
        for i in order[1:]:
            trial = soup_of([models[j] for j in chosen + [i]])
            v = f1(trial, x_va, y_va)
            if v >= soup_val:
                chosen.append(i)
                soup, soup_val = trial, v
        print(f"greedy soup of {len(chosen)}/{len(models)} runs: validation macro-F1 "
              f"{100 * soup_val:.2f}% (best ingredient {100 * max(val):.2f}%)")

    def ensemble_f1(xs, ys):
        if xs is None:
            return None
        logits = np.mean([evaluate.predict(m, xs)[1] for m in models], axis=0)
        return metrics.scores(ys, logits.argmax(1), classes)["macro_f1"]

    test, blob = save_run_model(soup, args.out, x_te, y_te, classes)
    record = dict(
        command="/usr/bin/python3 studies/soup.py " + " ".join(argv if argv is not None
                                                             else sys.argv[1:]),
        recipe=args.recipe, runs=args.runs, chosen=[args.runs[i] for i in chosen],
        split=split, holdout_subjects=held,
        validation=dict(macro_f1=soup_val), holdout_macro_f1=f1(soup, x_ho, y_ho), test=test,
        compared=dict(  # not used for any choice
            ingredients=[dict(run=r, validation_macro_f1=v, holdout_macro_f1=f1(m, x_ho, y_ho),
                              test_macro_f1=f1(m, x_te, y_te))
                         for r, m, v in zip(args.runs, models, val)],
            uniform_soup=None, logit_ensemble=dict(
                validation_macro_f1=ensemble_f1(x_va, y_va),
                holdout_macro_f1=ensemble_f1(x_ho, y_ho), test_macro_f1=ensemble_f1(x_te, y_te))),
        blob_bytes=len(blob), created=time.strftime("%Y-%m-%d %H:%M:%S"),
        environment=dict(torch=torch.__version__, numpy=np.__version__))
    if args.recipe == "greedy":
        uni = soup_of(models)
        record["compared"]["uniform_soup"] = dict(
            validation_macro_f1=f1(uni, x_va, y_va), holdout_macro_f1=f1(uni, x_ho, y_ho),
            test_macro_f1=f1(uni, x_te, y_te))
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(record, fh, indent=1, default=int)
        fh.write("\n")
    print("test (once, chosen soup): " + metrics.format_report(test, meta["classes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
