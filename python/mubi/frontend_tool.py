"""Front ends on the command line: attach a preset to a model blob, run a stored front end.

    /usr/bin/python3 -m mubi.frontend_tool attach examples/models/uci_har.mubi --preset uci_har \
        --out uci_har_raw.mubi            # the preset the UCI-HAR datasets are made with
    /usr/bin/python3 -m mubi.frontend_tool run uci_har_raw.mubi --input raw.f32 --output features.f32

`run` is the float64 sample-by-sample reference (mubi.frontend.stream_all) of the C++
`mubi frontend`; `attach --preset uci_har` fits the noise filter on ../shared/data
(mubi.datasets.fit_noise_filter), as the training windows were made.
"""
import argparse
import sys

import numpy as np

from . import datasets
from . import frontend

PRESETS = {"uci_har": lambda root: frontend.uci_har(datasets.fit_noise_filter(root)),
           "daphnet": lambda root: frontend.daphnet()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("attach", help="write MODEL with a front end (needs shared/data for uci_har)")
    a.add_argument("model")
    a.add_argument("--preset", choices=sorted(PRESETS), required=True)
    a.add_argument("--root", default=datasets.DEFAULT_ROOT)
    a.add_argument("--out", required=True)
    r = sub.add_parser("run", help="the stored front end, sample by sample (float64 reference)")
    r.add_argument("model")
    r.add_argument("--input", required=True, help="N x raw channels, float32, time-major")
    r.add_argument("--output", required=True, help="(N - lag) x model channels, float32")
    args = parser.parse_args(argv)
    with open(args.model, "rb") as f:
        blob = f.read()
    if args.command == "attach":
        out = frontend.attach(blob, PRESETS[args.preset](args.root))
        with open(args.out, "wb") as f:
            f.write(out)
        print(f"{args.out}: {len(out)} bytes ({len(out) - len(blob)} for the front end)")
    else:
        fe = frontend.of_blob(blob)
        if fe is None:
            parser.error(f"{args.model} has no front end")
        raw = np.fromfile(args.input, "<f4").reshape(-1, fe.raw_channels)
        frontend.stream_all(fe, raw).astype("<f4").tofile(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

