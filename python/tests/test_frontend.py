"""Checks the front-end description (python/mubi/frontend.py) and its blob form (numpy + scipy).

pytest (numpy + scipy):

  - the sample-by-sample reference equals the batch form used for training (scipy medfilt /
    lfilter / sosfilt), lagged by the medians' delay, on the shipped raw excerpt and on
    random signals;
  - the front end stored in examples/models/uci_har_raw.mubi, run on the shipped raw excerpt
    (examples/data/uci_har_stream/raw.f32), gives the shipped raw_features.f32, and once its
    filters have settled (the last 20 s) the training rebuild's channels (stream.f32) within
    1e-6: the blob carries the preprocessing the model was trained on;
  - a description survives the blob round trip (records, float32 taps, float64 sections,
    channel map), the int8 blob carries the same front end, and the model part of a blob with
    a front end is the blob without one, byte for byte;
  - malformed descriptions are refused: even median, unstable or non-finite sections,
    non-finite taps, channel ranges and Select indices out of range, a front end whose output
    does not match the model's channels.
"""
import os

import numpy as np

import pytest

pytest.importorskip("scipy.signal", reason="the front-end designs need python3-scipy")

from mubi import blob as blob_format  # noqa: E402
from mubi import frontend  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODELS = os.path.join(REPO, "examples", "models")
STREAM = os.path.join(REPO, "examples", "data", "uci_har_stream")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def refused(make):
    try:
        make()
    except ValueError:
        return True
    return False


def frontend_failures():
    failures = []
    blob = read(os.path.join(MODELS, "uci_har_raw.mubi"))
    fe = frontend.of_blob(blob)
    lag = frontend.lag(fe)
    raw = np.fromfile(os.path.join(STREAM, "raw.f32"), "<f4").reshape(-1, 6)

    # Streaming reference == batch form, on real and on random signals (with a Daphnet-like
    # cascade and a median of 5 for other delays).
    rng = np.random.default_rng(7)
    cases = [(fe, raw), (frontend.daphnet(), rng.normal(size=(700, 9)) * 100),
             (frontend.FrontEnd(2, [frontend.Median(5), frontend.Select([1, 0, 1]),
                                    frontend.Fir(rng.normal(size=7), 1, 2),
                                    frontend.Iir(0, 2, sos=frontend.daphnet().stages[0].sos)]),
              rng.normal(size=(400, 2)))]
    for k, (f, x) in enumerate(cases):
        batch = frontend.apply(f, x)
        stream = frontend.stream_all(f, x)
        n = len(x) - frontend.lag(f)
        if stream.shape != (n, batch.shape[1]) or np.abs(stream - batch[:n]).max() > 1e-9:
            failures.append(f"case {k}: stream vs batch {np.abs(stream - batch[:n]).max():.3g}")

    features = np.fromfile(os.path.join(STREAM, "raw_features.f32"), "<f4").reshape(-1, 9)
    ours = frontend.stream_all(fe, raw)
    if ours.shape != features.shape or np.abs(ours - features).max() > 1e-6:
        failures.append("the shipped front end does not give raw_features.f32")
    rebuilt = np.fromfile(os.path.join(STREAM, "stream.f32"), "<f4").reshape(-1, 9)
    settled = slice(len(rebuilt) - 1000, len(rebuilt))  # after 41 s (docs/frontend.md, start-up)
    if np.abs(ours[settled] - rebuilt[settled]).max() > 1e-6:
        failures.append(f"settled front end vs the training rebuild: "
                        f"{np.abs(ours[settled] - rebuilt[settled]).max():.3g}")
    if lag != 1 or len(raw) != len(rebuilt) + lag:
        failures.append(f"lag {lag}, raw rows {len(raw)}, stream rows {len(rebuilt)}")

    # Blob round trip and the model part.
    records, tensors = frontend.records_and_tensors(fe)
    back = frontend.of_blob(blob_format.pack_blob(*blob_format.join_frontend(
        records, tensors, [(blob_format.INPUT, 0, 0, 0, 128, 9)], [])))
    if frontend.records_and_tensors(back)[0] != records:
        failures.append("records differ after the round trip")
    for (_, role, a), (_, _, b) in zip(tensors, frontend.records_and_tensors(back)[1]):
        want = a.astype(np.float64 if role in blob_format.F64_ROLES else np.float32)
        if not np.array_equal(want.astype(np.float64), np.asarray(b, np.float64)):
            failures.append(f"tensor {blob_format.ROLE_NAMES[role]} differs after the round trip")
    for name in ("uci_har", "uci_har.int8"):
        with_fe = read(os.path.join(MODELS, name.replace("uci_har", "uci_har_raw") + ".mubi"))
        plain = read(os.path.join(MODELS, name + ".mubi"))
        dtype, layers, tensors = blob_format.unpack_model(with_fe)
        if blob_format.pack_blob(layers, tensors, dtype=dtype) != plain:
            failures.append(f"{name}: the model part is not the blob without a front end")
        if frontend.records_and_tensors(frontend.of_blob(with_fe))[0] != records:
            failures.append(f"{name}: another front end")
        if with_fe[4] != blob_format.VERSION_FRONTEND or plain[4] != blob_format.VERSION:
            failures.append(f"{name}: versions {with_fe[4]} / {plain[4]}")

    # Refusals.
    sos = fe.stages[3].sections()
    unstable = sos.copy()
    unstable[0, 5] = 1.0  # a pole on the unit circle
    bad = {
        "even median": frontend.FrontEnd(6, [frontend.Median(4)]),
        "unstable section": frontend.FrontEnd(6, [frontend.Iir(0, 3, sos=unstable)]),
        "non-finite section": frontend.FrontEnd(6, [frontend.Iir(0, 3, sos=sos * np.nan)]),
        "non-finite taps": frontend.FrontEnd(6, [frontend.Fir(np.array([1.0, np.inf]), 0, 6)]),
        "channels past the bank": frontend.FrontEnd(6, [frontend.Fir(np.ones(3), 4, 3)]),
        "Select out of range": frontend.FrontEnd(6, [frontend.Select([0, 6])]),
    }
    for what, f in bad.items():
        if not refused(lambda: frontend.records_and_tensors(f)):
            failures.append(f"not refused: {what}")
    if not refused(lambda: frontend.attach(read(os.path.join(MODELS, "uci_har.mubi")),
                                           frontend.FrontEnd(6, [frontend.Median(3)]))):
        failures.append("not refused: a front end of 6 channels for a 9-channel model")
    if not refused(lambda: frontend.attach(blob, fe)):
        failures.append("not refused: a second front end")

    return failures


def test_frontend_description_stream_blob_form_and_refusals():
    failures = frontend_failures()
    assert not failures, "\n".join(failures)
