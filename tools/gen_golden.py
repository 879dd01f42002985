"""Generate the golden test vectors shared by the Python and C++ sides.

    /usr/bin/python3 tools/gen_golden.py --out tests/data/golden [--seed 20261125]

For every case (a dataset configuration plus options) it writes, under --out:
    <case>.mubi           folded float32 blob (export default)
    <case>.unfolded.mubi  the same network with BatchNorm records (fold=False)
    <case>.input.f32      N x T x C raw windows, little-endian float32
    <case>.logits.f32     N x classes PyTorch float32 eval-mode logits of the reference module
and cases.json describing every case. Each blob is also run through an independent numpy
float64 forward pass straight from its bytes, so an export bug cannot hide behind the
reference module.
"""

import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mubi_torch  # noqa: E402
from export import (BATCHNORM, CONV1D, DENSE, INPUT, LSTM, MAXPOOL1D, NORMALIZE,  # noqa: E402
                    RELU, export, signature_of)

DEFAULT_SEED = 20261125
WINDOWS = 3  # N raw windows per case

# (case name, dataset configuration, option overrides), in case-index order.
CASES = [(name, name, {}) for name in mubi_torch.CONFIGS] + [
    ("uci_har_a1", "uci_har", dict(variant="A1")),
    ("uci_har_a2", "uci_har", dict(variant="A2")),
    ("uci_har_a3", "uci_har", dict(variant="A3")),
    ("uci_har_a4", "uci_har", dict(variant="A4")),
    ("uci_har_f8_h16", "uci_har", dict(filters=8, hidden=16)),
    ("uci_har_f24_h32", "uci_har", dict(filters=24, hidden=32)),
    ("uci_har_final_states", "uci_har", dict(aggregation="final_states")),
    ("uci_har_k3", "uci_har", dict(kernel=3)),
]


def numpy_forward(blob, x):
    """Float64 forward pass of one raw window x (T, C) read straight from a float32 blob."""
    layer_count, tensor_count, payload_offset = struct.unpack_from("<III", blob, 20)
    layers = [struct.unpack_from("<HHHHII", blob, 64 + 16 * i) for i in range(layer_count)]
    tensors = {}
    base = 64 + 16 * layer_count
    for i in range(tensor_count):
        layer, role, _, _, _, count, offset = struct.unpack_from("<HHBBHII", blob, base + 32 * i)
        tensors[layer, role] = np.frombuffer(blob, "<f4", count, payload_offset + offset) \
            .astype(np.float64)

    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    h = x.astype(np.float64)
    for index, (kind, p0, p1, p2, out_len, out_ch) in enumerate(layers):
        t = lambda role: tensors[index, role]  # noqa: E731
        if kind == INPUT:
            continue
        elif kind == NORMALIZE:
            h = (h - t(1)) / t(2)
        elif kind == CONV1D:
            f, k, pad = p0, p1, p2
            w = t(3).reshape(k, h.shape[1], f)
            padded = np.pad(h, ((pad, pad), (0, 0)))
            h = np.stack([np.einsum("kcf,kc->f", w, padded[i:i + k])
                          for i in range(h.shape[0])]) + t(4)
        elif kind == BATCHNORM:
            h = (h - t(7)) / np.sqrt(t(8) + 1e-5) * t(5) + t(6)
        elif kind == RELU:
            h = np.maximum(h, 0.0)
        elif kind == MAXPOOL1D:
            steps = h.shape[0] // p0
            h = h[:steps * p0].reshape(steps, p0, -1).max(axis=1)
        elif kind == LSTM:
            hidden, aggregation, directions = p0, p1, p2
            outputs, finals = [], []
            for d in range(directions):
                w_ih, w_hh, b = (t(9 + 3 * d).reshape(-1, 4 * hidden).T,
                                 t(10 + 3 * d).reshape(hidden, 4 * hidden).T, t(11 + 3 * d))
                hs, c, out = np.zeros(hidden), np.zeros(hidden), np.zeros((h.shape[0], hidden))
                order = range(h.shape[0]) if d == 0 else reversed(range(h.shape[0]))
                for step in order:
                    g = w_ih @ h[step] + w_hh @ hs + b
                    i_g, f_g, g_g, o_g = np.split(g, 4)
                    c = sigmoid(f_g) * c + sigmoid(i_g) * np.tanh(g_g)
                    hs = sigmoid(o_g) * np.tanh(c)
                    out[step] = hs
                outputs.append(out)
                finals.append(hs)
            seq = np.concatenate(outputs, axis=1)
            h = {1: seq[-1], 2: np.concatenate(finals), 3: seq.mean(axis=0)}[aggregation][None, :]
        elif kind == DENSE:
            h = h @ t(15).reshape(-1, p0) + t(16)
        else:
            raise ValueError(f"layer kind {kind} not handled")
        assert h.shape == (out_len, out_ch), (kind, h.shape, out_len, out_ch)
    return h[0]


def make_case(index, name, config_name, options, seed, out_dir, verify=True):
    torch.manual_seed(seed + index)
    module = mubi_torch.build(config_name, **options)
    mubi_torch.randomize_(module)
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
                 classes=cfg["classes"], params=mubi_torch.parameter_count(module),
                 seed=seed + index,
                 signature_folded=f"0x{signature_of(folded):016x}",
                 signature_unfolded=f"0x{signature_of(unfolded):016x}",
                 files=dict(folded=f"{name}.mubi", unfolded=f"{name}.unfolded.mubi",
                            input=f"{name}.input.f32", logits=f"{name}.logits.f32"))
    return entry, max_diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the numpy forward pass over each blob")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)

    entries = []
    for index, (name, config_name, options) in enumerate(CASES):
        start = time.time()
        entry, max_diff = make_case(index, name, config_name, options, args.seed, args.out,
                                    args.verify)
        entries.append(entry)
        print(f"{name:22s} T={entry['T']:3d} C={entry['C']:2d} classes={entry['classes']:2d} "
              f"params={entry['params']:5d} folded {entry['signature_folded']} "
              f"unfolded {entry['signature_unfolded']} numpy-vs-torch {max_diff:.1e} "
              f"({time.time() - start:.1f}s)")

    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(dict(format_version=1, seed=args.seed, dtype="float32",
                       input_layout="N x T x C little-endian float32 (raw, un-normalized)",
                       logits_layout="N x classes little-endian float32",
                       cases=entries), f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
