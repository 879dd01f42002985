"""How far averaging can take a training recipe: test macro-F1 of its runs one by one and of
logit ensembles of them (the mean of their logits; not one network, so never shipped).

    /usr/bin/python3 studies/ensemble_check.py --data data/uci_har_rebuilt \
        --splits test,test_rebuilt --sizes 2,4,8,16 --out studies/results/NAME.json RUN [RUN ...]

For each split: every run's macro-F1, their mean, sample std, range and how many reach
--target; for each size k, --draws random k-run ensembles (numpy default_rng(--seed), without
replacement within a draw): mean, std, max and the share reaching --target; and the ensemble
of all runs. An ensemble bounds what weight averages of the same runs (SWA, soups) and
students distilled from them can be expected to reach. Informational: no choice is made on it.
"""

import argparse
import json
import os
import sys

import numpy as np

from mubi import datasets
from mubi import metrics
from mubi import evaluate


def macro_f1(y, logits, classes):
    return 100 * metrics.scores(y, logits.argmax(1), classes)["macro_f1"]


def ensemble_summary(y, logits, classes, sizes, draws, target, rng):
    """Scores of the runs (logits: runs x N x classes) alone and in random ensembles."""
    single = np.array([macro_f1(y, lg, classes) for lg in logits])
    out = dict(runs=[round(float(v), 2) for v in single], mean=round(float(single.mean()), 2),
               std=round(float(single.std(ddof=1)), 2) if len(single) > 1 else None,
               min=round(float(single.min()), 2), max=round(float(single.max()), 2),
               reaching_target=int((single >= target).sum()), ensembles={})
    for k in sizes:
        if not 1 <= k <= len(logits):
            raise ValueError(f"ensemble size {k} outside 1..{len(logits)}")
        f = np.array([macro_f1(y, logits[rng.choice(len(logits), k, replace=False)].mean(0),
                               classes) for _ in range(draws)])
        out["ensembles"][str(k)] = dict(mean=round(float(f.mean()), 2),
                                        std=round(float(f.std()), 2),
                                        max=round(float(f.max()), 2),
                                        share_reaching_target=round(float((f >= target).mean()), 3))
    out["all_runs_ensemble"] = round(macro_f1(y, logits.mean(0), classes), 2)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="window dataset directory of the runs' test splits")
    p.add_argument("--splits", default="test", help="comma-separated splits to score")
    p.add_argument("--sizes", default="2,4,8", help="comma-separated ensemble sizes")
    p.add_argument("--draws", type=int, default=300, help="random ensembles per size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", type=float, default=93.4, help="macro-F1 (%%) to count runs at or above")
    p.add_argument("--out", default=None, help="write the summary here as JSON")
    p.add_argument("runs", nargs="+", help="run directories holding model.pt")
    args = p.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    from mubi import torch_model
    models = [torch_model.load_checkpoint(os.path.join(r, "model.pt")) for r in args.runs]
    rng = np.random.default_rng(args.seed)
    record = dict(command="/usr/bin/python3 studies/ensemble_check.py " + " ".join(
        argv if argv is not None else sys.argv[1:]), runs=args.runs, target=args.target, splits={})
    for split in args.splits.split(","):
        x, y, _, meta = datasets.read_split(args.data, split)
        logits = np.stack([evaluate.predict(m, x)[1] for m in models])
        try:
            s = ensemble_summary(y, logits, int(meta["classes_count"]),
                                 [int(k) for k in args.sizes.split(",")], args.draws,
                                 args.target, rng)
        except ValueError as e:
            p.error(str(e))
        record["splits"][split] = s
        print(f"{split}: {len(models)} runs, macro-F1 {s['mean']:.2f} +- {s['std']} "
              f"({s['min']:.2f}-{s['max']:.2f}, {s['reaching_target']} at or above "
              f"{args.target}); all-run ensemble {s['all_runs_ensemble']:.2f}")
        for k, e in s["ensembles"].items():
            print(f"  {k:>3}-run ensembles ({args.draws} draws): {e['mean']:.2f} +- {e['std']:.2f}, "
                  f"max {e['max']:.2f}, {100 * e['share_reaching_target']:.1f} % at or above target")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(record, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
