"""The int8 parameter layouts are one layout in two languages: the C++ views
(include/mubi/core/quant_params.hpp, printed by the quant_layout program) and the Python
dataclasses (python/mubi/quant_params.py) give every field the same offset, in the same order, and the
same tensor size; the shipped int8 blob's tensors unpack and pack back unchanged.

pytest, with MUBI_QUANT_LAYOUT=the quant_layout program (python/tests/quant_layout.cpp; CMake sets it).
"""
import os
import subprocess

import numpy as np

import pytest

from mubi import blob as blob_format
from mubi import quant_params as q8_params

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def layout_failures(binary):
    out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
    failures, lines = [], out.splitlines()
    for line in lines:
        words = line.split()
        cls, n = getattr(q8_params, words[0]), int(words[1])
        cpp = [(words[k], int(words[k + 1])) for k in range(2, len(words), 2)]
        layout = cls.layout(n)
        py = [(name, layout[name][0]) for name, _ in cls.lengths(n)] + [("size", layout["size"])]
        if cpp != py:
            failures.append(f"{words[0]}({n}): C++ {cpp} vs Python {py}")
    if len(lines) != 9:
        failures.append(f"expected 9 layouts, got {len(lines)}")
    # The shipped blob through the dataclasses: unpack, pack, the same bytes.
    with open(os.path.join(REPO, "examples", "models", "uci_har.int8.mubi"), "rb") as f:
        _, _, tensors = blob_format.unpack_blob(f.read())
    kinds = {blob_format.ROLE_QUANT_INPUT: q8_params.InputQuant,
             blob_format.ROLE_CONV_QUANT: q8_params.ConvQuant,
             blob_format.ROLE_LSTM_Q_FWD: q8_params.LstmQuant,
             blob_format.ROLE_LSTM_Q_BWD: q8_params.LstmQuant}
    seen = 0
    for _, role, array, *_ in tensors:
        if role in kinds:
            seen += 1
            back = kinds[role].of(array).pack()
            if back.dtype != array.dtype or not np.array_equal(back, array):
                failures.append(f"role {role}: unpack + pack changed the tensor")
    if seen != 5:  # quant_input, 2 conv_quant, 2 LSTM directions
        failures.append(f"{seen} parameter tensors in the shipped blob, expected 5")
    return failures


def test_cpp_views_and_python_dataclasses_share_one_layout():
    binary = os.environ.get("MUBI_QUANT_LAYOUT")
    if not binary:
        pytest.skip("MUBI_QUANT_LAYOUT (the quant_layout program, built by CMake) is not set")
    failures = layout_failures(binary)
    assert not failures, "\n".join(failures)
