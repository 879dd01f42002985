"""Export a MuBiConvLSTM (tools/mubi_torch.py) to a float32 mubi blob (docs/format.md).

Library use:
    export(module_or_state_dict, path, config=None, fold=True) -> bytes

Command line:
    /usr/bin/python3 tools/export.py --checkpoint CKPT.pt --out MODEL.mubi [--no-fold]
    /usr/bin/python3 tools/export.py --random uci_har [--variant A1] [--filters 8]
        [--hidden 16] [--kernel 3] [--aggregation mean] --seed 1 --out MODEL.mubi [--no-fold]

With fold=True (default) each BatchNorm is folded into the preceding Conv1D in float64
and the blob has no BatchNorm records; fold=False stores the network exactly as trained.
The two are different architectures with different signatures.
"""

import argparse
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mubi_torch  # noqa: E402

MAGIC = b"MUBI"
VERSION = 1
DTYPE_F32, DTYPE_I8, DTYPE_I16, DTYPE_I32 = 1, 2, 3, 4
# Descriptor dtype code -> little-endian numpy type of the stored elements.
DTYPE_NUMPY = {DTYPE_F32: "<f4", DTYPE_I8: "i1", DTYPE_I16: "<i2", DTYPE_I32: "<i4"}
HEADER_BYTES = 64
LAYER_RECORD_BYTES = 16
TENSOR_DESC_BYTES = 32

# Layer kinds.
INPUT, NORMALIZE, CONV1D, BATCHNORM, RELU, MAXPOOL1D, LSTM, DENSE, SOFTMAX = range(1, 10)
KIND_NAMES = {INPUT: "Input", NORMALIZE: "Normalize", CONV1D: "Conv1D",
              BATCHNORM: "BatchNorm", RELU: "ReLU", MAXPOOL1D: "MaxPool1D", LSTM: "LSTM",
              DENSE: "Dense", SOFTMAX: "Softmax"}
AGGREGATION_CODES = {"sequence": 0, "last": 1, "final_states": 2, "mean": 3}

# Tensor roles.
ROLE_NORM_MEAN, ROLE_NORM_STD = 1, 2
ROLE_CONV_W, ROLE_CONV_B = 3, 4
ROLE_BN_GAMMA, ROLE_BN_BETA, ROLE_BN_MEAN, ROLE_BN_VAR = 5, 6, 7, 8
ROLE_LSTM_FW_IH, ROLE_LSTM_FW_HH, ROLE_LSTM_FW_B = 9, 10, 11
ROLE_LSTM_BW_IH, ROLE_LSTM_BW_HH, ROLE_LSTM_BW_B = 12, 13, 14
ROLE_DENSE_W, ROLE_DENSE_B = 15, 16
# int8 blobs only (docs/int8.md); conv and dense weights keep roles 3 and 15 (as int8).
ROLE_QUANT_INPUT, ROLE_CONV_QUANT = 17, 18
ROLE_LSTM_W_FWD, ROLE_LSTM_Q_FWD, ROLE_LSTM_W_BWD, ROLE_LSTM_Q_BWD = 19, 20, 21, 22
ROLE_DENSE_DEQUANT = 23
ROLE_NAMES = {1: "norm.mean", 2: "norm.std", 3: "conv.weight", 4: "conv.bias",
              5: "bn.gamma", 6: "bn.beta", 7: "bn.running_mean", 8: "bn.running_var",
              9: "lstm.fw.weight_ih", 10: "lstm.fw.weight_hh", 11: "lstm.fw.bias",
              12: "lstm.bw.weight_ih", 13: "lstm.bw.weight_hh", 14: "lstm.bw.bias",
              15: "dense.weight", 16: "dense.bias",
              17: "quant_input", 18: "conv_quant", 19: "lstm_weight_fwd",
              20: "lstm_quant_fwd", 21: "lstm_weight_bwd", 22: "lstm_quant_bwd",
              23: "dense_dequant"}

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def align16(n):
    return (n + 15) & ~15


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def _f64(state, key):
    return state[key].detach().cpu().double().numpy()


def _f32(state, key):
    return state[key].detach().cpu().float().numpy()


def build_layers_and_tensors(state, config, fold=True):
    """The layer records (kind, p0, p1, p2, out_len, out_ch) and tensors (layer, role, f32 array)."""
    c = config["in_channels"]
    t = config["window"]
    filters, kernel, hidden = config["filters"], config["kernel"], config["hidden"]
    variant = config["variant"]
    aggregation = "mean" if variant == "A4" else config["aggregation"]
    pool = variant != "A1"
    blocks = 1 if variant == "A3" else 2
    directions = 1 if variant == "A2" else 2
    if kernel % 2 != 1:
        raise ValueError("kernel must be odd")

    layers, tensors = [], []

    def layer(kind, p0=0, p1=0, p2=0, out_len=0, out_ch=0):
        for p in (p0, p1, p2):
            if not 0 <= p <= 0xFFFF:
                raise ValueError(f"layer parameter {p} does not fit u16")
        layers.append((kind, p0, p1, p2, out_len, out_ch))
        return len(layers) - 1

    def tensor(index, role, array):
        tensors.append((index, role, np.ascontiguousarray(array, dtype="<f4").ravel()))

    layer(INPUT, out_len=t, out_ch=c)
    i = layer(NORMALIZE, out_len=t, out_ch=c)
    tensor(i, ROLE_NORM_MEAN, _f32(state, "mean"))
    tensor(i, ROLE_NORM_STD, _f32(state, "std"))

    for b in range(1, blocks + 1):
        conv, bn = f"conv{b}", f"bn{b}"
        i = layer(CONV1D, filters, kernel, (kernel - 1) // 2, out_len=t, out_ch=filters)
        if fold:
            # w' = w*a, b' = (b - mean)*a + beta with a = gamma/sqrt(var + eps), in float64.
            a = _f64(state, f"{bn}.weight") / np.sqrt(_f64(state, f"{bn}.running_var")
                                                        + mubi_torch.BN_EPS)
            w = _f64(state, f"{conv}.weight") * a[:, None, None]
            bias = ((_f64(state, f"{conv}.bias") - _f64(state, f"{bn}.running_mean")) * a
                    + _f64(state, f"{bn}.bias"))
            tensor(i, ROLE_CONV_W, w.astype(np.float32).transpose(2, 1, 0))  # [f][c][k] -> [k][c][f]
            tensor(i, ROLE_CONV_B, bias.astype(np.float32))
        else:
            tensor(i, ROLE_CONV_W, _f32(state, f"{conv}.weight").transpose(2, 1, 0))
            tensor(i, ROLE_CONV_B, _f32(state, f"{conv}.bias"))
            i = layer(BATCHNORM, out_len=t, out_ch=filters)
            tensor(i, ROLE_BN_GAMMA, _f32(state, f"{bn}.weight"))
            tensor(i, ROLE_BN_BETA, _f32(state, f"{bn}.bias"))
            tensor(i, ROLE_BN_MEAN, _f32(state, f"{bn}.running_mean"))
            tensor(i, ROLE_BN_VAR, _f32(state, f"{bn}.running_var"))
        layer(RELU, out_len=t, out_ch=filters)
        if pool:
            t //= mubi_torch.POOL  # PyTorch floor pooling
            layer(MAXPOOL1D, mubi_torch.POOL, mubi_torch.POOL, 0, out_len=t, out_ch=filters)

    i = layer(LSTM, hidden, AGGREGATION_CODES[aggregation], directions,
              out_len=1, out_ch=directions * hidden)
    for suffix, roles in (("l0", (ROLE_LSTM_FW_IH, ROLE_LSTM_FW_HH, ROLE_LSTM_FW_B)),
                          ("l0_reverse", (ROLE_LSTM_BW_IH, ROLE_LSTM_BW_HH, ROLE_LSTM_BW_B))
                          )[:directions]:
        # PyTorch [4H][in] -> [in][4H]: outputs contiguous (see docs/format.md).
        tensor(i, roles[0], _f32(state, f"lstm.weight_ih_{suffix}").T)
        tensor(i, roles[1], _f32(state, f"lstm.weight_hh_{suffix}").T)
        # Summed in float32, as the format requires.
        tensor(i, roles[2], _f32(state, f"lstm.bias_ih_{suffix}") + _f32(state, f"lstm.bias_hh_{suffix}"))

    i = layer(DENSE, config["classes"], out_len=1, out_ch=config["classes"])
    tensor(i, ROLE_DENSE_W, _f32(state, "fc.weight").T)  # [n][c] -> [c][n]
    tensor(i, ROLE_DENSE_B, _f32(state, "fc.bias"))
    return layers, tensors


def validate(tensors):
    for index, role, array in tensors:
        if not np.all(np.isfinite(array)):
            raise ValueError(f"non-finite value in {ROLE_NAMES[role]} (layer {index})")
        if role == ROLE_NORM_STD and not np.all(array > 0):
            raise ValueError("normalization std must be > 0")
        if role == ROLE_BN_VAR and not np.all(array >= 0):
            raise ValueError("BatchNorm running_var must be >= 0")


def _stored(array):
    """(descriptor dtype code, little-endian array) of a tensor: any float array is stored as
    float32 (what the float path always did); int8 / int16 / int32 arrays keep their type."""
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return DTYPE_F32, array.astype("<f4")
    for code, np_type in DTYPE_NUMPY.items():
        if code != DTYPE_F32 and array.dtype == np.dtype(np_type):
            return code, array
    raise TypeError(f"no blob dtype for tensor elements of type {array.dtype}")


def pack_blob(layers, tensors, dtype=DTYPE_F32):
    """Serialize layer records and tensors into a blob (bytes).

    Each tensor is (layer, role, array) or (layer, role, array, scale, zero_point); the
    descriptor's dtype follows the array's type (see _stored), scale and zero_point default
    to 0 (what float32 tensors must have)."""
    layer_table = b"".join(struct.pack("<HHHHII", *rec) for rec in layers)
    signature = fnv1a64(layer_table)

    payload = bytearray()
    descriptors = []
    for index, role, array, *quant in tensors:
        scale, zero_point = quant if quant else (0.0, 0)
        code, stored = _stored(array)
        payload += bytes(align16(len(payload)) - len(payload))  # zero padding to 16
        descriptors.append(struct.pack("<HHBBHIIfiII", index, role, code, 0, 0,
                                       stored.size, len(payload), scale, zero_point, 0, 0))
        payload += stored.tobytes()
    payload += bytes(align16(len(payload)) - len(payload))
    tensor_table = b"".join(descriptors)

    tables_end = HEADER_BYTES + len(layer_table) + len(tensor_table)
    payload_offset = align16(tables_end)
    total_bytes = payload_offset + len(payload)

    def header(crc):
        return struct.pack("<4sHBBQIIIIIII20s", MAGIC, VERSION, dtype, 0, signature,
                           HEADER_BYTES, len(layers), len(tensors), payload_offset,
                           len(payload), total_bytes, crc, bytes(20))

    body = layer_table + tensor_table + bytes(payload_offset - tables_end) + bytes(payload)
    crc = zlib.crc32(header(0) + body) & 0xFFFFFFFF
    blob = header(crc) + body
    assert len(blob) == total_bytes
    return blob


def unpack_blob(blob):
    """The inverse of pack_blob: (dtype, layers, tensors) with tensors as
    (layer, role, array, scale, zero_point) in descriptor order, arrays in their stored type.
    Checks the magic, the length and the CRC, not the architecture (tools/check_blob.py does)."""
    blob = bytes(blob)
    if len(blob) < HEADER_BYTES or blob[:4] != MAGIC:
        raise ValueError("not a mubi blob")
    dtype = blob[6]
    layer_count, tensor_count, payload_offset, _, total_bytes, crc = \
        struct.unpack_from("<IIIIII", blob, 20)
    if len(blob) != total_bytes:
        raise ValueError(f"blob has {len(blob)} bytes, its header says {total_bytes}")
    if zlib.crc32(blob[:40] + bytes(4) + blob[44:]) & 0xFFFFFFFF != crc:
        raise ValueError("blob checksum mismatch")
    layers = [struct.unpack_from("<HHHHII", blob, HEADER_BYTES + LAYER_RECORD_BYTES * i)
              for i in range(layer_count)]
    base = HEADER_BYTES + LAYER_RECORD_BYTES * layer_count
    tensors = []
    for i in range(tensor_count):
        layer, role, code, _, _, count, offset, scale, zero_point, _, _ = \
            struct.unpack_from("<HHBBHIIfiII", blob, base + TENSOR_DESC_BYTES * i)
        array = np.frombuffer(blob, DTYPE_NUMPY[code], count, payload_offset + offset)
        tensors.append((layer, role, array, scale, zero_point))
    return dtype, layers, tensors


def _state_and_config(module_or_state_dict, config):
    if isinstance(module_or_state_dict, mubi_torch.MuBiConvLSTM):
        return module_or_state_dict.state_dict(), dict(config or module_or_state_dict.config)
    state = module_or_state_dict
    if "state_dict" in state and "config" in state:  # a save_checkpoint dict
        return state["state_dict"], dict(config or state["config"])
    if config is None:
        raise ValueError("a bare state_dict needs config")
    return state, dict(config)


def export(module_or_state_dict, path, config=None, fold=True):
    """Write a float32 blob to path (None: do not write) and return its bytes."""
    state, config = _state_and_config(module_or_state_dict, config)
    defaults = dict(filters=16, hidden=24, kernel=5, variant="A0", aggregation="last")
    config = {**defaults, **config}
    # Validate the values as trained first, so a bad running_var is named, not folded to NaN.
    validate(build_layers_and_tensors(state, config, fold=False)[1])
    layers, tensors = build_layers_and_tensors(state, config, fold=fold)
    validate(tensors)
    blob = pack_blob(layers, tensors)
    if path is not None:
        with open(path, "wb") as f:
            f.write(blob)
    return blob


def signature_of(blob):
    return struct.unpack_from("<Q", blob, 8)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="checkpoint written by mubi_torch.save_checkpoint")
    source.add_argument("--random", metavar="CONFIG", choices=sorted(mubi_torch.CONFIGS),
                        help="freshly initialised module of a dataset configuration")
    parser.add_argument("--variant", default="A0", choices=mubi_torch.VARIANTS)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=24)
    parser.add_argument("--kernel", type=int, default=5)
    parser.add_argument("--aggregation", default="last", choices=mubi_torch.AGGREGATIONS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-fold", dest="fold", action="store_false",
                        help="keep BatchNorm layers (the network exactly as trained)")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    if args.checkpoint:
        module = mubi_torch.load_checkpoint(args.checkpoint)
    else:
        torch.manual_seed(args.seed)
        module = mubi_torch.build(args.random, filters=args.filters, hidden=args.hidden,
                                  kernel=args.kernel, variant=args.variant,
                                  aggregation=args.aggregation)
        mubi_torch.randomize_(module)
    blob = export(module.eval(), args.out, fold=args.fold)
    print(f"{args.out}: {len(blob)} bytes, signature 0x{signature_of(blob):016x}, "
          f"{'folded' if args.fold else 'unfolded'}, config {module.config}")


if __name__ == "__main__":
    main()
