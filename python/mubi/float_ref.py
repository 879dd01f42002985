"""Float64 reference forward pass of a float32 mubi blob, in numpy (no PyTorch).

    numpy_forward(blob, x, observe=None) -> logits

Read straight from the blob's bytes, so an export bug cannot hide behind the PyTorch module
(python/mubi_train/golden.py compares the two); python/mubi/quantize.py calibrates from its observe()
callback. Needs numpy only (python/tests/test_imports.py holds it to that).
"""


import numpy as np

from .blob import (BATCHNORM, CONV1D, DENSE, INPUT, LSTM, MAXPOOL1D, NORMALIZE,
                         RELU, unpack_model)


def numpy_forward(blob, x, observe=None):
    """Float64 forward pass read straight from a float32 blob.

    x is one raw window (T, C) -> logits (classes,), or a batch (N, T, C) -> (N, classes).
    observe(layer_index, what, value), if given, sees every layer's output (what "output",
    value (N, ...)) and, inside an LSTM, h and c of every step it runs (what "h" / "c",
    value (N, H)): python/mubi/quantize.py calibrates from these. With `last` aggregation the
    backward direction runs one step (PyTorch's output[:, -1] has seen only the last input),
    as the integer LSTM does (docs/int8.md).
    """
    _, layers, entries = unpack_model(blob)
    tensors = {(layer, role): array.astype(np.float64) for layer, role, array, *_ in entries}
    observe = observe or (lambda index, what, value: None)

    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    single = x.ndim == 2
    h = np.asarray(x, dtype=np.float64)[None] if single else np.asarray(x, dtype=np.float64)
    for index, (kind, p0, p1, p2, out_len, out_ch) in enumerate(layers):
        t = lambda role: tensors[index, role]  # noqa: E731
        if kind == INPUT:
            continue
        elif kind == NORMALIZE:
            h = (h - t(1)) / t(2)
        elif kind == CONV1D:
            f, k, pad = p0, p1, p2
            w = t(3).reshape(k, h.shape[2], f)
            padded = np.pad(h, ((0, 0), (pad, pad), (0, 0)))
            taps = np.lib.stride_tricks.sliding_window_view(padded, k, axis=1)  # (N, T, C, K)
            h = np.einsum("ntck,kcf->ntf", taps, w) + t(4)
        elif kind == BATCHNORM:
            h = (h - t(7)) / np.sqrt(t(8) + 1e-5) * t(5) + t(6)
        elif kind == RELU:
            h = np.maximum(h, 0.0)
        elif kind == MAXPOOL1D:
            steps = h.shape[1] // p0
            h = h[:, :steps * p0].reshape(h.shape[0], steps, p0, -1).max(axis=2)
        elif kind == LSTM:
            hidden, aggregation, directions = p0, p1, p2
            n, steps = h.shape[:2]
            outputs, finals = [], []
            for d in range(directions):
                w_ih, w_hh, b = (t(9 + 3 * d).reshape(-1, 4 * hidden),
                                 t(10 + 3 * d).reshape(hidden, 4 * hidden), t(11 + 3 * d))
                hs, c = np.zeros((n, hidden)), np.zeros((n, hidden))
                out = np.zeros((n, steps, hidden))
                if d == 0:
                    order = range(steps)
                else:
                    order = range(steps - 1, steps - 2 if aggregation == 1 else -1, -1)
                for step in order:
                    g = h[:, step] @ w_ih + hs @ w_hh + b
                    i_g, f_g, g_g, o_g = np.split(g, 4, axis=1)
                    c = sigmoid(f_g) * c + sigmoid(i_g) * np.tanh(g_g)
                    hs = sigmoid(o_g) * np.tanh(c)
                    out[:, step] = hs
                    observe(index, "h", hs)
                    observe(index, "c", c)
                outputs.append(out)
                finals.append(hs)
            seq = np.concatenate(outputs, axis=2)
            h = {0: seq, 1: seq[:, -1:], 2: np.concatenate(finals, axis=1)[:, None],
                 3: seq.mean(axis=1, keepdims=True)}[aggregation]
        elif kind == DENSE:
            h = h @ t(15).reshape(-1, p0) + t(16)
        else:
            raise ValueError(f"layer kind {kind} not handled")
        assert h.shape[1:] == (out_len, out_ch), (kind, h.shape, out_len, out_ch)
        observe(index, "output", h)
    return h[0, 0] if single else h[:, 0]
