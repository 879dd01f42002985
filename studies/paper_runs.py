"""Issue 23's training runs, exactly as declared in studies/results/paper_tables_plan.json.

    PYTHONPATH=python /usr/bin/python3 studies/paper_runs.py [--jobs 2] [--only motionsense|ablations]

Runs go to runs/paper/NAME (git-ignored), each with its log; each finished run's metrics.json is
also kept as studies/results/paper_runs/NAME.json (committed), and a run with either is not run
again, so the plan resumes on a fresh checkout. Once the six MotionSense channel runs exist, the channel set is chosen by the
declared rule (validation macro-F1 only) and written to studies/results/motionsense_channels.json,
and the MotionSense ablations are queued on that set. The records are collected afterwards by
studies/paper_tables.py.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAN = os.path.join(REPO, "studies", "results", "paper_tables_plan.json")
CHOICE = os.path.join(REPO, "studies", "results", "motionsense_channels.json")
RUNS = os.path.join(REPO, "runs", "paper")
RECORDS = os.path.join(REPO, "studies", "results", "paper_runs")

VARIANT_ARGS = {"A0": [], "A1": ["--variant", "A1"], "A2": ["--variant", "A2"],
                "A3": ["--variant", "A3"], "A4": ["--variant", "A4"],
                "W24_32": ["--filters", "24", "--hidden", "32"]}


def run_name(data, variant, seed):
    return f"{os.path.basename(data)}_{variant}_s{seed}"


def job(data, variant, seed):
    out = os.path.join(RUNS, run_name(data, variant, seed))
    cmd = [sys.executable, "-m", "mubi_train.train", "--data", data, "--seed", str(seed),
           "--out", os.path.relpath(out, REPO)] + VARIANT_ARGS[variant]
    return out, cmd


def record_path(out):
    return os.path.join(RECORDS, os.path.basename(out) + ".json")


def done(out):
    return os.path.exists(os.path.join(out, "metrics.json")) or os.path.exists(record_path(out))


def keep_record(out):
    os.makedirs(RECORDS, exist_ok=True)
    shutil.copyfile(os.path.join(out, "metrics.json"), record_path(out))


def validation_f1(out):
    path = os.path.join(out, "metrics.json")
    with open(path if os.path.exists(path) else record_path(out)) as fh:
        return json.load(fh)["validation"]["macro_f1"]


def choose_channels(plan):
    """The declared rule: the higher mean validation macro-F1 over the seeds; a tie goes first."""
    ms = plan["motionsense"]
    scores = {}
    for data in ms["candidates"]:
        scores[data] = [validation_f1(job(data, "A0", s)[0]) for s in plan["seeds"]]
    means = {d: sum(v) / len(v) for d, v in scores.items()}
    first, second = ms["candidates"]
    chosen = second if means[second] - means[first] > 1e-4 else first
    record = dict(rule=ms["channel_rule"], validation_macro_f1=scores, mean=means, chosen=chosen)
    with open(CHOICE, "w") as fh:
        json.dump(record, fh, indent=1)
        fh.write("\n")
    return chosen


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--only", choices=["motionsense", "ablations"], default=None)
    args = p.parse_args()
    with open(PLAN) as fh:
        plan = json.load(fh)
    seeds = plan["seeds"]
    os.makedirs(RUNS, exist_ok=True)

    channel_jobs = [job(d, "A0", s) for s in seeds for d in plan["motionsense"]["candidates"]]
    uci_jobs = [job("data/uci_har_rebuilt", v, s) for v in VARIANT_ARGS for s in seeds]
    queue = list(channel_jobs)
    if args.only != "motionsense":
        queue += uci_jobs
    ms_queued = args.only == "motionsense"
    running = []
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"), PYTHONUNBUFFERED="1")
    while True:
        if not ms_queued and all(done(o) for o, _ in channel_jobs):
            chosen = choose_channels(plan)
            print(f"MotionSense channels chosen on validation: {chosen}", flush=True)
            queue = [job(chosen, v, s) for v in VARIANT_ARGS if v != "A0" for s in seeds] + queue
            ms_queued = True
        while queue and len(running) < args.jobs:
            out, cmd = queue.pop(0)
            if done(out) or any(o == out for o, _ in running):
                continue
            os.makedirs(out, exist_ok=True)
            log = open(out + ".log", "w")
            print(time.strftime("%H:%M:%S"), "start", os.path.basename(out), flush=True)
            running.append((out, subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log,
                                                  stderr=subprocess.STDOUT)))
        time.sleep(2)
        for item in list(running):
            out, proc = item
            if proc.poll() is not None:
                running.remove(item)
                print(time.strftime("%H:%M:%S"), "end", os.path.basename(out), "rc", proc.returncode,
                      flush=True)
                if proc.returncode != 0:
                    return 1
                keep_record(out)
        if not queue and not running and ms_queued:
            return 0


if __name__ == "__main__":
    sys.exit(main())
