"""The README's paper tables, rendered from committed records only (no data, no build).

    /usr/bin/python3 studies/paper_tables.py                     # print the tables
    /usr/bin/python3 studies/paper_tables.py --update README.md  # rewrite them in place
    /usr/bin/python3 studies/paper_tables.py --check README.md   # fail if the README differs
    /usr/bin/python3 studies/paper_tables.py --plot docs/ablation_pareto.png  # needs matplotlib

Records: studies/results/int8.json (studies/int8_report.py: `mubi eval` of the shipped float
and int8 blobs on their test splits), studies/results/m4_footprint.json
(studies/m4_footprint.py: the int8 firmware of each model under QEMU, and `mubi info`) and
studies/results/paper_runs/*.json (studies/paper_runs.py: every ablation training run). Each
table sits in the README between `<!-- paper_tables:NAME -->` and `<!-- /paper_tables:NAME -->`.
"""

import argparse
import json
import os
import statistics
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(REPO, "studies", "results")

# The paper's figures: Table VI (FP32 -> INT8 macro-F1), Table VII (int8 footprint, KB).
PAPER_INT8 = {"uci_har": (92.69, 92.69), "motionsense": (90.88, 90.46), "wisdm": (76.84, 76.82),
              "daphnet": (88.13, 87.05)}
PAPER_KB = {"uci_har": 21.2, "motionsense": 20.7, "wisdm": 20.2, "daphnet": 20.8}
SHIPPED = {"uci_har": "UCI-HAR", "motionsense": "MotionSense", "daphnet": "Daphnet (7 of 17 sessions)¹",
           "wisdm": "WISDM-2019 watch¹"}
ABLATION_DATA = {"uci_har_rebuilt": "UCI-HAR", "motionsense_total_acc_gyro": "MotionSense"}
VARIANTS = {"A0": "A0 as shipped", "A1": "A1 no pooling", "A2": "A2 unidirectional LSTM",
            "A3": "A3 one conv block", "A4": "A4 mean over time", "W24_32": "24 filters / 32 hidden"}
PAPER_ABLATION = {("uci_har_rebuilt", "A2"): "+0.83 (Daphnet −4.48)", ("uci_har_rebuilt", "A1"): "×3 MACs, mixed accuracy",
                  ("motionsense_total_acc_gyro", "A1"): "×3 MACs, mixed accuracy",
                  ("uci_har_rebuilt", "W24_32"): "+0.79 (mean of all datasets), ~2× parameters",
                  ("motionsense_total_acc_gyro", "W24_32"): "+0.79 (mean of all datasets), ~2× parameters"}
SEEDS = (1, 2, 3)


def load(name):
    with open(os.path.join(RESULTS, name)) as fh:
        return json.load(fh)


def n(v):
    return f"{v:,}"


def signed(v):
    return "0.00" if abs(v) < 0.005 else f"{v:+.2f}".replace("-", "−")


def footprint_rows():
    return {r["model"]: r for r in load("m4_footprint.json")["rows"]}


def accuracy_table():
    rows = {r["model"]: r for r in load("int8.json")["rows"]}
    out = ["| dataset (test windows) | float32 macro-F1 | mubi int8 macro-F1 | int8 − float | same label | "
           "PyTorch dynamic int8 | paper, Table VI (float → int8) |", "|---|---|---|---|---|---|---|"]
    for model, label in SHIPPED.items():
        r = rows[model]
        pf, pi = PAPER_INT8[model]
        out.append(f"| {label} ({n(r['windows'])}) | {r['float_macro_f1']:.2f} | {r['int8_macro_f1']:.2f} | "
                   f"{signed(r['delta'])} | {100 * r['same_label']:.2f} % | "
                   f"{r['torch_dynamic_int8_macro_f1']:.2f} ({100 * r['torch_dynamic_int8_same_label']:.2f} %) | "
                   f"{pf:.2f} → {pi:.2f} ({signed(pi - pf)}) |")
    return "\n".join(out)


def footprint_table():
    acc = {r["model"]: r for r in load("int8.json")["rows"]}
    m4 = footprint_rows()
    out = ["| model | blob float32 / int8 | M4F flash | paper, Table VII | M4F RAM (static + stack high-water) | "
           "M4F instructions / window | per layer (conv, conv, BiLSTM, dense) |", "|---|---|---|---|---|---|---|"]
    for model, label in SHIPPED.items():
        r, a = m4[model], acc[model]
        out.append(f"| {label} | {n(a['float_blob_bytes'])} / {n(r['int8_blob_bytes'])} B | "
                   f"{n(r['flash_bytes'])} B ({r['flash_bytes'] / 1000:.1f} KB) | {PAPER_KB[model]} KB | "
                   f"{n(r['ram_bytes'])} B ({n(r['static_ram_bytes'])} + {r['stack_high_water']}) | "
                   f"{n(r['instructions_per_window'])} | {' / '.join(n(v) for v in r['instructions_per_layer'])} |")
    return "\n".join(out)


def ablation_cells():
    m4 = footprint_rows()
    cells = []
    for data, label in ABLATION_DATA.items():
        for variant in VARIANTS:
            runs = [load(os.path.join("paper_runs", f"{data}_{variant}_s{s}.json")) for s in SEEDS]
            f1 = [100 * r["test"]["macro_f1"] for r in runs]
            cells.append(dict(data=data, label=label, variant=variant, f1=f1, mean=statistics.mean(f1),
                              std=statistics.stdev(f1), params=runs[0]["params"], m4=m4[f"{data}_{variant}_s1"]))
    return cells


def ablation_table():
    cells = ablation_cells()
    base = {c["data"]: c for c in cells if c["variant"] == "A0"}
    out = ["| dataset | network | test macro-F1, seeds 1–3 | vs A0 | parameters | MACs / window (executed) | "
           "int8 blob | M4F instructions / window | M4F flash / RAM | paper (Section VI, vs A0) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for c in cells:
        b, r = base[c["data"]], c["m4"]
        vs = "" if c["variant"] == "A0" else signed(c["mean"] - b["mean"])
        macs = f"{n(r['macs'])} ({n(r['macs_executed'])})"
        instr = n(r["instructions_per_window"]) + (
            "" if c["variant"] == "A0" else f" (×{r['instructions_per_window'] / b['m4']['instructions_per_window']:.2f})")
        out.append(f"| {c['label']} | {VARIANTS[c['variant']]} | {c['mean']:.2f} ± {c['std']:.2f} | {vs} | "
                   f"{n(c['params'])} | {macs} | {n(r['int8_blob_bytes'])} B | {instr} | "
                   f"{n(r['flash_bytes'])} / {n(r['ram_bytes'])} B | {PAPER_ABLATION.get((c['data'], c['variant']), '')} |")
    return "\n".join(out)


TABLES = {"int8": accuracy_table, "footprint": footprint_table, "ablations": ablation_table}


def pareto(points):
    """Indices of the points no other point beats on both cost (lower) and accuracy (higher)."""
    return [i for i, (x, y) in enumerate(points)
            if not any(x2 <= x and y2 >= y and (x2, y2) != (x, y) for x2, y2 in points)]


def plot(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cells = ablation_cells()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), dpi=110, sharey=True)
    for ax, (data, label), color in zip(axes, ABLATION_DATA.items(), ("tab:blue", "tab:orange")):
        mine = [c for c in cells if c["data"] == data]
        x = [c["m4"]["instructions_per_window"] / 1e6 for c in mine]
        y = [c["mean"] for c in mine]
        ax.errorbar(x, y, yerr=[c["std"] for c in mine], fmt="o", color=color, ecolor="0.6", capsize=3)
        front = sorted(pareto(list(zip(x, y))), key=lambda i: x[i])
        ax.plot([x[i] for i in front], [y[i] for i in front], "s", markersize=11, markerfacecolor="none",
                markeredgecolor="k", label="Pareto front (mean)")
        for c, xi, yi in zip(mine, x, y):
            ax.annotate(c["variant"].replace("W24_32", "24/32"), (xi, yi), textcoords="offset points",
                        xytext=(7, -3 if c["variant"] in ("A0", "A4") else 5), fontsize=9)
        ax.set_title(f"{label} (3 seeds each)")
        ax.set_xlabel("Cortex-M4F int8 instructions / window (M, QEMU)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("test macro-F1 (%), mean ± std")
    fig.suptitle("μBi-ConvLSTM ablations: accuracy against Cortex-M4F cost")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    print(f"wrote {path}")


def markers(name):
    return f"<!-- paper_tables:{name} -->\n", f"\n<!-- /paper_tables:{name} -->"


def replace_tables(text):
    for name, render in TABLES.items():
        start, end = markers(name)
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            raise SystemExit(f"the README has no {start.strip()} ... {end.strip()} block")
        text = text[:i + len(start)] + render() + text[j:]
    return text


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--update", metavar="README")
    g.add_argument("--check", metavar="README")
    p.add_argument("--plot", metavar="PNG")
    args = p.parse_args()
    if args.update or args.check:
        path = args.update or args.check
        with open(path) as fh:
            text = fh.read()
        new = replace_tables(text)
        if args.check:
            if new != text:
                print(f"{path}: the paper tables differ from what the records give; "
                      f"run studies/paper_tables.py --update {path}")
                return 1
            print(f"{path}: the paper tables match the records")
        elif new != text:
            with open(path, "w") as fh:
                fh.write(new)
            print(f"updated {path}")
    elif not args.plot:
        for name, render in TABLES.items():
            print(f"{name}:\n{render()}\n")
    if args.plot:
        plot(args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
