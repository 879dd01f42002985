"""Generate the golden test vectors shared by the Python and C++ sides.

    /usr/bin/python3 -m mubi_train.golden --out tests/data/golden [--seed 20261125]
    /usr/bin/python3 -m mubi_train.golden --out tests/data/golden --int8-only

For every case (a dataset configuration plus options) it writes, under --out:
    <case>.mubi              folded float32 blob (export default)
    <case>.unfolded.mubi     the same network with BatchNorm records (fold=False)
    <case>.input.f32         N x T x C raw windows, little-endian float32
    <case>.logits.f32        N x classes PyTorch float32 eval-mode logits of the reference module
    <case>.int8.mubi         the folded blob quantized by python/mubi/quantize.py (docs/int8.md)
    <case>.int8.input.f32    8 x T x C: the case's windows, then 5 hostile ones (INT8_LAYOUT)
    <case>.int8.logits.f32   8 x classes float32 logits of python/mubi/int8_ref.py, the integer
                             reference the C++ int8 path must match bit for bit
and cases.json describing every case. Each float blob is also run through an independent
numpy float64 forward pass straight from its bytes, so an export bug cannot hide behind the
reference module. --int8-only (re)writes only the int8 files of the cases already in
cases.json, from their float files, which it leaves untouched.
"""

import argparse
import json
import os
import time

import numpy as np
import torch

from mubi import torch_model
from mubi.blob import ROLE_NORM_MEAN, ROLE_NORM_STD, signature_of, unpack_blob
from mubi.export import export
from mubi import int8_ref, quantize
from mubi.float_ref import numpy_forward

DEFAULT_SEED = 20261125
WINDOWS = 3  # N raw windows per case
INT8_RANDOM_CALIBRATION = 13  # mean + std * randn windows added to a case's own to calibrate
INT8_LAYOUT = ("int8: blob = the folded blob quantized by python/mubi/quantize.py, calibrated on the "
               "case's 3 input windows and 13 windows mean + std * randn (numpy default_rng("
               "case seed)); input = 8 x T x C little-endian float32: the case's 3 input windows, "
               "then all 0, all +1e6, all -1e6, +1e6 / -1e6 alternating by element (flat index "
               "even / odd), and the first window with every 7th element (flat index 0, 7, 14, "
               "...) NaN; logits = 8 x classes little-endian float32 of python/mubi/int8_ref.py, which "
               "the C++ int8 path matches bit for bit")

# (case name, dataset configuration, option overrides), in case-index order.
CASES = [(name, name, {}) for name in torch_model.CONFIGS] + [
    ("uci_har_a1", "uci_har", dict(variant="A1")),
    ("uci_har_a2", "uci_har", dict(variant="A2")),
    ("uci_har_a3", "uci_har", dict(variant="A3")),
    ("uci_har_a4", "uci_har", dict(variant="A4")),
    ("uci_har_f8_h16", "uci_har", dict(filters=8, hidden=16)),
    ("uci_har_f24_h32", "uci_har", dict(filters=24, hidden=32)),
    ("uci_har_final_states", "uci_har", dict(aggregation="final_states")),
    ("uci_har_k3", "uci_har", dict(kernel=3)),
]


def make_case(index, name, config_name, options, seed, out_dir, verify=True):
    torch.manual_seed(seed + index)
    module = torch_model.build(config_name, **options)
    torch_model.randomize_(module)
    module.eval()
    cfg = module.config
    c, t = cfg["in_channels"], cfg["window"]
    x = module.mean + module.std * torch.randn(WINDOWS, t, c)
    with torch.no_grad():
        logits = module(x)

    folded = export(module, os.path.join(out_dir, f"{name}.mubi"), fold=True)
    unfolded = export(module, os.path.join(out_dir, f"{name}.unfolded.mubi"), fold=False)
    x_np = x.numpy().astype("<f4")
    logits_np = logits.numpy().astype("<f4")
    x_np.tofile(os.path.join(out_dir, f"{name}.input.f32"))
    logits_np.tofile(os.path.join(out_dir, f"{name}.logits.f32"))

    max_diff = 0.0
    if verify:
        for blob in (folded, unfolded):
            for n in range(WINDOWS):
                diff = np.abs(numpy_forward(blob, x_np[n]) - logits_np[n]).max()
                max_diff = max(max_diff, float(diff))
        if max_diff > 1e-5:
            raise AssertionError(f"{name}: blob forward differs from PyTorch by {max_diff:g}")

    entry = dict(name=name, dataset=config_name, args=dict(cfg), N=WINDOWS, T=t, C=c,
                 classes=cfg["classes"], params=torch_model.parameter_count(module),
                 seed=seed + index,
                 signature_folded=f"0x{signature_of(folded):016x}",
                 signature_unfolded=f"0x{signature_of(unfolded):016x}",
                 files=dict(folded=f"{name}.mubi", unfolded=f"{name}.unfolded.mubi",
                            input=f"{name}.input.f32", logits=f"{name}.logits.f32"))
    return entry, max_diff


def hostile_windows(first):
    """Windows the int8 input quantization must survive (see INT8_LAYOUT)."""
    t, c = first.shape
    alternating = np.where(np.arange(t * c) % 2 == 0, 1e6, -1e6).reshape(t, c)
    with_nan = first.astype(np.float32).ravel()
    with_nan[::7] = np.nan
    return np.stack([np.zeros((t, c)), np.full((t, c), 1e6), np.full((t, c), -1e6), alternating,
                     with_nan.reshape(t, c)]).astype("<f4")


def make_int8_case(entry, out_dir):
    """Write a case's int8 files from its float files (left untouched) and add entry["int8"].
    Returns (max |int8 - float logit| over the case's windows, argmax agreements)."""

    name, n, t, c = entry["name"], entry["N"], entry["T"], entry["C"]
    path = lambda suffix: os.path.join(out_dir, name + suffix)  # noqa: E731
    with open(path(".mubi"), "rb") as fh:
        blob = fh.read()
    x = np.fromfile(path(".input.f32"), "<f4").reshape(n, t, c)
    norm = {role: a.astype(np.float64) for _, role, a, *_ in unpack_blob(blob)[2]
            if role in (ROLE_NORM_MEAN, ROLE_NORM_STD)}
    rng = np.random.default_rng(entry["seed"])
    random_windows = norm[ROLE_NORM_MEAN] + norm[ROLE_NORM_STD] * rng.standard_normal(
        (INT8_RANDOM_CALIBRATION, t, c))
    int8_blob = quantize.quantize(blob, np.concatenate([x, random_windows.astype(np.float32)]))

    inputs = np.concatenate([x, hostile_windows(x[0])]).astype("<f4")
    logits = int8_ref.forward_batch(int8_blob, inputs).astype("<f4")
    with open(path(".int8.mubi"), "wb") as fh:
        fh.write(int8_blob)
    inputs.tofile(path(".int8.input.f32"))
    logits.tofile(path(".int8.logits.f32"))
    entry["int8"] = dict(blob=f"{name}.int8.mubi", input=f"{name}.int8.input.f32",
                         logits=f"{name}.int8.logits.f32", N=len(inputs))

    float_logits = np.fromfile(path(".logits.f32"), "<f4").reshape(n, -1)
    agree = int((logits[:n].argmax(axis=1) == float_logits.argmax(axis=1)).sum())
    return float(np.abs(logits[:n] - float_logits).max()), agree


def write_cases(out_dir, doc):
    doc["int8_layout"] = INT8_LAYOUT
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def int8_summary(entry, max_diff, agree):
    return (f"int8 {entry['int8']['blob']}: max |int8 - float logit| {max_diff:.4f} over the "
            f"{entry['N']} windows, argmax agrees {agree}/{entry['N']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the numpy forward pass over each blob")
    parser.add_argument("--int8-only", action="store_true",
                        help="only (re)write the int8 files of the cases in --out/cases.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)

    if args.int8_only:
        with open(os.path.join(args.out, "cases.json")) as f:
            doc = json.load(f)
        for entry in doc["cases"]:
            print(f"{entry['name']:22s} " + int8_summary(entry, *make_int8_case(entry, args.out)))
        write_cases(args.out, doc)
        return

    entries = []
    for index, (name, config_name, options) in enumerate(CASES):
        start = time.time()
        entry, max_diff = make_case(index, name, config_name, options, args.seed, args.out,
                                    args.verify)
        summary = int8_summary(entry, *make_int8_case(entry, args.out))
        entries.append(entry)
        print(f"{name:22s} T={entry['T']:3d} C={entry['C']:2d} classes={entry['classes']:2d} "
              f"params={entry['params']:5d} folded {entry['signature_folded']} "
              f"unfolded {entry['signature_unfolded']} numpy-vs-torch {max_diff:.1e} "
              f"({time.time() - start:.1f}s)\n{'':22s} {summary}")

    write_cases(args.out, dict(format_version=1, seed=args.seed, dtype="float32",
                               input_layout="N x T x C little-endian float32 (raw, un-normalized)",
                               logits_layout="N x classes little-endian float32",
                               cases=entries))


if __name__ == "__main__":
    main()
