"""How precisely float32 arithmetic runs the UCI-HAR front end's IIR sections (a study).

    /usr/bin/python3 studies/frontend_precision.py [--recordings 3] [--json studies/results/frontend_iir_precision.json]

The gravity (0.3 Hz) and gyro (0.1 Hz) sections have poles near z = 1, where rounding in
the recursion is amplified by up to 1 / (1 + a1 + a2) (about 6,500 for the 0.1 Hz section).
Each realization below runs the two residual stages in float32 on the float32-rounded
output of the median + FIR + Select stages, and is compared with the float64 batch form
(python/mubi/frontend.py apply, what training uses) on whole HAPT recordings; max |error| per
channel. Realizations, direct form II transposed (DF2T) throughout:
  plain         float32 coefficients and arithmetic (CMSIS-DSP's arm_biquad_cascade_df2T_f32)
  dc_gain       as plain, numerator rescaled so the float32 section keeps the exact DC gain
  split_coeffs  as plain, each feedback coefficient as a float32 pair (hi + lo)
  float_float   every value a float32 pair (hi + lo): error-free sums and products
                (two_sum; two_prod, which is one fused multiply-add on a Cortex-M4F)
Products of two float32 values are formed exactly in float64 here, as an FMA would.
"""
import argparse
import json

import numpy as np

from mubi import frontend
from mubi import datasets

F32 = np.float32


def two_sum(a, b):
    s = (a + b).astype(F32)
    bb = (s - a).astype(F32)
    return s, ((a - (s - bb)).astype(F32) + (b - bb)).astype(F32)


def two_prod(a, c):
    p = a.astype(np.float64) * np.float64(c)
    hi = p.astype(F32)
    return hi, (p - hi).astype(F32)


def ff_mul(ah, al, ch, cl):
    p, e = two_prod(ah, ch)
    return two_sum(p, (e + (ah * cl).astype(F32) + (al * ch).astype(F32)).astype(F32))


def ff_add(ah, al, bh, bl):
    s, e = two_sum(ah, bh)
    return two_sum(s, (e + al + bl).astype(F32))


def pair(c):
    hi = F32(c)
    return hi, F32(c - float(hi))


def sections_f32(x, sos, mode):
    v, vl = x.astype(F32), np.zeros_like(x, dtype=F32)
    for b0, b1, b2, _, a1, a2 in sos:
        n, ch = v.shape
        out, outl = np.empty_like(v), np.empty_like(v)
        if mode == "float_float":
            b, a = [pair(c) for c in (b0, b1, b2)], [pair(-a1), pair(-a2)]
            z1 = z2 = (np.zeros(ch, F32), np.zeros(ch, F32))
            for t in range(n):
                xt = (v[t], vl[t])
                y = ff_add(*ff_mul(*xt, *b[0]), *z1)
                z1 = ff_add(*ff_add(*ff_mul(*xt, *b[1]), *ff_mul(*y, *a[0])), *z2)
                z2 = ff_add(*ff_mul(*xt, *b[2]), *ff_mul(*y, *a[1]))
                out[t], outl[t] = y
        else:
            af = [F32(a1), F32(a2)]
            k = (1 + float(af[0]) + float(af[1])) / (1 + a1 + a2) if mode == "dc_gain" else 1.0
            bf = [F32(c * k) for c in (b0, b1, b2)]
            lo = [F32(a1 - float(af[0])), F32(a2 - float(af[1]))] if mode == "split_coeffs" else [F32(0)] * 2
            z1, z2 = np.zeros(ch, F32), np.zeros(ch, F32)
            for t in range(n):
                y = bf[0] * v[t] + z1
                z1 = bf[1] * v[t] - af[0] * y - lo[0] * y + z2
                z2 = bf[2] * v[t] - af[1] * y - lo[1] * y
                out[t], outl[t] = y, 0
        v, vl = out, outl
    return v, vl


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=datasets.DEFAULT_ROOT)
    parser.add_argument("--recordings", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    sig = datasets.load(args.root, "uci_hapt_raw", "signals")
    exps = datasets.load(args.root, "uci_hapt_raw", "experiments")[:args.recordings]
    fe = frontend.uci_har(datasets.fit_noise_filter(args.root))
    modes = ("plain", "dc_gain", "split_coeffs", "float_float")
    worst = {m: np.zeros(9) for m in modes}
    for _, _, r0, n in exps:
        raw = sig[r0:r0 + n]
        ref = frontend.apply(fe, raw)
        pre = frontend.apply(frontend.FrontEnd(6, fe.stages[:3]), raw).astype(F32)
        for mode in modes:
            out = pre.copy()
            for st in fe.stages[3:]:
                part = out[:, st.first:st.first + st.count]
                yh, yl = sections_f32(part, st.sections(), mode)
                out[:, st.first:st.first + st.count] = ((part - yh).astype(F32) - yl).astype(F32)
            worst[mode] = np.maximum(worst[mode], np.abs(out - ref).max(axis=0))
    rows = {m: dict(body_acc=float(w[:3].max()), body_gyro=float(w[3:6].max()),
                    total_acc=float(w[6:].max())) for m, w in worst.items()}
    print(f"max |error| vs the float64 batch form, {len(exps)} whole recordings "
          f"({int(exps[:, 3].sum())} samples)")
    for m, r in rows.items():
        print(f"  {m:13s} body_acc {r['body_acc']:.1e} g  body_gyro {r['body_gyro']:.1e} rad/s  "
              f"total_acc {r['total_acc']:.1e} g")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(made_by="studies/frontend_precision.py", recordings=len(exps),
                           samples=int(exps[:, 3].sum()), max_abs_error=rows), f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
