"""mubi.int8_ref's input quantizer (docs/int8.md, "Normalize"): fma_f32 is fma(x, a, b) rounded
once to float32, checked against exact rational arithmetic (fractions), the double-rounding
cases included; quantize_input saturates, rounds half away from zero and maps NaN to the zero
point. (The C++ side: tests/core/test_input_quant.cpp; both against each other: the golden
int8 vectors, bit for bit.)"""
from fractions import Fraction

import numpy as np

from mubi.int8_ref import fma_f32, quantize_input
from mubi.quant_params import InputQuant


def exact_fma32(x, a, b):
    """The float32 nearest to x a + b (ties to even), by exact rational comparison."""
    x, a, b = (np.float32(v) for v in (x, a, b))
    if not all(np.isfinite(v) for v in (x, a, b)):
        with np.errstate(invalid="ignore", over="ignore"):
            return np.float32(np.float64(x) * np.float64(a) + np.float64(b))
    exact = Fraction(float(x)) * Fraction(float(a)) + Fraction(float(b))
    near = np.float32(float(exact))
    candidates = [np.nextafter(near, np.float32(-np.inf)), near, np.nextafter(near, np.float32(np.inf))]
    candidates = [c for c in candidates if np.isfinite(c)]

    def key(c):
        even = int(np.array(c, np.float32).view(np.uint32)) & 1
        return (abs(Fraction(float(c)) - exact), even)
    return min(candidates, key=key)


def test_fma_f32_double_rounding_case():
    x = np.float32(1 + 2.0 ** -12)        # x x = 1 + 2^-11 + 2^-24: a float32 midpoint
    tiny = np.float32(2.0 ** -80)
    below = np.float32(1 + 2.0 ** -11)
    above = np.nextafter(below, np.float32(2))
    assert np.float32(np.float64(x) * x + tiny) == below  # naive: rounded twice, wrong
    assert fma_f32(x, x, tiny) == above
    assert fma_f32(x, x, -tiny) == below
    assert fma_f32(x, x, np.float32(0)) == below   # an exact tie: to even


def test_fma_f32_equals_exact_rational_rounding():
    rng = np.random.default_rng(20261203)
    n = 3000
    u = (1 + rng.integers(0, 4096, n) / 4096).astype(np.float32)
    cases = [
        (rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n),
         rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n),
         rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)),
        (u, u * np.where(rng.random(n) < 0.5, 1, -1), rng.standard_normal(n) * 2.0 ** rng.integers(-90, -40, n)),
    ]
    for x, a, b in cases:
        x, a, b = (np.asarray(v, np.float32) for v in (x, a, b))
        got = fma_f32(x, a, b)
        want = np.array([exact_fma32(*t) for t in zip(x, a, b)], np.float32)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_quantize_input_saturates_rounds_half_away_and_maps_nan():
    quant = InputQuant(scale=np.ones(3, np.float32), offset=np.zeros(3, np.float32), zero_point=-5).pack()
    x = np.array([[[0.5, -0.5, 2.5], [-2.5, 126.5, -127.5], [1e9, -np.inf, np.nan],
                   [0.49999997, -0.0, 127.0]]], np.float32)
    q = quantize_input(x, quant)
    assert q.tolist() == [[[1, -1, 3], [-3, 127, -128], [127, -128, -5], [0, 0, 127]]]
