"""The training data: the subject-wise split, normalization statistics, class weights.

Spec "Training recipe": the dataset's test subjects are never seen; validation subjects
(about 20 % of the training subjects) are drawn from the training subjects, deterministically
from the seed; z-score statistics come from the fitting windows only.
"""

from dataclasses import dataclass

import numpy as np

from mubi import datasets


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


def window_statistics(x):
    """(N, 2C) float64: each channel's mean and log standard deviation within the window (in
    UCI-HAR's layout, the gravity direction and the postural sway or gait energy)."""
    x = x.astype(np.float64)
    return np.concatenate([x.mean(axis=1), np.log(x.std(axis=1) + 1e-6)], axis=1)


@dataclass
class TrainingData:
    """The windows one run fits and validates on, and what it derives from them."""
    meta: dict
    classes: int
    class_names: list
    window: int
    channels: int
    train_windows: int      # in the dataset's train split, less any holdout
    x_tr: np.ndarray        # fitting windows (raw units)
    y_tr: np.ndarray
    x_va: np.ndarray        # validation windows (empty with --val-fraction 0)
    y_va: np.ndarray
    val_subjects: np.ndarray
    fit_subjects: list
    holdout: dict           # None, or the subjects set aside and their windows (x, y)
    mean: np.ndarray        # per-channel z-score statistics of the fitting windows
    std: np.ndarray


def load_training_data(args, parser):
    """The split of args.data's train windows for this run (args: the training options;
    parser: its error() reports a bad option and exits)."""
    x_all, y_all, s_all, meta = datasets.read_split(args.data, "train")
    classes = int(meta["classes_count"])
    holdout = None
    if args.holdout_seed is not None:  # set aside before the split: never fitted nor validated
        held = choose_validation_subjects(s_all, y_all, classes, args.holdout_fraction,
                                          args.holdout_seed)
        keep = ~np.isin(s_all, held)
        holdout = dict(subjects=[int(v) for v in held], x=x_all[~keep], y=y_all[~keep])
        x_all, y_all, s_all = x_all[keep], y_all[keep], s_all[keep]
    train_windows = len(x_all)
    split_seed = args.seed if args.split_seed is None else args.split_seed
    val_subjects = (np.array([], dtype=s_all.dtype) if args.val_fraction == 0 else
                    choose_validation_subjects(s_all, y_all, classes, args.val_fraction,
                                               split_seed))
    is_val = np.isin(s_all, val_subjects)
    x_tr, y_tr = x_all[~is_val], y_all[~is_val]
    x_va, y_va = x_all[is_val], y_all[is_val]
    fit_subjects = sorted(set(s_all[~is_val].tolist()))
    if args.fit_data:
        x_f, y_f, s_f, _ = datasets.read_split(args.fit_data, "train")
        if not np.isin(s_f, s_all).all():
            parser.error("--fit-data has subjects outside --data's train split")
        keep = ~np.isin(s_f, val_subjects)
        x_tr, y_tr = x_f[keep], y_f[keep]

    channels = int(x_all.shape[2])
    mean = x_tr.reshape(-1, channels).astype(np.float64).mean(axis=0)
    std = x_tr.reshape(-1, channels).astype(np.float64).std(axis=0)
    return TrainingData(meta=meta, classes=classes, class_names=meta["classes"],
                        window=int(x_all.shape[1]), channels=channels,
                        train_windows=train_windows, x_tr=x_tr, y_tr=y_tr, x_va=x_va, y_va=y_va,
                        val_subjects=val_subjects, fit_subjects=fit_subjects, holdout=holdout,
                        mean=mean, std=np.maximum(std, 1e-6))
