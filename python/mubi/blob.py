"""The mubi blob format (docs/format.md) in numpy: constants, writer, reader.

    pack_blob(layers, tensors, dtype) -> bytes      unpack_blob(blob) -> (dtype, layers, tensors)
    validate(tensors)                               signature_of(blob) -> int

Needs numpy only (python/tests/test_imports.py holds it to that): every tool that reads or writes
a blob without training imports the format from here, not from python/mubi/export.py (PyTorch).
"""

import struct
import zlib

import numpy as np

MAGIC = b"MUBI"
VERSION = 1             # a blob without a front end
VERSION_FRONTEND = 2    # a blob whose layer table starts with a front end (RAW_INPUT)
DTYPE_F32, DTYPE_I8, DTYPE_I16, DTYPE_I32, DTYPE_F64 = 1, 2, 3, 4, 5
# Descriptor dtype code -> little-endian numpy type of the stored elements.
DTYPE_NUMPY = {DTYPE_F32: "<f4", DTYPE_I8: "i1", DTYPE_I16: "<i2", DTYPE_I32: "<i4",
               DTYPE_F64: "<f8"}
HEADER_BYTES = 64
LAYER_RECORD_BYTES = 16
TENSOR_DESC_BYTES = 32

# Layer kinds.
INPUT, NORMALIZE, CONV1D, BATCHNORM, RELU, MAXPOOL1D, LSTM, DENSE, SOFTMAX = range(1, 10)
KIND_NAMES = {INPUT: "Input", NORMALIZE: "Normalize", CONV1D: "Conv1D",
              BATCHNORM: "BatchNorm", RELU: "ReLU", MAXPOOL1D: "MaxPool1D", LSTM: "LSTM",
              DENSE: "Dense", SOFTMAX: "Softmax"}
# Front-end stages (docs/format.md, "Front end"): before the Input record, version 2 only.
RAW_INPUT, FE_MEDIAN, FE_FIR, FE_IIR, FE_IIR_RESIDUAL, FE_SELECT = range(16, 22)
KIND_NAMES.update({RAW_INPUT: "RawInput", FE_MEDIAN: "Median", FE_FIR: "FIR", FE_IIR: "IIR",
                   FE_IIR_RESIDUAL: "IIRResidual", FE_SELECT: "Select"})
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
ROLE_FE_FIR_TAPS, ROLE_FE_SOS, ROLE_FE_CHANNEL_MAP = 24, 25, 26
# Tensors stored in float64: IIR sections with poles near z = 1 (docs/frontend.md, precision).
F64_ROLES = {ROLE_FE_SOS}
ROLE_NAMES = {1: "norm.mean", 2: "norm.std", 3: "conv.weight", 4: "conv.bias",
              5: "bn.gamma", 6: "bn.beta", 7: "bn.running_mean", 8: "bn.running_var",
              9: "lstm.fw.weight_ih", 10: "lstm.fw.weight_hh", 11: "lstm.fw.bias",
              12: "lstm.bw.weight_ih", 13: "lstm.bw.weight_hh", 14: "lstm.bw.bias",
              15: "dense.weight", 16: "dense.bias",
              17: "quant_input", 18: "conv_quant", 19: "lstm_weight_fwd",
              20: "lstm_quant_fwd", 21: "lstm_weight_bwd", 22: "lstm_quant_bwd",
              23: "dense_dequant", 24: "fe.fir_taps", 25: "fe.sos", 26: "fe.channel_map"}

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


def validate(tensors):
    for index, role, array in tensors:
        if not np.all(np.isfinite(array)):
            raise ValueError(f"non-finite value in {ROLE_NAMES[role]} (layer {index})")
        if role == ROLE_NORM_STD and not np.all(array > 0):
            raise ValueError("normalization std must be > 0")
        if role == ROLE_BN_VAR and not np.all(array >= 0):
            raise ValueError("BatchNorm running_var must be >= 0")


def stored_array(array, role=None):
    """(descriptor dtype code, little-endian array) of a tensor: a float array is stored as
    float32 (float64 for the roles in F64_ROLES); int8 / int16 / int32 arrays keep their type."""
    array = np.asarray(array)
    if array.dtype.kind == "f":
        if role in F64_ROLES:
            return DTYPE_F64, array.astype("<f8")
        return DTYPE_F32, array.astype("<f4")
    for code, np_type in DTYPE_NUMPY.items():
        if code not in (DTYPE_F32, DTYPE_F64) and array.dtype == np.dtype(np_type):
            return code, array
    raise TypeError(f"no blob dtype for tensor elements of type {array.dtype}")


def pack_blob(layers, tensors, dtype=DTYPE_F32):
    """Serialize layer records and tensors into a blob (bytes).

    Each tensor is (layer, role, array) or (layer, role, array, scale, zero_point); the
    descriptor's dtype follows the array's type (see stored_array), scale and zero_point default
    to 0 (what float32 tensors must have)."""
    layer_table = b"".join(struct.pack("<HHHHII", *rec) for rec in layers)
    signature = fnv1a64(layer_table)

    payload = bytearray()
    descriptors = []
    for index, role, array, *quant in tensors:
        scale, zero_point = quant if quant else (0.0, 0)
        code, stored = stored_array(array, role)
        payload += bytes(align16(len(payload)) - len(payload))  # zero padding to 16
        descriptors.append(struct.pack("<HHBBHIIfiII", index, role, code, 0, 0,
                                       stored.size, len(payload), scale, zero_point, 0, 0))
        payload += stored.tobytes()
    payload += bytes(align16(len(payload)) - len(payload))
    tensor_table = b"".join(descriptors)

    tables_end = HEADER_BYTES + len(layer_table) + len(tensor_table)
    payload_offset = align16(tables_end)
    total_bytes = payload_offset + len(payload)

    version = VERSION_FRONTEND if layers and layers[0][0] == RAW_INPUT else VERSION

    def header(crc):
        return struct.pack("<4sHBBQIIIIIII20s", MAGIC, version, dtype, 0, signature,
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
    Checks the magic, the length and the CRC, not the architecture (python/mubi/check_blob.py does)."""
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


def signature_of(blob):
    return struct.unpack_from("<Q", blob, 8)[0]


def join_frontend(fe_records, fe_tensors, layers, tensors):
    """One layer table and tensor list: the front end's records and tensors first, then the
    model's, whose tensors' layer indices move past the front end's records."""
    shift = len(fe_records)
    return (list(fe_records) + list(layers),
            list(fe_tensors) + [(layer + shift, *rest) for layer, *rest in tensors])


def split_frontend(layers, tensors):
    """The inverse of join_frontend: (fe_records, fe_tensors, layers, tensors), the model's
    part indexed from its Input record as in a blob without a front end."""
    shift = next((i for i, rec in enumerate(layers) if rec[0] == INPUT), 0)
    return (list(layers[:shift]), [t for t in tensors if t[0] < shift], list(layers[shift:]),
            [(layer - shift, *rest) for layer, *rest in tensors if layer >= shift])


def unpack_model(blob):
    """unpack_blob without the front end, if any: (dtype, layers, tensors) of the network that
    runs on windows, indexed from its Input record (float_ref, q8_ref and quantize read this)."""
    dtype, layers, tensors = unpack_blob(blob)
    return (dtype, *split_frontend(layers, tensors)[2:])

