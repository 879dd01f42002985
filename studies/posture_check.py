"""Diagnostic: how separable are sitting and standing on subjects held out from fitting?

    /usr/bin/python3 studies/posture_check.py --data data/uci_har_rebuilt \
        [--runs 'runs/sam/ho{H}_v1?_r25sam'] [--json OUT.json]

For each holdout seed H (the subjects python/mubi_train/train.py --holdout-seed H sets aside), a softmax
regression is fitted on the sitting and standing windows of the other training subjects and
scored on the holdout subjects' sitting and standing windows, with three feature sets: the
gravity (window mean of the total_acc channels), the gravity and the gyroscope's postural
sway (log standard deviation of the body_gyro channels), and the features of python/mubi_train/train.py
--feature-teacher (every channel's window mean and log standard deviation). Reported: the
accuracy on the fitting windows (how much of the training labels the features explain) and
the errors on the holdout windows; a fourth set, the gravity and the gyroscope's plain
(not log) standard deviation, shows what the log adds. With --runs (a glob with {H}; the runs
must have been made with --holdout-seed H), trained networks are scored on the same windows,
together with how often they agree with the last regression on the fitting windows, how well
a linear readout of their aggregate (the head's input) recovers the gravity and the
gyroscope sway (R^2 over the fitting sitting/standing windows), and where they lose the
posture: the holdout errors of a sitting/standing regression fitted, like the ones above,
on the time mean of the LSTM's input (the second conv block's output) and on the aggregate.
It also prints each channel's median within-window standard deviation for sitting and
standing beside the Gaussian-noise augmentation's sigma (python/mubi_train/train.py --noise, in channel
standard deviations). Training windows only: the test subjects are never read. UCI-HAR's
class and channel names.
"""

import argparse
import glob
import json
import os

import numpy as np

from mubi import datasets
from mubi_train.data import choose_validation_subjects, window_statistics
from mubi_train.teachers import fit_softmax_regression

def inner_features(net, x):
    """(time mean of the LSTM's input, aggregate = the linear head's input) for windows x,
    float64, the network in evaluation mode."""
    import torch
    seen = {}
    hooks = [net.lstm.register_forward_pre_hook(lambda m, inp: seen.update(lstm=inp[0])),
             net.dropout.register_forward_pre_hook(lambda m, inp: seen.update(z=inp[0]))]
    net.eval()
    with torch.no_grad():
        net(torch.from_numpy(np.ascontiguousarray(x)))
    for hook in hooks:
        hook.remove()
    return (seen["lstm"].mean(dim=1).numpy().astype(np.float64),
            seen["z"].numpy().astype(np.float64))


def readout_r2(net, x, feats):
    """R^2 of the best linear readout (least squares with a bias) of each column of feats from
    the network's aggregate, the input of its linear head, over the windows x."""
    z = np.c_[inner_features(net, x)[1], np.ones(len(x))]
    residual = feats - z @ np.linalg.lstsq(z, feats, rcond=None)[0]
    return 1 - residual.var(axis=0) / feats.var(axis=0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="data/uci_har_rebuilt")
    p.add_argument("--holdout-seeds", default="1,2,3")
    p.add_argument("--holdout-fraction", type=float, default=0.2)
    p.add_argument("--runs", default=None, help="glob of run directories, {H} = holdout seed")
    p.add_argument("--noise", type=float, default=0.05, help="augmentation sigma to compare")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    x, y, s, meta = datasets.read_split(args.data, "train")
    names = meta["channels"]
    sitting, standing = (meta["classes"].index(c) for c in ("SITTING", "STANDING"))
    sd = x.reshape(-1, x.shape[2]).std(axis=0)
    sway = {c: np.median(x[y == c].std(axis=1), axis=0) for c in (sitting, standing)}
    print(f"{'channel':12s} {'sitting':>8s} {'standing':>8s} {'noise sigma':>11s}")
    for i, n in enumerate(names):
        print(f"{n:12s} {sway[sitting][i]:8.4f} {sway[standing][i]:8.4f} "
              f"{args.noise * sd[i]:11.4f}")
    out = dict(what=__doc__.split("\n")[0], data=args.data, channels=names,
               median_window_std=dict(sitting=sway[sitting].tolist(),
                                      standing=sway[standing].tolist()),
               noise_sigma=(args.noise * sd).tolist(), holdout=[])

    from mubi import evaluate
    from mubi import torch_model
    posture = np.isin(y, [sitting, standing])
    total_acc = [i for i, n in enumerate(names) if n.startswith("total_acc")]
    gyro = [i for i, n in enumerate(names) if n.startswith("body_gyro")]
    # window means and log stds, then the gyroscope's plain stds
    feats = np.c_[window_statistics(x), x.std(axis=1)[:, gyro]]
    gyro_sway = [len(names) + i for i in gyro]
    plain_sway = list(range(2 * len(names), feats.shape[1]))
    feature_sets = (("gravity", total_acc), ("gravity_and_gyro_std", total_acc + plain_sway),
                    ("gravity_and_gyro_sway", total_acc + gyro_sway),
                    ("mean_and_log_std", list(range(2 * len(names)))))

    def score(pred_fit, pred_judged, yf, yj):  # fitting-window accuracy, holdout errors
        return dict(fit_accuracy=round(float((pred_fit == yf).mean()), 4),
                    holdout_errors=int((pred_judged != yj).sum()))

    for h in (int(v) for v in args.holdout_seeds.split(",")):
        held = choose_validation_subjects(s, y, int(meta["classes_count"]),
                                                args.holdout_fraction, h)
        judged = np.isin(s, held) & posture
        fit = ~np.isin(s, held) & posture
        row = dict(holdout_seed=h, subjects=[int(v) for v in held], windows=int(judged.sum()),
                   fit_windows=int(fit.sum()), regression={}, networks={})
        def regression(f_fit, f_judged):  # sitting/standing predictions on both
            clf = fit_softmax_regression(f_fit, (y[fit] == standing) * 1, 2)
            return [np.where(clf(f).argmax(axis=1) == 1, standing, sitting)
                    for f in (f_fit, f_judged)]

        for name, cols in feature_sets:
            pred_fit, pred_judged = regression(feats[fit][:, cols], feats[judged][:, cols])
            row["regression"][name] = score(pred_fit, pred_judged, y[fit], y[judged])
            if name == "mean_and_log_std":  # python/mubi_train/train.py --feature-teacher's
                regression_fit = pred_fit
        for run in sorted(filter(os.path.isdir, glob.glob(args.runs.replace("{H}", str(h))))) \
                if args.runs else []:
            with open(os.path.join(run, "metrics.json")) as fh:
                if sorted(json.load(fh)["holdout"]["subjects"]) != sorted(row["subjects"]):
                    raise SystemExit(f"{run} was not run with holdout subjects {row['subjects']}")
            net = torch_model.load_checkpoint(os.path.join(run, "model.pt"))
            pred_fit = evaluate.predict(net, x[fit])[0]
            row["networks"][run] = score(pred_fit, evaluate.predict(net, x[judged])[0],
                                         y[fit], y[judged])
            row["networks"][run]["fit_agreement_with_regression"] = round(
                float((pred_fit == regression_fit).mean()), 4)
            r2 = readout_r2(net, x[fit], feats[fit])
            row["networks"][run]["readout_r2"] = dict(
                gravity=round(float(r2[total_acc].mean()), 3),
                gyro_sway=round(float(r2[gyro_sway].mean()), 3))
            inner = [inner_features(net, x[w]) for w in (fit, judged)]
            row["networks"][run]["probe_holdout_errors"] = {
                where: int((regression(inner[0][k], inner[1][k])[1] != y[judged]).sum())
                for k, where in enumerate(("lstm_input_time_mean", "aggregate"))}
        print(json.dumps(row))
        out["holdout"].append(row)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
