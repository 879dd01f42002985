"""Checks the training command line's (mubi_train) split and averaging options and studies/soup.py on a tiny synthetic
window dataset (needs Debian's python3-torch; about 20 s on one core).

pytest (skipped without torch):
  - a run is deterministic: the same seed gives the same history and the same weights;
  - --holdout-seed: the holdout subjects are neither fitted nor validated, and the split of the
    rest is disjoint;
  - --swa-epochs: the running average (add_to_average) is the uniform mean; at --swa-lr 0
    every snapshot is the selected network, so the exported average equals it, while at a
    real rate the weights move; the average gets BatchNorm statistics of its own, and the
    record has one validation score per averaging epoch;
  - --init-from refuses a checkpoint fitted on other windows;
  - --val-fraction 0 (refit): every non-holdout subject is fitted, nothing is validated, the
    record is strict JSON with no validation, and --stop-epoch ends the run part-way along the
    --epochs cosine schedule; without --select last it is refused;
  - --head-dropout changes training, and the record keeps the value;
  - --sam changes training and exports finite weights;
  - --class-mix pairs every window with another of its own class (a permutation, no window
    with itself where its class has two); --mixstyle's hooks leave evaluation and the
    BatchNorm recalibration alone, re-style training features to the mixed statistics, and
    give SAM's two passes the same draw; --time-warp replays each window at its drawn speed
    about its centre; all three options change training;
  - --feature-teacher: the softmax regression's gradient matches finite differences and it
    separates separable classes; the targets keep one-hot labels outside the named classes and
    hold the regression's softmax at the temperature inside; the option changes training, is
    recorded, and unknown or single classes and --kd-online with it are refused;
  - studies/posture_check.py's readout R^2 is 1 for linear functions of the aggregate, and its
    inner features are the time mean of the LSTM's input and the aggregate;
  - --freeze-bn trains with the running statistics (at learning rate 0 the first epoch's loss
    is the exported network's cross-entropy; with batch statistics it is not);
  - --aux-stats changes training but exports the same network; unknown --aux-classes refused;
  - --sway-init: after it, conv2's first filters compute minus the clipped, pooled amplitude
    of the named channels at each level (both signs with --sway-abs) and the other filters
    are untouched; too many detectors for the filters and unknown channels are refused;
    --sway-freeze keeps those filters through training, which moves them without it;
  - --forget-bias starts every LSTM forget gate at the given input-side bias;
  - --class-boost multiplies the named classes' loss weights and refuses a bad factor;
  - python/mubi_train/derive_data.py compands the named channels of every split, copies the rest, and
    keeps only the named classes, relabelled;
  - --kd-online distillation runs and changes the result, and a teacher fitted on a subject
    the student is judged on is refused;
  - studies/soup.py: a uniform soup of two branches is the mean of their parameters, and a soup
    of runs on different splits is refused;
  - --save-state / --resume: a trunk resumed with its own seed ends with the uninterrupted
    run's weights and continues its schedule, another seed branches; a resume with another
    schedule, past the stop epoch, or with --ema is refused; refit branches make a uniform
    soup (their mean, scored on the holdout) and a greedy one is refused;
  - studies/ensemble_check.py scores each run and the mean of their logits (an ensemble that
    fixes every run's own error is exact) and refuses an ensemble larger than the runs.
"""
import json
import os
import subprocess
import sys

import numpy as np

import importlib.util

import pytest

torch = pytest.importorskip("torch", reason="training needs Debian's python3-torch")

from mubi import datasets  # noqa: E402
from mubi import torch_model  # noqa: E402
from mubi.metrics import scores  # noqa: E402
from mubi_train import augment, loop, model_init, teachers  # noqa: E402

STUDIES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "studies")


def study(name):
    """A script of studies/ as a module (studies/ is not a package: its scripts run by path)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(STUDIES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

BN_STATS = ("running_mean", "running_var", "num_batches_tracked")


def make_dataset(path, window=32, channels=9, train=range(1, 8), test=(8, 9), per_class=6, offset=2.0, seed=7):
    """6 classes, `per_class` windows of each per subject; class-dependent offsets plus noise.
    (The defaults are this module's dataset; test_paper_runs.py makes the paper's 128 x 6 shape.)"""
    rng = np.random.default_rng(seed)
    splits = {}
    for name, subjects in (("train", train), ("test", test)):
        xs, ys, ss = [], [], []
        for s in subjects:
            for c in range(6):
                for _ in range(per_class):
                    x = rng.normal(0, 1, (window, channels)).astype(np.float32)
                    x[:, c] += offset
                    xs.append(x)
                    ys.append(c)
                    ss.append(s)
        splits[name] = (np.stack(xs), np.array(ys), np.array(ss))
    datasets.write_dataset(path, splits, dict(name="tiny", classes=[f"c{i}" for i in range(6)],
                                              channels=[f"ch{i}" for i in range(channels)]))


def train(*args):
    r = subprocess.run([sys.executable, "-m", "mubi_train.train", *args],
                       capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    return r


def training_failures(work):
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "tiny")
    make_dataset(data)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
            print("FAIL:", what)

    def metrics(run):
        with open(os.path.join(work, run, "metrics.json")) as fh:
            return json.load(fh)

    def state(run):
        return torch_model.load_checkpoint(os.path.join(work, run, "model.pt")).state_dict()

    common = ["--data", data, "--epochs", "3", "--batch", "16", "--holdout-seed", "5", "--seed", "3"]
    for run in ("a", "b"):
        r = train(*common, "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
    if failures:
        return 1
    ma, mb = metrics("a"), metrics("b")
    check([h["val_macro_f1"] for h in ma["history"]] == [h["val_macro_f1"] for h in mb["history"]]
          and all(torch.equal(v, state("b")[k]) for k, v in state("a").items()),
          "the same seed gives the same run")
    held, val, fit = (set(ma["holdout"]["subjects"]), set(ma["split"]["validation_subjects"]),
                      set(ma["split"]["fit_subjects"]))
    check(held and val and fit and not (held & val) and not (held & fit) and not (val & fit)
          and held | val | fit == set(range(1, 8)), f"holdout {held}, validation {val}, fit {fit}")

    # Averaging: add_to_average over k modules gives their mean; with --swa-lr 0 every
    # end-of-epoch snapshot is the selected network, so the exported average must equal it.
    nets = [torch_model.MuBiConvLSTM(9, 6, 32) for _ in range(3)]
    avg = torch_model.MuBiConvLSTM(9, 6, 32)
    for k, net in enumerate(nets, start=1):
        loop.add_to_average(avg, net, k)
    check(all(torch.allclose(q, torch.stack([dict(n.named_parameters())[name] for n in nets]).mean(0),
                             atol=1e-7) for name, q in avg.named_parameters()),
          "add_to_average gives the uniform mean")
    for run, lr in (("swa0", "0"), ("swa", "1e-3")):
        r = train(*common, "--swa-epochs", "3", "--swa-lr", lr, "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
    if failures:
        return 1
    base, s0, s1 = state("a"), state("swa0"), state("swa")
    weights = [k for k in base if not k.endswith(BN_STATS) and k not in ("mean", "std")]
    check(all(torch.allclose(base[k], s0[k], rtol=1e-6, atol=1e-7) for k in weights),
          "SWA at lr 0 keeps the selected weights")
    check(any(not torch.equal(base[k], s1[k]) for k in weights), "SWA at lr 1e-3 moves the weights")
    bn = [k for k in s1 if k.endswith("running_mean")]
    check(bn and all(not torch.equal(base[k], s1[k]) for k in bn),
          "the average has BatchNorm statistics of its own")
    ms = metrics("swa")
    check(len(ms["swa"]["history"]) == 3 and ms["selected"]["epoch"] == ma["best_epoch"]
          and ms["validation"]["macro_f1"] == ms["swa"]["history"][-1]["val_macro_f1"],
          "the SWA record: one entry per averaging epoch, after the early-stopped epoch")

    # Refit: no validation subjects, a fixed schedule stopped at epoch 2 of a 4-epoch cosine.
    r = train(*common, "--val-fraction", "0", "--select", "last", "--epochs", "4",
              "--stop-epoch", "2", "--swa-epochs", "1", "--out", os.path.join(work, "refit"))
    check(r.returncode == 0, f"train refit: {r.stderr[-500:]}")
    if r.returncode == 0:
        def no_nan(token):
            raise ValueError(f"{token} in the record")
        with open(os.path.join(work, "refit", "metrics.json")) as fh:
            mr = json.load(fh, parse_constant=no_nan)
        check(mr["split"]["validation_subjects"] == [] and mr["validation"] is None
              and set(mr["split"]["fit_subjects"]) == set(range(1, 8)) - held
              and mr["holdout"]["subjects"] == ma["holdout"]["subjects"],
              f"refit fits every non-holdout subject: {mr['split']}")
        check(len(mr["history"]) == 2 and abs(mr["history"][-1]["lr"] - (1e-3 + 1e-5) / 2) < 1e-9,
              f"--stop-epoch 2 of 4 ends at the cosine midpoint: {mr['history'][-1]['lr']}")
    r = train(*common, "--val-fraction", "0", "--out", os.path.join(work, "refit_bad"))
    check(r.returncode != 0 and "--select last" in r.stderr, "refit without --select last refused")
    r = train(*common, "--head-dropout", "0", "--out", os.path.join(work, "hd0"))
    check(r.returncode == 0, f"train hd0: {r.stderr[-500:]}")
    if r.returncode == 0:
        hd0 = state("hd0")
        check(metrics("hd0")["hyperparameters"]["head_dropout"] == 0
              and any(not torch.equal(base[k], hd0[k]) for k in weights),
              "--head-dropout 0 trains differently from the default 0.5")
    r = train(*common, "--sam", "0.05", "--out", os.path.join(work, "sam"))
    check(r.returncode == 0, f"train sam: {r.stderr[-500:]}")
    if r.returncode == 0:
        sam = state("sam")
        check(metrics("sam")["hyperparameters"]["sam"] == 0.05
              and any(not torch.equal(base[k], sam[k]) for k in weights)
              and all(torch.isfinite(sam[k]).all() for k in weights),
              "--sam 0.05 trains differently from plain AdamW")

    # Same-class partners: a permutation within each class, nobody paired with itself.
    g = torch.Generator().manual_seed(1)
    yb = torch.tensor([0, 1, 1, 2, 2, 2, 5, 0, 1, 3])
    partner = augment.same_class_partners(yb, g)
    check(sorted(partner.tolist()) == list(range(len(yb))) and torch.equal(yb[partner], yb)
          and all(partner[i] != i or int((yb == yb[i]).sum()) == 1 for i in range(len(yb))),
          f"same-class partners: {partner.tolist()} for {yb.tolist()}")
    # Mixing within a class: every window becomes a convex mix of itself and a window of
    # its class (constant windows make the mix readable).
    xc = torch.arange(len(yb), dtype=torch.float32)[:, None, None].expand(-1, 4, 3).clone()
    mixed = augment.mix_within_class(xc, yb, 0.4, np.random.default_rng(2), g)
    lo = torch.stack([xc[yb == c].min() for c in yb])[:, None, None]
    hi = torch.stack([xc[yb == c].max() for c in yb])[:, None, None]
    check(bool((mixed >= lo - 1e-6).all() and (mixed <= hi + 1e-6).all())
          and bool((mixed.std(dim=(1, 2)) < 1e-6).all()) and not torch.equal(mixed, xc),
          "mix_within_class mixes each window with its own class only")
    # MixStyle: a hook on each BatchNorm; off in eval mode and while inactive, and in training
    # each window's per-channel time statistics become the Beta mix of its own and another's.
    net = torch_model.MuBiConvLSTM(9, 6, 32)
    torch_model.randomize_(net)
    net.dropout.p = 0.0  # the outputs then differ by MixStyle alone
    xw = torch.randn(8, 32, 9)
    net.train()
    ref_train = net(xw)  # (updates the running statistics: evaluate after)
    net.eval()
    ref_eval = net(xw)
    active = [False]
    cache = augment.add_mixstyle(net, 1.0, 0.1, torch.Generator().manual_seed(3), active)
    net.eval()
    check(torch.equal(net(xw), ref_eval), "MixStyle leaves evaluation unchanged")
    net.train()
    check(torch.equal(net(xw), ref_train), "MixStyle inactive leaves training unchanged")
    seen = {}
    net.bn1.register_forward_hook(lambda m, i, o: seen.update(inp=i[0]))
    net.bn1.register_forward_hook(lambda m, i, o: seen.update(out=o))
    active[0] = True
    first = net(xw)
    on, perm, lam = cache[id(net.bn1)]
    plain = torch.nn.functional.batch_norm(seen["inp"], None, None, net.bn1.weight,
                                           net.bn1.bias, training=True, eps=net.bn1.eps)
    mu, sig = plain.mean(2, keepdim=True), (plain.var(2, keepdim=True) + 1e-6).sqrt()
    out = seen["out"]
    check(on and torch.allclose(out.mean(2, keepdim=True), lam * mu + (1 - lam) * mu[perm],
                                atol=1e-4)
          and torch.allclose((out.var(2, keepdim=True) + 1e-6).sqrt(),
                             lam * sig + (1 - lam) * sig[perm], atol=1e-3),
          "MixStyle gives each window the mixed per-channel mean and std")
    check(torch.equal(net(xw), first) and not torch.equal(first, ref_train),
          "MixStyle repeats its draw within a step (SAM's two passes) and changes training")
    # Time warping: a ramp x[t] = t comes back as each window's own speed about its centre,
    # clamped to the window (the factors drawn as time_warp draws them).
    ramp = torch.arange(32, dtype=torch.float32)[None, :, None].expand(5, 32, 3).clone()
    warped = augment.time_warp(ramp, 0.2, torch.Generator().manual_seed(4))
    f = 1 + 0.2 * (2 * torch.rand(5, 1, generator=torch.Generator().manual_seed(4)) - 1)
    want = (15.5 + (torch.arange(32.0) - 15.5) * f).clamp(0, 31)
    check(torch.allclose(warped, want[..., None].expand(5, 32, 3), atol=1e-4)
          and bool(((f - 1).abs() > 0.01).all()),
          "time_warp replays each window at its drawn speed about the centre")
    for opt in (("--class-mix", "0.4"), ("--mixstyle", "1", "--sam", "0.05"), ("--time-warp", "0.1")):
        name = opt[0].strip("-")
        r = train(*common, *opt, "--out", os.path.join(work, name))
        check(r.returncode == 0, f"train {name}: {r.stderr[-500:]}")
        if r.returncode == 0:
            st = state(name)
            check(metrics(name)["hyperparameters"][name.replace("-", "_")] == float(opt[1])
                  and any(not torch.equal(base[k], st[k]) for k in weights)
                  and all(torch.isfinite(st[k]).all() for k in weights),
                  f"{opt[0]} trains differently and exports finite weights")

    # Feature teacher: the regression's gradient is right and it separates what a linear
    # model can; the targets keep one-hot labels outside the named classes and give the named
    # classes' windows the regression's softmax at the temperature, over those classes only.
    from scipy.optimize import check_grad
    rng = np.random.default_rng(5)
    feats = rng.normal(0, 1, (90, 4))
    labels = np.repeat([0, 1, 2], 30)
    feats[:, 0] += 8 * labels
    predict = teachers.fit_softmax_regression(feats, labels, 3)
    check((predict(feats).argmax(1) == labels).all(),
          "fit_softmax_regression separates linearly separable classes")
    z = np.c_[feats, np.ones(90)]
    objective = [lambda w, i=i: teachers.softmax_regression_objective(
        w, z, np.eye(3)[labels], 0.1)[i] for i in (0, 1)]
    check(check_grad(*objective, rng.normal(0, 0.3, 15)) < 1e-5,
          "softmax_regression_objective's gradient matches finite differences")
    xs, ys, _, _ = datasets.read_split(data, "train")
    t1, acc = teachers.feature_teacher_probs(xs, ys, [2, 4], 6, 1.0)
    t2, _ = teachers.feature_teacher_probs(xs, ys, [4, 2], 6, 2.0)
    named = np.isin(ys, [2, 4])
    logit_gap = lambda t: np.log(t[named, 2]) - np.log(t[named, 4])  # noqa: E731
    check(np.array_equal(t1[~named], np.eye(6, dtype=np.float32)[ys[~named]])
          and np.allclose(t1[named].sum(1), 1, atol=1e-6)
          and not t1[named][:, [0, 1, 3, 5]].any() and acc > 0.9
          and np.allclose(logit_gap(t2), logit_gap(t1) / 2, atol=1e-3),
          "feature_teacher_probs: labels outside the named classes, the regression's softmax at "
          "the temperature inside")
    # studies/posture_check.py's readout R^2: 1 for a linear function of the aggregate (the head's
    # input), about 0 for noise.
    posture_check = study("posture_check")
    probe = torch_model.MuBiConvLSTM(9, 6, 32).eval()
    seen = {}
    probe.dropout.register_forward_pre_hook(lambda m, inp: seen.update(z=inp[0]))
    with torch.no_grad():
        probe(torch.from_numpy(xs))
    agg = seen["z"].numpy().astype(np.float64)
    targets = np.c_[agg @ rng.normal(0, 1, (agg.shape[1], 2)) + 3.0, rng.normal(0, 1, len(agg))]
    r2 = posture_check.readout_r2(probe, xs, targets)
    check(np.allclose(r2[:2], 1, atol=1e-6) and abs(r2[2]) < 0.5,
          f"readout_r2 is 1 for linear functions of the aggregate, small for noise ({r2})")
    with torch.no_grad():
        z = (torch.from_numpy(xs) - probe.mean) / probe.std
        lstm_in = probe._block(probe._block(z.transpose(1, 2), probe.conv1, probe.bn1),
                               probe.conv2, probe.bn2).mean(dim=2).numpy()
    lstm_mean, aggregate = posture_check.inner_features(probe, xs)
    check(np.allclose(lstm_mean, lstm_in, atol=1e-6) and np.allclose(aggregate, agg),
          "posture_check.inner_features: the time mean of the LSTM's input and the aggregate")
    r = train(*common, "--feature-teacher", "c2,c4", "--kd-alpha", "0", "--kd-temp", "1",
              "--out", os.path.join(work, "ft"))
    check(r.returncode == 0, f"train ft: {r.stderr[-500:]}")
    if r.returncode == 0:
        ft = state("ft")
        check(metrics("ft")["teacher"]["feature_teacher"] == ["c2", "c4"]
              and any(not torch.equal(base[k], ft[k]) for k in weights),
              "--feature-teacher changes training and is recorded")
    for bad in (("--feature-teacher", "c2,c9"), ("--feature-teacher", "c2"),
                ("--feature-teacher", "c2,c4", "--kd-online")):
        r = train(*common, *bad, "--out", os.path.join(work, "ft_bad"))
        check(r.returncode != 0 and "--feature-teacher" in r.stderr, f"{bad} is refused")

    # --freeze-bn: at learning rate 0 and without augmentation or dropout, a run frozen from
    # epoch 1 trains in exactly the exported network's evaluation mode, so its first epoch's
    # training loss is the exported network's cross-entropy on the fitting windows; with batch
    # statistics (no freeze) it is not.
    still = [*common, "--epochs", "1", "--lr", "0", "--min-lr", "0", "--scale", "0", "--noise",
             "0", "--rotate", "0", "--head-dropout", "0"]
    for run, extra in (("frozen", ("--freeze-bn", "1")), ("unfrozen", ())):
        r = train(*still, *extra, "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
    if not failures:
        fit_subjects = metrics("frozen")["split"]["fit_subjects"]
        x_all, y_all, s_all, _ = datasets.read_split(data, "train")
        keep = np.isin(s_all, fit_subjects)
        net = torch_model.load_checkpoint(os.path.join(work, "frozen", "model.pt")).eval()
        with torch.no_grad():
            ce = float(torch.nn.functional.cross_entropy(net(torch.from_numpy(x_all[keep])),
                                                         torch.from_numpy(y_all[keep]).long()))
        losses = [metrics(run)["history"][0]["train_loss"] for run in ("frozen", "unfrozen")]
        check(abs(losses[0] - ce) < 1e-5 and abs(losses[1] - ce) > 1e-4,
              f"--freeze-bn trains with the running statistics (losses {losses}, eval CE {ce})")
    # --sway-init: conv2's detector filters compute -sum over signs of min(max(s * m, 0), c),
    # m the max-pooled channel (BatchNorm at its initial identity statistics, eval mode).
    net = torch_model.MuBiConvLSTM(9, 6, 32).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    n1, n2 = model_init.init_sway_detectors(net, [3, 7], [0.03, 0.1], True)
    xin = torch.from_numpy(0.1 * rng.normal(0, 1, (5, 9, 32)).astype(np.float32))
    with torch.no_grad():
        out = net.conv2(net._block(xin, net.conv1, net.bn1)).numpy()
    pooled = xin.numpy().reshape(5, 9, 16, 2).max(axis=3)
    pooled_neg = (-xin.numpy()).reshape(5, 9, 16, 2).max(axis=3)
    gain = 1 / np.sqrt(1 + torch_model.BN_EPS)
    expected = np.stack([-(np.clip(gain * pooled[:, ch], 0, c)
                           + np.clip(gain * pooled_neg[:, ch], 0, c))
                         for ch in (3, 7) for c in (0.03, 0.1)], axis=1)
    rest = (("conv1.weight", slice(n1, None)), ("bn1.bias", slice(n1, None)),
            ("conv2.weight", slice(n2, None)), ("lstm.weight_ih_l0", slice(None)))
    untouched = all(torch.equal(before[k][n], net.state_dict()[k][n]) for k, n in rest)
    check((n1, n2) == (12, 4) and np.allclose(out[:, :4], expected, atol=1e-6) and untouched,
          f"init_sway_detectors: clipped amplitudes in conv2's first filters ({n1}, {n2})")
    for bad in (("ch3,ch4,ch5", "0.03,0.1"), ("ch3,ch99", "0.03")):
        r = train(*common, "--sway-init", bad[0], "--sway-abs", "--sway-levels", bad[1],
                  "--out", os.path.join(work, "sway_bad"))
        check(r.returncode != 0 and "--sway-init" in r.stderr, f"--sway-init {bad} is refused")
    for run, extra in (("sway", ()), ("sway_frozen", ("--sway-freeze",))):
        r = train(*common, "--sway-init", "ch3", "--sway-levels", "0.05", *extra,
                  "--forget-bias", "2", "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
    if not failures:
        init = torch_model.MuBiConvLSTM(9, 6, 32)
        model_init.init_sway_detectors(init, [3], [0.05], False)
        kept = [(f"{k}", n) for k, n in (("conv1.weight", 2), ("conv1.bias", 2), ("bn1.weight", 2),
                                         ("bn1.bias", 2), ("conv2.weight", 1), ("conv2.bias", 1))]
        same = lambda run: [torch.equal(state(run)[k][:n], init.state_dict()[k][:n])  # noqa: E731
                            for k, n in kept]
        check(all(same("sway_frozen")) and not any(same("sway"))
              and metrics("sway_frozen")["hyperparameters"]["sway_freeze"],
              f"--sway-freeze keeps the detectors ({same('sway_frozen')}), which train "
              f"without it ({same('sway')})")
    # --forget-bias: at learning rate 0 the exported LSTM keeps the forget-gate biases.
    r = train(*still, "--forget-bias", "2.5", "--out", os.path.join(work, "forget"))
    check(r.returncode == 0, f"train forget: {r.stderr[-500:]}")
    if r.returncode == 0:
        lstm = state("forget")
        h = lstm["lstm.weight_hh_l0"].shape[1]
        check(all(torch.all(lstm[f"lstm.bias_ih_l0{d}"][h:2 * h] == 2.5)
                  and torch.all(lstm[f"lstm.bias_hh_l0{d}"][h:2 * h] == 0)
                  for d in ("", "_reverse")),
              "--forget-bias sets the forget gates' biases in both directions")
    # --class-boost multiplies the named classes' loss weights (the tiny data is balanced, so
    # the others stay 1) and is recorded; a factor that is not positive is refused.
    r = train(*common, "--class-boost", "c1,c3:3", "--out", os.path.join(work, "boost"))
    check(r.returncode == 0, f"train boost: {r.stderr[-500:]}")
    if r.returncode == 0:
        check(metrics("boost")["class_weights"]["values"] == [1.0, 3.0, 1.0, 3.0, 1.0, 1.0]
              and any(not torch.equal(base[k], state("boost")[k]) for k in weights),
              f"--class-boost weights {metrics('boost')['class_weights']}")
    for bad in ("c1,c3:0", "c1,c3", "c9:2"):
        r = train(*common, "--class-boost", bad, "--out", os.path.join(work, "boost_bad"))
        check(r.returncode != 0 and "--class-boost" in r.stderr, f"--class-boost {bad} refused")
    # python/mubi_train/derive_data.py: --compand makes the named channels 0.01 * sign(x) * log(1 + |x| /
    # 0.01) in every split (odd, about x near 0) and copies the others; --keep-classes keeps
    # the named classes' windows, relabelled in the dataset's class order.
    from mubi_train import derive_data
    comp = os.path.join(work, "tiny_derived")
    derive_data.main(["--data", data, "--compand", "ch5,ch3", "--scale", "0.01",
                      "--keep-classes", "c4,c1", "--out", comp])
    for split in ("train", "test"):
        x0, y0, s0, _ = datasets.read_split(data, split)
        x1, y1, s1, meta1 = datasets.read_split(comp, split)
        kept = np.isin(y0, [1, 4])
        expect = x0[kept].astype(np.float64)
        expect[:, :, [3, 5]] = 0.01 * np.sign(expect[:, :, [3, 5]]) * np.log1p(
            np.abs(expect[:, :, [3, 5]]) / 0.01)
        others = [0, 1, 2, 4, 6, 7, 8]
        check(np.allclose(x1, expect, rtol=1e-6, atol=1e-7)
              and np.array_equal(x1[:, :, others], x0[kept][:, :, others])
              and np.array_equal(y1, (y0[kept] == 4).astype(y1.dtype))
              and np.array_equal(s1, s0[kept]) and meta1["classes"] == ["c1", "c4"]
              and meta1["derived"]["companded"]["channels"] == ["ch3", "ch5"],
              f"derive_data: the named channels companded, the named classes kept ({split})")
    small = derive_data.compand(np.array([[[1e-5, -1e-5, 1.0]]], np.float32), [0, 1, 2], 0.01)
    check(np.allclose(small[0, 0, :2], [1e-5, -1e-5], rtol=1e-3)
          and abs(small[0, 0, 2] - 0.01 * np.log(101)) < 1e-6,
          f"compand is linear near 0 and logarithmic above the scale ({small})")
    # --aux-stats: the auxiliary head changes training but is not part of the exported network.
    r = train(*common, "--aux-stats", "1", "--aux-classes", "c3,c4", "--out",
              os.path.join(work, "aux"))
    check(r.returncode == 0, f"train aux: {r.stderr[-500:]}")
    if r.returncode == 0:
        aux = state("aux")
        check(sorted(aux) == sorted(base)
              and os.path.getsize(os.path.join(work, "aux", "model.mubi"))
              == os.path.getsize(os.path.join(work, "a", "model.mubi"))
              and any(not torch.equal(base[k], aux[k]) for k in weights),
              "--aux-stats changes training and exports the same network")
    r = train(*common, "--aux-stats", "1", "--aux-classes", "c3,c9", "--out",
              os.path.join(work, "aux_bad"))
    check(r.returncode != 0 and "--aux-classes" in r.stderr, "--aux-classes with an unknown class")

    r = train("--data", data, "--epochs", "2", "--batch", "16", "--seed", "4",
              "--init-from", os.path.join(work, "a", "model.pt"), "--out", os.path.join(work, "bad"))
    check(r.returncode != 0 and "--init-from" in r.stderr, "--init-from on other windows refused")

    branches = []
    for k in (1, 2):
        run = f"branch{k}"
        r = train(*common[:-1], str(10 + k), "--split-seed", "3", "--select", "last",
                  "--init-from", os.path.join(work, "a", "model.pt"), "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
        branches.append(os.path.join(work, run))
    if failures:
        return 1
    # Distillation with consistent teaching: teachers fitted on the same subjects are accepted
    # and change the result; a teacher fitted on a judged subject is refused.
    teacher_runs = ",".join(branches)
    r = train(*common, "--teacher", teacher_runs, "--kd-online", "--kd-alpha", "0", "--kd-temp", "1",
              "--out", os.path.join(work, "kd"))
    check(r.returncode == 0, f"train kd: {r.stderr[-500:]}")
    if r.returncode == 0:
        kd = state("kd")
        check(any(not torch.equal(base[k], kd[k]) for k in weights), "--kd-online changes the run")
    r = train("--data", data, "--epochs", "1", "--batch", "16", "--seed", "3", "--teacher",
              os.path.join(work, "a"), "--kd-online", "--out", os.path.join(work, "kd_bad"))
    check(r.returncode != 0 and "judged subjects" in r.stderr,
          "a teacher fitted on the student's validation subjects is refused")

    soup = [sys.executable, os.path.join(STUDIES, "soup.py"), "--data", data, "--recipe", "uniform"]
    r = subprocess.run(soup + ["--out", os.path.join(work, "soup"), *branches],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"soup: {r.stderr[-500:]}")
    if r.returncode == 0:
        s, b1, b2 = state("soup"), state("branch1"), state("branch2")
        params = [k for k in s if not k.endswith(BN_STATS) and k not in ("mean", "std")]
        check(all(torch.allclose(s[k], (b1[k] + b2[k]) / 2, atol=1e-7) for k in params),
              "uniform soup = mean of the parameters")
        check(metrics("soup")["holdout_subjects"] == ma["holdout"]["subjects"],
              "the soup record names the holdout subjects")
    r = train("--data", data, "--epochs", "1", "--batch", "16", "--seed", "4",
              "--out", os.path.join(work, "other"))
    check(r.returncode == 0, f"train other: {r.stderr[-500:]}")
    r = subprocess.run(soup + ["--out", os.path.join(work, "soup_bad"), branches[0],
                               os.path.join(work, "other")], capture_output=True, text=True)
    check(r.returncode != 0 and "other subjects" in r.stderr, "a soup across splits is refused")

    # --save-state / --resume: a trunk resumed with its own seed continues exactly as the run
    # that was never stopped (weights, optimizer, schedule position and random streams all
    # restored); with another seed it is a branch that draws anew. Refit branches (no
    # validation subjects) make a uniform soup; greedy needs validation and is refused.
    refit = [*common, "--val-fraction", "0", "--select", "last", "--epochs", "5",
             "--stop-epoch", "4", "--mixup", "0.2", "--sam", "0.05", "--mixstyle", "0.5",
             "--swa-epochs", "1"]
    runs = {"whole": [], "trunk": ["--stop-epoch", "2", "--swa-epochs", "0", "--save-state"]}
    trunk_state = os.path.join(work, "trunk", "state.pt")
    runs.update(cont=["--resume", trunk_state], twig1=["--resume", trunk_state, "--seed", "21"],
                twig2=["--resume", trunk_state, "--seed", "22"])
    for run, extra in runs.items():
        r = train(*refit, *extra, "--out", os.path.join(work, run))
        check(r.returncode == 0, f"train {run}: {r.stderr[-500:]}")
    if failures:
        return 1
    whole, cont, twig = state("whole"), state("cont"), state("twig1")
    check(all(torch.equal(v, cont[k]) for k, v in whole.items()),
          "a trunk resumed with its own seed gives the uninterrupted run's weights")
    check([h["epoch"] for h in metrics("cont")["history"]] == [3, 4]
          and [h["lr"] for h in metrics("cont")["history"]]
          == [h["lr"] for h in metrics("whole")["history"][2:]],
          "the resumed run continues the trunk's epochs and learning-rate schedule")
    check(any(not torch.equal(v, twig[k]) for k, v in whole.items() if k in weights),
          "a branch with another seed draws anew")
    for run, extra, what in (
            ("res_bad1", ["--resume", trunk_state, "--batch", "8"], "another network, split"),
            ("res_bad2", ["--resume", trunk_state, "--stop-epoch", "2"], "already ran"),
            ("res_bad3", ["--save-state", "--ema", "0.9"], "keep no --ema")):
        r = train(*refit, *extra, "--out", os.path.join(work, run))
        check(r.returncode != 0 and what in r.stderr, f"{run} refused ({what})")
    twigs = [os.path.join(work, "twig1"), os.path.join(work, "twig2")]
    r = subprocess.run(soup + ["--out", os.path.join(work, "soup_refit"), *twigs],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"soup of refit branches: {r.stderr[-500:]}")
    if r.returncode == 0:
        s, b1, b2 = state("soup_refit"), state("twig1"), state("twig2")
        check(all(torch.allclose(s[k], (b1[k] + b2[k]) / 2, atol=1e-7) for k in weights)
              and metrics("soup_refit")["holdout_macro_f1"] is not None,
              "a uniform soup of refit branches is their mean, scored on the holdout subjects")
    r = subprocess.run([a for a in soup if a not in ("--recipe", "uniform")]
                       + ["--out", os.path.join(work, "soup_refit_bad"), *twigs],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "only --recipe uniform" in r.stderr,
          "a greedy soup of runs without validation subjects is refused")

    # studies/ensemble_check.py: three runs, each wrong on a different window, whose mean logits
    # are right everywhere; an ensemble of all three is exact, a size beyond the runs refused.
    ensemble_check = study("ensemble_check")
    y3 = np.array([0, 1, 2, 0, 1, 2])
    logits3 = np.stack([np.eye(3)[y3] * 2.0 for _ in range(3)])
    for r, i in enumerate((0, 1, 2)):
        logits3[r, i] = np.eye(3)[(y3[i] + 1) % 3]  # run r wrong on window i, by a small margin
    summary = ensemble_check.ensemble_summary(y3, logits3, 3, [1, 3], 20, 100.0,
                                              np.random.default_rng(0))
    single = [round(100 * scores(y3, lg.argmax(1), 3)["macro_f1"], 2) for lg in logits3]
    check(summary["runs"] == single and summary["reaching_target"] == 0
          and summary["all_runs_ensemble"] == 100.0 and summary["ensembles"]["3"]["mean"] == 100.0
          and summary["ensembles"]["3"]["share_reaching_target"] == 1.0
          and summary["ensembles"]["1"]["max"] == max(single),
          f"ensemble_check scores runs and their logit ensembles: {summary}")
    try:
        ensemble_check.ensemble_summary(y3, logits3, 3, [4], 1, 100.0, np.random.default_rng(0))
        check(False, "ensemble_check refuses an ensemble larger than the runs")
    except ValueError:
        pass
    return failures


def test_training_options(tmp_path):
    failures = training_failures(str(tmp_path))
    assert not failures, "\n".join(failures)
