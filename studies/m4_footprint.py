"""Cortex-M4F footprint of every shipped model and of the ablation networks, under QEMU.

    PYTHONPATH=python /usr/bin/python3 studies/m4_footprint.py streams --mubi build/demo/examples/mubi
    PYTHONPATH=python /usr/bin/python3 studies/m4_footprint.py measure --mubi build/demo/examples/mubi \
        [--out studies/results/m4_footprint.json]

`streams` writes examples/data/mcu_streams/<model>/ for the shipped MotionSense, Daphnet and
WISDM models (UCI-HAR has examples/data/uci_har_stream): a continuous stretch of real test
samples, rebuilt from consecutive 50 %-overlapping test windows of one recording (each
window's first half must equal the previous one's second half, or the stretch ends), and the
host's int8 scores of it (`mubi stream`), which the firmware must reproduce bit for bit.

`measure` quantizes the seed-1 checkpoint of every ablation cell (runs/paper/NAME, trained by
studies/paper_runs.py) with the declared calibration into studies/results/paper_runs/int8/,
builds one int8 firmware per model (the shipped ones from examples/mcu/models.cmake, the
ablations from a generated MUBI_FW_EXTRA file, all at -Os), runs each under QEMU
mps2-an386 and records what it reports: flash (text + data), static RAM (data + bss less the
stack reservation), the measured stack high-water, instructions per classifying push and per
layer, and `mubi info`'s parameters, MACs and blob bytes. studies/paper_tables.py renders the
record.
"""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

from mubi import datasets

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STREAMS = os.path.join(REPO, "examples", "data", "mcu_streams")
RUNS = os.path.join(REPO, "runs", "paper")
INT8_DIR = os.path.join(REPO, "studies", "results", "paper_runs", "int8")
BUILD = os.path.join(REPO, "build", "m4-footprint")
CALIBRATION = ["--input-percentile", "99.9", "--cell-headroom", "1.5"]  # the plan's: UCI-HAR's
WINDOWS_PER_STREAM = 8

# Shipped models: name, window dataset, firmware target.
SHIPPED = [("uci_har", "data/uci_har_rebuilt", "mubi_fw_int8"),
           ("motionsense", "data/motionsense_total_acc_gyro", "mubi_fw_motionsense_int8"),
           ("daphnet", "data/daphnet", "mubi_fw_daphnet_int8"),
           ("wisdm", "data/wisdm", "mubi_fw_wisdm_int8")]
# Ablation cells: dataset directory, its stream, the C++ type of each variant (C channels).
ABLATION_DATA = [("uci_har_rebuilt", "examples/data/uci_har_stream/stream.f32", 9),
                 ("motionsense_total_acc_gyro", "examples/data/mcu_streams/motionsense/stream.f32", 6)]
VARIANT_TYPES = {"A0": "mubi::MuBiConvLSTM<128, {c}, 6>", "A1": "mubi::MuBiConvLSTM_A1<128, {c}, 6>",
                 "A2": "mubi::MuBiConvLSTM_A2<128, {c}, 6>", "A3": "mubi::MuBiConvLSTM_A3<128, {c}, 6>",
                 "A4": "mubi::MuBiConvLSTM_A4<128, {c}, 6>", "W24_32": "mubi::MuBiConvLSTM<128, {c}, 6, 24, 32>"}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, **kw)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stdout[-4000:]}{r.stderr[-4000:]}")
    return r.stdout


def continuous_stretch(x, subject, count):
    """Samples of the first `count` test windows that continue each other, as one stream."""
    half = x.shape[1] // 2
    rows = [x[0]]
    for i in range(1, len(x)):
        if len(rows) == count:
            break
        if subject[i] != subject[i - 1] or not np.array_equal(x[i, :half], x[i - 1, half:]):
            rows = [x[i]]  # not a continuation: start again from this window
            continue
        rows.append(x[i, half:])
    if len(rows) < count:
        raise SystemExit("no continuous stretch of test windows found")
    return np.concatenate(rows, axis=0)


def make_streams(mubi):
    for name, data, _ in SHIPPED:
        if name == "uci_har":
            continue  # examples/data/uci_har_stream (python/mubi_train/make_stream.py)
        x, _, s, meta = datasets.read_split(os.path.join(REPO, data), "test")
        stream = continuous_stretch(x, s, WINDOWS_PER_STREAM)
        out = os.path.join(STREAMS, name)
        os.makedirs(out, exist_ok=True)
        stream.astype("<f4").tofile(os.path.join(out, "stream.f32"))
        blob = os.path.join("examples", "models", f"{name}.int8.mubi")
        run([mubi, "stream", blob, "--input", os.path.relpath(os.path.join(out, "stream.f32"), REPO),
             "--output", os.path.relpath(os.path.join(out, "expected_int8.f32"), REPO)])
        with open(os.path.join(out, "meta.json"), "w") as fh:
            json.dump(dict(what=f"{len(stream)} continuous samples x {stream.shape[1]} channels of real "
                                f"{meta['name']} test data (float32, time-major, the model's units), "
                                f"the first {WINDOWS_PER_STREAM} consecutive 50 %-overlapping test windows of "
                                "one recording; expected_int8.f32: the host's int8 scores of each window "
                                f"the stream classifies (hop {x.shape[1] // 2})",
                           made_by="studies/m4_footprint.py streams", data=data, channels=meta["channels"],
                           classes=meta["classes"], units=meta.get("units"),
                           command=f"mubi stream {blob} --input stream.f32 --output expected_int8.f32",
                           licence=meta.get("license"), citation=meta.get("citation")), fh, indent=1)
            fh.write("\n")
        print(f"{name}: {len(stream)} samples -> {out}")


def quantize_ablations():
    cells = []
    for data, stream, channels in ABLATION_DATA:
        meta = datasets.read_split(os.path.join(REPO, "data", data), "test")[3]
        for variant, cxx in VARIANT_TYPES.items():
            run_name = f"{data}_{variant}_s1"
            blob = os.path.join(INT8_DIR, run_name + ".int8.mubi")
            if not os.path.exists(blob):
                os.makedirs(INT8_DIR, exist_ok=True)
                run([sys.executable, "-m", "mubi.quantize", os.path.join(RUNS, run_name, "model.mubi"),
                     "--data", os.path.join("data", data), "--split", "train", *CALIBRATION, "--out", blob],
                    env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python")))
            cells.append(dict(run=run_name, variant=variant, cxx=cxx.format(c=channels), blob=blob,
                              stream=os.path.join(REPO, stream), classes=meta["classes"]))
    return cells


def extra_cmake(cells, mubi):
    lines = ["# Generated by studies/m4_footprint.py measure: the ablation models' int8 firmware."]
    for c in cells:
        expect = os.path.join(BUILD, c["run"] + "_expected_int8.f32")
        run([mubi, "stream", c["blob"], "--input", c["stream"], "--output", expect])
        classes = " ".join(f'"{n}"' for n in c["classes"])
        lines.append(f'mubi_firmware(NAME fw_{c["run"]} MODEL "{c["cxx"]}" INT8 BLOB {c["blob"]} LD an386.ld\n'
                     f'              STREAM {c["stream"]} EXPECT {expect}\n'
                     f'              TITLE "int8 {c["run"]}" CLASSES {classes})')
    return "\n".join(lines) + "\n"


def sections(elf):
    out = run(["arm-none-eabi-size", "-A", elf])
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)\s+\d+", out, re.M)}


def firmware_report(elf):
    out = subprocess.run(["timeout", "300", "qemu-system-arm", "-M", "mps2-an386", "-icount", "shift=3",
                          "-display", "none", "-monitor", "none", "-serial", "null",
                          "-semihosting-config", "enable=on,target=native", "-kernel", elf],
                         capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise SystemExit(f"{elf} failed under QEMU (rc {out.returncode}):\n{text[-3000:]}")

    def value(key):
        return int(re.search(re.escape(key) + r"\s+(\d+)", text).group(1))

    return dict(classifications=value("classifications"), mismatches=value("mismatches"),
                stack_high_water=value("stack high-water"), instructions_per_window=value("instructions/window"),
                instructions_per_sample=value("instructions/sample"),
                instructions_per_inference=value("instructions/inference"),
                instructions_per_layer=[int(v) for v in re.findall(r"layer \d+\s*: (\d+) instructions", text)])


def mubi_info(mubi, blob):
    out = run([mubi, "info", blob])
    return dict(parameters=int(re.search(r"parameters\s+(\d+)", out).group(1)),
                macs=int(re.search(r"MACs\s+(\d+)", out).group(1)),
                macs_executed=int(re.search(r"MACs\s+\d+ per window \(every LSTM step\), (\d+) executed", out).group(1)),
                int8_blob_bytes=os.path.getsize(os.path.join(REPO, blob)))


def measure(mubi, out_path):
    cells = quantize_ablations()
    os.makedirs(BUILD, exist_ok=True)
    extra = os.path.join(BUILD, "ablations.cmake")
    text = extra_cmake(cells, mubi)
    if not os.path.exists(extra) or open(extra).read() != text:
        with open(extra, "w") as fh:
            fh.write(text)
    run(["cmake", "-S", ".", "-B", BUILD, "-DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-cortex-m4.cmake",
         "-DCMAKE_BUILD_TYPE=MinSizeRel", f"-DMUBI_FW_EXTRA={extra}"])
    targets = [t for _, _, t in SHIPPED] + [f"fw_{c['run']}" for c in cells]
    run(["cmake", "--build", BUILD, "-j2", "--target", *targets])
    rows = []
    jobs = [(n, os.path.join("examples", "models", f"{n}.int8.mubi"), t, "shipped") for n, _, t in SHIPPED]
    jobs += [(c["run"], os.path.relpath(c["blob"], REPO), f"fw_{c['run']}", c["variant"]) for c in cells]
    for name, blob, target, kind in jobs:
        elf = os.path.join(BUILD, "examples", "mcu", target + ".elf")
        sec = sections(elf)
        flash = sec.get(".text", 0) + sec.get(".ARM.exidx", 0) + sec.get(".init_array", 0) + sec.get(".data", 0)
        static_ram = sec.get(".data", 0) + sec.get(".bss", 0)
        row = dict(model=name, kind=kind, blob=blob, target=target, flash_bytes=flash, static_ram_bytes=static_ram,
                   stack_reserved_bytes=sec.get(".stack", 0), **mubi_info(mubi, blob), **firmware_report(elf))
        row["ram_bytes"] = row["static_ram_bytes"] + row["stack_high_water"]
        if row["mismatches"] != 0:
            raise SystemExit(f"{name}: the firmware's classifications differ from the host's")
        rows.append(row)
        print(f"{name:36s} flash {flash:6d} B  RAM {row['ram_bytes']:5d} B  "
              f"{row['instructions_per_window']:9d} instructions/window")
    with open(out_path, "w") as fh:
        json.dump(dict(measured_with="studies/m4_footprint.py measure: arm-none-eabi-gcc -Os, QEMU mps2-an386 "
                                     "-icount shift=3 (instruction counts exact); flash = .text + .ARM.exidx + "
                                     ".init_array + .data; RAM = .data + .bss without the stack reservation, plus "
                                     "the painted stack high-water; instructions per window = the stream push "
                                     "that classifies (inference + window slide)",
                       calibration=" ".join(CALIBRATION), rows=rows), fh, indent=1)
        fh.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["streams", "measure"])
    p.add_argument("--mubi", required=True, help="the host mubi command-line tool")
    p.add_argument("--out", default=os.path.join(REPO, "studies", "results", "m4_footprint.json"))
    args = p.parse_args()
    mubi = os.path.abspath(args.mubi)
    if args.what == "streams":
        make_streams(mubi)
    else:
        measure(mubi, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
