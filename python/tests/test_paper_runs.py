"""A smoke test of issue 23's training plan (studies/paper_runs.py) on a tiny synthetic dataset
(needs Debian's python3-torch; the C++ half needs the `mubi` tool, MUBI_CLI; about 30 s).

pytest (skipped without torch):
  - every network of the plan (A0-A4 and the 24/32 width) trains for one epoch with exactly
    the options paper_runs.py gives it, and its record names that network;
  - where the `mubi` tool is built, the C++ `mubi eval` runs each exported blob and agrees
    with PyTorch on every test window (python -m mubi.compare_eval), so each ablation the
    tables report is an architecture the C++ library compiles and runs as trained.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch", reason="training needs Debian's python3-torch")

from test_train import make_dataset  # noqa: E402  (pytest puts this directory on the path)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def paper_runs():
    spec = importlib.util.spec_from_file_location("paper_runs", os.path.join(REPO, "studies", "paper_runs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("variant", list(paper_runs().VARIANT_ARGS))
def test_plan_network_trains_and_runs_in_cpp(tmp_path, variant):
    plan = paper_runs()
    data = str(tmp_path / "tiny128")
    # The paper's MotionSense shape (128 x 6, 6 classes): 4 training subjects, 1 test subject.
    make_dataset(data, window=128, channels=6, train=range(1, 5), test=(5,), per_class=4, offset=1.5, seed=11)
    out, cmd = plan.job(data, variant, 1)
    out = str(tmp_path / os.path.basename(out))
    cmd = cmd[:cmd.index("--out")] + ["--out", out] + cmd[cmd.index("--out") + 2:]
    r = subprocess.run(cmd + ["--epochs", "1", "--batch", "16"], capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(os.path.join(out, "metrics.json")) as fh:
        config = json.load(fh)["model_config"]
    if variant == "W24_32":
        assert (config["filters"], config["hidden"], config["variant"]) == (24, 32, "A0")
    else:
        assert (config["filters"], config["hidden"], config["variant"]) == (16, 24, variant)
    mubi = os.environ.get("MUBI_CLI")
    if not mubi:
        pytest.skip("MUBI_CLI not set: the C++ half is not checked")
    r = subprocess.run([sys.executable, "-m", "mubi.compare_eval", "--mubi", mubi, "--checkpoint",
                        os.path.join(out, "model.pt"), "--blob", os.path.join(out, "model.mubi"), "--data", data],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
