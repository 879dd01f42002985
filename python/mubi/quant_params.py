"""The int8 layers' quantization parameters as named records (docs/int8.md; numpy only).

Each class defines the layout of one int8 blob tensor once: its fields in order with their
lengths (`layout(n)` gives each field's offset and count), `pack()` to the blob's array and
`unpack(array)` from it. python/mubi/quantize.py writes these, python/mubi/int8_ref.py reads them; the C++
views in include/mubi/core/quant_params.hpp have the same layouts (python/tests/test_quant_params.py
compares the two).
"""

from dataclasses import dataclass, fields

import numpy as np


class _Record:
    """Fields are arrays (per filter, row or gate) or scalars, packed in declaration order."""

    DTYPE = np.int32

    @classmethod
    def lengths(cls, n):
        """(name, count) of every field for a layer of size n (filters, hidden units, channels)."""
        return [(f.name, cls.LENGTH[f.name](n)) for f in fields(cls)]

    @classmethod
    def layout(cls, n):
        """{name: (offset, count)} in elements; and "size"."""
        out, at = {}, 0
        for name, count in cls.lengths(n):
            out[name] = (at, count)
            at += count
        out["size"] = at
        return out

    @classmethod
    def size_of(cls, n):
        return cls.layout(n)["size"]

    def pack(self):
        parts = [np.atleast_1d(np.asarray(getattr(self, f.name))) for f in fields(self)]
        return np.concatenate(parts).astype(self.DTYPE)

    @classmethod
    def unpack(cls, array, n):
        array = np.asarray(array)
        layout = cls.layout(n)
        if len(array) != layout["size"]:
            raise ValueError(f"{cls.__name__}: {len(array)} values, the layout of {n} has "
                             f"{layout['size']}")
        values = {}
        for name, count in cls.lengths(n):
            at = layout[name][0]
            part = array[at:at + count]
            values[name] = part if cls.ARRAY[name] else part[0].item()
        return cls(**values)


@dataclass
class InputQuant(_Record):
    """quant_input (role 17), float32 [2C + 1]: q = round_half_away(fma32(x, scale, offset)), int8
    saturated; NaN -> zero_point (an integer stored as a float)."""
    scale: np.ndarray
    offset: np.ndarray
    zero_point: float
    DTYPE = np.float32
    LENGTH = {"scale": lambda c: c, "offset": lambda c: c, "zero_point": lambda c: 1}
    ARRAY = {"scale": True, "offset": True, "zero_point": False}

    @classmethod
    def of(cls, array):
        return cls.unpack(array, (len(array) - 1) // 2)


@dataclass
class ConvQuant(_Record):
    """conv_quant (role 18), int32 [3F + 4]: per filter the bias (input zero point folded in),
    the multiplier and the shift; the input and output zero points; the output clamp."""
    bias: np.ndarray
    m0: np.ndarray
    shift: np.ndarray
    zp_in: int
    zp_out: int
    lo: int
    hi: int
    LENGTH = {"bias": lambda f: f, "m0": lambda f: f, "shift": lambda f: f, "zp_in": lambda f: 1,
              "zp_out": lambda f: 1, "lo": lambda f: 1, "hi": lambda f: 1}
    ARRAY = {"bias": True, "m0": True, "shift": True, "zp_in": False, "zp_out": False,
             "lo": False, "hi": False}

    @classmethod
    def of(cls, array):
        return cls.unpack(array, (len(array) - 4) // 3)


@dataclass
class LstmQuant(_Record):
    """lstm_quant_fwd / _bwd (roles 20, 22), int32 [4H + 12]: per gate row the bias, per gate
    (i, f, g, o) the multiplier and shift to Q3.12, the cell power p (cell in 2^p), the output
    multiplier and shift, the hidden state's zero point."""
    bias: np.ndarray
    m0: np.ndarray
    shift: np.ndarray
    cell_power: int
    out_m0: int
    out_shift: int
    zp_h: int
    LENGTH = {"bias": lambda h: 4 * h, "m0": lambda h: 4, "shift": lambda h: 4,
              "cell_power": lambda h: 1, "out_m0": lambda h: 1, "out_shift": lambda h: 1,
              "zp_h": lambda h: 1}
    ARRAY = {"bias": True, "m0": True, "shift": True, "cell_power": False, "out_m0": False,
             "out_shift": False, "zp_h": False}

    @classmethod
    def of(cls, array):
        return cls.unpack(array, (len(array) - 12) // 4)
