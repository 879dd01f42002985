"""Checks the `mubi` command-line tool end to end (needs numpy; PyTorch only for the last check).

usage: cli_check.py MUBI_BINARY GOLDEN_DIR WORK_DIR
  - `mubi info` reports the compiled type's parameter count and MACs from the spec table;
  - `mubi run` writes logits equal to PyTorch's within 1e-5 for a folded and an unfolded blob,
    and prints their argmax labels;
  - a blob of an architecture without a compiled type fails with exit code 3 and a message
    naming its layers;
  - int8: `mubi info` reports float and int8 sizes, `mubi run` on an int8 blob writes the
    integer reference's logits (python/mubi/int8_ref.py) bit for bit, and `mubi eval` of the shipped
    int8 UCI-HAR model on the 240 shipped real windows gives the reference's labels;
  - studies/int8_sweep.py counts agreeing labels as the integer reference does, picks the
    setting with the most, and writes exactly python/mubi/quantize.py's blob for it;
  - raw samples (models with a front end): `mubi info` describes the front end, `mubi
    frontend` on the shipped raw excerpt equals python/mubi/frontend.py's float64 stream within
    1e-4 (and so does the Daphnet front end, attached to the shipped Daphnet model here, on
    a synthetic 9-channel recording), `mubi stream` of the int8 raw model writes the host scores the firmware is held to
    (bit for bit) and, for both models, the labels of `mubi run` on the same windows of the
    reference features; `mubi frontend` of a model without a front end fails with exit 2.
"""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def main():
    mubi, golden, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    failures = []

    info = run(mubi, "info", os.path.join(golden, "uci_har.mubi"))
    if info.returncode != 0 or "parameters      10454" not in info.stdout or "MACs            420128" not in info.stdout:
        failures.append("info: " + info.stdout + info.stderr)

    for name, classes in (("uci_har.mubi", 6), ("skoda.unfolded.mubi", 11)):
        case = name.split(".")[0]
        out = os.path.join(work, case + ".logits.f32")
        r = run(mubi, "run", os.path.join(golden, name), "--input", os.path.join(golden, case + ".input.f32"),
                "--output", out)
        want = np.fromfile(os.path.join(golden, case + ".logits.f32"), "<f4").reshape(-1, classes)
        got = np.fromfile(out, "<f4").reshape(-1, classes) if r.returncode == 0 else None
        labels = "labels: " + " ".join(str(int(k)) for k in want.argmax(axis=1))
        if got is None or got.shape != want.shape or np.abs(got - want).max() > 1e-5 or labels not in r.stdout:
            failures.append(f"run {name}: rc {r.returncode} {r.stdout} {r.stderr}")

    from mubi import int8_ref  # numpy only
    studies = os.path.join(os.path.dirname(__file__), "..", "..", "studies")

    blob8 = os.path.join(golden, "uci_har.int8.mubi")
    info8 = run(mubi, "info", blob8)
    if info8.returncode != 0 or "int8 network" not in info8.stdout or \
            not any(l.split()[:4] == ["weight", "bytes", "40896", "11392"] for l in info8.stdout.splitlines()):
        failures.append("info int8: " + info8.stdout + info8.stderr)
    out8 = os.path.join(work, "uci_har.int8.logits.f32")
    r = run(mubi, "run", blob8, "--input", os.path.join(golden, "uci_har.int8.input.f32"), "--output", out8)
    want8 = np.fromfile(os.path.join(golden, "uci_har.int8.logits.f32"), "<f4")
    if r.returncode != 0 or np.fromfile(out8, "<f4").tobytes() != want8.tobytes():
        failures.append(f"run int8: rc {r.returncode} {r.stdout} {r.stderr}")

    examples = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    sample = os.path.join(examples, "data", "uci_har_sample")
    shipped8 = os.path.join(examples, "models", "uci_har.int8.mubi")
    pred = os.path.join(work, "int8.pred")
    r = run(mubi, "eval", shipped8, "--data", sample, "--predictions", pred)
    x = np.fromfile(os.path.join(sample, "test_x.f32"), "<f4").reshape(-1, 128, 9)
    with open(shipped8, "rb") as f:
        ref = int8_ref.forward_batch(f.read(), x).argmax(axis=1)
    if r.returncode != 0 or not np.array_equal(np.fromfile(pred, np.uint8), ref):
        failures.append(f"eval int8 on the shipped sample: rc {r.returncode} {r.stdout} {r.stderr}")

    try:
        from mubi import export  # needs PyTorch
    except ImportError:
        export = None
    if export is not None:
        odd = os.path.join(work, "hidden20.mubi")
        subprocess.run([sys.executable, "-m", "mubi.export",
                        "--random", "uci_har", "--hidden", "20", "--seed", "1", "--out", odd], check=True,
                       capture_output=True)
        r = run(mubi, "run", odd, "--input", os.path.join(golden, "uci_har.input.f32"))
        if r.returncode != 3 or "no model type for this architecture" not in r.stderr or "hidden 20" not in r.stderr:
            failures.append(f"unknown architecture: rc {r.returncode} {r.stderr}")

        from mubi import quantize
        shipped = os.path.join(examples, "models", "uci_har.mubi")
        chosen, record = os.path.join(work, "sweep.int8.mubi"), os.path.join(work, "sweep.json")
        r = subprocess.run([sys.executable, os.path.join(studies, "int8_sweep.py"), shipped, "--calib", sample,
                            "--calib-split", "test", "--judge", sample, "--judge-split", "test", "--mubi", mubi,
                            "--input-percentiles", "95,100", "--conv-percentiles", "100",
                            "--cell-headrooms", "1", "--out", chosen, "--json", record],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"int8_sweep: rc {r.returncode} {r.stderr[-500:]}")
        else:
            with open(record) as f:
                rec = json.load(f)
            fpred = os.path.join(work, "float.pred")
            run(mubi, "eval", shipped, "--data", sample, "--predictions", fpred)
            float_labels = np.fromfile(fpred, np.uint8)
            with open(shipped, "rb") as f:
                float_blob = f.read()
            windows = quantize.calibration_windows(sample, "test", 2000)
            for row in rec["settings"]:
                blob = quantize.quantize_with_report(float_blob, windows, row["input_percentile"],
                                                     row["conv_percentile"], row["cell_headroom"])[0]
                agree = int(np.sum(int8_ref.forward_batch(blob, x).argmax(axis=1) == float_labels))
                if agree != row["agreeing"]:
                    failures.append(f"int8_sweep counted {row['agreeing']}, reference {agree}: {row}")
                if row == rec["chosen"]:
                    with open(chosen, "rb") as f:
                        if f.read() != blob:
                            failures.append("int8_sweep: the written blob is not quantize.py's")
            if rec["chosen"]["agreeing"] != max(row["agreeing"] for row in rec["settings"]):
                failures.append(f"int8_sweep chose {rec['chosen']}")

    failures += raw_checks(mubi, work)
    failures += degraded_eval(mubi, work)

    for f in failures:
        print("FAIL", f)
    print("cli checks:", "FAILED" if failures else "ok")
    return 1 if failures else 0


def degraded_eval(mubi, work):
    """`mubi eval --drop-every K --zero-channels LIST` against the same degradation built here
    from the recording: windows at hop 64 over the shipped 3,072-sample stream, every K-th
    sample of each window's timeline dropped and the window refilled from the samples that
    follow (the last sample held where the recording ends), the named channels zeroed; then
    `mubi run` on those windows gives the labels eval must report."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    stream = np.fromfile(os.path.join(root, "data", "uci_har_stream", "stream.f32"), "<f4").reshape(-1, 9)
    T, hop, K, zero = 128, 64, 5, [3, 4, 5]
    starts = range(0, len(stream) - T + 1, hop)
    data = os.path.join(work, "stream_windows")
    os.makedirs(data, exist_ok=True)
    np.stack([stream[s:s + T] for s in starts]).astype("<f4").tofile(os.path.join(data, "test_x.f32"))
    np.zeros(len(starts), np.uint8).tofile(os.path.join(data, "test_y.u8"))
    degraded, held = [], 0
    for s in starts:
        rest = stream[s:]
        kept = rest[[j for j in range(len(rest)) if (j + 1) % K != 0]][:T]
        if len(kept) < T:
            held += 1
            kept = np.concatenate([kept, np.repeat(kept[-1:], T - len(kept), axis=0)])
        kept = kept.copy()
        kept[:, zero] = 0
        degraded.append(kept)
    x = os.path.join(work, "degraded.f32")
    np.stack(degraded).astype("<f4").tofile(x)
    failures = []
    model = os.path.join(root, "models", "uci_har.mubi")
    want = run(mubi, "run", model, "--input", x, "--output", os.path.join(work, "degraded_logits.f32"))
    labels = np.fromfile(os.path.join(work, "degraded_logits.f32"), "<f4").reshape(-1, 6).argmax(axis=1)
    pred = os.path.join(work, "degraded.pred")
    got = run(mubi, "eval", model, "--data", data, "--drop-every", str(K), "--zero-channels", "3,4,5",
              "--predictions", pred)
    if want.returncode != 0 or got.returncode != 0 or not np.array_equal(np.fromfile(pred, np.uint8), labels):
        failures.append(f"eval --drop-every/--zero-channels: rc {got.returncode} {got.stderr} {want.stderr}")
    elif f"{len(starts) - held} windows refilled from the windows that follow, {held} by holding" not in got.stdout \
            or held == 0 or held == len(starts):
        failures.append(f"eval --drop-every: continuation counts ({held} held expected): {got.stdout}")
    bad = run(mubi, "eval", model, "--data", data, "--zero-channels", "9")
    if bad.returncode != 1 or "--zero-channels 9" not in bad.stderr:
        failures.append(f"eval --zero-channels 9 (9 channels): rc {bad.returncode} {bad.stderr}")
    if run(mubi, "eval", model, "--data", data, "--drop-every", "1").returncode != 1:
        failures.append("eval --drop-every 1 is not refused")
    print(f"degraded eval: {len(starts)} windows, {held} held; labels equal `mubi run` on the degraded windows")
    return failures


def raw_checks(mubi, work):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    data = os.path.join(root, "data", "uci_har_stream")
    raw, ref = os.path.join(data, "raw.f32"), os.path.join(data, "raw_features.f32")
    failures = []
    info = run(mubi, "info", os.path.join(root, "models", "uci_har_raw.int8.mubi"))
    if info.returncode != 0 or "blob v2" not in info.stdout or \
            "front end       6 raw channels -> 9, 5 stages, lag 1 samples" not in info.stdout:
        failures.append("info raw: " + info.stdout + info.stderr)
    features = os.path.join(work, "raw_features.f32")
    r = run(mubi, "frontend", os.path.join(root, "models", "uci_har_raw.mubi"), "--input", raw,
            "--output", features)
    want = np.fromfile(ref, "<f4").reshape(-1, 9)
    got = np.fromfile(features, "<f4").reshape(-1, 9) if r.returncode == 0 else None
    if got is None or got.shape != want.shape or np.abs(got - want).max() > 1e-4:
        failures.append(f"frontend: rc {r.returncode} {r.stdout} {r.stderr}")
    for name in ("uci_har_raw.mubi", "uci_har_raw.int8.mubi"):
        model = os.path.join(root, "models", name)
        scores = os.path.join(work, name + ".scores.f32")
        r = run(mubi, "stream", model, "--input", raw, "--output", scores)
        # The same windows (hop 64) of the reference features through `mubi run`.
        windows = np.stack([want[s:s + 128] for s in range(0, len(want) - 127, 64)])
        x = os.path.join(work, name + ".windows.f32")
        windows.astype("<f4").tofile(x)
        w = run(mubi, "run", model, "--input", x)
        stream_labels = [l for l in r.stdout.splitlines() if l.startswith("labels:")]
        run_labels = [l for l in w.stdout.splitlines() if l.startswith("labels:")]
        if r.returncode != 0 or w.returncode != 0 or stream_labels != run_labels or \
                len(np.fromfile(scores, "<f4")) != 6 * len(windows):
            failures.append(f"stream {name}: {r.stdout} {r.stderr} / run: {w.stdout} {w.stderr}")
        if "int8" in name and np.fromfile(scores, "<f4").tobytes() != \
                np.fromfile(os.path.join(data, "expected_raw_int8.f32"), "<f4").tobytes():
            failures.append("stream int8: the scores differ from expected_raw_int8.f32")
    failures += daphnet_frontend(mubi, root, work)
    r = run(mubi, "frontend", os.path.join(root, "models", "uci_har.mubi"), "--input", raw,
            "--output", os.path.join(work, "none.f32"))
    if r.returncode != 2 or "has no front end" not in r.stderr:
        failures.append(f"frontend without a front end: rc {r.returncode} {r.stderr}")
    return failures


def daphnet_frontend(mubi, root, work):
    """The Daphnet preset (a 4th-order Butterworth, 2 sections on 9 channels) written into the
    shipped Daphnet model by python/mubi/frontend.py, run by the C++ tool against the float64 stream."""
    if importlib.util.find_spec("scipy") is None:  # the preset's filter design
        print("skipped: the Daphnet front end needs scipy")
        return []
    from mubi import frontend
    with open(os.path.join(root, "models", "daphnet.mubi"), "rb") as f:
        blob = frontend.attach(f.read(), frontend.daphnet())
    model, raw = os.path.join(work, "daphnet_raw.mubi"), os.path.join(work, "daphnet_raw.f32")
    with open(model, "wb") as f:
        f.write(blob)
    t = np.arange(4000)[:, None]
    x = 1000 * np.sin(0.05 * t * (1 + np.arange(9))) + 300 * np.sign(np.sin(0.37 * t + np.arange(9)))
    x.astype("<f4").tofile(raw)
    out = os.path.join(work, "daphnet_features.f32")
    r = run(mubi, "frontend", model, "--input", raw, "--output", out)
    want = frontend.stream_all(frontend.of_blob(blob), np.fromfile(raw, "<f4").reshape(-1, 9))
    got = np.fromfile(out, "<f4").reshape(-1, 9) if r.returncode == 0 else None
    # mg-scale values (to 1,300): the bound is relative to float32's resolution there.
    if got is None or got.shape != want.shape or np.abs(got - want).max() > 1e-6 * 1300:
        return [f"frontend daphnet: rc {r.returncode} {r.stdout} {r.stderr} "
                f"{None if got is None else np.abs(got - want).max()}"]
    print(f"daphnet front end: max |C++ - float64| {np.abs(got - want).max():.3g} (values to 1,300)")
    return []


if __name__ == "__main__":
    sys.exit(main())
