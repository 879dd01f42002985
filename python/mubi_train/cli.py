"""Train a uBi-ConvLSTM on a window dataset directory with the paper's protocol.

    /usr/bin/python3 -m mubi_train.train --data data/uci_har_rebuilt --seed 1 --out runs/NAME

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
studies/soup.py), a refit on every training subject with a fixed schedule instead of early
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

Writes OUT/model.pt (torch_model.save_checkpoint), OUT/model.mubi (python/mubi/export.py, BatchNorm
folded) and OUT/metrics.json (hyperparameters, split, history, validation and test scores).
The window length, channel count and classes come from the data.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

from mubi import datasets
from mubi import metrics

from .data import load_training_data
from .loop import Trainer, save_run_model, without_nan
from .model_init import build_model


def build_parser():
    p = argparse.ArgumentParser(prog="mubi-train", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="window dataset directory (python/mubi/datasets.py)")
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
                        "subjects, e.g. to branch ingredients for studies/soup.py)")
    p.add_argument("--save-state", action="store_true",
                   help="write OUT/state.pt after the last epoch run, before any SWA (weights, "
                        "optimizer state, schedule position, random generators): the trunk "
                        "that --resume continues or branches from")
    p.add_argument("--resume", default=None,
                   help="continue a --save-state trunk (same data, split and schedule) from its "
                        "next epoch, shuffling and augmenting with this run's --seed: one "
                        "branch of a soup of branches from a shared trunk (studies/soup.py)")
    p.add_argument("--holdout-seed", type=int, default=None,
                   help="study of the procedure: set aside the validation subjects of this seed "
                        "before the split (neither fitted nor validated) and score the selected "
                        "and the averaged models on them")
    p.add_argument("--holdout-fraction", type=float, default=0.2,
                   help="share of the training subjects --holdout-seed sets aside")
    return p


def check_options(p, args):
    """Refuse combinations of options that cannot mean anything (p.error exits)."""
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


def main(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    check_options(p, args)

    import torch
    torch.set_num_threads(1)
    from mubi import torch_model

    started = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    data = load_training_data(args, p)
    if args.rotate is None:
        args.rotate = 5.0 if data.channels % 3 == 0 else 0.0
    if args.rotate > 0 and data.channels % 3:
        p.error("--rotate needs 3-axis channel groups (channels % 3 == 0)")
    model, frozen = build_model(args, data, p)
    trainer = Trainer(args, data, model, frozen, p)
    history, best = trainer.fit()

    if args.save_state:
        trainer.save_state(best["last_epoch"])
    model.load_state_dict(best["state"])
    selected = dict(epoch=best["epoch"], validation_macro_f1=best["f1"])
    selected["holdout_macro_f1"] = trainer.holdout_f1(model)
    swa = None
    if args.swa_epochs > 0:
        model, swa, selected["test_macro_f1_recorded"] = trainer.average_weights(best)
    model.eval()
    train_seconds = time.time() - started

    # Test: once, on the model selected on validation.
    x_te, y_te, _, _ = datasets.read_split(args.data, "test")
    test, blob = save_run_model(model, args.out, x_te, y_te, data.classes)

    holdout, weights = data.holdout, trainer.weights
    record = dict(
        data=os.path.relpath(os.path.abspath(args.data)),
        dataset=data.meta.get("name"), seed=args.seed,
        command="/usr/bin/python3 -m mubi_train.train " + " ".join(argv if argv is not None
                                                                   else sys.argv[1:]),
        hyperparameters={k: v for k, v in vars(args).items() if k not in ("data", "out", "seed")},
        model_config=model.config, params=torch_model.parameter_count(model),
        blob_bytes=len(blob), classes=data.class_names, channels=data.meta.get("channels"),
        teacher=trainer.teacher, selected=selected, swa=swa,
        holdout=None if holdout is None else dict(subjects=holdout["subjects"],
                                                  macro_f1=trainer.holdout_f1(model)),
        split=dict(validation_subjects=[int(v) for v in data.val_subjects],
                   fit_subjects=data.fit_subjects, fit_windows=int(len(data.x_tr)),
                   validation_windows=int(len(data.x_va)), test_windows=int(len(x_te)),
                   fit_class_counts=trainer.counts.astype(int).tolist()),
        class_weights=dict(mode=trainer.weight_mode,
                           values=None if weights is None else [float(v) for v in weights]),
        normalization=dict(mean=data.mean.tolist(), std=data.std.tolist()),
        epochs_run=len(history), best_epoch=best["epoch"],
        validation=None if len(data.x_va) == 0 else dict(
            accuracy=best["scores"]["accuracy"], macro_f1=best["scores"]["macro_f1"],
            per_class_f1=best["scores"]["per_class_f1"], confusion=best["scores"]["confusion"],
            loss=best["loss"]),
        test=test, train_seconds=train_seconds, seconds=time.time() - started,
        environment=dict(torch=torch.__version__, numpy=np.__version__,
                         python=platform.python_version(), threads=torch.get_num_threads()),
        history=history)
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(without_nan(record), fh, indent=1)
        fh.write("\n")

    print(f"selected epoch {best['epoch']}" + ("" if len(data.x_va) == 0 else
                                             f": validation macro-F1 {100 * best['f1']:.2f}%"))
    print("test (once, selected model): " + metrics.format_report(test, data.class_names))
    print(f"wrote {args.out}/model.pt, model.mubi ({len(blob)} bytes), metrics.json; "
          f"{record['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
