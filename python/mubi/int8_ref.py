"""Integer reference of mubi's int8 path, in numpy: docs/int8.md, operation for operation.

The C++ int8 kernels must agree with this bit for bit; python/mubi_train/golden.py writes the int8
golden logits with it. Everything between the quantized input and the int32 logit
accumulators is integer arithmetic on int64 arrays (wide enough that no intermediate of the
spec wraps; where the C++ side works in int32 this module checks that the value fits).

Library use:
    forward(blob, window (T, C) float32) -> float32 logits
    forward_batch(blob_or_model, windows (N, T, C) float32) -> float32 (N, classes)
    parse(blob) -> [Layer]   (an int8 blob's layers with their tensors)

Command line:
    /usr/bin/python3 -m mubi.int8_ref MODEL.int8.mubi --data DIR [--split test]
        [--compare FLOAT.mubi]
    /usr/bin/python3 -m mubi.int8_ref --print-table      # TAB as a C++ initializer

DIR is a window dataset directory (python/mubi/datasets.py; shared/data/uci_har_subset is one).
--compare also runs the float blob (float64, float_ref.numpy_forward) and prints the
argmax agreement and both macro-F1s.
"""

import argparse
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import metrics
from .float_ref import numpy_forward
from .quant_params import ConvQuant, InputQuant, LstmQuant
from . import datasets
from .blob import (BATCHNORM, CONV1D, DENSE, DTYPE_I8, INPUT, LSTM, MAXPOOL1D,
                         NORMALIZE, RELU, ROLE_CONV_QUANT, ROLE_CONV_W, ROLE_DENSE_B,
                         ROLE_DENSE_DEQUANT, ROLE_DENSE_W, ROLE_LSTM_Q_BWD, ROLE_LSTM_Q_FWD,
                         ROLE_LSTM_W_BWD, ROLE_LSTM_W_FWD, ROLE_QUANT_INPUT, SOFTMAX,
                         unpack_model)

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
AGG_SEQUENCE, AGG_LAST, AGG_FINAL_STATES, AGG_MEAN = 0, 1, 2, 3


# --------------------------------------------------------------------------------------------
# Primitives (docs/int8.md "Primitives"). Integer arguments are int64 arrays or Python ints.

def _i64(v):
    return np.asarray(v, dtype=np.int64)


def check_int32(v, what):
    """Raise where an intermediate the C++ side keeps in int32 would not fit."""
    v = _i64(v)
    if v.size and (v.min() < INT32_MIN or v.max() > INT32_MAX):
        raise OverflowError(f"{what} leaves int32 ({v.min()} .. {v.max()})")
    return v


def sat16(v):
    return np.clip(_i64(v), -32768, 32767)


def sat8(v):
    return np.clip(_i64(v), -128, 127)


def round_half_away(v):
    """floor(v + 0.5) for v >= 0, ceil(v - 0.5) otherwise (float in, integral float out),
    written literally: the C++ side evaluates the same two float64 expressions."""
    v = np.asarray(v, dtype=np.float64)
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))


def quantize_multiplier(m):
    """(M0, shift) with m = M0 * 2^(shift - 31), M0 in [2^30, 2^31) (TFLite's
    QuantizeMultiplier); m < 2^-31 (zero included) gives (0, 0)."""
    m = float(m)
    if not m >= 2.0 ** -31:
        return 0, 0
    frac, shift = math.frexp(m)  # m = frac * 2^shift, frac in [0.5, 1)
    m0 = int(round_half_away(frac * 2.0 ** 31))  # frac * 2^31 is exact
    if m0 == 1 << 31:
        m0, shift = m0 >> 1, shift + 1
    return m0, shift


def srdhm(a, b):
    """Saturating rounding doubling high multiply of int32 values."""
    a, b = _i64(a), _i64(b)
    p = a * b  # |p| <= 2^62: exact in int64
    q = p + np.where(p >= 0, 1 << 30, 1 - (1 << 30))
    r = np.where(q >= 0, q >> 31, -((-q) >> 31))  # division by 2^31 truncating toward zero
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, r)


def rdbpot(x, e):
    """Rounding divide by 2^e (0 <= e <= 31), halves away from zero."""
    x, e = _i64(x), _i64(e)
    mask = (np.int64(1) << e) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + ((x & mask) > threshold)


def rq(x, m0, shift, what="requantization input"):
    """Requantize x by M0 * 2^(shift - 31), double rounding (TFLM / CMSIS-NN default)."""
    x, shift = _i64(x), _i64(shift)
    left, right = np.maximum(shift, 0), np.maximum(-shift, 0)
    shifted = check_int32(x << left, what)  # x * 2^left must stay in int32
    return rdbpot(srdhm(shifted, m0), right)


def make_table():
    """TAB[i] = min(65535, round_half_away(65536 / (1 + exp(-i / 24)))): sigmoid(i/24) in
    0.16, float64."""
    i = np.arange(256, dtype=np.float64)
    return np.minimum(65535, round_half_away(65536.0 / (1.0 + np.exp(-i / 24.0)))).astype(np.int64)


TAB = make_table()


def _interpolate(a, bits):
    """R = TAB[i] * 2^bits + f * (TAB[i+1] - TAB[i]) with i = a >> bits, saturating at i = 255."""
    i, f = a >> bits, a & ((1 << bits) - 1)
    j = np.minimum(i, 254)
    return np.where(i >= 255, TAB[255] << bits, (TAB[j] << bits) + f * (TAB[j + 1] - TAB[j]))


def sigmoid(v):
    """Q0.15 sigmoid of v = 3 * z, z in Q3.12 (9-bit interpolation)."""
    v = _i64(v)
    r = _interpolate(np.abs(v), 9)
    return np.where(v >= 0, np.minimum((r + 512) >> 10, 32767), ((1 << 25) - r + 511) >> 10)


def tanh(v):
    """Q0.15 tanh of v = 3 * z, z in Q3.12 (tanh x = 2 sigmoid(2x) - 1, 8-bit interpolation)."""
    v = _i64(v)
    r = _interpolate(np.abs(v), 8)
    return np.where(v >= 0, np.minimum((r - (1 << 23) + 128) >> 8, 32767),
                    np.maximum(((1 << 23) - r + 127) >> 8, -32767))


# --------------------------------------------------------------------------------------------
# Layers (docs/int8.md "Layers"). Activations are int64 arrays (N, T, C) or (N, C).

def fma_f32(x, a, b):
    """fma(x, a, b) rounded once to float32, exactly (include/mubi/core/input_quant.hpp): in
    float64 x a is exact, s = round64(x a + b) with the two-sum error e; round32(s) is the
    answer unless s is exactly halfway between two floats while e != 0, where e's sign picks
    the neighbour."""
    x, a, b = (np.asarray(v, dtype=np.float32) for v in (x, a, b))
    p = x.astype(np.float64) * a.astype(np.float64)
    bd = np.broadcast_to(b.astype(np.float64), p.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        s = p + bd
        bb = s - p
        e = (p - (s - bb)) + (bd - bb)
        r = s.astype(np.float32)
        rd = r.astype(np.float64)
        other = np.nextafter(r, np.where(s > rd, np.float32(np.inf), np.float32(-np.inf)))
        midpoint = ((rd + other.astype(np.float64)) * 0.5 == s) & (e != 0) & (s != rd) & np.isfinite(s)
    pick_other = midpoint & ((e > 0) == (other > r))
    return np.where(pick_other, other, r).astype(np.float32)


def quantize_input(x, quant_input):
    """Raw float32 windows (N, T, C) -> int8 values (docs/int8.md, "Normalize"): v = fma(x, a, b)
    in float32, NaN -> zero point, saturated to [-128, 127], rounded half away from zero."""
    iq = InputQuant.of(quant_input)
    zp = int(iq.zero_point)
    v = fma_f32(x, iq.scale, iq.offset).astype(np.float64)  # exact: float32 values
    nan = np.isnan(v)
    inside = np.clip(np.where(nan, 0.0, v), -128.0, 127.0)  # keeps +-inf out of the rounding
    q = np.where(v <= -128, -128.0, np.where(v >= 127, 127.0, round_half_away(inside)))
    return np.where(nan, zp, q.astype(np.int64))


def conv_block(x, weight, quant, pad, relu, pool):
    """Conv1D (+ ReLU) (+ MaxPool1D of `pool` rows, 0 = none), requantize then pool."""
    k = weight.shape[1]
    cq = ConvQuant.of(quant)
    bias, m0, shift = _i64(cq.bias), _i64(cq.m0), _i64(cq.shift)
    zp_in, zp_out, lo, hi = cq.zp_in, cq.zp_out, cq.lo, cq.hi
    padded = np.pad(x, ((0, 0), (pad, pad), (0, 0)), constant_values=zp_in)  # real 0
    taps = np.lib.stride_tricks.sliding_window_view(padded, k, axis=1)  # (N, T, C, K)
    acc = check_int32(bias + np.einsum("ntck,fkc->ntf", taps, _i64(weight)), "conv accumulator")
    y = np.clip(zp_out + rq(acc, m0, shift), max(lo, zp_out) if relu else lo, hi)
    if pool:
        steps = y.shape[1] // pool
        y = y[:, :steps * pool].reshape(y.shape[0], steps, pool, -1).max(axis=2)
    return y


def lstm_step(xh, h_c, weight, bias, row_m0, row_shift, p, out_m0, out_shift, zp_h):
    """One integer LSTM step; xh = [x_t | h] (N, I + H), h_c = (h, c). Returns (h, c)."""
    _, c = h_c
    hidden = c.shape[1]
    acc = check_int32(bias + xh @ weight.T, "LSTM accumulator")
    z = sat16(rq(acc, row_m0, row_shift))  # Q3.12
    gate = lambda g: z[:, g * hidden:(g + 1) * hidden]  # noqa: E731
    i, f, g, o = sigmoid(3 * gate(0)), sigmoid(3 * gate(1)), tanh(3 * gate(2)), sigmoid(3 * gate(3))
    c = sat16(rdbpot(f * c, 15))
    c = sat16(c + rdbpot(i * g, 30 + p))
    v, shift = 3 * c, p + 12  # the cell (scale 2^p) as Q3.12, times 3
    v = v << shift if shift >= 0 else rdbpot(v, -shift)
    h = sat8(zp_h + rq(o * tanh(v), out_m0, out_shift))
    return h, c


def lstm_direction(x, weight, quant, order):
    """Run one direction over the time steps in `order`; returns (h of every step (N, T, H),
    final h (N, H))."""
    n, steps, _ = x.shape
    hidden = weight.shape[0] // 4
    lq = LstmQuant.unpack(quant, hidden)
    bias = _i64(lq.bias)
    row_m0 = np.repeat(_i64(lq.m0), hidden)  # per gate -> per row
    row_shift = np.repeat(_i64(lq.shift), hidden)
    p, out_m0, out_shift, zp_h = lq.cell_power, lq.out_m0, lq.out_shift, lq.zp_h
    weight = _i64(weight)
    h, c = np.zeros((n, hidden), np.int64), np.zeros((n, hidden), np.int64)  # h = 0, c = 0
    seq = np.zeros((n, steps, hidden), np.int64)
    for t in order:
        h, c = lstm_step(np.concatenate([x[:, t], h], axis=1), (h, c), weight, bias,
                         row_m0, row_shift, p, out_m0, out_shift, zp_h)
        seq[:, t] = h
    return seq, h


def mean_steps(s, steps):
    """round_half_away(S / steps) in integers."""
    s = _i64(s)
    return np.where(s >= 0, (s + steps // 2) // steps, -((-s + steps // 2) // steps))


def lstm_layer(x, directions, aggregation):
    """directions: [(weight (4H, I+H), quant)] forward first. Output (N, T, D*H) for
    sequence, (N, 1, D*H) otherwise."""
    steps = x.shape[1]
    seqs, finals = [], []
    for d, (weight, quant) in enumerate(directions):
        if d == 0:
            order = range(steps)
        elif aggregation == AGG_LAST:  # PyTorch's output[:, -1] has seen only the last input
            order = [steps - 1]
        else:
            order = range(steps - 1, -1, -1)
        seq, final = lstm_direction(x, weight, quant, order)
        seqs.append(seq)
        finals.append(final)
    if aggregation == AGG_SEQUENCE:
        return np.concatenate(seqs, axis=2)
    if aggregation in (AGG_LAST, AGG_FINAL_STATES):
        return np.concatenate(finals, axis=1)[:, None]
    if aggregation == AGG_MEAN:
        return mean_steps(np.concatenate(seqs, axis=2).sum(axis=1), steps)[:, None]
    raise ValueError(f"unknown LSTM aggregation {aggregation}")


def dense(x, weight, bias, dequant):
    """int8 (N, C) -> float32 logits: float(acc) * dq, one float32 multiply."""
    acc = check_int32(_i64(bias) + x @ _i64(weight).T, "dense accumulator")
    return acc.astype(np.float32) * dequant.astype(np.float32)


def softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# The model

@dataclass
class Layer:
    kind: int
    p0: int
    p1: int
    p2: int
    out_len: int
    out_ch: int
    tensors: dict = field(default_factory=dict)  # role -> array (stored type)
    scale: float = 0.0  # output quantization from the layer's last descriptor (informative)
    zero_point: int = 0


def parse(blob):
    """The layers of an int8 blob, each with its tensors (in their stored types), shaped."""
    dtype, records, entries = unpack_model(blob)
    if dtype != DTYPE_I8:
        raise ValueError(f"not an int8 blob (dtype {dtype})")
    layers = [Layer(*rec) for rec in records]
    for index, role, array, scale, zero_point in entries:
        layers[index].tensors[role] = array
        layers[index].scale, layers[index].zero_point = scale, zero_point
    for i, layer in enumerate(layers):
        t, in_ch = layer.tensors, layers[i - 1].out_ch if i else 0
        if layer.kind == CONV1D:
            t[ROLE_CONV_W] = t[ROLE_CONV_W].reshape(layer.p0, layer.p1, in_ch)  # [F][K][C]
        elif layer.kind == LSTM:
            for role in (ROLE_LSTM_W_FWD, ROLE_LSTM_W_BWD)[:layer.p2]:
                t[role] = t[role].reshape(4 * layer.p0, in_ch + layer.p0)  # [4H][I + H]
        elif layer.kind == DENSE:
            t[ROLE_DENSE_W] = t[ROLE_DENSE_W].reshape(layer.p0, in_ch)  # [N][C]
    return layers


def forward_batch(model, windows):
    """float32 outputs (N, classes) of raw windows (N, T, C); model: blob bytes or parse()."""
    layers = parse(model) if isinstance(model, (bytes, bytearray)) else model
    x = np.asarray(windows, dtype=np.float32)
    i = 0
    while i < len(layers):
        layer, t = layers[i], layers[i].tensors
        nxt = lambda k: layers[k].kind if k < len(layers) else None  # noqa: E731
        if layer.kind == INPUT:
            pass
        elif layer.kind == NORMALIZE:
            x = quantize_input(x, t[ROLE_QUANT_INPUT])
        elif layer.kind == CONV1D:
            relu = nxt(i + 1) == RELU
            pool = layers[i + 1 + relu].p0 if nxt(i + 1 + relu) == MAXPOOL1D else 0
            x = conv_block(x, t[ROLE_CONV_W], t[ROLE_CONV_QUANT], layer.p2, relu, pool)
            i += relu + bool(pool)  # the block's ReLU and MaxPool records
        elif layer.kind == LSTM:
            directions = [(t[ROLE_LSTM_W_FWD], t[ROLE_LSTM_Q_FWD]),
                          (t.get(ROLE_LSTM_W_BWD), t.get(ROLE_LSTM_Q_BWD))][:layer.p2]
            x = lstm_layer(x, directions, layer.p1)
        elif layer.kind == DENSE:
            if x.shape[1] != 1:
                raise ValueError("Dense needs a (1, C) input")
            x = dense(x[:, 0], t[ROLE_DENSE_W], t[ROLE_DENSE_B], t[ROLE_DENSE_DEQUANT])[:, None]
        elif layer.kind == SOFTMAX and x.dtype == np.float32:
            x = softmax(x)
        elif layer.kind == BATCHNORM:
            raise ValueError("an int8 network has its BatchNorm folded")
        else:
            raise ValueError(f"layer {i} (kind {layer.kind}) cannot run here on the int8 path")
        layer = layers[i]
        assert x.shape[1:] == (layer.out_len, layer.out_ch), (i, x.shape)
        i += 1
    if x.dtype != np.float32:
        raise ValueError("an int8 network ends with Dense (optionally followed by Softmax)")
    return x[:, 0]


def forward(blob, window):
    """float32 logits of one raw window (T, C)."""
    return forward_batch(blob, np.asarray(window, dtype=np.float32)[None])[0]


# --------------------------------------------------------------------------------------------
# Command line

def table_initializer(per_line=16):
    rows = [", ".join(str(int(v)) for v in TAB[i:i + per_line]) for i in range(0, 256, per_line)]
    return "{\n" + ",\n".join("    " + r for r in rows) + "}"


def batched(fn, x, batch=256):
    return np.concatenate([fn(x[i:i + batch]) for i in range(0, len(x), batch)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", help="int8 blob")
    parser.add_argument("--data", help="window dataset directory")
    parser.add_argument("--split", default="test")
    parser.add_argument("--compare", metavar="FLOAT.mubi", help="the float blob it came from")
    parser.add_argument("--print-table", action="store_true",
                        help="print TAB (256 uint16) as a C++ initializer and exit")
    args = parser.parse_args(argv)
    if args.print_table:
        print(table_initializer())
        return 0
    if not args.model or not args.data:
        parser.error("MODEL and --data are required (or --print-table)")

    with open(args.model, "rb") as fh:
        blob = fh.read()
    layers = parse(blob)
    x, y, _, meta = datasets.read_split(args.data, args.split)
    classes = layers[-1].out_ch
    start = time.time()
    logits = batched(lambda b: forward_batch(layers, b), x)
    pred = logits.argmax(axis=1)
    result = metrics.scores(y, pred, classes)
    print(f"{args.model} ({len(blob)} bytes) on {args.data} ({args.split}), integer reference, "
          f"{time.time() - start:.1f}s")
    print(metrics.format_report(result, meta.get("classes") or [str(c) for c in range(classes)]))
    if args.compare:
        with open(args.compare, "rb") as fh:
            float_blob = fh.read()
        float_logits = batched(lambda b: numpy_forward(float_blob, b), x)
        float_pred = float_logits.argmax(axis=1)
        float_result = metrics.scores(y, float_pred, classes)
        same = int((pred == float_pred).sum())
        print(f"compare with {args.compare} ({len(float_blob)} bytes, float64 forward):")
        print(f"  float macro-F1 {100 * float_result['macro_f1']:.2f}%  accuracy "
              f"{100 * float_result['accuracy']:.2f}%")
        print(f"  int8  macro-F1 {100 * result['macro_f1']:.2f}%  accuracy "
              f"{100 * result['accuracy']:.2f}%")
        print(f"  argmax agreement {100 * same / len(x):.2f}% ({same}/{len(x)}), "
              f"max |logit difference| {np.abs(logits - float_logits).max():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
