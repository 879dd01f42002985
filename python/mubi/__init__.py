"""mubi for Python: blob format, references, quantizer, data, and the C++ library's inference.

    import mubi
    model = mubi.Model("examples/models/uci_har.int8.mubi")
    logits = model.predict(windows)          # (N, 128, 9) float32 -> (N, 6) float32

Modules (torch only where it says so):
    mubi.blob          the blob format: read, write, checksum, tensor roles (docs/format.md)
    mubi.float_ref     float64 reference forward pass of a float blob (NumPy)
    mubi.int8_ref      the integer reference the C++ int8 kernels equal bit for bit (NumPy)
    mubi.quant_params  the int8 layers' parameter layouts, named (dataclasses)
    mubi.quantize      float blob -> int8 blob (post-training, calibrated)
    mubi.frontend      front-end description and float64 streaming reference (SciPy to design)
    mubi.datasets      window dataset directories: read, write, prepare from ../shared/data
    mubi.metrics       accuracy, macro-F1, confusion matrix
    mubi.check_blob    print and check a blob's records and tensors
    mubi.torch_model   the network in PyTorch (torch)
    mubi.export        PyTorch module -> float blob (torch)
    mubi.evaluate      score a PyTorch checkpoint on a window dataset (torch)
    mubi.compare_eval  PyTorch and the C++ `mubi eval` on the same windows (torch)

Importing mubi needs nothing beyond the standard library; Model needs the extension
mubi._native (built by CMake or `pip install`, README "Python"). A blob the library refuses
raises LoadError, whose `status` is the C++ status name (docs/format.md).
"""


class LoadError(ValueError):
    """A blob mubi refuses: `status` is the name of the C++ status (e.g. "bad_checksum")."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def __getattr__(name):
    # The extension is imported on first use of Model / status_names, so that the pure-Python
    # modules work from a source tree where it has not been built.
    if name in ("Model", "status_names"):
        try:
            from . import _native
        except ImportError as e:
            raise ImportError("mubi." + name + " needs the C++ extension mubi._native: build it "
                              "with CMake (PYTHONPATH=<build>/python) or pip install ./python "
                              "(README, Python)") from e
        return getattr(_native, name)
    raise AttributeError("module 'mubi' has no attribute " + repr(name))


__all__ = ["LoadError", "Model", "status_names"]
