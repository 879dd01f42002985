"""The packages' import structure: what imports what, and what needs PyTorch.

- No Python file of the repository edits sys.path (the packages are imported as packages).
- The import graph of mubi and mubi_train (every import, at module level or inside a
  function) has no cycle, and the user package mubi never imports mubi_train.
- torch is imported only by the PyTorch modules (TORCH_MODULES); scipy only where a filter is
  designed or a dataset prepared, inside the functions that do it.
- In a fresh interpreter whose import system refuses torch and scipy (a machine with only
  python3-numpy), every other module imports, and the blob-only command lines run end to
  end: mubi.check_blob on the shipped float and int8 models, mubi.int8_ref scoring the shipped
  int8 model against the float reference on the shipped windows, mubi.frontend_tool running the
  front end stored in the shipped raw-input model. Control: importing mubi.export fails under
  the same guard, so the guard is in force and these checks can fail.
"""
import ast
import os
import subprocess
import sys
import tempfile

import pytest

PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON)
PACKAGES = ("mubi", "mubi_train")
TORCH_MODULES = {"mubi.torch_model", "mubi.export", "mubi.evaluate", "mubi.compare_eval"}
BLOCKED = ("torch", "scipy")


def modules():
    """{module name: path} of both packages."""
    found = {}
    for package in PACKAGES:
        for name in sorted(os.listdir(os.path.join(PYTHON, package))):
            if name.endswith(".py"):
                module = package if name == "__init__.py" else f"{package}.{name[:-3]}"
                found[module] = os.path.join(PYTHON, package, name)
    return found


def imports_of(module, path):
    """[(imported module, at module level?)] of one file, relative imports resolved."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    tree = ast.parse(open(path).read(), path)
    top_level = {id(node) for node in tree.body}
    known = modules()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:  # `from pkg import module` imports pkg.module
                name = f"{base}.{alias.name}"
                found.append((name if name in known else base, id(node) in top_level))
    return found


def test_no_file_edits_sys_path():
    offenders = []
    for root in ("python", "studies", "tests", "bench", "tools", "examples"):
        for folder, _, files in os.walk(os.path.join(REPO, root)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    if any(f"sys.path.{verb}" in line and not line.lstrip().startswith("#")
                           for line in open(path) for verb in ("insert", "append", "extend")):
                        offenders.append(os.path.relpath(path, REPO))
    assert offenders == []


def test_import_graph_has_no_cycle_and_mubi_stays_apart():
    known = modules()
    graph = {m: sorted({name for name, _ in imports_of(m, p) if name in known and name != m})
             for m, p in known.items()}
    assert len(graph) >= 20 and sum(map(len, graph.values())) > 20  # the scan finds the imports
    assert not [(m, d) for m, deps in graph.items() if m.startswith("mubi.") or m == "mubi"
                for d in deps if d.startswith("mubi_train")]
    state, cycles = {}, []

    def visit(m, trail):
        state[m] = "open"
        for d in graph[m]:
            if state.get(d) == "open":
                cycles.append(trail[trail.index(d):] + [d])
            elif d not in state:
                visit(d, trail + [d])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_torch_only_in_the_pytorch_modules_and_scipy_only_inside_functions():
    torch_users, scipy_at_top = set(), set()
    for m, path in modules().items():
        for name, top in imports_of(m, path):
            if name.split(".")[0] == "torch" and m.startswith("mubi."):
                torch_users.add(m)
            if name.split(".")[0] == "scipy" and top:
                scipy_at_top.add(m)
    assert torch_users <= TORCH_MODULES and "mubi.torch_model" in torch_users
    assert scipy_at_top == set()


GUARD = f"""
import importlib.abc, runpy, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("guard: " + name + " is not installed on a numpy-only machine")
        return None
for name in list(sys.modules):
    if name.split(".")[0] in {BLOCKED!r}:
        del sys.modules[name]
sys.meta_path.insert(0, Refuse())
"""


def guarded(code):
    return subprocess.run([sys.executable, "-c", GUARD + code], capture_output=True, text=True,
                          cwd=REPO)


NUMPY_ONLY = sorted(m for m in modules() if m.startswith("mubi") and m not in TORCH_MODULES
                    and not m.startswith("mubi_train"))


@pytest.mark.parametrize("module", NUMPY_ONLY)
def test_imports_without_torch_or_scipy(module):
    r = guarded(f"import {module}")
    assert r.returncode == 0, r.stderr


MODELS = os.path.join(REPO, "examples", "models")
SAMPLE = os.path.join(REPO, "examples", "data", "uci_har_sample")
COMMANDS = [
    ("mubi.check_blob", [os.path.join(MODELS, "uci_har.mubi")], "crc32"),
    ("mubi.check_blob", [os.path.join(MODELS, "uci_har.int8.mubi")], "crc32"),
    ("mubi.check_blob", [os.path.join(MODELS, "motionsense.mubi")], "crc32"),
    ("mubi.check_blob", [os.path.join(MODELS, "motionsense.int8.mubi")], "crc32"),
    ("mubi.int8_ref", [os.path.join(MODELS, "uci_har.int8.mubi"), "--data", SAMPLE,
                       "--compare", os.path.join(MODELS, "uci_har.mubi")], "macro"),
    ("mubi.frontend_tool", ["run", os.path.join(MODELS, "uci_har_raw.int8.mubi"), "--input",
                       os.path.join(REPO, "examples", "data", "uci_har_stream", "raw.f32"),
                       "--output", os.path.join(tempfile.mkdtemp(), "features.f32")], "")]


@pytest.mark.parametrize("module,args,expect", COMMANDS, ids=[c[0] + str(i) for i, c in enumerate(COMMANDS)])
def test_blob_only_command_lines_run_without_torch_or_scipy(module, args, expect):
    r = guarded(f"sys.argv = {[module] + args!r}; runpy.run_module({module!r}, run_name='__main__')")
    assert r.returncode == 0, r.stderr[-600:]
    assert expect in r.stdout.lower(), r.stdout[-600:]


def test_control_the_guard_refuses_torch():
    r = guarded("import mubi.export")
    assert r.returncode != 0 and "guard: torch" in r.stderr
