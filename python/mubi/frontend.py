"""Streaming front ends: raw sensor samples -> a model's input channels (docs/frontend.md).

One description serves three uses: python/mubi/datasets.py makes the training windows with it
(apply), python/mubi/export.py writes it into the blob (records_and_tensors), and the C++ front end
(include/mubi/frontend/) runs it on the device, sample by sample. A description is

    FrontEnd(raw_channels, stages)   stages run in order on a bank of channels:
      Median(length)                  every channel: the median of `length` (odd) samples
      Fir(taps, first, count)         channels [first, first + count): causal FIR, same taps
      Iir(first, count, sos=..., ba=..., residual=False)
                                      channels [first, first + count): causal IIR; residual:
                                      the channel minus its filtered value (a high-pass, or
                                      body = total - gravity)
      Select(channels)                a new bank: output k = input channels[k] (reorder, copy)

Semantics (what both implementations follow):
  - apply(fe, raw) is the batch form used for training, scipy's: medfilt (centred, zero
    edges), lfilter / sosfilt (causal, zero initial state), in float64.
  - Stream(fe) is the sample-by-sample reference: a centred median needs (length - 1) / 2
    later samples, so the front end's output lags its input by `lag(fe)` samples; it is
    silent for the first lag pushes, then push k (0-based) yields apply(...)[k - lag]. Every
    filter starts from zero state after construction or reset(), as in training. The last
    lag outputs of apply() (medfilt's zero padding at the end) have no stream counterpart.

Needs numpy; scipy only for the batch form and the filter designs (python/tests/test_imports.py).
"""

from dataclasses import dataclass, field

import numpy as np

from .blob import (FE_FIR, FE_IIR, FE_IIR_RESIDUAL, FE_MEDIAN, FE_SELECT,
                         INPUT, RAW_INPUT, ROLE_FE_CHANNEL_MAP, ROLE_FE_FIR_TAPS, ROLE_FE_SOS,
                         join_frontend, pack_blob, split_frontend, unpack_blob)


@dataclass
class Median:
    length: int


@dataclass
class Fir:
    taps: np.ndarray
    first: int
    count: int


@dataclass
class Iir:
    first: int
    count: int
    sos: np.ndarray = None   # (sections, 6): b0 b1 b2 a0 a1 a2, scipy's layout
    ba: tuple = None         # (b, a): filtered with lfilter where training did so
    residual: bool = False

    def sections(self):
        """Second-order sections (float64, a0 = 1): as given, or from (b, a) by scipy's tf2sos."""
        if self.sos is not None:
            sos = np.asarray(self.sos, dtype=np.float64)
        else:
            from scipy import signal
            sos = signal.tf2sos(*self.ba)
        if not np.all(sos[:, 3] == 1.0):
            raise ValueError("second-order sections must be normalized (a0 = 1)")
        return sos


@dataclass
class Select:
    channels: list


@dataclass
class FrontEnd:
    raw_channels: int
    stages: list = field(default_factory=list)
    names: list = None   # the raw channels, with units, for documentation


def channels_after(fe):
    """Channel count after each stage (the last one is the model's input channels)."""
    counts, c = [], fe.raw_channels
    for st in fe.stages:
        if isinstance(st, Select):
            if any(not 0 <= k < c for k in st.channels):
                raise ValueError(f"Select channel out of range 0..{c - 1}: {st.channels}")
            c = len(st.channels)
        elif isinstance(st, (Fir, Iir)) and not (st.count > 0 and st.first + st.count <= c):
            raise ValueError(f"channels {st.first}..{st.first + st.count - 1} outside 0..{c - 1}")
        elif isinstance(st, Median) and (st.length < 1 or st.length % 2 == 0):
            raise ValueError("a median's length must be odd")
        counts.append(c)
    return counts


def stable(sos):
    """Every section's poles strictly inside the unit circle (the stability triangle of
    z^2 + a1 z + a2: |a2| < 1 and |a1| < 1 + a2), the rule the C++ reader applies."""
    sos = np.asarray(sos, dtype=np.float64)
    return bool(np.all((np.abs(sos[:, 5]) < 1) & (np.abs(sos[:, 4]) < 1 + sos[:, 5])))


def lag(fe):
    return sum((st.length - 1) // 2 for st in fe.stages if isinstance(st, Median))


def apply(fe, raw):
    """Batch form (training): raw (n, raw_channels) -> (n, channels) float64."""
    from scipy import signal
    channels_after(fe)
    x = np.asarray(raw, dtype=np.float64)
    for st in fe.stages:
        if isinstance(st, Median):
            x = np.stack([signal.medfilt(x[:, c], st.length) for c in range(x.shape[1])], axis=1)
        elif isinstance(st, Select):
            x = x[:, list(st.channels)]
        else:
            part = x[:, st.first:st.first + st.count]
            if isinstance(st, Fir):
                y = signal.lfilter(st.taps, [1.0], part, axis=0)
            elif st.ba is not None:
                y = signal.lfilter(st.ba[0], st.ba[1], part, axis=0)
            else:
                y = signal.sosfilt(st.sos, part, axis=0)
            x = x.copy()
            x[:, st.first:st.first + st.count] = part - y if getattr(st, "residual", False) else y
    return x


class Stream:
    """Sample-by-sample reference (float64): push(sample) -> features, or None while the
    medians fill. Direct form II transposed sections, as the C++ front end."""

    def __init__(self, fe):
        self.fe = fe
        self.counts = channels_after(fe)
        self.reset()

    def reset(self):
        self.state = []
        c = self.fe.raw_channels
        for st, after in zip(self.fe.stages, self.counts):
            if isinstance(st, Median):
                self.state.append([np.zeros((st.length, c)), 0])  # history, samples seen
            elif isinstance(st, Fir):
                self.state.append(np.zeros((len(st.taps), st.count)))
            elif isinstance(st, Iir):
                self.state.append(np.zeros((len(st.sections()), 2, st.count)))
            else:
                self.state.append(None)
            c = after

    def push(self, sample):
        x = np.asarray(sample, dtype=np.float64).copy()
        for i, st in enumerate(self.fe.stages):
            if isinstance(st, Median):
                hist, seen = self.state[i]
                hist[:-1] = hist[1:]
                hist[-1] = x
                self.state[i][1] = seen + 1
                if seen + 1 <= (st.length - 1) // 2:
                    return None  # the centred median needs more samples
                x = np.median(hist, axis=0)
            elif isinstance(st, Select):
                x = x[list(st.channels)]
            elif isinstance(st, Fir):
                hist = self.state[i]
                hist[1:] = hist[:-1].copy()
                hist[0] = x[st.first:st.first + st.count]
                x[st.first:st.first + st.count] = np.asarray(st.taps) @ hist
            else:
                part = x[st.first:st.first + st.count].copy()
                v = part
                for z, (b0, b1, b2, _, a1, a2) in zip(self.state[i], st.sections()):
                    y = b0 * v + z[0]
                    z[0] = b1 * v - a1 * y + z[1]
                    z[1] = b2 * v - a2 * y
                    v = y
                x[st.first:st.first + st.count] = part - v if st.residual else v
        return x


def stream_all(fe, raw):
    """Runs Stream over a whole recording: (n - lag, channels)."""
    s = Stream(fe)
    out = [s.push(r) for r in np.asarray(raw, dtype=np.float64)]
    return np.asarray([o for o in out if o is not None])


def records_and_tensors(fe):
    """The blob's front-end layer records (before the Input record) and their tensors, as
    (records, tensors) for blob_format.pack_blob: layer indices from 0."""
    counts = channels_after(fe)
    records = [(RAW_INPUT, 0, 0, 0, 1, fe.raw_channels)]
    tensors = []
    for st, c in zip(fe.stages, counts):
        index = len(records)
        if isinstance(st, Median):
            records.append((FE_MEDIAN, st.length, 0, 0, 1, c))
        elif isinstance(st, Fir):
            records.append((FE_FIR, len(st.taps), st.first, st.count, 1, c))
            if not np.all(np.isfinite(st.taps)):
                raise ValueError(f"stage {index}: non-finite FIR taps")
            tensors.append((index, ROLE_FE_FIR_TAPS, np.asarray(st.taps, dtype=np.float64)))
        elif isinstance(st, Iir):
            sos = st.sections()
            if not (np.all(np.isfinite(sos)) and stable(sos)):
                raise ValueError(f"stage {index}: non-finite or unstable second-order sections")
            records.append((FE_IIR_RESIDUAL if st.residual else FE_IIR, len(sos), st.first,
                            st.count, 1, c))
            tensors.append((index, ROLE_FE_SOS, sos.reshape(-1)))
        else:
            records.append((FE_SELECT, len(st.channels), 0, 0, 1, c))
            tensors.append((index, ROLE_FE_CHANNEL_MAP, np.asarray(st.channels, dtype="<i4")))
    return records, tensors


def from_records_and_tensors(records, tensors):
    """The inverse of records_and_tensors, from an unpacked blob (None: no front end).
    Coefficients come back as the blob stores them (float32)."""
    if not records or records[0][0] != RAW_INPUT:
        return None
    by_layer = {layer: array for layer, role, array, *_ in tensors}
    fe = FrontEnd(raw_channels=records[0][5])
    for index, (kind, p0, p1, p2, _, _) in enumerate(records[1:], start=1):
        if kind == FE_MEDIAN:
            fe.stages.append(Median(p0))
        elif kind == FE_FIR:
            fe.stages.append(Fir(np.array(by_layer[index], dtype=np.float64), p1, p2))
        elif kind in (FE_IIR, FE_IIR_RESIDUAL):
            fe.stages.append(Iir(p1, p2, sos=np.array(by_layer[index], np.float64).reshape(p0, 6),
                                 residual=kind == FE_IIR_RESIDUAL))
        elif kind == FE_SELECT:
            fe.stages.append(Select([int(k) for k in by_layer[index]]))
        else:
            break  # the model's Input record
    return fe


# --------------------------------------------------------------------------------------------
# The front ends of the shipped models

UCI_RAW = ["acc_x (g)", "acc_y (g)", "acc_z (g)", "gyro_x (rad/s)", "gyro_y (rad/s)",
           "gyro_z (rad/s)"]


def uci_har(noise_fir, fs=50.0):
    """Raw acc (g) + gyro (rad/s) at 50 Hz -> UCI-HAR's 9 channels (body_acc xyz, body_gyro
    xyz, total_acc xyz), as measured to reproduce the published windows (har_data
    rebuild_recording): 3-sample median; the fitted FIR noise filter on all six; the
    accelerometer copied (total_acc); body_acc = acc - causal 3rd-order Butterworth 0.3 Hz
    (gravity); body_gyro = gyro - causal 2nd-order Butterworth 0.1 Hz."""
    from scipy import signal
    return FrontEnd(6, [
        Median(3),
        Fir(np.asarray(noise_fir, dtype=np.float64), 0, 6),
        Select([0, 1, 2, 3, 4, 5, 0, 1, 2]),
        Iir(0, 3, ba=signal.butter(3, 0.3 / (fs / 2)), residual=True),
        Iir(3, 3, ba=signal.butter(2, 0.1 / (fs / 2)), residual=True),
    ], names=UCI_RAW)


def daphnet(channels=9, fs=64.0, cutoff_hz=12.0):
    """Daphnet's 9 accelerometer channels (mg): causal 4th-order Butterworth low-pass."""
    from scipy import signal
    return FrontEnd(channels, [Iir(0, channels, sos=signal.butter(4, cutoff_hz / (fs / 2),
                                                                  output="sos"))])


def attach(model_blob, fe):
    """A blob of the same network that takes raw samples: the front end's records and
    tensors before the model's (format version 2)."""
    dtype, layers, tensors = unpack_blob(model_blob)
    if layers[0][0] != INPUT:
        raise ValueError("the blob already has a front end")
    if channels_after(fe)[-1] != layers[0][5]:
        raise ValueError(f"the front end gives {channels_after(fe)[-1]} channels, "
                         f"the model takes {layers[0][5]}")
    return pack_blob(*join_frontend(*records_and_tensors(fe), layers, tensors), dtype=dtype)


def of_blob(blob):
    """The front end stored in a blob, or None."""
    _, layers, tensors = unpack_blob(blob)
    return from_records_and_tensors(*split_frontend(layers, tensors)[:2])
