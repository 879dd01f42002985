"""Study inputs, outside the spec: a window dataset directory derived from another one.

    /usr/bin/python3 -m mubi_train.derive_data --data data/uci_har_rebuilt \
        --compand body_gyro_x,body_gyro_y,body_gyro_z --scale 0.01 --out data/uci_har_rebuilt_compand
    /usr/bin/python3 -m mubi_train.derive_data --data data/uci_har_subset \
        --keep-classes SITTING,STANDING --out data/uci_har_subset_sitstand

--compand: each named channel x becomes scale * sign(x) * log(1 + |x| / scale), in every
split: linear below `scale`, logarithmic above, so a postural sway of a few hundredths of a
rad/s is no longer 10-50 times smaller than walking (docs/training.md, "Why sitting and
standing stay wrong"). --keep-classes: only the windows of the named classes, relabelled
0..k-1 in the dataset's class order. A network trained on such a directory expects that
input, which the C++ library does not compute: these exist to measure what an input or a
narrower task is worth, not to ship.
"""

import argparse
import os

import numpy as np

from mubi import datasets


def compand(x, channel_ids, scale):
    """A copy of x (N, T, C) with the given channels companded (see the module docstring)."""
    out = np.array(x, dtype=np.float32, copy=True)
    v = out[:, :, channel_ids].astype(np.float64)
    out[:, :, channel_ids] = scale * np.sign(v) * np.log1p(np.abs(v) / scale)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--compand", default=None, help="comma-separated channel names")
    p.add_argument("--scale", type=float, default=0.01, help="where the log takes over (> 0)")
    p.add_argument("--keep-classes", default=None, help="comma-separated class names")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if not args.scale > 0:
        p.error("--scale must be > 0")
    _, _, _, meta = datasets.read_split(args.data, "train")
    derived = dict(source=args.data,
                   note="study input outside the spec; the C++ library takes raw values")

    channel_ids = datasets.name_ids(p, "--compand", args.compand, meta.get("channels", [])) \
        if args.compand else []
    if channel_ids:
        derived["companded"] = dict(channels=[meta["channels"][i] for i in channel_ids],
                                    scale=args.scale,
                                    transform="scale * sign(x) * log(1 + |x| / scale)")
    class_ids = datasets.name_ids(p, "--keep-classes", args.keep_classes, meta["classes"]) \
        if args.keep_classes else list(range(len(meta["classes"])))
    if args.keep_classes:
        derived["kept_classes"] = [meta["classes"][i] for i in class_ids]
    splits = {}
    for split in meta["splits"]:
        x, y, s, _ = datasets.read_split(args.data, split)
        keep = np.isin(y, class_ids)
        splits[split] = (compand(x[keep], channel_ids, args.scale) if channel_ids else x[keep],
                         np.searchsorted(class_ids, y[keep]).astype(np.uint8), s[keep])
    out_meta = {k: v for k, v in meta.items() if k not in
                ("files", "splits", "window", "channels_count", "classes_count", "layout")}
    out_meta.update(name=os.path.basename(os.path.normpath(args.out)),
                    classes=[meta["classes"][i] for i in class_ids], derived=derived)
    datasets.write_dataset(args.out, splits, out_meta)
    print(f"wrote {args.out}: {', '.join(f'{k} {len(v[1])}' for k, v in splits.items())} "
          f"windows; {derived}")


if __name__ == "__main__":
    main()
