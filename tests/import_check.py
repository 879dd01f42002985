"""Holds the numpy-only Python tools to numpy: no scipy or torch import reachable from them.

usage: import_check.py

Each check runs in a fresh interpreter whose import system refuses `torch` and `scipy` (and
their submodules), as on a machine with only python3-numpy installed:
  - importing each module of NUMPY_ONLY succeeds (so no import at module level, direct or
    through another tool, reaches PyTorch or scipy);
  - the blob-only command lines work end to end: tools/check_blob.py on the shipped float and
    int8 models, tools/q8_ref.py scoring the shipped int8 model (with --compare, the float64
    reference) on the shipped real windows, tools/frontend.py running the front end stored
    in the shipped raw-input model;
  - control: importing a module that needs PyTorch (tools/export.py) fails under the same
    guard, so the guard is really in force and the checks above can fail.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TOOLS = os.path.join(REPO, "tools")

# The tools that read, write, run or score blobs and window datasets without training.
NUMPY_ONLY = ["blob_format", "float_ref", "q8_params", "q8_ref", "quantize", "check_blob",
              "eval_torch", "har_data", "frontend"]
BLOCKED = ("torch", "scipy")

GUARD = f"""
import importlib.abc, runpy, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("import_check: " + name + " is not installed on a numpy-only machine")
        return None
for name in list(sys.modules):
    if name.split(".")[0] in {BLOCKED!r}:
        del sys.modules[name]
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, {TOOLS!r})
"""


def guarded(code):
    return subprocess.run([sys.executable, "-c", GUARD + code], capture_output=True, text=True,
                          cwd=REPO)


def main():
    failures = []

    for module in NUMPY_ONLY:
        r = guarded(f"import {module}")
        if r.returncode != 0:
            failures.append(f"import {module}: {r.stderr.strip().splitlines()[-1]}")

    models = os.path.join(REPO, "examples", "models")
    sample = os.path.join(REPO, "examples", "data", "uci_har_sample")
    commands = [
        ("check_blob", [os.path.join(models, "uci_har.mubi")]),
        ("check_blob", [os.path.join(models, "uci_har.int8.mubi")]),
        ("q8_ref", [os.path.join(models, "uci_har.int8.mubi"), "--data", sample,
                    "--compare", os.path.join(models, "uci_har.mubi")]),
        ("frontend", ["run", os.path.join(models, "uci_har_raw.int8.mubi"), "--input",
                      os.path.join(REPO, "examples", "data", "uci_har_stream", "raw.f32"),
                      "--output", os.path.join(tempfile.mkdtemp(), "features.f32")]),
    ]
    for tool, args in commands:
        argv = [os.path.join(TOOLS, tool + ".py")] + args
        r = guarded(f"sys.argv = {argv!r}; runpy.run_path(sys.argv[0], run_name='__main__')")
        if r.returncode != 0:
            failures.append(f"{tool} {' '.join(args)}: rc {r.returncode} {r.stderr.strip()[-400:]}")
        elif tool == "q8_ref" and "macro" not in r.stdout.lower():
            failures.append(f"q8_ref printed no scores: {r.stdout[-400:]}")

    control = guarded("import export")
    if control.returncode == 0 or "import_check: torch" not in control.stderr:
        failures.append("control: importing tools/export.py did not fail on the torch guard: "
                        + control.stderr[-300:])

    for f in failures:
        print("FAIL", f)
    print("import checks:", "FAILED" if failures else "ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
