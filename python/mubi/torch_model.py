"""Reference PyTorch module for the uBi-ConvLSTM network and its ablation variants.

This is the numerical reference the C++ library is tested against (the network of the
paper, with PyTorch's semantics; docs/format.md describes what a blob stores of it). Layout
of the module:

    raw x (N, T, C) -> (x - mean) / std -> (N, C, T)
    -> conv1 -> bn1 -> ReLU -> MaxPool(2)        (pool absent in A1)
    -> conv2 -> bn2 -> ReLU -> MaxPool(2)        (block absent in A3)
    -> (N, T', F) -> LSTM (bidirectional, unidirectional in A2)
    -> aggregation (last / final_states / mean) -> dropout -> fc

Run this file to check the parameter counts of the 8 dataset configurations against the
spec table.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = ("A0", "A1", "A2", "A3", "A4")
AGGREGATIONS = ("last", "final_states", "mean")

# Dataset configurations (paper Table II): channels, classes, window length.
CONFIGS = {
    "uci_har": dict(in_channels=9, classes=6, window=128),
    "motionsense": dict(in_channels=6, classes=6, window=128),
    "wisdm": dict(in_channels=3, classes=6, window=128),
    "pamap2": dict(in_channels=19, classes=12, window=128),
    "opportunity": dict(in_channels=79, classes=5, window=128),
    "unimib": dict(in_channels=3, classes=9, window=128),
    "skoda": dict(in_channels=30, classes=11, window=98),
    "daphnet": dict(in_channels=9, classes=2, window=64),
}

# PyTorch numel totals from the spec (A0, filters 16, hidden 24, kernel 5).
EXPECTED_PARAMS = {
    "uci_har": 10454,
    "motionsense": 10214,
    "wisdm": 9974,
    "pamap2": 11548,
    "opportunity": 16005,
    "unimib": 10121,
    "skoda": 12379,
    "daphnet": 10258,
}

BN_EPS = 1e-5
POOL = 2


class MuBiConvLSTM(nn.Module):
    def __init__(self, in_channels, classes, window, filters=16, hidden=24, kernel=5,
                 variant="A0", aggregation="last"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        if variant == "A4":
            aggregation = "mean"  # A4 is defined as mean aggregation
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown aggregation {aggregation!r}")
        if kernel % 2 != 1:
            raise ValueError("kernel must be odd (same padding)")

        # The effective arguments, so that MuBiConvLSTM(**config) rebuilds this module.
        self.config = dict(in_channels=in_channels, classes=classes, window=window,
                           filters=filters, hidden=hidden, kernel=kernel,
                           variant=variant, aggregation=aggregation)
        self.variant = variant
        self.aggregation = aggregation
        self.pool = variant != "A1"
        self.blocks = 1 if variant == "A3" else 2
        self.directions = 1 if variant == "A2" else 2

        self.register_buffer("mean", torch.zeros(in_channels))
        self.register_buffer("std", torch.ones(in_channels))

        padding = (kernel - 1) // 2
        self.conv1 = nn.Conv1d(in_channels, filters, kernel, stride=1, padding=padding, bias=True)
        self.bn1 = nn.BatchNorm1d(filters, eps=BN_EPS)
        if self.blocks == 2:
            self.conv2 = nn.Conv1d(filters, filters, kernel, stride=1, padding=padding, bias=True)
            self.bn2 = nn.BatchNorm1d(filters, eps=BN_EPS)
        self.lstm = nn.LSTM(filters, hidden, num_layers=1, batch_first=True,
                            bidirectional=self.directions == 2)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(self.directions * hidden, classes)

    def _block(self, x, conv, bn):
        x = F.relu(bn(conv(x)))
        return F.max_pool1d(x, POOL, POOL) if self.pool else x

    def forward(self, x):
        # x: raw sensor window (N, T, C), time-major.
        x = (x - self.mean) / self.std
        x = x.transpose(1, 2)  # (N, C, T) for Conv1d
        x = self._block(x, self.conv1, self.bn1)
        if self.blocks == 2:
            x = self._block(x, self.conv2, self.bn2)
        x = x.transpose(1, 2)  # (N, T', F) for the batch_first LSTM
        output, (h_n, _) = self.lstm(x)
        if self.aggregation == "last":
            z = output[:, -1, :]
        elif self.aggregation == "final_states":
            z = torch.cat(list(h_n), dim=1)  # 1 layer: h_n is (D, N, H), forward first
        else:
            z = output.mean(dim=1)
        return self.fc(self.dropout(z))


def build(config_name, **overrides):
    """A module for one of CONFIGS, with optional hyperparameter overrides."""
    args = dict(CONFIGS[config_name])
    args.update(overrides)
    return MuBiConvLSTM(**args)


def parameter_count(module):
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def randomize_(module, generator=None):
    """Give BatchNorm and normalization buffers non-trivial values (uses torch's RNG).

    A freshly initialised module has identity BatchNorm and normalization; tests need
    values that make every stage matter.
    """
    def uniform(shape, lo, hi):
        return torch.rand(shape, generator=generator) * (hi - lo) + lo

    for bn in (m for m in module.modules() if isinstance(m, nn.BatchNorm1d)):
        n = bn.num_features
        bn.running_mean.copy_(uniform(n, -0.5, 0.5))
        bn.running_var.copy_(uniform(n, 0.5, 2.0))
        bn.weight.copy_(uniform(n, 0.5, 1.5))
        bn.bias.copy_(uniform(n, -0.3, 0.3))
    # Default init keeps LSTM outputs and logits near 0 (~0.1); widen them so a 1e-5
    # absolute parity tolerance is a tight relative one and the gates leave their linear range.
    module.lstm.weight_ih_l0.mul_(2.0)
    module.lstm.weight_hh_l0.mul_(2.0)
    if module.lstm.bidirectional:
        module.lstm.weight_ih_l0_reverse.mul_(2.0)
        module.lstm.weight_hh_l0_reverse.mul_(2.0)
    module.fc.weight.mul_(8.0)
    c = module.mean.numel()
    module.mean.copy_(uniform(c, -1.0, 1.0))
    module.std.copy_(uniform(c, 0.5, 2.0))
    return module


def save_checkpoint(module, path):
    torch.save({"config": dict(module.config), "state_dict": module.state_dict()}, path)


def load_checkpoint(path):
    """Rebuild a module saved by save_checkpoint; returned in eval mode."""
    checkpoint = torch.load(path, map_location="cpu")
    module = MuBiConvLSTM(**checkpoint["config"])
    module.load_state_dict(checkpoint["state_dict"])
    return module.eval()


def self_check():
    """Parameter counts of the 8 configurations must equal the spec table."""
    ok = True
    for name in CONFIGS:
        count = parameter_count(build(name))
        good = count == EXPECTED_PARAMS[name]
        ok &= good
        print(f"{name:12s} params {count:6d} expected {EXPECTED_PARAMS[name]:6d} "
              f"{'ok' if good else 'MISMATCH'}")
    return ok


if __name__ == "__main__":
    torch.set_num_threads(1)
    raise SystemExit(0 if self_check() else 1)
