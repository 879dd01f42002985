"""mubi for Python: the C++ library's inference on NumPy windows.

    import mubi
    model = mubi.Model("examples/models/uci_har.int8.mubi")
    logits = model.predict(windows)          # (N, 128, 9) float32 -> (N, 6) float32

Importing mubi needs neither PyTorch nor SciPy; predict() needs NumPy. A blob the library
refuses raises LoadError, whose `status` is the C++ status name (docs/format.md).
"""


class LoadError(ValueError):
    """A blob mubi refuses: `status` is the name of the C++ status (e.g. "bad_checksum")."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


from ._native import Model, status_names  # noqa: E402

__all__ = ["LoadError", "Model", "status_names"]
