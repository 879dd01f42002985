"""Prepare real HAR data (../shared/data) as window dataset directories for training and eval.

A window dataset directory holds, for each split ("train", "test"):

    {split}_x.f32        N x T x C little-endian float32, time-major, RAW sensor units
    {split}_y.u8         0-based class labels
    {split}_subject.u8   subject ids (.i32 instead if an id does not fit a byte)

and one meta.json (shapes, class and channel names, units, source, licence, citation, how it was
made). No normalization is applied: the trained model carries its own z-score statistics, so
the same files feed PyTorch (python/mubi_train/train.py, python/mubi/evaluate.py) and the C++ `mubi eval`.

Datasets (output directory names):

    uci_har_subset   the 2400 train / 950 test real UCI-HAR windows of shared/data, as they are
    uci_har_rebuilt  train: UCI-HAR windows rebuilt from the raw HAPT streams of the 21 official
                     train subjects (see rebuild_recording); test: the 950 real test windows;
                     test_rebuilt (evaluation only): all 2996 rebuilt windows of the 9 test
                     subjects
    daphnet          Daphnet FoG (7 of 17 sessions): 9 ch, 64-sample windows, freeze / no freeze
    wisdm            WISDM 2019 watch accelerometer, 3 ch, 128 samples at 20 Hz, 5 activities
    motionsense      MotionSense device motion, 6 ch (user acceleration + rotation rate), 128
                     samples at 50 Hz, 6 activities, test subjects 1, 5, 9, 13, 17, 21;
                     motionsense_total_acc_gyro: the same with total acceleration

Command line (from the repository root; Debian's Python, which has numpy and scipy):

    /usr/bin/python3 -m mubi.datasets all                # every dataset + the rebuild report
    /usr/bin/python3 -m mubi.datasets uci_har_rebuilt --hop 64 --out data
    /usr/bin/python3 -m mubi.datasets rebuild_report     # studies/results/uci_har_rebuild.json

Every input file is checked against the sha256 in its folder's meta.json before use.
"""

import argparse
import gzip
import hashlib
import json
import os
import sys

import numpy as np  # scipy is imported by the preparation functions only: reading a window
#                     dataset needs numpy alone (python/tests/test_imports.py)

from . import frontend    # (the front ends the datasets are made with)

# Paths are relative to the working directory, as the commands are run from the repository
# root (MUBI_DATA_ROOT points elsewhere).
DEFAULT_ROOT = os.environ.get("MUBI_DATA_ROOT", os.path.join("..", "shared", "data"))
DEFAULT_OUT = "data"

UCI_CLASSES = ["WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING",
               "LAYING"]
UCI_CHANNELS = ["body_acc_x", "body_acc_y", "body_acc_z", "body_gyro_x", "body_gyro_y",
                "body_gyro_z", "total_acc_x", "total_acc_y", "total_acc_z"]
UCI_UNITS = ["g"] * 3 + ["rad/s"] * 3 + ["g"] * 3
UCI_FS = 50.0
UCI_WINDOW = 128
UCI_HOP = 64

# The noise filter of the rebuild: an FIR fitted to the training subset windows, taps on the
# median-filtered signal at lags -1 .. NOISE_TAPS-2 (the published windows sit one sample
# before the causal output; see rebuild_recording).
NOISE_TAPS = 102


# --------------------------------------------------------------------------------------------
# Reading shared/data (the data README's reader, with sha256 checks)

def load(root, dataset, key):
    """One array of shared/data/<dataset>, sha256-checked, shaped as its meta.json says."""
    meta = read_meta(root, dataset)
    f = meta["files"][key]
    with open(os.path.join(root, dataset, f["file"]), "rb") as fh:
        raw = fh.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != f["sha256"]:
        raise ValueError(f"sha256 mismatch for {dataset}/{f['file']}: {digest}")
    if f.get("gzip"):
        raw = gzip.decompress(raw)
        if "sha256_uncompressed" in f:
            if hashlib.sha256(raw).hexdigest() != f["sha256_uncompressed"]:
                raise ValueError(f"uncompressed sha256 mismatch for {dataset}/{f['file']}")
    a = np.frombuffer(raw, dtype=np.dtype(f["dtype"]).newbyteorder("<"))
    return a.reshape(f["shape"])


def read_meta(root, dataset):
    with open(os.path.join(root, dataset, "meta.json")) as fh:
        return json.load(fh)


def input_record(root, dataset, keys):
    """What a prepared dataset was made from: file names and their sha256 (for meta.json)."""
    meta = read_meta(root, dataset)
    return {"folder": f"shared/data/{dataset}",
            "files": {meta["files"][k]["file"]: meta["files"][k]["sha256"] for k in keys}}


# --------------------------------------------------------------------------------------------
# Window dataset directories

def write_split(out_dir, split, x, y, subject):
    """Write {split}_x.f32, {split}_y.u8 and {split}_subject.{u8|i32}; returns the file table."""
    x = np.ascontiguousarray(x, dtype="<f4")
    y = np.asarray(y)
    subject = np.asarray(subject)
    if x.ndim != 3 or len(x) != len(y) or len(y) != len(subject):
        raise ValueError("x must be N x T x C with one label and one subject per window")
    if not np.isfinite(x).all():
        raise ValueError("non-finite sensor value")
    if y.min() < 0 or y.max() > 255:
        raise ValueError("labels must fit a byte")
    os.makedirs(out_dir, exist_ok=True)
    files = {}
    x.tofile(os.path.join(out_dir, f"{split}_x.f32"))
    files[f"{split}_x"] = dict(file=f"{split}_x.f32", dtype="float32", shape=list(x.shape),
                               layout="N x T x C, time-major, little-endian, raw sensor units")
    y.astype("u1").tofile(os.path.join(out_dir, f"{split}_y.u8"))
    files[f"{split}_y"] = dict(file=f"{split}_y.u8", dtype="uint8", shape=[len(y)])
    if subject.min() >= 0 and subject.max() <= 255:
        subject.astype("u1").tofile(os.path.join(out_dir, f"{split}_subject.u8"))
        files[f"{split}_subject"] = dict(file=f"{split}_subject.u8", dtype="uint8",
                                         shape=[len(y)])
    else:
        subject.astype("<i4").tofile(os.path.join(out_dir, f"{split}_subject.i32"))
        files[f"{split}_subject"] = dict(file=f"{split}_subject.i32", dtype="int32",
                                         shape=[len(y)])
    for key, f in files.items():
        with open(os.path.join(out_dir, f["file"]), "rb") as fh:
            f["sha256"] = hashlib.sha256(fh.read()).hexdigest()
    return files


def split_summary(y, subject, classes):
    y = np.asarray(y)
    return {"windows": int(len(y)),
            "per_class": {name: int((y == c).sum()) for c, name in enumerate(classes)},
            "subjects": sorted(int(s) for s in set(np.asarray(subject).tolist()))}


def write_dataset(out_dir, splits, meta):
    """splits: {name: (x, y, subject)}; meta: the descriptive fields. Writes everything."""
    os.makedirs(out_dir, exist_ok=True)
    files, summary = {}, {}
    for name, (x, y, subject) in splits.items():
        files.update(write_split(out_dir, name, x, y, subject))
        summary[name] = split_summary(y, subject, meta["classes"])
    first = next(iter(splits.values()))[0]
    meta = dict(meta)
    meta.update(window=int(first.shape[1]), channels_count=int(first.shape[2]),
                classes_count=len(meta["classes"]), splits=summary, files=files,
                layout="window dataset directory (python/mubi/datasets.py): {split}_x.f32 N x T x C "
                       "float32 LE time-major raw units, {split}_y.u8 0-based labels, "
                       "{split}_subject.u8 or .i32")
    with open(os.path.join(out_dir, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    return meta


def name_ids(parser, option, names_csv, known, at_least=1):
    """Sorted indices in `known` (class or channel names) of the comma-separated names given
    to a command-line option; parser.error on unknown names or fewer than at_least distinct
    ones."""
    names = set(names_csv.split(","))
    unknown = sorted(names - set(known))
    if unknown or len(names) < at_least:
        parser.error(f"{option} needs {at_least} or more of {known}"
                     + (f"; unknown: {unknown}" if unknown else ""))
    return sorted(known.index(n) for n in names)


def read_split(data_dir, split):
    """(x float32 N x T x C, y int64, subject int64, meta) of a window dataset directory."""
    with open(os.path.join(data_dir, "meta.json")) as fh:
        meta = json.load(fh)
    files = meta["files"]
    if f"{split}_x" not in files:
        raise KeyError(f"{data_dir} has no split {split!r}")

    def arr(key):
        f = files[key]
        a = np.fromfile(os.path.join(data_dir, f["file"]),
                        dtype=np.dtype(f["dtype"]).newbyteorder("<"))
        return a.reshape(f["shape"])

    x = arr(f"{split}_x").astype(np.float32)
    y = arr(f"{split}_y").astype(np.int64)
    s = arr(f"{split}_subject").astype(np.int64)
    return x, y, s, meta


# --------------------------------------------------------------------------------------------
# UCI-HAR

def uci_meta(root):
    m = read_meta(root, "uci_har_subset")
    return dict(license=m["license"], citation=m["citation"], publisher=m["publisher"])


def prepare_uci_har_subset(root, out_dir):
    """The real subset windows, unchanged: train 2400, test 950 (subjects derived by matching)."""
    splits = {sp: (load(root, "uci_har_subset", sp + "_x"), load(root, "uci_har_subset", sp + "_y"),
                   load(root, "uci_har_subset", sp + "_subject")) for sp in ("train", "test")}
    info = uci_meta(root)
    meta = dict(
        name="uci_har_subset",
        description="UCI-HAR raw Inertial Signals windows, the order-preserving stratified subset "
                    "of shared/data (2400 of 7352 train, 950 of 2947 test windows, values with 4 "
                    "significant digits), copied unchanged. Official subject split; subject ids "
                    "were derived by matching against the HAPT raw streams (shared/data README).",
        classes=UCI_CLASSES, channels=UCI_CHANNELS, units=UCI_UNITS, sampling_rate_hz=UCI_FS,
        source=input_record(root, "uci_har_subset",
                            [f"{sp}_{k}" for sp in ("train", "test") for k in ("x", "y", "subject")]),
        license=info["license"], citation=info["citation"], publisher=info["publisher"],
        how_made="python/mubi/datasets.py uci_har_subset: a copy of shared/data/uci_har_subset "
                 "{train,test}_{x,y,subject}; no filtering, no normalization.",
        subject_encoding="subject id 1..30 as uint8")
    return write_dataset(out_dir, splits, meta)


def median3(a):
    """3-sample median filter along time (first axis), edges as scipy.signal.medfilt (zeros)."""
    from scipy import signal
    return np.stack([signal.medfilt(a[:, c], 3) for c in range(a.shape[1])], axis=1)


def fit_noise_filter(root, taps=NOISE_TAPS):
    """Least-squares FIR fitted to the TRAIN subset windows only (test windows never used).

    Model: the published total_acc sample at aligned position q = start + 1 + t equals
    sum_j h[j] * m[q - j], m the 3-sample median of the raw acc stream, j = 0 .. taps-1
    (h is applied causally; the window then starts one sample after the `hapt_align` start).
    Fitted on the walking-class windows (0..2), whose spectrum covers the band up to 25 Hz;
    the static windows carry almost no information about the filter.
    """
    sig = load(root, "uci_hapt_raw", "signals")
    exps = {int(e): (int(r0), int(n)) for e, _, r0, n in load(root, "uci_hapt_raw", "experiments")}
    align = load(root, "uci_har_subset", "train_hapt_align")
    x = load(root, "uci_har_subset", "train_x").astype(np.float64)
    y = load(root, "uci_har_subset", "train_y")
    ata = np.zeros((taps, taps))
    atb = np.zeros(taps)
    cache = {}
    for i in np.flatnonzero(y <= 2):
        e, _, start = (int(v) for v in align[i])
        if e not in cache:
            r0, n = exps[e]
            cache = {e: median3(sig[r0:r0 + n, :3].astype(np.float64))}
        m = cache[e]
        q0 = start + 1
        t = np.arange(128)
        ok = q0 + t - (taps - 1) >= 0
        t = t[ok]
        lagged = m[(q0 + t)[:, None] - np.arange(taps)[None, :]]  # (t, taps, 3)
        a = lagged.transpose(0, 2, 1).reshape(-1, taps)            # rows (t, c)
        b = x[i, t, 6:9].reshape(-1)
        ata += a.T @ a
        atb += a.T @ b
    return np.linalg.solve(ata, atb)


def rebuild_recording(raw, noise_fir, method="fitted"):
    """UCI-HAR channels (body_acc xyz, body_gyro xyz, total_acc xyz) of one whole recording.

    raw: (n, 6) acc (g) and gyro (rad/s) of one HAPT experiment. Sample q of the result is the
    value a UCI-HAR window starting at q shows at its first step. Methods:

    fitted   (what reproduces the published windows, see shared/data README): 3-sample median;
             the fitted FIR noise filter (causal); gravity = causal 3rd-order Butterworth
             low-pass at 0.3 Hz of total_acc over the whole recording; body_acc = total -
             gravity; body_gyro = gyro - causal 2nd-order Butterworth low-pass at 0.1 Hz of it.
    literal  the published recipe taken literally, one-pass (causal) filters: median 3, 3rd-order
             Butterworth 20 Hz, gravity 3rd-order Butterworth 0.3 Hz, body_gyro = filtered gyro.
    literal_zero_phase  the same with two-pass (filtfilt) filters.
    """
    if method == "fitted":  # the shipped models' front end: one definition (python/mubi/frontend.py)
        return frontend.apply(frontend.uci_har(noise_fir, UCI_FS), raw)
    from scipy import signal
    m = median3(np.asarray(raw, dtype=np.float64))
    b, a = signal.butter(3, 20.0 / (UCI_FS / 2))
    f = signal.filtfilt(b, a, m, axis=0) if method == "literal_zero_phase" else \
        signal.lfilter(b, a, m, axis=0)
    total, gyro = f[:, :3], f[:, 3:]
    bg, ag = signal.butter(3, 0.3 / (UCI_FS / 2))
    gravity = signal.filtfilt(bg, ag, total, axis=0) if method == "literal_zero_phase" else \
        signal.lfilter(bg, ag, total, axis=0)
    body = total - gravity
    return np.concatenate([body, gyro, total], axis=1)


def hapt_windows(root, subjects, noise_fir, hop=UCI_HOP, method="fitted"):
    """UCI-HAR windows rebuilt from the HAPT streams of the given subjects.

    Placement (measured, shared/data README): in every labels.txt segment of an activity 1..6,
    windows start at the segment's first sample plus multiples of `hop` (64 = UCI-HAR's 50%
    overlap) and lie entirely inside the segment. Returns x (N,128,9) float32, y (0-based),
    subject, position (experiment id, start row within the experiment).
    """
    sig = load(root, "uci_hapt_raw", "signals")
    exps = {int(e): (int(r0), int(n)) for e, _, r0, n in load(root, "uci_hapt_raw", "experiments")}
    segments = load(root, "uci_hapt_raw", "segments")
    subjects = set(int(s) for s in subjects)
    xs, ys, ss, pos = [], [], [], []
    for e in sorted(exps):
        seg = segments[(segments[:, 0] == e) & (segments[:, 2] <= 6)]
        if len(seg) == 0 or int(seg[0, 1]) not in subjects:
            continue
        r0, n = exps[e]
        rec = rebuild_recording(sig[r0:r0 + n], noise_fir, method)
        for _, user, act, first, last in seg:
            start, end = int(first) - 1, int(last)  # 0-based, end exclusive
            for s in range(start, end - UCI_WINDOW + 1, hop):
                xs.append(rec[s:s + UCI_WINDOW])
                ys.append(int(act) - 1)
                ss.append(int(user))
                pos.append((e, s))
    return (np.asarray(xs, dtype=np.float32), np.asarray(ys), np.asarray(ss),
            np.asarray(pos, dtype=np.int64))


def uci_split_subjects(root):
    split = read_meta(root, "uci_hapt_raw")["uci_har_official_subject_split"]
    return split["train"], split["test"]


def prepare_uci_har_rebuilt(root, out_dir, hop=UCI_HOP):
    train_subjects, test_subjects = uci_split_subjects(root)
    fir = fit_noise_filter(root)
    x, y, s, _ = hapt_windows(root, train_subjects, fir, hop=hop)
    test = tuple(load(root, "uci_har_subset", "test_" + k) for k in ("x", "y", "subject"))
    # All windows of the 9 test subjects rebuilt the same way (about the official 2947): an
    # extra evaluation split with less sampling noise than the 950. Never used by train.py.
    test_rebuilt = hapt_windows(root, test_subjects, fir, hop=UCI_HOP)[:3]
    info = uci_meta(root)
    hapt = read_meta(root, "uci_hapt_raw")
    meta = dict(
        name=os.path.basename(os.path.normpath(out_dir)),
        description="UCI-HAR. train: windows rebuilt from the raw HAPT v2.1 streams of the 21 "
                    "official UCI-HAR train subjects with the preprocessing that reproduces the "
                    f"published windows (hop {hop}); test: the 950 real UCI-HAR test windows of "
                    "the subset (subjects 2, 4, 9, 10, 12, 13, 18, 20, 24), unchanged. "
                    "test_rebuilt (extra split, evaluation only): all windows of the 9 test "
                    "subjects rebuilt like train with hop 64 (2996; the official test set has "
                    "2947).",
        classes=UCI_CLASSES, channels=UCI_CHANNELS, units=UCI_UNITS, sampling_rate_hz=UCI_FS,
        source={"train": input_record(root, "uci_hapt_raw",
                                      ["signals", "labels", "experiments", "segments"]),
                "noise_filter_fit": input_record(root, "uci_har_subset",
                                                 ["train_x", "train_y", "train_hapt_align"]),
                "test": input_record(root, "uci_har_subset",
                                     ["test_x", "test_y", "test_subject"]),
                "test_rebuilt": "shared/data/uci_hapt_raw (as train), the 9 test subjects"},
        license=info["license"], citation=info["citation"],
        citation_raw_streams=hapt["citation"],
        how_made=(
            "python/mubi/datasets.py uci_har_rebuilt: per HAPT experiment of a train subject, over the "
            "whole recording: 3-sample median filter; noise filter = a causal FIR with "
            f"{NOISE_TAPS} taps fitted by least squares to the walking-class TRAIN subset windows "
            "(total_acc) at their hapt_align positions (no test window used); total_acc = "
            "filtered acc; gravity = causal (one-pass) 3rd-order Butterworth low-pass 0.3 Hz of "
            "total_acc; body_acc = total_acc - gravity; body_gyro = filtered gyro minus a causal "
            "2nd-order Butterworth low-pass 0.1 Hz of itself. Windows: 128 samples starting at "
            f"each labels.txt segment start (activities 1..6) plus multiples of {hop} samples, "
            "entirely inside the segment. Error against the real windows: "
            "studies/results/uci_har_rebuild.json."),
        noise_filter_fir=[float(v) for v in fir],
        hop=hop,
        subject_encoding="subject id 1..30 as uint8")
    return write_dataset(out_dir, {"train": (x, y, s), "test": test,
                                   "test_rebuilt": test_rebuilt}, meta)


def rebuild_report(root, out_path=None):
    """MAE of rebuilt windows against the real subset windows at their aligned positions."""
    sig = load(root, "uci_hapt_raw", "signals")
    exps = {int(e): (int(r0), int(n)) for e, _, r0, n in load(root, "uci_hapt_raw", "experiments")}
    fir = fit_noise_filter(root)
    report = {"what": "mean absolute error of rebuilt UCI-HAR windows against the real subset "
                      "windows (shared/data/uci_har_subset) at their aligned HAPT positions "
                      "(window start = hapt_align start + 1 + offset); per channel group",
              "units": {"body_acc": "g", "body_gyro": "rad/s", "total_acc": "g"},
              "noise_filter": f"FIR, {NOISE_TAPS} taps, fitted on TRAIN subset windows only",
              "noise_filter_dc_gain": float(fir.sum()),
              "methods": {}}
    data = {sp: (load(root, "uci_har_subset", sp + "_hapt_align"),
                 load(root, "uci_har_subset", sp + "_x").astype(np.float64),
                 load(root, "uci_har_subset", sp + "_y")) for sp in ("train", "test")}
    for method in ("literal_zero_phase", "literal", "fitted"):
        recs = {}
        for sp, (align, _, _) in data.items():
            for e in set(int(v) for v in align[:, 0]):
                if e not in recs:
                    r0, n = exps[e]
                    recs[e] = rebuild_recording(sig[r0:r0 + n], fir, method)

        def errors(sp, offset, recs=recs):
            align, x, _ = data[sp]
            err = np.empty((len(x), 9))
            for i, (e, _, start) in enumerate(align):
                rec = recs[int(e)]
                s = int(start) + 1 + offset
                s = min(max(s, 0), len(rec) - UCI_WINDOW)
                err[i] = np.abs(rec[s:s + UCI_WINDOW] - x[i]).mean(axis=0)
            return err

        # One global offset per method, chosen on the TRAIN windows (-3..3 samples).
        offsets = {o: errors("train", o).mean() for o in range(-3, 4)}
        offset = min(offsets, key=offsets.get)
        entry = {"offset_samples": offset}
        for sp in ("train", "test"):
            err = errors(sp, offset)
            y = data[sp][2]
            groups = lambda e: {"body_acc": float(e[:, 0:3].mean()),  # noqa: E731
                                "body_gyro": float(e[:, 3:6].mean()),
                                "total_acc": float(e[:, 6:9].mean())}
            entry[sp] = dict(windows=int(len(err)), **groups(err),
                             per_class={UCI_CLASSES[c]: groups(err[y == c]) for c in range(6)},
                             max_window_mae=float(err.mean(axis=1).max()))
        report["methods"][method] = entry
    train_subjects, test_subjects = uci_split_subjects(root)
    for name, subjects, sp in (("train_subjects", train_subjects, "train"),
                               ("test_subjects", test_subjects, "test")):
        _, y, _, pos = hapt_windows(root, subjects, fir)
        starts = set(map(tuple, pos.tolist()))
        align, _, ys = data[sp]
        found = np.array([(int(e), int(s) + 1) in starts for e, _, s in align])
        report[f"rebuilt_windows_{name}"] = {
            "windows": int(len(y)),
            "per_class": {UCI_CLASSES[c]: int((y == c).sum()) for c in range(6)},
            f"subset_{sp}_windows_at_a_rebuilt_start": {
                UCI_CLASSES[c]: f"{int(found[ys == c].sum())}/{int((ys == c).sum())}"
                for c in range(6)}}
    full = {sp: load(root, "uci_har_subset", f"full_{sp}_y") for sp in ("train", "test")}
    for sp in ("train", "test"):
        report[f"official_windows_{sp}"] = {
            "windows": int(len(full[sp])),
            "per_class": {UCI_CLASSES[c]: int((full[sp] == c).sum()) for c in range(6)}}
    if out_path:
        os.makedirs(os.path.dirname(out_path), exist_ok=True)
        with open(out_path, "w") as fh:
            json.dump(report, fh, indent=1)
            fh.write("\n")
    return report


# --------------------------------------------------------------------------------------------
# Daphnet

DAPHNET_TEST_SUBJECTS = (1, 7)


def prepare_daphnet(root, out_dir, window=64, hop=32, cutoff_hz=12.0):
    """Daphnet FoG (partial): 9 accelerometer channels (mg), 64-sample windows, 2 classes.

    Per session: causal 4th-order Butterworth low-pass at 12 Hz over the whole session (a filter
    a device can run on the stream). Windows of 64 samples (1 s at 64 Hz), hop 32, entirely
    inside a stretch of experiment samples (annotation 1 or 2; 0 = not part of the experiment is
    dropped). Label: freeze if at least half of the window's samples are annotated freeze.
    Split: subjects 1 and 7 are test; subjects 2, 3, 6 train (4, 5, 8, 9, 10 are missing).
    """
    meta_in = read_meta(root, "daphnet")
    fs = float(meta_in["sampling_rate_hz"])
    sig = load(root, "daphnet", "signals").astype(np.float64)
    lab = load(root, "daphnet", "labels")
    sessions = load(root, "daphnet", "sessions")
    fe = frontend.daphnet(sig.shape[1], fs, cutoff_hz)
    out = {"train": ([], [], []), "test": ([], [], [])}
    for subj, run, r0, n in sessions:
        xs = frontend.apply(fe, sig[r0:r0 + n])
        ls = lab[r0:r0 + n]
        split = "test" if int(subj) in DAPHNET_TEST_SUBJECTS else "train"
        inside = ls > 0
        edges = np.flatnonzero(np.diff(np.r_[0, inside.astype(np.int8), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            for s in range(a, b - window + 1, hop):
                freeze = (ls[s:s + window] == 2).mean()
                out[split][0].append(xs[s:s + window])
                out[split][1].append(1 if freeze >= 0.5 else 0)
                out[split][2].append(int(subj))
    splits = {sp: (np.asarray(v[0], dtype=np.float32), np.asarray(v[1]), np.asarray(v[2]))
              for sp, v in out.items()}
    meta = dict(
        name="daphnet",
        description="Daphnet Freezing of Gait, PARTIAL (7 of 17 session files; subjects 4, 5, 8, "
                    "9, 10 entirely missing): a stand-in for the paper's Daphnet configuration "
                    "(9 channels, 64-sample windows, 2 classes), not the full dataset.",
        classes=["no_freeze", "freeze"], channels=meta_in["channels"], units=["mg"] * 9,
        sampling_rate_hz=fs,
        source=input_record(root, "daphnet", ["signals", "labels", "sessions"]),
        sessions_present=meta_in["sessions_present"], sessions_missing=meta_in["sessions_missing"],
        license=meta_in["license"], citation=meta_in["citation"],
        how_made=(f"python/mubi/datasets.py daphnet: per session, causal 4th-order Butterworth low-pass "
                  f"{cutoff_hz:g} Hz (scipy sosfilt) over the whole session; windows of {window} "
                  f"samples, hop {hop}, inside stretches of annotation 1/2 (0 dropped); label 1 "
                  "(freeze) if >= 50% of the window is annotated freeze, else 0. Test subjects "
                  f"{list(DAPHNET_TEST_SUBJECTS)} (never seen in training), train subjects the "
                  "others present (2, 3, 6)."),
        subject_encoding="subject number (S01 -> 1) as uint8")
    return write_dataset(out_dir, splits, meta)


# --------------------------------------------------------------------------------------------
# WISDM 2019 watch accelerometer

WISDM_ACTIVITIES = (0, 1, 2, 3, 4)  # codes A..E: walking, jogging, stairs, sitting, standing
WISDM_TEST_SUBJECTS = tuple(range(1641, 1651))
WISDM_SUBJECT_BASE = 1600


def prepare_wisdm(root, out_dir, window=128, hop=64, fs=20.0, max_gap_s=1.0):
    """WISDM 2019 smartwatch accelerometer (partial) as the paper's WISDM configuration.

    3 channels (x, y, z in m/s^2, gravity included), 128-sample windows at 20 Hz, hop 64, the 5
    activities of the 2019 data that match WISDM v1.1's (walking, jogging, stairs, sitting,
    standing; the 2019 data has one "stairs" class where v1.1 has upstairs and downstairs).
    Each run is cut at timestamp gaps longer than max_gap_s and resampled onto a uniform 20 Hz
    grid by linear interpolation; runs recorded at ~100 Hz are first low-pass filtered (zero
    phase, 4th-order Butterworth 8 Hz) so the resampling does not alias.
    """
    from scipy import signal
    meta_in = read_meta(root, "wisdm2019_watch")
    acc = load(root, "wisdm2019_watch", "accel").astype(np.float64)
    t = load(root, "wisdm2019_watch", "accel_t").astype(np.float64)
    runs = load(root, "wisdm2019_watch", "accel_runs")
    classes = [meta_in["class_names"][a] for a in WISDM_ACTIVITIES]
    out = {"train": ([], [], []), "test": ([], [], [])}
    resampled_fast = 0
    for subj, act, first, n, _ in runs:
        if int(act) not in WISDM_ACTIVITIES:
            continue
        label = WISDM_ACTIVITIES.index(int(act))
        split = "test" if int(subj) in WISDM_TEST_SUBJECTS else "train"
        x, tt = acc[first:first + n], t[first:first + n]
        cuts = np.flatnonzero(np.diff(tt) > max_gap_s) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(tt)]):
            xp, tp = x[a:b], tt[a:b]
            if len(tp) < 2 or tp[-1] - tp[0] < (window - 1) / fs:
                continue
            dt = float(np.median(np.diff(tp)))
            if dt < 0.75 / fs and len(tp) > 30:
                sos = signal.butter(4, 8.0 / (0.5 / dt), output="sos")
                xp = signal.sosfiltfilt(sos, xp, axis=0)
                resampled_fast += 1
            grid = np.arange(tp[0], tp[-1] + 1e-9, 1.0 / fs)
            xr = np.stack([np.interp(grid, tp, xp[:, c]) for c in range(3)], axis=1)
            for s in range(0, len(grid) - window + 1, hop):
                out[split][0].append(xr[s:s + window])
                out[split][1].append(label)
                out[split][2].append(int(subj) - WISDM_SUBJECT_BASE)
    splits = {sp: (np.asarray(v[0], dtype=np.float32), np.asarray(v[1]), np.asarray(v[2]))
              for sp, v in out.items()}
    meta = dict(
        name="wisdm",
        description="WISDM Smartphone and Smartwatch Activity and Biometrics Dataset (2019), "
                    "SMARTWATCH ACCELEROMETER only, PARTIAL (46 of 51 subjects): a stand-in for "
                    "the paper's WISDM configuration (3 channels, 128-sample windows). It is NOT "
                    "WISDM v1.1 (phone in the pocket, 36 users, 6 classes): the 2019 data has one "
                    "'stairs' class instead of upstairs/downstairs, so this model has 5 classes "
                    "(the paper's WISDM configuration has 6).",
        classes=classes, activity_codes=[meta_in["activity_codes"][a] for a in WISDM_ACTIVITIES],
        channels=["accel_x", "accel_y", "accel_z"], units=["m/s^2"] * 3, sampling_rate_hz=fs,
        source=input_record(root, "wisdm2019_watch", ["accel", "accel_t", "accel_runs"]),
        license=meta_in["license"], citation=meta_in["citation"],
        how_made=(f"python/mubi/datasets.py wisdm: runs of activities A-E; each run cut at timestamp "
                  f"gaps > {max_gap_s:g} s; pieces recorded at ~100 Hz ({resampled_fast} of them) "
                  "low-pass filtered (zero-phase 4th-order Butterworth 8 Hz) first; resampled to "
                  f"a uniform {fs:g} Hz grid by linear interpolation; windows of {window} samples, "
                  f"hop {hop}, within one piece. Test subjects {WISDM_TEST_SUBJECTS[0]}.."
                  f"{WISDM_TEST_SUBJECTS[-1]} (those present), train the other subjects."),
        subject_encoding=f"subject id minus {WISDM_SUBJECT_BASE} (1600..1650 -> 0..50) as uint8")
    return write_dataset(out_dir, splits, meta)


MOTIONSENSE_TEST_SUBJECTS = (1, 5, 9, 13, 17, 21)  # every 4th subject code, fixed before any run
# Two candidate 6-channel sets for the paper's 6-channel MotionSense configuration (columns of
# signals.f32: gravity 0..2, rotationRate 3..5, userAcceleration 6..8); which one the shipped
# model uses is chosen on validation subjects (docs/training.md, "MotionSense").
MOTIONSENSE_CHANNEL_SETS = {
    "user_acc_gyro": (["userAcceleration_x", "userAcceleration_y", "userAcceleration_z",
                       "rotationRate_x", "rotationRate_y", "rotationRate_z"], ["g"] * 3 + ["rad/s"] * 3),
    "total_acc_gyro": (["totalAcceleration_x", "totalAcceleration_y", "totalAcceleration_z",
                        "rotationRate_x", "rotationRate_y", "rotationRate_z"], ["g"] * 3 + ["rad/s"] * 3),
}


def motionsense_channels(signals, channel_set):
    """The (N, 6) float32 channels of a channel set from MotionSense's 9 signal columns."""
    if channel_set == "user_acc_gyro":
        acc = signals[:, 6:9]
    elif channel_set == "total_acc_gyro":
        acc = signals[:, 0:3] + signals[:, 6:9]  # Core Motion: total = gravity + user acceleration
    else:
        raise ValueError(f"unknown MotionSense channel set {channel_set!r}")
    return np.concatenate([acc, signals[:, 3:6]], axis=1).astype(np.float32)


def prepare_motionsense(root, out_dir, channel_set="user_acc_gyro", window=128, hop=64):
    """MotionSense device motion as the paper's MotionSense configuration: 6 channels, 6
    classes, 128-sample windows (2.56 s at 50 Hz), hop 64 (50 % overlap) within each recording,
    the recording's activity as every window's label; subject-wise split, test subjects
    MOTIONSENSE_TEST_SUBJECTS (6 of 24)."""
    meta_in = read_meta(root, "motionsense")
    signals = load(root, "motionsense", "signals")
    recordings = load(root, "motionsense", "recordings")
    channels = motionsense_channels(signals, channel_set)
    out = {"train": ([], [], []), "test": ([], [], [])}
    for subj, act, _trial, first, n in recordings:
        split = "test" if int(subj) in MOTIONSENSE_TEST_SUBJECTS else "train"
        x = channels[first:first + n]
        for s in range(0, int(n) - window + 1, hop):
            out[split][0].append(x[s:s + window])
            out[split][1].append(int(act))
            out[split][2].append(int(subj))
    splits = {sp: (np.asarray(v[0], dtype=np.float32), np.asarray(v[1]), np.asarray(v[2]))
              for sp, v in out.items()}
    names, units = MOTIONSENSE_CHANNEL_SETS[channel_set]
    meta = dict(
        name="motionsense" if channel_set == "user_acc_gyro" else f"motionsense_{channel_set}",
        description="MotionSense (A_DeviceMotion_data), iPhone 6s in the trousers' front pocket, "
                    f"50 Hz, 24 subjects, 6 activities; channel set {channel_set}",
        # class_names maps "0".."5" to e.g. "dws (walking downstairs)": keep the words in brackets
        classes=[meta_in["class_names"][str(i)].split("(")[-1].rstrip(")")
                 for i in range(len(meta_in["class_names"]))], channels=names, units=units,
        sampling_rate_hz=50.0, channel_set=channel_set,
        source=input_record(root, "motionsense", ["signals", "recordings"]),
        license=meta_in["license"], citation=meta_in["citation"],
        how_made=(f"python/mubi/datasets.py motionsense: channel set {channel_set} "
                  "(total acceleration = gravity + userAcceleration, as Core Motion splits it); "
                  f"per recording, windows of {window} samples with hop {hop} (a recording shorter "
                  f"than a window gives none); label = the recording's activity. Test subjects "
                  f"{list(MOTIONSENSE_TEST_SUBJECTS)} (every 4th subject code, fixed before any "
                  "training run; the paper does not list its split), train the other 18."))
    return write_dataset(out_dir, splits, meta)


# --------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="+",
                        choices=["all", "uci_har_subset", "uci_har_rebuilt", "daphnet", "wisdm",
                                 "motionsense", "rebuild_report"])
    parser.add_argument("--root", default=DEFAULT_ROOT, help="shared/data folder")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output root (a folder per dataset)")
    parser.add_argument("--hop", type=int, default=UCI_HOP,
                        help="uci_har_rebuilt train hop (64 = UCI-HAR's 50%% overlap)")
    parser.add_argument("--name", help="output folder name for uci_har_rebuilt "
                                       "(default uci_har_rebuilt, or uci_har_rebuilt_hopN)")
    parser.add_argument("--report", default=os.path.join("studies", "results", "uci_har_rebuild.json"))
    args = parser.parse_args(argv)
    what = set(args.what)
    if "all" in what:
        what = {"uci_har_subset", "uci_har_rebuilt", "daphnet", "wisdm", "motionsense", "rebuild_report"}

    def show(meta):
        print(f"{meta['name']}: window {meta['window']} x {meta['channels_count']}, "
              f"{meta['classes_count']} classes")
        for sp, s in meta["splits"].items():
            print(f"  {sp}: {s['windows']} windows, per class {list(s['per_class'].values())}, "
                  f"subjects {s['subjects']}")

    if "uci_har_subset" in what:
        show(prepare_uci_har_subset(args.root, os.path.join(args.out, "uci_har_subset")))
    if "uci_har_rebuilt" in what:
        name = args.name or ("uci_har_rebuilt" if args.hop == UCI_HOP
                             else f"uci_har_rebuilt_hop{args.hop}")
        show(prepare_uci_har_rebuilt(args.root, os.path.join(args.out, name), hop=args.hop))
    if "daphnet" in what:
        show(prepare_daphnet(args.root, os.path.join(args.out, "daphnet")))
    if "wisdm" in what:
        show(prepare_wisdm(args.root, os.path.join(args.out, "wisdm")))
    if "motionsense" in what:  # both candidate channel sets (the choice is made on validation)
        for channel_set in MOTIONSENSE_CHANNEL_SETS:
            name = "motionsense" if channel_set == "user_acc_gyro" else f"motionsense_{channel_set}"
            show(prepare_motionsense(args.root, os.path.join(args.out, name), channel_set))
    if "rebuild_report" in what:
        rep = rebuild_report(args.root, args.report)
        print(f"rebuild error (MAE body_acc g / body_gyro rad/s / total_acc g) -> {args.report}")
        for method, e in rep["methods"].items():
            print(f"  {method:20s} offset {e['offset_samples']:+d}  " + "  ".join(
                f"{sp} {e[sp]['body_acc']:.6f} / {e[sp]['body_gyro']:.6f} / "
                f"{e[sp]['total_acc']:.6f}" for sp in ("train", "test")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
