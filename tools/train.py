"""Train a uBi-ConvLSTM on a window dataset directory with the paper's protocol.

    /usr/bin/python3 tools/train.py --data data/uci_har_rebuilt --seed 1 --out runs/NAME

Protocol (spec "Training recipe"):
- subject-wise split: the dataset's test subjects are never seen; validation subjects (about
  20% of the training subjects) are drawn from the training subjects, deterministically from
  the seed (re-drawn until every class occurs in both parts, where that is possible);
- per-channel z-score statistics from the training part only, stored in the model's mean/std
  buffers, so the exported blob takes raw sensor values;
- AdamW, cosine learning-rate schedule (per step, over --epochs), inverse-frequency class
  weights when the classes are imbalanced (--class-weights auto: max/min count > 1.5);
- early stopping on validation macro-F1 (patience 10; --epochs default 30, at most 200); the
  model of the best validation epoch is kept. Test scores are computed ONCE, at the end, on
  that model;
- light augmentation of the fitting windows (random scale, Gaussian noise, small rotation of
  each 3-axis channel group) and exact BatchNorm statistics before each validation;
- fixed seeds, one thread, one progress line per epoch.

Optional (off by default): knowledge distillation from an ensemble of teacher runs fitted on
the same subjects (--teacher, --kd-alpha, --kd-temp), fitting windows from another directory of
the same subjects (--fit-data, e.g. a denser hop), mixup (--mixup), dropout on the LSTM input
during training (--input-dropout), the split drawn from another seed than the
initialisation (--split-seed, for teachers), stochastic weight averaging after early
stopping (--swa-epochs, --swa-lr), a start from another run's weights (--init-from, for
tools/soup.py), a refit on every training subject with a fixed schedule instead of early
stopping (--val-fraction 0 --select last --stop-epoch E), the head's training dropout
(--head-dropout), sharpness-aware minimization (--sam), same-class mixing (--class-mix),
MixStyle (--mixstyle), time warping (--time-warp), class labels replaced by a softmax
regression on window statistics (--feature-teacher), an auxiliary regression of those
statistics from the network's aggregate (--aux-stats, --aux-classes), BatchNorm with fixed
statistics late in training (--freeze-bn), the LSTM's forget gates started at a bias
(--forget-bias), the first conv filters started (and optionally kept) as clipped amplitude
detectors of named channels (--sway-init, --sway-levels, --sway-abs, --sway-freeze), some
classes' loss weights multiplied (--class-boost), a trunk saved part-way along the schedule
and branches resumed from it with other seeds, for soups (--save-state, --resume), and
subjects set aside from fitting and validation to judge such changes without the bias of
early stopping (--holdout-seed, --holdout-fraction). None of these changes the network. The
UCI-HAR recipe: --val-fraction 0 --select last --epochs 30 --stop-epoch 25 --mixup 0.2
--sam 0.05 --swa-epochs 15 --swa-lr 5e-4 (docs/training.md).

The defaults were chosen on UCI-HAR validation macro-F1 only (docs/training.md).

Writes OUT/model.pt (mubi_torch.save_checkpoint), OUT/model.mubi (tools/export.py, BatchNorm
folded) and OUT/metrics.json (hyperparameters, split, history, validation and test scores).
The window length, channel count and classes come from the data.
"""

import argparse
import copy
import json
import math
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import har_data  # noqa: E402
import eval_torch  # noqa: E402


def choose_validation_subjects(subjects, labels, classes, fraction, seed, tries=1000):
    """About `fraction` of the distinct subjects, drawn with the seed; every class should occur
    both in the validation part and in the rest (first draw kept if no draw achieves it)."""
    distinct = np.array(sorted(set(subjects.tolist())))
    n_val = max(1, int(round(fraction * len(distinct))))
    rng = np.random.default_rng(seed)
    first = None
    for _ in range(tries):
        val = np.sort(rng.permutation(distinct)[:n_val])
        first = val if first is None else first
        in_val = np.isin(subjects, val)
        if (len(set(labels[in_val].tolist())) == classes
                and len(set(labels[~in_val].tolist())) == classes):
            return val
    return first


def class_weights(labels, classes, mode):
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    present = counts > 0
    if mode == "auto":
        mode = "inverse" if counts[present].max() / counts[present].min() > 1.5 else "none"
    if mode == "none":
        return None, "none", counts
    w = np.zeros(classes)
    w[present] = counts.sum() / (present.sum() * counts[present])
    return w, "inverse", counts


def random_rotations(n, max_degrees, gen):
    """n rotation matrices (n, 3, 3): random axis, angle uniform in [-max, max] degrees."""
    import torch
    axis = torch.randn(n, 3, generator=gen)
    axis = axis / axis.norm(dim=1, keepdim=True).clamp_min(1e-12)
    angle = (2 * torch.rand(n, generator=gen) - 1) * math.radians(max_degrees)
    k = torch.zeros(n, 3, 3)
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k = k - k.transpose(1, 2)
    s, c = angle.sin()[:, None, None], angle.cos()[:, None, None]
    return torch.eye(3) + s * k + (1 - c) * (k @ k)  # Rodrigues


def rotate_groups(xb, max_degrees, gen):
    """Apply one random rotation per window to each consecutive (x, y, z) channel group."""
    import torch
    n, t, c = xb.shape
    r = random_rotations(n, max_degrees, gen)
    g = xb.reshape(n, t, c // 3, 3)
    return torch.einsum("ntgj,nij->ntgi", g, r).reshape(n, t, c)


def time_warp(xb, w, gen):
    """Each window replayed at its own speed f ~ U(1 - w, 1 + w) about its centre (linear
    interpolation; positions past either end repeat the end sample): cadence differs
    between people. A one-speed form of the smooth time warping of Um et al. (2017)."""
    import torch
    n, t, c = xb.shape
    f = 1 + w * (2 * torch.rand(n, 1, generator=gen) - 1)
    centre = (t - 1) / 2
    pos = (centre + (torch.arange(t, dtype=torch.float32) - centre) * f).clamp(0, t - 1)
    lo = pos.floor().long().clamp(max=t - 2)
    frac = (pos - lo)[..., None]
    idx = lo[..., None].expand(n, t, c)
    a, b = xb.gather(1, idx), xb.gather(1, idx + 1)
    return a + frac * (b - a)


def same_class_partners(yb, gen):
    """For each window of the batch, another window of its class (itself if it is alone).

    The class groups are shuffled and each window is paired with its successor in its group,
    so every window is used once as a partner."""
    import torch
    order = torch.argsort(yb.double() + 0.5 * torch.rand(len(yb), generator=gen,
                                                          dtype=torch.double))
    ys = yb[order]
    partner_sorted = torch.arange(len(yb))
    for c in torch.unique(ys):
        pos = (ys == c).nonzero().flatten()
        partner_sorted[pos] = pos.roll(1)
    partner = torch.empty_like(order)
    partner[order] = order[partner_sorted]
    return partner


def mix_within_class(xb, yb, a, rng, gen):
    """Each window mixed with a same-class partner by its own Beta(a, a) weight (numpy rng)."""
    import torch
    partner = same_class_partners(yb, gen)
    lam = torch.from_numpy(rng.beta(a, a, (len(xb), 1, 1)).astype(np.float32))
    return lam * xb + (1 - lam) * xb[partner]


def add_mixstyle(model, p, alpha, gen, active):
    """MixStyle (Zhou et al. 2021) after each BatchNorm, training only: with probability p per
    batch and layer, re-style each window's features (per-channel mean and std over time) with
    a Beta(alpha, alpha) mix of its own statistics and another window's. Forward hooks, so the
    module and its inference graph stay the same; active[0] gates them (off while the BatchNorm
    statistics are recomputed); cache holds one draw per step, so SAM's two passes agree."""
    import torch
    cache = {}

    def hook(module, inputs, out):
        if not (module.training and active[0]):
            return None
        key = id(module)
        if key not in cache:
            n = out.shape[0]
            on = float(torch.rand(1, generator=gen)) < p
            lam = torch.distributions.Beta(alpha, alpha).sample((n, 1, 1)) if on else None
            cache[key] = (on, torch.randperm(n, generator=gen), lam)
        on, perm, lam = cache[key]
        if not on:
            return None
        mu = out.mean(dim=2, keepdim=True).detach()
        sig = (out.var(dim=2, keepdim=True) + 1e-6).sqrt().detach()
        normed = (out - mu) / sig
        return normed * (lam * sig + (1 - lam) * sig[perm]) + lam * mu + (1 - lam) * mu[perm]

    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.register_forward_hook(hook)
    return cache


def load_teachers(runs, val_subjects):
    """Teacher modules from run directories; refuses a teacher fitted on any of val_subjects
    (the subjects the student is judged on)."""
    import mubi_torch
    teachers = []
    for run in runs:
        with open(os.path.join(run, "metrics.json")) as fh:
            fitted = json.load(fh)["split"]["fit_subjects"]
        if np.isin(fitted, val_subjects).any():
            raise SystemExit(f"teacher {run} was fitted on judged subjects "
                             f"{sorted(set(fitted) & set(val_subjects.tolist()))}")
        teachers.append(mubi_torch.load_checkpoint(os.path.join(run, "model.pt")))
    return teachers


def ensemble_probs(teachers, x, temperature):
    """Mean over the teachers of softmax(logits / temperature), (N, classes) float32."""
    from scipy.special import softmax
    return np.mean([softmax(eval_torch.predict(t, x)[1] / temperature, axis=1)
                    for t in teachers], axis=0).astype(np.float32)


def window_statistics(x):
    """(N, 2C) float64: each channel's mean and log standard deviation within the window (in
    UCI-HAR's layout, the gravity direction and the postural sway or gait energy)."""
    x = x.astype(np.float64)
    return np.concatenate([x.mean(axis=1), np.log(x.std(axis=1) + 1e-6)], axis=1)


def softmax_regression_objective(w, z, onehot, l2):
    """Mean cross-entropy of softmax(z @ W) against onehot plus l2 * |W without the bias row|^2,
    and its gradient; w is W (features + 1, classes) flattened, z ends with a column of ones."""
    from scipy.special import log_softmax
    w = w.reshape(z.shape[1], onehot.shape[1])
    logp = log_softmax(z @ w, axis=1)
    reg = w.copy()
    reg[-1] = 0.0  # the bias is not penalized
    grad = z.T @ (np.exp(logp) - onehot) / len(z) + 2 * l2 * reg
    return -np.mean((onehot * logp).sum(axis=1)) + l2 * (reg ** 2).sum(), grad.ravel()


def fit_softmax_regression(f, t, k, l2=1e-2):
    """L2-regularized multinomial logistic regression of labels t (0..k-1) on standardized
    features f; returns a function from features to (N, k) logits."""
    from scipy.optimize import minimize
    mu, sd = f.mean(axis=0), np.maximum(f.std(axis=0), 1e-12)
    z = np.c_[(f - mu) / sd, np.ones(len(f))]
    w = minimize(softmax_regression_objective, np.zeros(z.shape[1] * k), jac=True,
                 args=(z, np.eye(k)[t], l2), method="L-BFGS-B").x.reshape(z.shape[1], k)
    return lambda f2: np.c_[(f2 - mu) / sd, np.ones(len(f2))] @ w


def feature_teacher_probs(x, y, class_ids, classes, temperature):
    """Soft targets (N, classes) float32 for the fitting windows x, y: a softmax regression on
    window_statistics, fitted on the windows of class_ids, gives those windows its
    probabilities over class_ids (at the temperature); every other window keeps its one-hot
    label. Returns the targets and the regression's accuracy on the windows it was fitted on."""
    from scipy.special import softmax
    ids = np.unique(class_ids)
    mine = np.isin(y, ids)
    local = np.searchsorted(ids, y[mine])
    stats = window_statistics(x[mine])
    logits = fit_softmax_regression(stats, local, len(ids))(stats)
    target = np.eye(classes)[y]
    target[np.ix_(np.flatnonzero(mine), ids)] = softmax(logits / temperature, axis=1)
    return target.astype(np.float32), float((logits.argmax(axis=1) == local).mean())


def init_sway_detectors(model, channel_ids, levels, both_signs):
    """Start some filters as clipped amplitude detectors of the named input channels.

    The postural sway that separates sitting from standing is 10-50x smaller than the
    walking signals that set the normalization, and is informative on a log scale (a linear
    model needs log std; docs/training.md). This gives the network such a signal from the
    start (study 14). For each channel and sign s (+ only, or + and -), conv1 passes
    s * channel (centre tap 1) and bn1 (scale 1) shifts copies by 0 and by -c for each level
    c, so after ReLU and max pooling the difference of two such filters is min(max(s * m, 0),
    c) of the pooled peak m; conv2 filter (channel, level) takes minus its sum over the signs.
    bn2 thus sees signals bounded by c whatever the walking amplitude: with several levels, a
    staircase that approximates a log. Every other filter keeps torch's initialisation.
    Returns the numbers of conv1 and conv2 filters used (the first ones of each)."""
    import torch
    signs = (1.0, -1.0) if both_signs else (1.0,)
    need1 = len(channel_ids) * len(signs) * (1 + len(levels))
    if model.blocks != 2 or need1 > model.conv1.out_channels \
            or len(channel_ids) * len(levels) > model.conv2.out_channels:
        raise ValueError(f"--sway-init needs two conv blocks and {need1} conv1 filters")
    centre = model.conv1.kernel_size[0] // 2
    f1, f2 = 0, 0

    def conv1_filter(channel, sign, shift):
        nonlocal f1
        model.conv1.weight[f1].zero_()
        model.conv1.weight[f1, channel, centre] = sign
        model.conv1.bias[f1] = 0.0
        model.bn1.weight[f1] = 1.0
        model.bn1.bias[f1] = shift
        f1 += 1
        return f1 - 1

    with torch.no_grad():
        for ch in channel_ids:
            bases = {s: conv1_filter(ch, s, 0.0) for s in signs}
            clipped = {(s, c): conv1_filter(ch, s, -c) for s in signs for c in levels}
            for c in levels:
                model.conv2.weight[f2].zero_()
                model.conv2.bias[f2] = 0.0
                for s in signs:
                    model.conv2.weight[f2, bases[s], centre] = -1.0
                    model.conv2.weight[f2, clipped[(s, c)], centre] = 1.0
                f2 += 1
    return f1, f2


def recalibrate_batchnorm(model, x, batch):
    """Set every BatchNorm's running mean/var to the exact average over x (train mode, no grad).

    PyTorch's cumulative moving average (momentum None) over equal-size batches gives the mean of
    the per-batch statistics; with batches of 512 windows this is the population statistic
    to within the last partial batch.
    """
    import torch
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    was_training = model.training
    model.train()
    with torch.no_grad():
        for i in range(0, len(x), max(batch, 512)):
            model(x[i:i + max(batch, 512)])
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.train(was_training)


def add_to_average(avg, module, k):
    """Make avg's parameters the uniform average of k modules, given the average of the first
    k - 1 and module as the k-th (k = 1 copies). BatchNorm statistics are left to recompute."""
    import torch
    with torch.no_grad():
        for qa, qm in zip(avg.parameters(), module.parameters()):
            qa.mul_((k - 1) / k).add_(qm.detach(), alpha=1 / k)


def without_nan(value):
    """The record with NaN (no validation subjects) written as null, which JSON can hold."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(v) for v in value]
    return value


def save_run_model(module, out, x_te, y_te, classes):
    """Score the chosen model on test (once) and write OUT/model.pt, OUT/model.mubi and
    OUT/test_predictions.u8; returns (test scores, blob bytes)."""
    import mubi_torch
    import export
    pred_te, _ = eval_torch.predict(module, x_te)
    os.makedirs(out, exist_ok=True)
    mubi_torch.save_checkpoint(module, os.path.join(out, "model.pt"))
    blob = export.export(module, os.path.join(out, "model.mubi"))
    pred_te.astype(np.uint8).tofile(os.path.join(out, "test_predictions.u8"))
    return eval_torch.scores(y_te, pred_te, classes), blob


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="window dataset directory (tools/har_data.py)")
    p.add_argument("--out", required=True, help="run directory to write")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--split-seed", type=int, default=None,
                   help="draw the validation subjects from this seed instead of --seed "
                        "(--seed still sets the initialisation and the shuffling)")
    p.add_argument("--fit-data", default=None,
                   help="take the fitting windows from this window dataset directory (same "
                        "subjects as --data, e.g. a denser hop); validation stays on --data")
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--hidden", type=int, default=24)
    p.add_argument("--kernel", type=int, default=5)
    p.add_argument("--variant", default="A0")
    p.add_argument("--aggregation", default="last")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-5, help="cosine schedule floor")
    p.add_argument("--weight-decay", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=30, help="at most this many epochs (<= 200, "
                   "the paper's cap); the cosine schedule spans them")
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--val-fraction", type=float, default=0.2,
                   help="share of the training subjects drawn for validation; 0: none, fit on "
                        "every training subject with a fixed schedule (needs --select last; "
                        "the schedule is then a choice to make on validation or holdout runs)")
    p.add_argument("--stop-epoch", type=int, default=None,
                   help="stop after this many epochs of the --epochs cosine schedule (a fixed "
                        "schedule standing in for early stopping, e.g. with --val-fraction 0)")
    p.add_argument("--head-dropout", type=float, default=0.5,
                   help="dropout before the linear head during training (the network's "
                        "nn.Dropout; identity at inference, not in the blob)")
    p.add_argument("--class-weights", choices=["auto", "inverse", "none"], default="auto")
    p.add_argument("--class-boost", default=None,
                   help="NAMES:FACTOR: multiply the loss weights of these comma-separated "
                        "classes by FACTOR (on top of --class-weights)")
    p.add_argument("--scale", type=float, default=0.2,
                   help="augmentation: multiply each training window by U(1-s, 1+s)")
    p.add_argument("--noise", type=float, default=0.05,
                   help="augmentation: add Gaussian noise of this many channel std devs")
    p.add_argument("--rotate", type=float, default=None,
                   help="augmentation: rotate every 3-axis channel group of a training window "
                        "by one random rotation of up to this many degrees (needs C %% 3 == 0; "
                        "default 5 where C %% 3 == 0, else 0)")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--precise-bn", type=int, default=1,
                   help="1: before each validation, recompute the BatchNorm running statistics "
                        "exactly over the (unaugmented) fit windows, instead of keeping the "
                        "noisy exponential average of the last batches; 0: off")
    p.add_argument("--ema", type=float, default=0.0,
                   help="keep an exponential moving average of the weights with this decay per "
                        "step (e.g. 0.998) and validate/select/export the averaged model; 0: off")
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0: off)")
    p.add_argument("--select", choices=["val", "last"], default="val",
                   help="val: keep the best validation epoch, early stopping; last: keep the "
                        "final epoch, no early stopping (teachers: no choice made on validation)")
    p.add_argument("--teacher", default=None,
                   help="comma-separated run directories: distil from the mean of their "
                        "softened outputs; each must be fitted without the validation subjects")
    p.add_argument("--feature-teacher", default=None,
                   help="comma-separated class names: distil those classes' windows from a "
                        "softmax regression on each channel's window mean and log std, fitted "
                        "on the fitting windows of those classes (other windows keep their "
                        "labels); --kd-alpha and --kd-temp apply as for --teacher")
    p.add_argument("--aux-stats", type=float, default=0.0,
                   help="training only: add this weight times the mean squared error of a "
                        "linear head on the network's aggregate predicting each channel's "
                        "window mean and log std (standardized); the head is not exported; "
                        "0: off")
    p.add_argument("--aux-classes", default=None,
                   help="comma-separated class names: --aux-stats only on windows of these "
                        "classes, standardized over their fitting windows (default: all)")
    p.add_argument("--forget-bias", type=float, default=None,
                   help="start the LSTM's forget gates at this bias (input-side bias; the "
                        "hidden-side one 0) in both directions, so the state starts out "
                        "integrating over the window; default: torch's initialisation")
    p.add_argument("--sway-init", default=None,
                   help="comma-separated input channel names: start a few conv filters as a "
                        "clipped amplitude detector of each, in the data's channel order "
                        "(init_sway_detectors); off by default")
    p.add_argument("--sway-levels", default="0.03",
                   help="--sway-init's comma-separated clip levels, in bn1's normalized units")
    p.add_argument("--sway-freeze", action="store_true",
                   help="keep --sway-init's filters (conv1 and its BatchNorm scale and shift, "
                        "conv2) at their initial values; the rest trains")
    p.add_argument("--sway-abs", action="store_true",
                   help="--sway-init detects both signs of each channel (its absolute value)")
    p.add_argument("--freeze-bn", type=int, default=0,
                   help="from this epoch on (SWA epochs counting on after the selected one), "
                        "BatchNorm normalizes training batches with its running statistics, "
                        "computed exactly over the fitting windows when the freeze starts "
                        "(and again after every epoch with --precise-bn), instead of each "
                        "batch's; its scale and shift keep training; 0: off")
    p.add_argument("--kd-alpha", type=float, default=0.5,
                   help="loss = alpha * CE + (1 - alpha) * T^2 * KL(teacher_T || student_T)")
    p.add_argument("--kd-temp", type=float, default=3.0, help="distillation temperature T")
    p.add_argument("--kd-online", action="store_true",
                   help="distil on the teachers' outputs for the same augmented (and mixed) batch "
                        "the student sees, instead of their outputs for the clean windows "
                        "(consistent teaching, Beyer et al. 2022)")
    p.add_argument("--mixup", type=float, default=0.0,
                   help="mixup: mix each batch with a permutation of itself by Beta(a, a); 0: off")
    p.add_argument("--class-mix", type=float, default=0.0,
                   help="mix each fitting window with another window of its own class by "
                        "Beta(a, a), label kept (in-between people of one activity; before "
                        "--mixup); 0: off")
    p.add_argument("--time-warp", type=float, default=0.0,
                   help="augmentation: replay each fitting window at a random speed in "
                        "[1 - w, 1 + w] about its centre (own generator: the other draws "
                        "stay the same); 0: off")
    p.add_argument("--mixstyle", type=float, default=0.0,
                   help="MixStyle after each BatchNorm with this probability per batch "
                        "(training only; feature statistics mixed by Beta(0.1, 0.1)); 0: off")
    p.add_argument("--input-dropout", type=float, default=0.0,
                   help="dropout on the LSTM input features, training only (eval: identity)")
    p.add_argument("--sam", type=float, default=0.0,
                   help="sharpness-aware minimization: gradient taken at the worst point within "
                        "this L2 radius of the weights (two passes per step); 0: off")
    p.add_argument("--swa-epochs", type=int, default=0,
                   help="stochastic weight averaging: after early stopping, continue from the "
                        "selected weights for this many epochs at the constant --swa-lr and "
                        "export the uniform average of the weights at the end of each epoch "
                        "(BatchNorm statistics recomputed for the average); 0: off")
    p.add_argument("--swa-lr", type=float, default=5e-4, help="learning rate of the SWA epochs")
    p.add_argument("--init-from", default=None,
                   help="start from this checkpoint's weights (a run on the same fitting "
                        "subjects, e.g. to branch ingredients for tools/soup.py)")
    p.add_argument("--save-state", action="store_true",
                   help="write OUT/state.pt after the last epoch run, before any SWA (weights, "
                        "optimizer state, schedule position, random generators): the trunk "
                        "that --resume continues or branches from")
    p.add_argument("--resume", default=None,
                   help="continue a --save-state trunk (same data, split and schedule) from its "
                        "next epoch, shuffling and augmenting with this run's --seed: one "
                        "branch of a soup of branches from a shared trunk (tools/soup.py)")
    p.add_argument("--holdout-seed", type=int, default=None,
                   help="study of the procedure: set aside the validation subjects of this seed "
                        "before the split (neither fitted nor validated) and score the selected "
                        "and the averaged models on them")
    p.add_argument("--holdout-fraction", type=float, default=0.2,
                   help="share of the training subjects --holdout-seed sets aside")
    args = p.parse_args(argv)
    if not 1 <= args.epochs <= 200:
        p.error("--epochs must be 1..200")
    if args.val_fraction == 0 and args.select != "last":
        p.error("--val-fraction 0 leaves nothing to select on: use --select last")
    if args.val_fraction == 0 and args.teacher:
        p.error("--teacher needs validation subjects to check the teachers against")
    if args.aux_classes and not args.aux_stats > 0:
        p.error("--aux-classes needs --aux-stats")
    if args.feature_teacher and (args.teacher or args.kd_online):
        p.error("--feature-teacher replaces --teacher and has no --kd-online form")
    if (args.save_state or args.resume) and (args.ema or args.freeze_bn):
        p.error("--save-state and --resume keep no --ema average or --freeze-bn state")
    if args.stop_epoch is not None and not 1 <= args.stop_epoch <= args.epochs:
        p.error("--stop-epoch must be 1..--epochs")

    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    import mubi_torch

    started = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    x_all, y_all, s_all, meta = har_data.read_split(args.data, "train")
    classes = int(meta["classes_count"])
    class_names = meta["classes"]
    window, channels = int(x_all.shape[1]), int(x_all.shape[2])
    if args.rotate is None:
        args.rotate = 5.0 if channels % 3 == 0 else 0.0
    if args.rotate > 0 and channels % 3:
        p.error("--rotate needs 3-axis channel groups (channels % 3 == 0)")

    holdout = None
    if args.holdout_seed is not None:  # set aside before the split: never fitted nor validated
        held = choose_validation_subjects(s_all, y_all, classes, args.holdout_fraction,
                                          args.holdout_seed)
        keep = ~np.isin(s_all, held)
        holdout = dict(subjects=[int(v) for v in held], x=x_all[~keep], y=y_all[~keep])
        x_all, y_all, s_all = x_all[keep], y_all[keep], s_all[keep]
    split_seed = args.seed if args.split_seed is None else args.split_seed
    val_subjects = (np.array([], dtype=s_all.dtype) if args.val_fraction == 0 else
                    choose_validation_subjects(s_all, y_all, classes, args.val_fraction,
                                               split_seed))
    is_val = np.isin(s_all, val_subjects)
    x_tr, y_tr = x_all[~is_val], y_all[~is_val]
    x_va, y_va = x_all[is_val], y_all[is_val]
    fit_subjects = sorted(set(s_all[~is_val].tolist()))
    if args.fit_data:
        x_f, y_f, s_f, _ = har_data.read_split(args.fit_data, "train")
        if not np.isin(s_f, s_all).all():
            p.error("--fit-data has subjects outside --data's train split")
        keep = ~np.isin(s_f, val_subjects)
        x_tr, y_tr = x_f[keep], y_f[keep]

    mean = x_tr.reshape(-1, channels).astype(np.float64).mean(axis=0)
    std = x_tr.reshape(-1, channels).astype(np.float64).std(axis=0)
    std = np.maximum(std, 1e-6)
    weights, weight_mode, counts = class_weights(y_tr, classes, args.class_weights)

    model = mubi_torch.MuBiConvLSTM(channels, classes, window, filters=args.filters,
                                    hidden=args.hidden, kernel=args.kernel,
                                    variant=args.variant, aggregation=args.aggregation)
    model.dropout.p = args.head_dropout
    with torch.no_grad():
        model.mean.copy_(torch.from_numpy(mean.astype(np.float32)))
        model.std.copy_(torch.from_numpy(std.astype(np.float32)))
    if args.init_from and args.resume:
        p.error("--init-from and --resume both set the starting weights: use one")
    if args.init_from:
        start = mubi_torch.load_checkpoint(args.init_from)
        if start.config != model.config or not torch.allclose(start.mean, model.mean):
            p.error(f"--init-from {args.init_from}: another network or other fitting windows")
        model.load_state_dict(start.state_dict())
    if args.forget_bias is not None:
        with torch.no_grad():  # torch's gate order: input, forget, cell, output
            h = model.lstm.hidden_size
            for name, b in model.lstm.named_parameters():
                if name.startswith("bias_"):
                    b[h:2 * h] = args.forget_bias if name.startswith("bias_ih") else 0.0
    frozen = []
    if args.sway_init:
        channels = har_data.name_ids(p, "--sway-init", args.sway_init, meta.get("channels", []))
        try:
            n1, n2 = init_sway_detectors(model, channels,
                                         [float(v) for v in args.sway_levels.split(",")],
                                         args.sway_abs)
        except ValueError as e:
            p.error(str(e))
        if args.sway_freeze:
            frozen = [(t, n, t.detach()[:n].clone())
                      for t, n in ((model.conv1.weight, n1), (model.conv1.bias, n1),
                                   (model.bn1.weight, n1), (model.bn1.bias, n1),
                                   (model.conv2.weight, n2), (model.conv2.bias, n2))]

    def class_ids(option, names_csv, at_least):
        return har_data.name_ids(p, option, names_csv, class_names, at_least)

    if args.class_boost:
        names_csv, _, factor = args.class_boost.rpartition(":")
        try:
            factor = float(factor)
        except ValueError:
            factor = -1.0
        if not factor > 0:
            p.error("--class-boost needs NAMES:FACTOR with a factor > 0")
        boosted = class_ids("--class-boost", names_csv, 1)
        weights = np.ones(classes) if weights is None else weights.copy()
        weights[boosted] *= factor
        weight_mode += f", x{factor:g} for {[class_names[i] for i in boosted]}"
    aux_head, aux_seen, aux_norm = None, {}, None
    if args.aux_stats > 0:
        # A training-only linear head that reads the network's aggregate (the head's input)
        # and must predict the window's per-channel mean and log std (standardized over the
        # fitting windows); the exported network is unchanged.
        aux_ids = torch.tensor(class_ids("--aux-classes", args.aux_classes, 1)
                               if args.aux_classes else range(classes))
        stats = window_statistics(x_tr[np.isin(y_tr, aux_ids.numpy())])
        aux_norm = (torch.from_numpy(stats.mean(axis=0).astype(np.float32)),
                    torch.from_numpy(np.maximum(stats.std(axis=0), 1e-6).astype(np.float32)))
        aux_head = torch.nn.Linear(model.fc.in_features, stats.shape[1])
        model.dropout.register_forward_pre_hook(lambda m, inp: aux_seen.update(z=inp[0]))
    opt = torch.optim.AdamW(list(model.parameters()) +
                            (list(aux_head.parameters()) if aux_head is not None else []),
                            lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(x_tr) / args.batch)
    total_steps = steps_per_epoch * args.epochs

    def lr_at(step):  # cosine from lr to min_lr over all epochs, per step
        return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * step / total_steps))

    # What a trunk and its branches must share: one network, fitting windows and schedule.
    trunk_key = dict(config=model.config, fit_subjects=fit_subjects,
                     holdout=None if holdout is None else holdout["subjects"],
                     **{k: getattr(args, k) for k in ("data", "fit_data", "epochs", "lr",
                                                      "min_lr", "weight_decay", "batch")})
    start_epoch = 0
    if args.resume:
        trunk = torch.load(args.resume, map_location="cpu", weights_only=False)  # ours: RNG states too
        if trunk["key"] != trunk_key:
            p.error(f"--resume {args.resume}: another network, split or schedule")
        if trunk["epoch"] >= (args.stop_epoch or args.epochs):
            p.error(f"--resume {args.resume}: the trunk already ran to epoch {trunk['epoch']}")
        model.load_state_dict(trunk["model"])
        opt.load_state_dict(trunk["optimizer"])
        start_epoch = trunk["epoch"]

    xt = torch.from_numpy(x_tr)
    yt = torch.from_numpy(y_tr)
    std_t = torch.from_numpy(std.astype(np.float32))
    w_t = torch.from_numpy(weights.astype(np.float32)) if weights is not None else None
    gen = torch.Generator().manual_seed(args.seed)

    print(f"data {args.data}: {len(x_all)} train windows {window}x{channels}, {classes} classes; "
          f"fit {len(x_tr)} windows (subjects {fit_subjects}), validation {len(x_va)} windows "
          f"(subjects {val_subjects.tolist()}); class weights {weight_mode}; "
          f"params {mubi_torch.parameter_count(model)}", flush=True)

    soft_t, teacher = None, None
    if args.teacher:
        # In a holdout study the holdout subjects are the ones judged, so they are the ones a
        # teacher must not have seen; otherwise the validation subjects.
        teachers = load_teachers(args.teacher.split(","), val_subjects if holdout is None
                                 else np.asarray(holdout["subjects"]))
        soft_t = torch.from_numpy(ensemble_probs(teachers, x_tr, args.kd_temp))
        sc = eval_torch.scores(y_va, ensemble_probs(teachers, x_va, 1.0).argmax(1), classes)
        teacher = dict(runs=args.teacher.split(","), validation_macro_f1=sc["macro_f1"])
        print(f"teacher ensemble of {len(teachers)}: validation macro-F1 "
              f"{100 * sc['macro_f1']:.2f}%", flush=True)
    if args.feature_teacher:
        ids = class_ids("--feature-teacher", args.feature_teacher, 2)
        probs, fit_acc = feature_teacher_probs(x_tr, y_tr, ids, classes, args.kd_temp)
        soft_t = torch.from_numpy(probs)
        teacher = dict(feature_teacher=[class_names[i] for i in ids], fit_accuracy=fit_acc)
        print(f"feature teacher for {teacher['feature_teacher']}: accuracy {100 * fit_acc:.2f}% "
              f"on the fitting windows of those classes", flush=True)
    if args.input_dropout > 0:  # a hook, so the module and its inference graph stay the same
        model.lstm.register_forward_pre_hook(
            lambda m, inp: (F.dropout(inp[0], args.input_dropout, m.training),))
    mix_rng = np.random.default_rng(args.seed)
    class_mix_rng = np.random.default_rng(args.seed + 1)
    warp_gen = torch.Generator().manual_seed(args.seed + 3)
    style_gen = torch.Generator().manual_seed(args.seed + 2)
    mixstyle_active = [False]
    mixstyle_cache = None
    if args.mixstyle > 0:  # torch.distributions draws from the global generator, seeded above
        mixstyle_cache = add_mixstyle(model, args.mixstyle, 0.1, style_gen, mixstyle_active)

    ema = None
    if args.ema > 0:
        ema = copy.deepcopy(model)
        for q in ema.parameters():
            q.requires_grad_(False)

    step = start_epoch * steps_per_epoch
    bn_frozen = False

    def train_epoch(lr_of_step, epoch):
        """One pass over the shuffled fitting windows; returns (summed loss, correct)."""
        nonlocal step, bn_frozen
        model.train()
        if args.freeze_bn and epoch >= args.freeze_bn:
            if not bn_frozen:  # exact statistics to start from
                recalibrate_batchnorm(model, xt, args.batch)
                bn_frozen = True
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm1d):
                    m.eval()
        perm = torch.randperm(len(xt), generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = xt[idx], yt[idx]
            if args.time_warp > 0:
                xb = time_warp(xb, args.time_warp, warp_gen)
            if args.scale > 0:
                xb = xb * (1 + args.scale * (2 * torch.rand(len(xb), 1, 1, generator=gen) - 1))
            if args.rotate > 0:
                xb = rotate_groups(xb, args.rotate, gen)
            if args.noise > 0:
                xb = xb + args.noise * std_t * torch.randn(xb.shape, generator=gen)
            if args.class_mix > 0:
                xb = mix_within_class(xb, yb, args.class_mix, class_mix_rng, gen)
            lam = None
            if args.mixup > 0:
                lam = float(mix_rng.beta(args.mixup, args.mixup))
                j = torch.randperm(len(xb), generator=gen)
                xb = lam * xb + (1 - lam) * xb[j]
            for g in opt.param_groups:
                g["lr"] = lr_of_step(step)
            target = None
            if soft_t is not None:
                if args.kd_online:  # consistent teaching: the teachers see the same input
                    with torch.no_grad():
                        target = torch.stack([F.softmax(t(xb) / args.kd_temp, dim=1)
                                              for t in teachers]).mean(0)
                else:
                    sb = soft_t[idx]
                    target = sb if lam is None else lam * sb + (1 - lam) * sb[j]

            def batch_loss():
                logits = model(xb)
                loss = F.cross_entropy(logits, yb, weight=w_t,
                                       label_smoothing=args.label_smoothing)
                if lam is not None:
                    loss = lam * loss + (1 - lam) * F.cross_entropy(
                        logits, yb[j], weight=w_t, label_smoothing=args.label_smoothing)
                if aux_head is not None:  # on windows (both halves of a mix) of the classes
                    rows = torch.isin(yb, aux_ids) & (lam is None or torch.isin(yb[j], aux_ids))
                    want = torch.cat([xb.mean(dim=1), torch.log(xb.std(dim=1, unbiased=False)
                                                                + 1e-6)], dim=1)
                    if rows.any():
                        want = (want[rows] - aux_norm[0]) / aux_norm[1]
                        loss = loss + args.aux_stats * F.mse_loss(aux_head(aux_seen["z"][rows]),
                                                                  want)
                if target is not None:
                    kd = F.kl_div(F.log_softmax(logits / args.kd_temp, dim=1), target,
                                  reduction="batchmean") * args.kd_temp ** 2
                    loss = args.kd_alpha * loss + (1 - args.kd_alpha) * kd
                return logits, loss

            if mixstyle_cache is not None:
                mixstyle_cache.clear()
            mixstyle_active[0] = True
            logits, loss = batch_loss()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if args.sam > 0:
                # Sharpness-aware minimization (Foret et al. 2021): take the gradient at the
                # worst point within an L2 ball of radius rho around the weights, step from
                # the weights themselves.
                params = [q for q in model.parameters() if q.grad is not None]
                with torch.no_grad():
                    norm = torch.norm(torch.stack([q.grad.norm() for q in params]))
                    shifts = [q.grad * (args.sam / (norm + 1e-12)) for q in params]
                    for q, e in zip(params, shifts):
                        q.add_(e)
                opt.zero_grad(set_to_none=True)
                batch_loss()[1].backward()
                with torch.no_grad():
                    for q, e in zip(params, shifts):
                        q.sub_(e)
            mixstyle_active[0] = False
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            if frozen:  # after the step, so neither gradients nor weight decay move them
                with torch.no_grad():
                    for t, n, value in frozen:
                        t[:n] = value
            step += 1
            if ema is not None:
                with torch.no_grad():
                    d = min(args.ema, (1 + step) / (10 + step))  # short warm-up
                    for qe, qm in zip(ema.parameters(), model.parameters()):
                        qe.mul_(d).add_(qm.detach(), alpha=1 - d)
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        return loss_sum, correct

    def validate(module):
        if len(x_va) == 0:  # --val-fraction 0: nothing to validate on
            return dict(accuracy=math.nan, macro_f1=math.nan), math.nan
        pred, logits_va = eval_torch.predict(module, x_va)
        val_loss = float(F.cross_entropy(torch.from_numpy(logits_va), torch.from_numpy(y_va),
                                         weight=w_t))
        return eval_torch.scores(y_va, pred, classes), val_loss

    def random_streams(restore=None):
        """The training's random generators; with the trunk's own seed a resumed run restores
        them and so continues as if never interrupted, with another it draws anew (a branch)."""
        torch_gens = (gen, warp_gen, style_gen)
        numpy_gens = (mix_rng, class_mix_rng)
        if restore is None:
            return dict(torch=[torch.get_rng_state()] + [g.get_state() for g in torch_gens],
                        numpy=[g.bit_generator.state for g in numpy_gens], seed=args.seed)
        if restore["seed"] == args.seed:
            torch.set_rng_state(restore["torch"][0])
            for g, value in zip(torch_gens, restore["torch"][1:]):
                g.set_state(value)
            for g, value in zip(numpy_gens, restore["numpy"]):
                g.bit_generator.state = value

    if args.resume:
        random_streams(trunk["random"])
    history = []
    best = dict(f1=-1.0, loss=math.inf, epoch=0, state=None, scores=None)
    for epoch in range(start_epoch + 1, (args.stop_epoch or args.epochs) + 1):
        t0 = time.time()
        loss_sum, correct = train_epoch(lr_at, epoch)
        evaluated = model if ema is None else ema
        if args.precise_bn or ema is not None:  # the average has no running statistics of its own
            recalibrate_batchnorm(evaluated, xt, args.batch)
        sc, val_loss = validate(evaluated)
        improved = args.select == "last" or sc["macro_f1"] > best["f1"] or (
            sc["macro_f1"] == best["f1"] and val_loss < best["loss"])
        if improved:
            best.update(f1=sc["macro_f1"], loss=val_loss, epoch=epoch, scores=sc,
                        state=copy.deepcopy(evaluated.state_dict()))
        rec = dict(epoch=epoch, lr=lr_at(step), train_loss=loss_sum / len(xt),
                   train_acc=correct / len(xt), val_loss=val_loss, val_acc=sc["accuracy"],
                   val_macro_f1=sc["macro_f1"], seconds=time.time() - t0)
        history.append(rec)
        val_text = ("no validation subjects" if len(x_va) == 0 else
                    f"val loss {val_loss:.4f} acc {100 * sc['accuracy']:5.2f}% F1 "
                    f"{100 * sc['macro_f1']:5.2f}% | best {100 * best['f1']:5.2f}% @{best['epoch']}")
        print(f"epoch {epoch:3d}/{args.epochs} lr {rec['lr']:.2e} loss {rec['train_loss']:.4f} "
              f"acc {100 * rec['train_acc']:5.2f}% | {val_text} | {rec['seconds']:.1f}s", flush=True)
        if args.select == "val" and epoch - best["epoch"] >= args.patience:
            print(f"early stop: no validation macro-F1 improvement for {args.patience} epochs",
                  flush=True)
            break

    if args.save_state:
        os.makedirs(args.out, exist_ok=True)
        torch.save(dict(key=trunk_key, epoch=epoch, model=model.state_dict(),
                        optimizer=opt.state_dict(), random=random_streams()),
                   os.path.join(args.out, "state.pt"))
    model.load_state_dict(best["state"])
    selected = dict(epoch=best["epoch"], validation_macro_f1=best["f1"])

    def holdout_f1(module):
        return None if holdout is None else eval_torch.scores(
            holdout["y"], eval_torch.predict(module, holdout["x"])[0], classes)["macro_f1"]
    selected["holdout_macro_f1"] = holdout_f1(model)
    swa = None
    if args.swa_epochs > 0:
        # Recorded for comparison, never used: the early-stopped model's test score, and in a
        # holdout study the average's after every epoch.
        x_te_, y_te_, _, _ = har_data.read_split(args.data, "test")
        avg = copy.deepcopy(model)
        selected["test_macro_f1_recorded"] = eval_torch.scores(
            y_te_, eval_torch.predict(model, x_te_)[0], classes)["macro_f1"]
        swa = dict(lr=args.swa_lr, history=[])
        for k in range(1, args.swa_epochs + 1):
            t0 = time.time()
            loss_sum, correct = train_epoch(lambda _: args.swa_lr, best["epoch"] + k)
            add_to_average(avg, model, k)
            recalibrate_batchnorm(avg, xt, args.batch)
            sc, val_loss = validate(avg)
            te = None if holdout is None else eval_torch.scores(  # study mode only
                y_te_, eval_torch.predict(avg, x_te_)[0], classes)["macro_f1"]
            swa["history"].append(dict(epoch=k, train_loss=loss_sum / len(xt), val_loss=val_loss,
                                       val_macro_f1=sc["macro_f1"], holdout_macro_f1=holdout_f1(avg),
                                       test_macro_f1_recorded=te))
            avg_text = ("" if len(x_va) == 0 else
                        f" | average: val loss {val_loss:.4f} F1 {100 * sc['macro_f1']:5.2f}%")
            print(f"swa {k:3d}/{args.swa_epochs} lr {args.swa_lr:.2e} loss "
                  f"{loss_sum / len(xt):.4f}{avg_text} | {time.time() - t0:.1f}s", flush=True)
        best.update(f1=sc["macro_f1"], loss=val_loss, scores=sc)
        model = avg
    model.eval()
    train_seconds = time.time() - started

    # Test: once, on the model selected on validation.
    x_te, y_te, _, _ = har_data.read_split(args.data, "test")
    test, blob = save_run_model(model, args.out, x_te, y_te, classes)

    metrics = dict(
        data=os.path.relpath(os.path.abspath(args.data), har_data.REPO),
        dataset=meta.get("name"), seed=args.seed,
        command="/usr/bin/python3 tools/train.py " + " ".join(argv if argv is not None
                                                              else sys.argv[1:]),
        hyperparameters={k: v for k, v in vars(args).items() if k not in ("data", "out", "seed")},
        model_config=model.config, params=mubi_torch.parameter_count(model),
        blob_bytes=len(blob), classes=class_names, channels=meta.get("channels"),
        teacher=teacher, selected=selected, swa=swa,
        holdout=None if holdout is None else dict(subjects=holdout["subjects"],
                                                  macro_f1=holdout_f1(model)),
        split=dict(validation_subjects=[int(v) for v in val_subjects], fit_subjects=fit_subjects,
                   fit_windows=int(len(x_tr)), validation_windows=int(len(x_va)),
                   test_windows=int(len(x_te)), fit_class_counts=counts.astype(int).tolist()),
        class_weights=dict(mode=weight_mode,
                           values=None if weights is None else [float(v) for v in weights]),
        normalization=dict(mean=mean.tolist(), std=std.tolist()),
        epochs_run=len(history), best_epoch=best["epoch"],
        validation=None if len(x_va) == 0 else dict(
            accuracy=best["scores"]["accuracy"], macro_f1=best["scores"]["macro_f1"],
            per_class_f1=best["scores"]["per_class_f1"], confusion=best["scores"]["confusion"],
            loss=best["loss"]),
        test=test, train_seconds=train_seconds, seconds=time.time() - started,
        environment=dict(torch=torch.__version__, numpy=np.__version__,
                         python=platform.python_version(), threads=torch.get_num_threads()),
        history=history)
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(without_nan(metrics), fh, indent=1)
        fh.write("\n")

    print(f"selected epoch {best['epoch']}" + ("" if len(x_va) == 0 else
                                             f": validation macro-F1 {100 * best['f1']:.2f}%"))
    print("test (once, selected model): " + eval_torch.format_report(test, class_names))
    print(f"wrote {args.out}/model.pt, model.mubi ({len(blob)} bytes), metrics.json; "
          f"{metrics['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
