"""Write the shipped demo sample of real UCI-HAR test windows (examples/data/uci_har_sample/).

    /usr/bin/python3 -m mubi_train.sample_windows [--root ../shared/data] [--out examples/data/uci_har_sample]

40 real test windows per class (240 in all) from the 950 UCI-HAR test windows of
shared/data/uci_har_subset, chosen deterministically and spread over the 9 test subjects: per
class the 40 are shared out as evenly as the subjects' windows allow, and within a subject the
windows are taken evenly spaced in recording order. The result is a window dataset directory
(python/mubi/datasets.py layout) with the single split "test" (test_x.f32 240 x 128 x 9 raw float32,
test_y.u8, test_subject.u8), a meta.json and a README.md with the dataset's attribution.
"""

import argparse
import os
import sys

import numpy as np

from mubi import datasets

PER_CLASS = 40


def allocate(counts, total):
    """Share `total` over groups with the given sizes as evenly as possible (deterministic)."""
    take = np.zeros(len(counts), dtype=int)
    left = total
    while left > 0:
        room = [i for i in range(len(counts)) if take[i] < counts[i]]
        if not room:
            raise ValueError("not enough windows")
        # One more to each group with room, fewest-taken first, then largest group, then order.
        room.sort(key=lambda i: (take[i], -counts[i], i))
        for i in room[:left]:
            take[i] += 1
        left -= min(left, len(room))
    return take


def choose(y, subject, classes, per_class=PER_CLASS):
    chosen = []
    for c in range(classes):
        idx = np.flatnonzero(y == c)
        subjects = sorted(set(subject[idx].tolist()))
        groups = [idx[subject[idx] == s] for s in subjects]
        take = allocate([len(g) for g in groups], per_class)
        for g, k in zip(groups, take):
            if k:
                chosen.extend(g[np.round(np.linspace(0, len(g) - 1, k)).astype(int)].tolist())
    return np.array(sorted(chosen))


README = """# UCI-HAR sample: 240 real test windows

Real windows of the UCI-HAR dataset ("Human Activity Recognition Using Smartphones"), shipped
so the demo and the tests can classify real data without the full dataset. Written by
`python/mubi_train/sample_windows.py` from `shared/data/uci_har_subset` (which holds 950 of the 2947
official test windows); see `meta.json` for the exact source windows (`source_indices`).

- `test_x.f32`: 240 windows x 128 samples x 9 channels, little-endian float32, time-major, raw
  units (body_acc xyz and total_acc xyz in g, body_gyro xyz in rad/s), 50 Hz; as published
  (values with 4 significant digits), not normalized.
- `test_y.u8`: class 0..5 = WALKING, WALKING_UPSTAIRS, WALKING_DOWNSTAIRS, SITTING, STANDING,
  LAYING (40 windows each).
- `test_subject.u8`: volunteer 2, 4, 9, 10, 12, 13, 18, 20 or 24 (the official test subjects;
  not in the published files: derived by matching each window against the raw HAPT streams
  of the same volunteers).

None of these windows or subjects was used to train or select the shipped model.

## Attribution and licence

Dataset: J. L. Reyes-Ortiz, D. Anguita, A. Ghio, L. Oneto, X. Parra. Human Activity Recognition
Using Smartphones. UCI Machine Learning Repository, dataset 240.

Licence: the UCI Machine Learning Repository lists this dataset under the Creative Commons
Attribution 4.0 International licence (CC BY 4.0). The README.txt shipped inside the dataset
also says that the dataset is "distributed AS-IS" and that "Any commercial use is prohibited",
and asks that publications using it cite:

> D. Anguita, A. Ghio, L. Oneto, X. Parra, J. L. Reyes-Ortiz. *A Public Domain Dataset for
> Human Activity Recognition Using Smartphones.* 21st European Symposium on Artificial Neural
> Networks, Computational Intelligence and Machine Learning (ESANN 2013), Bruges, Belgium.

Changes made here: a selection of 240 windows; the text files were converted to binary float32.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=datasets.DEFAULT_ROOT, help="shared/data folder")
    parser.add_argument("--out", default=os.path.join("examples", "data",
                                                      "uci_har_sample"))
    args = parser.parse_args(argv)

    x = datasets.load(args.root, "uci_har_subset", "test_x")
    y = datasets.load(args.root, "uci_har_subset", "test_y")
    s = datasets.load(args.root, "uci_har_subset", "test_subject")
    pick = choose(y, s, len(datasets.UCI_CLASSES))
    info = datasets.read_meta(args.root, "uci_har_subset")
    meta = dict(
        name="uci_har_sample",
        description=f"{len(pick)} real UCI-HAR test windows ({PER_CLASS} per class) from the 950 "
                    "test windows of shared/data/uci_har_subset, spread over the 9 official test "
                    "subjects; for the demo and tests.",
        classes=datasets.UCI_CLASSES, channels=datasets.UCI_CHANNELS, units=datasets.UCI_UNITS,
        sampling_rate_hz=datasets.UCI_FS,
        source=datasets.input_record(args.root, "uci_har_subset",
                                     ["test_x", "test_y", "test_subject"]),
        source_indices=[int(i) for i in pick],
        publisher=info["publisher"], license=info["license"], citation=info["citation"],
        how_made="python/mubi_train/sample_windows.py: per class, 40 windows shared out evenly over the test "
                 "subjects, evenly spaced within a subject; kept in source order.",
        subject_encoding="subject id 1..30 as uint8")
    written = datasets.write_dataset(args.out, {"test": (x[pick], y[pick], s[pick])}, meta)
    with open(os.path.join(args.out, "README.md"), "w") as fh:
        fh.write(README)
    split = written["splits"]["test"]
    print(f"{args.out}: {split['windows']} windows, per class {list(split['per_class'].values())}, "
          f"subjects {split['subjects']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
