"""Choose an int8 calibration by agreement with float on training windows, never on test.

    /usr/bin/python3 studies/int8_sweep.py examples/models/uci_har.mubi \
        --calib ../shared/data/uci_har_subset --judge data/uci_har_rebuilt \
        --mubi build/demo/examples/mubi [--out examples/models/uci_har.int8.mubi] [--json F]

For every combination of input percentile, conv percentile and cell headroom (the options of
python/mubi/quantize.py) it quantizes the float blob with calibration windows from --calib
(train split), runs the C++ `mubi eval --predictions` of the float and the int8 blob on the
--judge directory (train split), and counts the windows whose int8 label equals the float
label. The best setting has the most agreeing windows; a tie goes to the setting with fewer
departures from quantize.py's defaults, then to the earlier one in the grid. --out writes
its blob. The UCI-HAR int8 model is chosen this way (docs/int8.md).
"""

import argparse
import itertools
import json
import os
import sys
import tempfile

import numpy as np

import int8_report  # studies/int8_report.py, beside this script
from mubi import quantize

DEFAULTS = (quantize.DEFAULT_INPUT_PERCENTILE, quantize.DEFAULT_CONV_PERCENTILE,
            quantize.DEFAULT_CELL_HEADROOM)


def floats(text):
    return [float(v) for v in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="folded float32 blob")
    parser.add_argument("--calib", required=True, help="calibration window directory")
    parser.add_argument("--calib-split", default="train")
    parser.add_argument("--judge", required=True, help="window directory that judges")
    parser.add_argument("--judge-split", default="train", help="never a test split for a choice")
    parser.add_argument("--mubi", required=True, help="the mubi command-line tool")
    parser.add_argument("--max-windows", type=int, default=2000)
    parser.add_argument("--input-percentiles", type=floats, default=[99.9, 99.99, 100.0])
    parser.add_argument("--conv-percentiles", type=floats, default=[99.99, 100.0])
    parser.add_argument("--cell-headrooms", type=floats, default=[1.0, 1.5, 2.0])
    parser.add_argument("--out", help="write the chosen int8 blob here")
    parser.add_argument("--json", help="write every setting's agreement here")
    args = parser.parse_args(argv)

    with open(args.model, "rb") as fh:
        float_blob = fh.read()
    windows = quantize.calibration_windows(args.calib, args.calib_split, args.max_windows)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        _, float_pred = int8_report.mubi_eval(args.mubi, args.model, args.judge, args.judge_split,
                                              tmp)
        grid = itertools.product(args.input_percentiles, args.conv_percentiles,
                                 args.cell_headrooms)
        for order, setting in enumerate(grid):
            blob = quantize.quantize_with_report(float_blob, windows, *setting)[0]
            path = os.path.join(tmp, f"setting{order}.mubi")
            with open(path, "wb") as fh:
                fh.write(blob)
            _, pred = int8_report.mubi_eval(args.mubi, path, args.judge, args.judge_split, tmp)
            agree = int(np.sum(pred == float_pred))
            rows.append(dict(input_percentile=setting[0], conv_percentile=setting[1],
                             cell_headroom=setting[2], agreeing=agree, windows=len(float_pred),
                             departures=sum(a != b for a, b in zip(setting, DEFAULTS)),
                             order=order, blob=blob))
            print(f"input {setting[0]:g} conv {setting[1]:g} headroom {setting[2]:g}: "
                  f"{agree} / {len(float_pred)} windows agree", flush=True)
    best = max(rows, key=lambda r: (r["agreeing"], -r["departures"], -r["order"]))
    print(f"chosen: --input-percentile {best['input_percentile']:g} --conv-percentile "
          f"{best['conv_percentile']:g} --cell-headroom {best['cell_headroom']:g} "
          f"({best['agreeing']} / {best['windows']})")
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(best["blob"])
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(model=args.model, calibration=f"{args.calib} ({args.calib_split})",
                           judged_on=f"{args.judge} ({args.judge_split})",
                           settings=[{k: v for k, v in r.items() if k != "blob"} for r in rows],
                           chosen={k: v for k, v in best.items() if k != "blob"}), fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
