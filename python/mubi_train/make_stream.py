"""Write a continuous real sensor stream for the streaming runner's tests and the MCU firmware.

    /usr/bin/python3 -m mubi_train.make_stream [--subject 2] [--samples 3072] \
        [--out examples/data/uci_har_stream]

From the raw HAPT recording of one official UCI-HAR *test* volunteer, rebuilt into the 9
UCI-HAR channels by python/mubi/datasets.py (rebuild_recording, the method that reproduces the
published windows), it takes `--samples` consecutive samples (50 Hz) starting at the first
activity segment (of the volunteer's recordings) after which the span covers the most
distinct activities (walking ones preferred), so the stream crosses several activities and the transitions between
them. Writes stream.f32 (samples x 9, little-endian float32, time-major, raw units)
and labels.u8 (per-sample activity 0..5, 255 where HAPT labels no activity or a
postural transition), plus meta.json with the provenance.

With --raw-model MODEL (a blob with a front end, python/mubi/frontend.py attach) it also writes
the same span as the phone recorded it, for the raw front end: raw.f32 ((samples + lag) x 6,
acc in g and gyro in rad/s, the rows from first_row on) and raw_features.f32 (samples x 9:
the blob's front end run sample by sample from zero state on raw.f32, python/mubi/frontend.py's
float64 reference; row k sits at row k of stream.f32 and equals it once the filters settle).
"""

import argparse
import json
import os

import numpy as np

from mubi import frontend
from mubi import datasets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=datasets.DEFAULT_ROOT)
    parser.add_argument("--subject", type=int, default=2)
    parser.add_argument("--samples", type=int, default=3072)
    parser.add_argument("--raw-model", help="also write raw.f32 / raw_features.f32 (see above)")
    parser.add_argument("--out", default=os.path.join("examples", "data", "uci_har_stream"))
    args = parser.parse_args()

    _, test_subjects = datasets.uci_split_subjects(args.root)
    if args.subject not in test_subjects:
        raise SystemExit(f"subject {args.subject} is not an official UCI-HAR test subject {test_subjects}")
    sig = datasets.load(args.root, "uci_hapt_raw", "signals")
    exps = {int(e): (int(r0), int(n)) for e, _, r0, n in datasets.load(args.root, "uci_hapt_raw", "experiments")}
    segments = datasets.load(args.root, "uci_hapt_raw", "segments")
    mine = segments[segments[:, 1] == args.subject]

    def labels_of(e):
        labels = np.full(exps[e][1], 255, dtype=np.uint8)
        for _, _, act, first, last in segments[segments[:, 0] == e]:
            if act <= 6:
                labels[int(first) - 1:int(last)] = act - 1
        return labels

    best = None  # (score, experiment, start)
    for e in sorted(set(int(v) for v in mine[:, 0])):
        labels = labels_of(e)
        for first in mine[mine[:, 0] == e][:, 3]:
            s = int(first) - 1
            if s + args.samples <= len(labels):
                present = set(labels[s:s + args.samples].tolist()) - {255}
                score = (len(present), len(present & {0, 1, 2}), -s)  # most activities, walking ones first
                if best is None or score > best[0]:
                    best = (score, e, s)
    if best is None:
        raise SystemExit("no recording of this volunteer is long enough")
    _, experiment, start = best
    stop = start + args.samples
    r0, n = exps[experiment]
    rec = datasets.rebuild_recording(sig[r0:r0 + n], datasets.fit_noise_filter(args.root))
    labels = labels_of(experiment)

    os.makedirs(args.out, exist_ok=True)
    rec[start:stop].astype("<f4").tofile(os.path.join(args.out, "stream.f32"))
    labels[start:stop].tofile(os.path.join(args.out, "labels.u8"))
    if args.raw_model:
        with open(args.raw_model, "rb") as f:
            fe = frontend.of_blob(f.read())
        raw = sig[r0 + start:r0 + stop + frontend.lag(fe)]
        raw.astype("<f4").tofile(os.path.join(args.out, "raw.f32"))
        features = frontend.stream_all(fe, raw)
        features.astype("<f4").tofile(os.path.join(args.out, "raw_features.f32"))
        settled = np.abs(features - rec[start:stop]).max(axis=1)
        print("raw front end vs the rebuild, max |difference| per 10 s: " + " ".join(
            f"{settled[k:k + 500].max():.1e}" for k in range(0, args.samples, 500)))
    meta = dict(source="shared/data/uci_hapt_raw (UCI HAPT, the raw streams of UCI-HAR)",
                subject=args.subject, experiment=experiment, first_row=start, samples=args.samples,
                rate_hz=datasets.UCI_FS, channels=datasets.UCI_CHANNELS, units=datasets.UCI_UNITS,
                classes=datasets.UCI_CLASSES, label_none=255,
                made_by="python/mubi_train/make_stream.py (datasets.rebuild_recording, method 'fitted')")
    if args.raw_model:
        meta.update(raw_rows=len(raw), raw_channels=frontend.UCI_RAW,
                    raw_model=os.path.basename(args.raw_model), front_end_lag=frontend.lag(fe))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    present = sorted(set(labels[start:stop].tolist()))
    print(f"subject {args.subject}, experiment {experiment}, rows {start}..{stop}: labels {present}")


if __name__ == "__main__":
    main()
