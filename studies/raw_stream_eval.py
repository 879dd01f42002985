"""The raw-input UCI-HAR models on every HAPT recording of the test subjects, via the C++ CLI.

    /usr/bin/python3 studies/raw_stream_eval.py --mubi build/examples/mubi \\
        [--root ../shared/data] [--out studies/results/raw_stream_eval.json] \\
        [--png studies/results/raw_stream_timeline.png]

For the shipped raw models (examples/models/uci_har_raw.mubi, float, and uci_har_raw.int8.mubi,
int8) and every HAPT v2.1 recording of the 9 official UCI-HAR test subjects (the whole
recording, raw acc + gyro at 50 Hz, into `mubi frontend` and `mubi stream`):

  1. front-end parity: `mubi frontend` (C++, on the device's arithmetic) against the float64
     batch form the training windows were made with (python/mubi/frontend.py apply, the description
     stored in the blob), max |difference| per recording; the requirement is <= 1e-4 (the
     script exits 1 if it is not met);
  2. alignment: the C++ features at the positions of the 950 published test windows
     (shared/data/uci_har_subset test_x, test_hapt_align; window start = align start + 1 +
     offset, the offset chosen on the train windows as datasets.rebuild_report does), mean
     absolute error per channel group, beside the same figure of the Python rebuild;
  3. stream vs windows: the labels of `mubi stream` (hop 64) against `mubi run` on the
     Python-rebuilt windows at the same positions;
  4. continuous macro-F1 of the stream's classifications against the per-sample HAPT labels:
     on "pure" windows (all 128 samples one activity 1..6) and on all windows by majority
     label (windows whose majority is unlabeled or a postural transition are counted and
     reported apart, not scored), beside the window-based figures (datasets.hapt_windows of
     the test subjects, and the 950 published windows);
  5. a timeline picture of one recording: truth per sample, the float model's label per
     classification.

Temporary files go to a tempfile directory. Needs numpy, scipy and matplotlib (Agg).
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

from mubi import frontend
from mubi import datasets

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"float": os.path.join(REPO, "examples", "models", "uci_har_raw.mubi"),
          "int8": os.path.join(REPO, "examples", "models", "uci_har_raw.int8.mubi")}
CLASSES = datasets.UCI_CLASSES
WINDOW = datasets.UCI_WINDOW
FS = datasets.UCI_FS
PARITY_LIMIT = 1e-4
AGREEMENT_TARGET = 0.999
GROUPS = {"body_acc": slice(0, 3), "body_gyro": slice(3, 6), "total_acc": slice(6, 9)}
UNITS = {"body_acc": "g", "body_gyro": "rad/s", "total_acc": "g"}


def shown(path):
    """A path as the report shows it: relative to the repository unless far outside it."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path, REPO)
    return path if rel.startswith(os.path.join("..", "..")) else rel


# --------------------------------------------------------------------------------------------
# The command-line tool

class Cli:
    def __init__(self, exe, tmp):
        self.exe, self.tmp, self.calls = exe, tmp, 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def __call__(self, *args):
        self.calls += 1
        p = subprocess.run([self.exe, *args], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"mubi {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
        return p.stdout

    def frontend(self, model, raw):
        """C++ features of a raw recording: (n - 1, 9) float32 (lag 1)."""
        np.ascontiguousarray(raw, dtype="<f4").tofile(self.path("raw.f32"))
        self("frontend", model, "--input", self.path("raw.f32"), "--output", self.path("fe.f32"))
        return np.fromfile(self.path("fe.f32"), "<f4").reshape(-1, 9)

    def stream(self, model, raw, hop):
        """(labels printed, scores) of `mubi stream` on a raw recording."""
        np.ascontiguousarray(raw, dtype="<f4").tofile(self.path("raw.f32"))
        out = self("stream", model, "--input", self.path("raw.f32"), "--output",
                   self.path("scores.f32"), "--hop", str(hop))
        return labels_of(out), np.fromfile(self.path("scores.f32"), "<f4").reshape(-1, 6)

    def run(self, model, windows):
        """(labels printed, logits) of `mubi run` on (m, 128, 9) feature windows."""
        np.ascontiguousarray(windows, dtype="<f4").tofile(self.path("x.f32"))
        out = self("run", model, "--input", self.path("x.f32"), "--output", self.path("y.f32"))
        return labels_of(out), np.fromfile(self.path("y.f32"), "<f4").reshape(-1, 6)

    def eval_macro_f1(self, model, data_dir):
        """The macro-F1 (percent) that `mubi eval` prints for a window dataset's test split."""
        out = self("eval", model, "--data", data_dir, "--split", "test")
        m = re.search(r"macro-F1\s+([0-9.]+)%", out)
        if not m:
            raise RuntimeError(f"no macro-F1 in the output of mubi eval:\n{out}")
        return float(m.group(1))


def labels_of(stdout):
    for line in stdout.splitlines():
        if line.startswith("labels:"):
            return np.array([int(v) for v in line.split()[1:]], dtype=np.int64)
    raise RuntimeError("no 'labels:' line in the output of mubi")


# --------------------------------------------------------------------------------------------
# Scores

def f1_report(truth, pred, k=6):
    """Macro-F1 (percent, the mean of the k per-class F1), per-class F1 and support, and the
    confusion matrix (rows truth, columns predicted) of 0-based labels."""
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(truth), np.asarray(pred)), 1)
    tp = np.diag(cm).astype(np.float64)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return {"windows": int(cm.sum()), "macro_f1": round(100 * float(f1.mean()), 4),
            "accuracy": round(100 * float(tp.sum() / max(cm.sum(), 1)), 4),
            "per_class_f1": {CLASSES[c]: round(100 * float(f1[c]), 4) for c in range(k)},
            "per_class_windows": {CLASSES[c]: int(cm[c].sum()) for c in range(k)},
            "confusion": cm.tolist()}


def distribution(pred, k=6):
    counts = np.bincount(np.asarray(pred, dtype=np.int64), minlength=k)
    return {CLASSES[c]: int(counts[c]) for c in range(k)}


def group_mae(err):
    """err: (windows, 9) per-window, per-channel MAE -> the mean per channel group."""
    return {g: float(err[:, s].mean()) for g, s in GROUPS.items()}


def window_errors(recs, align, x, offset):
    """Per-window, per-channel MAE of recs[experiment] at the aligned positions (the rule of
    datasets.rebuild_report: start = align start + 1 + offset, clamped into the recording)."""
    err = np.empty((len(x), 9))
    clamped = 0
    for i, (e, _, start) in enumerate(align):
        rec = recs[int(e)]
        s = int(start) + 1 + offset
        c = min(max(s, 0), len(rec) - WINDOW)
        clamped += c != s
        err[i] = np.abs(rec[c:c + WINDOW] - x[i]).mean(axis=0)
    return err, clamped


def best_offset(recs, align, x):
    """The global offset (-3..3 samples) with the least mean error, as rebuild_report picks."""
    means = {o: float(window_errors(recs, align, x, o)[0].mean()) for o in range(-3, 4)}
    return min(means, key=means.get), means


def same_frontend(a, b):
    ra, ta = frontend.records_and_tensors(a)
    rb, tb = frontend.records_and_tensors(b)
    return ra == rb and len(ta) == len(tb) and all(
        x[:2] == y[:2] and np.array_equal(x[2], y[2]) for x, y in zip(ta, tb))


# --------------------------------------------------------------------------------------------
# The timeline picture

def timeline(path, labels, starts, pred, hop, experiment, user, model_name):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = CLASSES + ["transition", "unlabeled"]
    row = np.where(labels == 0, 7, np.where(labels >= 7, 6, labels.astype(np.int64) - 1))
    t = np.arange(len(labels)) / FS
    fig, ax = plt.subplots(figsize=(12, 4), dpi=100)
    ax.step(t, row, where="post", color="0.55", lw=5, alpha=0.6, label="truth (per sample)")
    # A classification of feature rows [s, s + 128) is decided once raw sample s + 128 is in
    # (lag 1): drawn over the hop that completed its window, [s + 128 - hop, s + 128).
    truth = np.array([np.bincount(labels[s:s + WINDOW], minlength=13).argmax() for s in starts])
    pred = np.asarray(pred)
    scored = (truth >= 1) & (truth <= 6)
    x0 = (np.asarray(starts) + WINDOW - hop) / FS
    x1 = (np.asarray(starts) + WINDOW) / FS
    for mask, color, name in ((scored & (truth == pred + 1), "tab:blue",
                               "prediction = window's majority label"),
                              (scored & (truth != pred + 1), "tab:red",
                               "prediction differs from it"),
                              (~scored, "tab:orange",
                               "window mostly transition / unlabeled (not scored)")):
        if mask.any():
            ax.hlines(pred[mask], x0[mask], x1[mask], colors=color, lw=3, label=name)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, t[-1])
    ax.set_xlabel("time (s)")
    ax.grid(axis="y", color="0.9")
    ax.set_title(f"HAPT experiment {experiment}, subject {user}: {model_name} "
                 f"(window 128, hop {hop}, drawn over the hop that completes each window)",
                 fontsize=10)
    fig.legend(loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mubi", required=True, help="the built mubi command-line tool")
    parser.add_argument("--root", default=datasets.DEFAULT_ROOT, help="shared/data folder")
    parser.add_argument("--out", default=os.path.join(REPO, "studies", "results",
                                                      "raw_stream_eval.json"))
    parser.add_argument("--png", default=os.path.join(REPO, "studies", "results",
                                                      "raw_stream_timeline.png"))
    parser.add_argument("--hop", type=int, default=datasets.UCI_HOP,
                        help="the stream's hop in samples")
    parser.add_argument("--timeline-experiment", type=int,
                        help="HAPT experiment of the picture (default: the first test "
                             "recording with walking and static activities)")
    args = parser.parse_args(argv)
    t_start = time.time()
    root = args.root
    exe = os.path.abspath(args.mubi)
    if not os.access(exe, os.X_OK):
        parser.error(f"{args.mubi} is not an executable")

    sig = datasets.load(root, "uci_hapt_raw", "signals")
    lab = datasets.load(root, "uci_hapt_raw", "labels")
    exps = {int(e): (int(u), int(r0), int(n))
            for e, u, r0, n in datasets.load(root, "uci_hapt_raw", "experiments")}
    train_subjects, test_subjects = datasets.uci_split_subjects(root)
    test_exps = [e for e in sorted(exps) if exps[e][0] in set(test_subjects)]
    subset = {sp: (datasets.load(root, "uci_har_subset", sp + "_hapt_align"),
                   datasets.load(root, "uci_har_subset", sp + "_x").astype(np.float64),
                   datasets.load(root, "uci_har_subset", sp + "_y").astype(np.int64))
              for sp in ("train", "test")}
    blobs = {}
    for name, path in MODELS.items():
        with open(path, "rb") as fh:
            blobs[name] = fh.read()
    fes = {name: frontend.of_blob(b) for name, b in blobs.items()}
    if any(fe is None for fe in fes.values()):
        raise SystemExit("a model has no front end")
    shared_fe = same_frontend(fes["float"], fes["int8"])
    lag = frontend.lag(fes["float"])
    hop = args.hop

    parity = {m: [] for m in MODELS}
    agreement = {m: [] for m in MODELS}
    stream_pred = {m: {} for m in MODELS}      # experiment -> labels per classification
    starts_of = {}                             # experiment -> window starts s
    cpp_feat, py_feat = {}, {}                 # float model's features, per experiment

    with tempfile.TemporaryDirectory(prefix="raw_stream_eval_") as tmp:
        cli = Cli(exe, tmp)
        for e in test_exps:
            user, r0, n = exps[e]
            raw = sig[r0:r0 + n]
            py = {}
            for m in MODELS:
                py[m] = py["float"] if m != "float" and shared_fe else \
                    frontend.apply(fes[m], raw)
            starts = list(range(0, n - lag - WINDOW + 1, hop))
            starts_of[e] = starts
            for m, path in MODELS.items():
                # 1. front-end parity: the first n - lag rows of the batch form
                cpp = cli.frontend(path, raw)
                if cpp.shape != (n - lag, 9):
                    raise RuntimeError(f"mubi frontend gave {cpp.shape} rows for {n} samples")
                ref = py[m][:n - lag]
                d = np.abs(cpp.astype(np.float64) - ref)
                parity[m].append({"experiment": e, "user": user, "samples": int(n - lag),
                                  "max_abs": float(d.max()),
                                  "max_abs_per_group": {g: float(d[:, s].max())
                                                        for g, s in GROUPS.items()}})
                if m == "float":
                    cpp_feat[e], py_feat[e] = cpp, py[m]
                # 3. stream vs windows
                s_labels, s_scores = cli.stream(path, raw, hop)
                if len(s_labels) != len(starts) or len(s_scores) != len(starts):
                    raise RuntimeError(f"mubi stream gave {len(s_labels)} classifications, "
                                       f"expected {len(starts)} (experiment {e})")
                if not np.array_equal(s_labels, s_scores.argmax(axis=1)):
                    raise RuntimeError("mubi stream's labels are not the argmax of its scores")
                windows = np.stack([py[m][s:s + WINDOW] for s in starts]).astype(np.float32)
                r_labels, r_logits = cli.run(path, windows)
                agreement[m].append({"experiment": e, "user": user,
                                     "classifications": len(starts),
                                     "equal": int((s_labels == r_labels).sum()),
                                     "max_abs_logit_difference": float(
                                         np.abs(s_scores - r_logits).max())})
                stream_pred[m][e] = s_labels

        # 2. alignment: the offset chosen on the train windows (C++ and Python features of the
        # recordings the train windows come from), then the 950 test windows
        train_align, train_x, _ = subset["train"]
        cpp_train, py_train = {}, {}
        for e in sorted(set(int(v) for v in train_align[:, 0])):
            _, r0, n = exps[e]
            cpp_train[e] = cli.frontend(MODELS["float"], sig[r0:r0 + n]).astype(np.float64)
            py_train[e] = frontend.apply(fes["float"], sig[r0:r0 + n])
        off_cpp, off_cpp_means = best_offset(cpp_train, train_align, train_x)
        off_py, off_py_means = best_offset(py_train, train_align, train_x)
        del cpp_train, py_train
        test_align, test_x, test_y = subset["test"]
        missing = sorted(set(int(v) for v in test_align[:, 0]) - set(cpp_feat))
        if missing:
            raise RuntimeError(f"published test windows in non-test recordings {missing}")
        err_cpp, clamp_cpp = window_errors({e: v.astype(np.float64) for e, v in cpp_feat.items()},
                                           test_align, test_x, off_cpp)
        err_py, clamp_py = window_errors(py_feat, test_align, test_x, off_py)

        # 4b. window-based figures
        fir = datasets.fit_noise_filter(root)
        hx, hy = datasets.hapt_windows(root, test_subjects, fir)[:2]
        window_based = {}
        for m, path in MODELS.items():
            h_labels, _ = cli.run(path, hx)
            p_labels, _ = cli.run(path, test_x.astype(np.float32))
            pub = f1_report(test_y, p_labels)
            pub["mubi_eval_macro_f1"] = cli.eval_macro_f1(path, os.path.join(root,
                                                                              "uci_har_subset"))
            window_based[m] = {"hapt_windows": f1_report(hy, h_labels), "published_950": pub}
        calls = cli.calls

    # 4a. continuous macro-F1
    continuous = {}
    for m in MODELS:
        pure_t, pure_p, maj_t, maj_p = [], [], [], []
        excluded = {"unlabeled": [], "transition": []}
        for e in test_exps:
            _, r0, _ = exps[e]
            for s, p in zip(starts_of[e], stream_pred[m][e]):
                w = lab[r0 + s:r0 + s + WINDOW]
                major = int(np.bincount(w, minlength=13).argmax())  # ties: the lower id
                if w[0] >= 1 and w[0] <= 6 and np.all(w == w[0]):
                    pure_t.append(int(w[0]) - 1)
                    pure_p.append(int(p))
                if 1 <= major <= 6:
                    maj_t.append(major - 1)
                    maj_p.append(int(p))
                else:
                    excluded["unlabeled" if major == 0 else "transition"].append(int(p))
        continuous[m] = {
            "windows": int(sum(len(v) for v in stream_pred[m].values())),
            "pure": f1_report(pure_t, pure_p),
            "majority": dict(f1_report(maj_t, maj_p), excluded={
                k: {"windows": len(v), "predicted": distribution(v)}
                for k, v in excluded.items()})}

    # 5. the picture
    pick = args.timeline_experiment
    if pick is None:
        for e in test_exps:
            _, r0, n = exps[e]
            ids = set(np.unique(lab[r0:r0 + n]).tolist())
            if ids & {1, 2, 3} and ids & {4, 5, 6}:
                pick = e
                break
    if pick not in stream_pred["float"]:
        parser.error(f"experiment {pick} is not a test-subject recording")
    user, r0, n = exps[pick]
    timeline(args.png, lab[r0:r0 + n], starts_of[pick], stream_pred["float"][pick], hop, pick,
             user, "float model (uci_har_raw.mubi)")

    # ----------------------------------------------------------------------------------------
    samples = int(sum(exps[e][2] for e in test_exps))
    fe_cmd = "mubi frontend MODEL --input RAW.f32 --output FEAT.f32"
    report = {
        "what": "the shipped raw-input UCI-HAR models (front end in the blob + network) run by "
                "the C++ command-line tool on whole raw HAPT v2.1 recordings (acc g + gyro "
                "rad/s, 50 Hz) of the 9 official UCI-HAR test subjects; MODEL = float "
                "(uci_har_raw.mubi) and int8 (uci_har_raw.int8.mubi)",
        "command": "/usr/bin/python3 studies/raw_stream_eval.py --mubi MUBI --root "
                   f"{shown(root)} --out {shown(args.out)} --png {shown(args.png)}"
                   + (f" --hop {hop}" if hop != datasets.UCI_HOP else ""),
        "mubi": args.mubi,
        "models": {m: {"path": shown(p), "bytes": len(blobs[m]),
                       "sha256": hashlib.sha256(blobs[m]).hexdigest()} for m, p in MODELS.items()},
        "front_end_same_in_both_blobs": shared_fe,
        "front_end_lag_samples": lag,
        "test_subjects": [int(s) for s in test_subjects],
        "recordings": len(test_exps),
        "experiments": test_exps,
        "raw_samples": samples,
        "hop": hop,
        "frontend_parity": {
            "what": "max |C++ front end - float64 batch form| (frontend.apply of the blob's "
                    "description, from zero state at sample 0) over the first N - lag rows of "
                    "each whole recording, all 9 channels",
            "command": fe_cmd,
            "requirement_max_abs": PARITY_LIMIT,
            **{m: {"max_abs_overall": max(r["max_abs"] for r in parity[m]),
                   "max_abs_per_group": {g: max(r["max_abs_per_group"][g] for r in parity[m])
                                         for g in GROUPS},
                   "samples_compared": int(sum(r["samples"] for r in parity[m])),
                   "values_compared": int(9 * sum(r["samples"] for r in parity[m])),
                   "per_recording": parity[m]} for m in MODELS},
        },
        "alignment": {
            "what": "mean absolute error against the 950 published UCI-HAR test windows "
                    "(uci_har_subset test_x) at their aligned positions (window start = "
                    "test_hapt_align start + 1 + offset, the rule of datasets.rebuild_report; "
                    "the offset is the one of -3..3 with the least error on the 2400 train "
                    "windows, chosen separately for each feature source): C++ features (float "
                    "model's front end) beside the Python rebuild (frontend.apply)",
            "command": fe_cmd + " (on the recordings of the test and the train windows)",
            "units": UNITS,
            "windows": int(len(test_x)),
            "offset_samples": {"cpp": off_cpp, "python": off_py},
            "train_mean_error_per_offset": {"cpp": off_cpp_means, "python": off_py_means},
            "clamped_windows": {"cpp": int(clamp_cpp), "python": int(clamp_py)},
            "cpp": dict(group_mae(err_cpp), max_window_mae=float(err_cpp.mean(axis=1).max())),
            "python": dict(group_mae(err_py), max_window_mae=float(err_py.mean(axis=1).max())),
            "per_class": {CLASSES[c]: {"cpp": group_mae(err_cpp[test_y == c]),
                                       "python": group_mae(err_py[test_y == c])}
                          for c in range(6)},
        },
        "stream_vs_windows": {
            "what": "labels of mubi stream (its front end on the raw recording, then one "
                    f"classification of feature rows [s, s + 128) per s = 0, {hop}, ...) against "
                    "mubi run on the Python-rebuilt windows (frontend.apply rows [s, s + 128), "
                    "as float32) at the same s, every test recording",
            "command": f"mubi stream MODEL --input RAW.f32 --output SCORES.f32 --hop {hop}; "
                       "mubi run MODEL --input X.f32 --output Y.f32",
            "target_fraction": AGREEMENT_TARGET,
            **{m: {"classifications": int(sum(r["classifications"] for r in agreement[m])),
                   "equal": int(sum(r["equal"] for r in agreement[m])),
                   "fraction": sum(r["equal"] for r in agreement[m])
                   / sum(r["classifications"] for r in agreement[m]),
                   "max_abs_logit_difference": max(r["max_abs_logit_difference"]
                                                   for r in agreement[m]),
                   "per_recording": agreement[m]} for m in MODELS},
        },
        "continuous_f1": {
            "what": "macro-F1 (percent, mean of the 6 per-class F1) of the mubi stream "
                    f"classifications (hop {hop}) against the per-sample HAPT labels of the "
                    "window's raw samples s..s+127 (feature row q is raw sample q, the lag is "
                    "taken care of by the CLI). pure: windows whose 128 samples all carry one "
                    "activity 1..6; majority: every window, by its majority label (ties: the "
                    "lower id), windows whose majority is 0 (unlabeled) or 7..12 (postural "
                    "transitions) are counted under excluded with what the model predicted, "
                    "and left out of the F1. confusion: rows truth, columns predicted",
            "command": f"mubi stream MODEL --input RAW.f32 --output SCORES.f32 --hop {hop}",
            **continuous,
        },
        "window_based": {
            "what": "the window-based figures to compare with (macro-F1 percent): hapt_windows = "
                    "datasets.hapt_windows(root, test subjects, fit_noise_filter(root)), "
                    "windows placed inside labelled segments from each segment start in steps "
                    "of 64 (as the training and evaluation datasets are made), classified by "
                    "mubi run; published_950 = the 950 published test windows (uci_har_subset "
                    "test_x) by mubi run, with the macro-F1 mubi eval prints beside it",
            "command": "mubi run MODEL --input X.f32 --output Y.f32; mubi eval MODEL --data "
                       f"{shown(os.path.join(root, 'uci_har_subset'))} --split test",
            **window_based,
        },
        "pure_minus_window_based_points": {
            "what": "continuous pure-window macro-F1 minus the window-based macro-F1, "
                    "percentage points",
            **{m: {"vs_hapt_windows": round(continuous[m]["pure"]["macro_f1"]
                                            - window_based[m]["hapt_windows"]["macro_f1"], 4),
                   "vs_published_950": round(continuous[m]["pure"]["macro_f1"]
                                             - window_based[m]["published_950"]["macro_f1"], 4),
                   "majority_vs_hapt_windows": round(
                       continuous[m]["majority"]["macro_f1"]
                       - window_based[m]["hapt_windows"]["macro_f1"], 4)}
               for m in MODELS},
        },
        "timeline": {
            "what": "truth label per raw sample (grey) and the float model's stream label per "
                    "classification (drawn over the hop that completes its window, "
                    f"[s + 128 - {hop}, s + 128) in raw samples; blue where it equals the "
                    "window's majority label, red where it differs, orange where the majority "
                    "is unlabeled or a transition), class names on y, seconds on x",
            "png": shown(args.png),
            "experiment": int(pick), "user": int(user), "samples": int(n),
            "classifications": len(starts_of[pick]),
        },
        "mubi_calls": calls,
        "runtime_s": round(time.time() - t_start, 1),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1)
        fh.write("\n")

    # ----------------------------------------------------------------------------------------
    fp, al, sv = report["frontend_parity"], report["alignment"], report["stream_vs_windows"]
    print(f"{len(test_exps)} recordings of test subjects {list(test_subjects)}, {samples} raw "
          f"samples, hop {hop}; {calls} mubi calls, {report['runtime_s']} s")
    for m in MODELS:
        print(f"front end {m:5s}: max |C++ - float64| {fp[m]['max_abs_overall']:.3g} over "
              f"{fp[m]['values_compared']} values (limit {PARITY_LIMIT:g})")
    print(f"alignment, 950 published windows (offset C++ {off_cpp:+d}, Python {off_py:+d}), MAE "
          "body_acc g / body_gyro rad/s / total_acc g:")
    for src in ("cpp", "python"):
        print(f"  {src:6s} " + " / ".join(f"{al[src][g]:.6f}" for g in GROUPS))
    for m in MODELS:
        print(f"stream vs run {m:5s}: {sv[m]['equal']}/{sv[m]['classifications']} equal labels "
              f"({100 * sv[m]['fraction']:.3f}%, target {100 * AGREEMENT_TARGET:.1f}%), max "
              f"|logit difference| {sv[m]['max_abs_logit_difference']:.3g}")
    for m in MODELS:
        c, w = continuous[m], window_based[m]
        ex = c["majority"]["excluded"]
        d = report["pure_minus_window_based_points"][m]
        print(f"macro-F1 {m:5s}: pure {c['pure']['macro_f1']:.2f}% ({c['pure']['windows']} "
              f"windows), majority {c['majority']['macro_f1']:.2f}% "
              f"({c['majority']['windows']}; excluded {ex['unlabeled']['windows']} unlabeled, "
              f"{ex['transition']['windows']} transition); window-based hapt_windows "
              f"{w['hapt_windows']['macro_f1']:.2f}% ({w['hapt_windows']['windows']}), published "
              f"{w['published_950']['macro_f1']:.2f}% (mubi eval "
              f"{w['published_950']['mubi_eval_macro_f1']:.2f}%); pure minus window-based "
              f"{d['vs_hapt_windows']:+.2f} / {d['vs_published_950']:+.2f} points")
    print(f"timeline: experiment {pick} (subject {user}) -> {shown(args.png)}; "
          f"report -> {shown(args.out)}")
    bad = [m for m in MODELS if fp[m]["max_abs_overall"] > PARITY_LIMIT]
    if bad:
        print(f"FAIL: front-end difference above {PARITY_LIMIT:g} for {bad}", file=sys.stderr)
        return 1
    low = [m for m in MODELS if sv[m]["fraction"] < AGREEMENT_TARGET]
    if low:
        print(f"note: stream/run agreement below the {100 * AGREEMENT_TARGET:.1f}% target for "
              f"{low}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
