"""mubi.Model (the pybind11 extension) against the C++ `mubi` tool and the blob checks.

Run by CTest (`python.native`) with PYTHONPATH=<build>/python and MUBI_CLI=<the mubi tool>.
"""
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

import mubi

try:
    importlib.import_module("mubi._native")
except ImportError:
    if os.environ.get("MUBI_NATIVE_REQUIRED"):  # CMake built it: it must load
        raise
    pytest.skip("the extension mubi._native is not built (README, From Python)", allow_module_level=True)

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODELS = os.path.join(REPO, "examples", "models")
WINDOWS = os.path.join(REPO, "examples", "data", "uci_har_sample", "test_x.f32")


def windows():
    return np.fromfile(WINDOWS, "<f4").reshape(-1, 128, 9)


def cli_logits(model, x, tmp_path):
    path_in, path_out = tmp_path / "x.f32", tmp_path / "y.f32"
    x.astype("<f4").tofile(path_in)
    subprocess.run([os.environ["MUBI_CLI"], "run", model, "--input", str(path_in), "--output",
                    str(path_out)], check=True, capture_output=True)
    return np.fromfile(path_out, "<f4").reshape(len(x), -1)


def test_import_needs_neither_torch_nor_scipy():
    code = ("import sys, mubi; bad = [m for m in ('torch', 'scipy') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], env=dict(os.environ)).returncode == 0


@pytest.mark.parametrize("name", ["uci_har.mubi", "uci_har.int8.mubi", "uci_har_raw.int8.mubi"])
def test_predict_equals_the_cli_bit_for_bit(name, tmp_path):
    path = os.path.join(MODELS, name)
    model = mubi.Model(path)
    x = windows()
    got = model.predict(x)
    assert got.dtype == np.float32 and got.shape == (240, 6)
    assert got.tobytes() == cli_logits(path, x, tmp_path).tobytes()
    assert model.predict(x, workers=1).tobytes() == got.tobytes()  # any worker count, same bits
    assert model.predict(x[:1]).tobytes() == got[:1].tobytes()


def test_info_and_shape():
    model = mubi.Model(os.path.join(MODELS, "uci_har_raw.int8.mubi"))
    info = model.info()
    assert (model.window, model.channels, model.classes) == (128, 9, 6)
    assert info["dtype"] == "int8" and info["blob_bytes"] == 12832 and info["raw_channels"] == 6
    assert mubi.Model(os.path.join(MODELS, "uci_har.mubi")).info()["parameters"] == 10390  # folded


def test_refused_blobs_raise_load_error_with_the_status(tmp_path):
    blob = open(os.path.join(MODELS, "uci_har.int8.mubi"), "rb").read()
    cases = {"truncated": blob[:100], "bad_magic": b"X" + blob[1:],
             "bad_checksum": blob[:5000] + bytes([blob[5000] ^ 1]) + blob[5001:]}
    for status, data in cases.items():
        path = tmp_path / (status + ".mubi")
        path.write_bytes(data)
        with pytest.raises(mubi.LoadError) as e:
            mubi.Model(str(path))
        assert e.value.status == status and status in str(e.value)
        assert status in mubi.status_names()
    with pytest.raises(ValueError):
        mubi.Model(str(tmp_path / "missing.mubi"))


def test_wrong_inputs_raise_and_never_crash():
    model = mubi.Model(os.path.join(MODELS, "uci_har.mubi"))
    x = windows()
    with pytest.raises(TypeError):
        model.predict(x.astype(np.float64))
    with pytest.raises(TypeError):
        model.predict(x.astype(np.int32))
    for bad in (x[:, :64], x[:, :, :3], x[0], x.reshape(240, -1)):
        with pytest.raises(ValueError):
            model.predict(bad)
    strided = np.asfortranarray(x)  # not C-contiguous: copied, same result
    assert model.predict(strided).tobytes() == model.predict(x).tobytes()
    assert model.predict(x[:0]).shape == (0, 6)
