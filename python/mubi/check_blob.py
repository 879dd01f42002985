"""Parse a mubi blob (docs/format.md): print header, layer table and tensor table, and
recompute the CRC-32 and the layer-table signature.

    /usr/bin/python3 -m mubi.check_blob MODEL.mubi [--values]

Exit status 0 when the blob is self-consistent, 1 otherwise.
"""

import argparse
import struct
import sys
import zlib

import numpy as np

from .blob import (DTYPE_F32, DTYPE_F64, DTYPE_NUMPY, KIND_NAMES, RAW_INPUT,
                         ROLE_NAMES, VERSION, VERSION_FRONTEND, align16, fnv1a64)

HEADER = struct.Struct("<4sHBBQIIIIIII20s")
LAYER = struct.Struct("<HHHHII")
TENSOR = struct.Struct("<HHBBHIIfiII")


def check(blob, show_values=False):
    problems = []
    if len(blob) < HEADER.size:
        return ["truncated: shorter than the header"]
    (magic, version, dtype, reserved, signature, header_bytes, layer_count, tensor_count,
     payload_offset, payload_bytes, total_bytes, crc, reserved2) = HEADER.unpack_from(blob)
    print(f"magic {magic!r} version {version} dtype {dtype} signature 0x{signature:016x}")
    print(f"header_bytes {header_bytes} layers {layer_count} tensors {tensor_count} "
          f"payload_offset {payload_offset} payload_bytes {payload_bytes} "
          f"total_bytes {total_bytes} crc32 0x{crc:08x} (file {len(blob)} bytes)")

    expected_offset = align16(HEADER.size + LAYER.size * layer_count + TENSOR.size * tensor_count)
    first_kind = LAYER.unpack_from(blob, HEADER.size)[0] if layer_count else 0
    expected_version = VERSION_FRONTEND if first_kind == RAW_INPUT else VERSION
    if magic != b"MUBI" or version != expected_version or dtype not in (1, 2):
        problems.append("bad magic/version/dtype")
    if (header_bytes != 64 or reserved or any(reserved2) or payload_offset != expected_offset
            or payload_bytes % 16 or total_bytes != payload_offset + payload_bytes):
        problems.append("bad_header")
    if len(blob) != total_bytes:
        problems.append(f"size: file has {len(blob)} bytes, header says {total_bytes}")
        return problems
    computed_crc = zlib.crc32(blob[:40] + bytes(4) + blob[44:]) & 0xFFFFFFFF
    if computed_crc != crc:
        problems.append(f"bad_checksum: computed 0x{computed_crc:08x}")

    table = blob[64:64 + LAYER.size * layer_count]
    computed_signature = fnv1a64(table)
    if computed_signature != signature:
        problems.append(f"bad signature: computed 0x{computed_signature:016x}")
    print("layers:  #  kind       p0    p1    p2  out_len out_ch")
    for i in range(layer_count):
        kind, p0, p1, p2, out_len, out_ch = LAYER.unpack_from(table, LAYER.size * i)
        print(f"        {i:2d}  {KIND_NAMES.get(kind, kind)!s:9s} {p0:5d} {p1:5d} {p2:5d} "
              f"{out_len:8d} {out_ch:6d}")

    print("tensors: # layer role                 dtype  count  offset  scale zp")
    end = 0
    base = 64 + len(table)
    for i in range(tensor_count):
        (layer, role, tdtype, r0, r1, count, offset, scale, zero_point, r2,
         r3) = TENSOR.unpack_from(blob, base + TENSOR.size * i)
        print(f"        {i:2d} {layer:5d} {ROLE_NAMES.get(role, role)!s:20s} {tdtype:5d} "
              f"{count:6d} {offset:7d} {scale:6g} {zero_point}")
        if r0 or r1 or r2 or r3 or offset != align16(end):
            problems.append(f"tensor {i}: reserved bytes or offset not packed")
        width = np.dtype(DTYPE_NUMPY[tdtype]).itemsize if tdtype in DTYPE_NUMPY else 0
        end = offset + count * width
        if tdtype in (DTYPE_F32, DTYPE_F64):
            values = np.frombuffer(blob, DTYPE_NUMPY[tdtype], count, payload_offset + offset)
            if not np.all(np.isfinite(values)):
                problems.append(f"tensor {i}: non-finite values")
            if show_values:
                print("           ", np.array2string(values[:8], precision=5), "...")
    if align16(end) != payload_bytes:
        problems.append(f"payload ends at {end}, header says {payload_bytes}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("blob")
    parser.add_argument("--values", action="store_true", help="print the first values")
    args = parser.parse_args()
    with open(args.blob, "rb") as f:
        problems = check(f.read(), args.values)
    print("OK" if not problems else "PROBLEMS:\n  " + "\n  ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
