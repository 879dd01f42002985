"""mubi.datasets' MotionSense preparation on the real data (skipped where ../shared/data is not
there): windows of 128 x 6 at hop 64 inside each recording, the recording's activity as the
label, the fixed test subjects, and the two channel sets (total = gravity + user acceleration)."""
import os

import numpy as np
import pytest

from mubi import datasets

ROOT = os.environ.get("MUBI_DATA_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
pytestmark = pytest.mark.skipif(not os.path.isdir(os.path.join(ROOT, "motionsense")),
                                reason="../shared/data/motionsense is not on this machine")


def test_motionsense_windows_labels_subjects_and_channel_sets(tmp_path):
    user = datasets.prepare_motionsense(ROOT, str(tmp_path / "u"), "user_acc_gyro")
    total = datasets.prepare_motionsense(ROOT, str(tmp_path / "t"), "total_acc_gyro")
    recordings = datasets.load(ROOT, "motionsense", "recordings")
    signals = datasets.load(ROOT, "motionsense", "signals")
    per_recording = [(int(n) - 128) // 64 + 1 if n >= 128 else 0 for n in recordings[:, 4]]
    x_tr, y_tr, s_tr, meta = datasets.read_split(str(tmp_path / "u"), "train")
    x_te, y_te, s_te, _ = datasets.read_split(str(tmp_path / "u"), "test")
    assert x_tr.shape[1:] == (128, 6) and meta["classes_count"] == 6
    # The authors' label order (ACT_LABELS: dws, ups, wlk, jog, std, sit), by name.
    assert meta["classes"] == ["walking downstairs", "walking upstairs", "walking", "jogging",
                               "standing", "sitting"]
    assert len(x_tr) + len(x_te) == sum(per_recording)
    assert set(s_te.tolist()) == set(datasets.MOTIONSENSE_TEST_SUBJECTS)
    assert not set(s_tr.tolist()) & set(datasets.MOTIONSENSE_TEST_SUBJECTS)
    # The first window of the first recording: rows 0..127 of its channels.
    subj, act, _, first, _ = recordings[0]
    split_x, split_y = (x_te, y_te) if subj in datasets.MOTIONSENSE_TEST_SUBJECTS else (x_tr, y_tr)
    rows = signals[first:first + 128]
    assert np.array_equal(split_x[0], np.concatenate([rows[:, 6:9], rows[:, 3:6]], axis=1))
    assert split_y[0] == act
    xt, _, _, _ = datasets.read_split(str(tmp_path / "t"), "test" if subj in datasets.MOTIONSENSE_TEST_SUBJECTS
                                      else "train")
    assert np.array_equal(xt[0][:, :3], (rows[:, 0:3] + rows[:, 6:9]).astype(np.float32))
    assert user["channels"] != total["channels"]
