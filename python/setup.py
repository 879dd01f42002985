"""The C++ extension mubi._native for `pip install ./python` (the rest is in pyproject.toml).

It compiles mubi/_native.cpp against the library's headers in this repository (../include)
and the command-line tool's architecture list (../examples/cli/registry.hpp), with
pybind11's headers from Debian's pybind11-dev. CMake builds the same module
(python/CMakeLists.txt).
"""
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.environ.get("MUBI_SOURCE_DIR", os.path.dirname(HERE))  # a copy of python/ elsewhere: set it

native = Extension(
    "mubi._native",
    sources=["mubi/_native.cpp"],
    include_dirs=[os.path.join(REPO, "include"), os.path.join(REPO, "examples", "cli")],
    language="c++",
    extra_compile_args=["-std=c++17", "-O2", "-fvisibility=hidden", "-pthread"],
    extra_link_args=["-pthread"],
)

setup(ext_modules=[native])
