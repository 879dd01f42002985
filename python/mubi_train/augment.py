"""Augmentations of the fitting windows (PyTorch tensors; each draws from the generator it is
given, so a run is deterministic from its seed). None changes the network.
"""

import math

import numpy as np


def random_rotations(n, max_degrees, gen):
    """n rotation matrices (n, 3, 3): random axis, angle uniform in [-max, max] degrees."""
    import torch
    axis = torch.randn(n, 3, generator=gen)
    axis = axis / axis.norm(dim=1, keepdim=True).clamp_min(1e-12)
    angle = (2 * torch.rand(n, generator=gen) - 1) * math.radians(max_degrees)
    k = torch.zeros(n, 3, 3)
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k = k - k.transpose(1, 2)
    s, c = angle.sin()[:, None, None], angle.cos()[:, None, None]
    return torch.eye(3) + s * k + (1 - c) * (k @ k)  # Rodrigues


def rotate_groups(xb, max_degrees, gen):
    """Apply one random rotation per window to each consecutive (x, y, z) channel group."""
    import torch
    n, t, c = xb.shape
    r = random_rotations(n, max_degrees, gen)
    g = xb.reshape(n, t, c // 3, 3)
    return torch.einsum("ntgj,nij->ntgi", g, r).reshape(n, t, c)


def time_warp(xb, w, gen):
    """Each window replayed at its own speed f ~ U(1 - w, 1 + w) about its centre (linear
    interpolation; positions past either end repeat the end sample): cadence differs
    between people. A one-speed form of the smooth time warping of Um et al. (2017)."""
    import torch
    n, t, c = xb.shape
    f = 1 + w * (2 * torch.rand(n, 1, generator=gen) - 1)
    centre = (t - 1) / 2
    pos = (centre + (torch.arange(t, dtype=torch.float32) - centre) * f).clamp(0, t - 1)
    lo = pos.floor().long().clamp(max=t - 2)
    frac = (pos - lo)[..., None]
    idx = lo[..., None].expand(n, t, c)
    a, b = xb.gather(1, idx), xb.gather(1, idx + 1)
    return a + frac * (b - a)


def same_class_partners(yb, gen):
    """For each window of the batch, another window of its class (itself if it is alone).

    The class groups are shuffled and each window is paired with its successor in its group,
    so every window is used once as a partner."""
    import torch
    order = torch.argsort(yb.double() + 0.5 * torch.rand(len(yb), generator=gen,
                                                          dtype=torch.double))
    ys = yb[order]
    partner_sorted = torch.arange(len(yb))
    for c in torch.unique(ys):
        pos = (ys == c).nonzero().flatten()
        partner_sorted[pos] = pos.roll(1)
    partner = torch.empty_like(order)
    partner[order] = order[partner_sorted]
    return partner


def mix_within_class(xb, yb, a, rng, gen):
    """Each window mixed with a same-class partner by its own Beta(a, a) weight (numpy rng)."""
    import torch
    partner = same_class_partners(yb, gen)
    lam = torch.from_numpy(rng.beta(a, a, (len(xb), 1, 1)).astype(np.float32))
    return lam * xb + (1 - lam) * xb[partner]


def add_mixstyle(model, p, alpha, gen, active):
    """MixStyle (Zhou et al. 2021) after each BatchNorm, training only: with probability p per
    batch and layer, re-style each window's features (per-channel mean and std over time) with
    a Beta(alpha, alpha) mix of its own statistics and another window's. Forward hooks, so the
    module and its inference graph stay the same; active[0] gates them (off while the BatchNorm
    statistics are recomputed); cache holds one draw per step, so SAM's two passes agree."""
    import torch
    cache = {}

    def hook(module, inputs, out):
        if not (module.training and active[0]):
            return None
        key = id(module)
        if key not in cache:
            n = out.shape[0]
            on = float(torch.rand(1, generator=gen)) < p
            lam = torch.distributions.Beta(alpha, alpha).sample((n, 1, 1)) if on else None
            cache[key] = (on, torch.randperm(n, generator=gen), lam)
        on, perm, lam = cache[key]
        if not on:
            return None
        mu = out.mean(dim=2, keepdim=True).detach()
        sig = (out.var(dim=2, keepdim=True) + 1e-6).sqrt().detach()
        normed = (out - mu) / sig
        return normed * (lam * sig + (1 - lam) * sig[perm]) + lam * mu + (1 - lam) * mu[perm]

    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.register_forward_hook(hook)
    return cache
