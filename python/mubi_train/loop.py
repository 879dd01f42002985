"""The training loop: one Trainer per run holds the optimizer, the schedule, the random
streams and the optional training-only parts (distillation targets, auxiliary head, EMA,
frozen slices); it runs the epochs with early stopping, then optional weight averaging.
"""

import copy
import math
import os
import time

import numpy as np

from mubi import datasets
from mubi import evaluate
from mubi import metrics

from . import augment
from .data import class_weights, window_statistics
from .teachers import ensemble_probs, feature_teacher_probs, load_teachers


def recalibrate_batchnorm(model, x, batch):
    """Set every BatchNorm's running mean/var to the exact average over x (train mode, no grad).

    PyTorch's cumulative moving average (momentum None) over equal-size batches gives the mean of
    the per-batch statistics; with batches of 512 windows this is the population statistic
    to within the last partial batch.
    """
    import torch
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    was_training = model.training
    model.train()
    with torch.no_grad():
        for i in range(0, len(x), max(batch, 512)):
            model(x[i:i + max(batch, 512)])
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.train(was_training)


def add_to_average(avg, module, k):
    """Make avg's parameters the uniform average of k modules, given the average of the first
    k - 1 and module as the k-th (k = 1 copies). BatchNorm statistics are left to recompute."""
    import torch
    with torch.no_grad():
        for qa, qm in zip(avg.parameters(), module.parameters()):
            qa.mul_((k - 1) / k).add_(qm.detach(), alpha=1 / k)


def without_nan(value):
    """The record with NaN (no validation subjects) written as null, which JSON can hold."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(v) for v in value]
    return value


def save_run_model(module, out, x_te, y_te, classes):
    """Score the chosen model on test (once) and write OUT/model.pt, OUT/model.mubi and
    OUT/test_predictions.u8; returns (test scores, blob bytes)."""
    from mubi import torch_model
    from mubi import export
    pred_te, _ = evaluate.predict(module, x_te)
    os.makedirs(out, exist_ok=True)
    torch_model.save_checkpoint(module, os.path.join(out, "model.pt"))
    blob = export.export(module, os.path.join(out, "model.mubi"))
    pred_te.astype(np.uint8).tofile(os.path.join(out, "test_predictions.u8"))
    return metrics.scores(y_te, pred_te, classes), blob

class Trainer:
    """One run's training state. Everything that draws random numbers is created here in a
    fixed order (after the network), so a run is a function of its seed."""

    def __init__(self, args, data, model, frozen, parser):
        import torch
        import torch.nn.functional as F
        from mubi import torch_model
        self.args, self.data, self.model, self.frozen = args, data, model, frozen
        classes, class_names = data.classes, data.class_names
        weights, self.weight_mode, self.counts = class_weights(data.y_tr, classes, args.class_weights)

        def class_ids(option, names_csv, at_least):
            return datasets.name_ids(parser, option, names_csv, class_names, at_least)

        if args.class_boost:
            names_csv, _, factor = args.class_boost.rpartition(":")
            try:
                factor = float(factor)
            except ValueError:
                factor = -1.0
            if not factor > 0:
                parser.error("--class-boost needs NAMES:FACTOR with a factor > 0")
            boosted = class_ids("--class-boost", names_csv, 1)
            weights = np.ones(classes) if weights is None else weights.copy()
            weights[boosted] *= factor
            self.weight_mode += f", x{factor:g} for {[class_names[i] for i in boosted]}"
        self.weights = weights
        self.aux_head, self.aux_seen, self.aux_norm, self.aux_ids = None, {}, None, None
        if args.aux_stats > 0:
            # A training-only linear head that reads the network's aggregate (the head's input)
            # and must predict the window's per-channel mean and log std (standardized over the
            # fitting windows); the exported network is unchanged.
            self.aux_ids = torch.tensor(class_ids("--aux-classes", args.aux_classes, 1)
                                        if args.aux_classes else range(classes))
            stats = window_statistics(data.x_tr[np.isin(data.y_tr, self.aux_ids.numpy())])
            self.aux_norm = (torch.from_numpy(stats.mean(axis=0).astype(np.float32)),
                             torch.from_numpy(np.maximum(stats.std(axis=0), 1e-6).astype(np.float32)))
            self.aux_head = torch.nn.Linear(model.fc.in_features, stats.shape[1])
            model.dropout.register_forward_pre_hook(lambda m, inp: self.aux_seen.update(z=inp[0]))
        self.opt = torch.optim.AdamW(list(model.parameters()) +
                                     (list(self.aux_head.parameters()) if self.aux_head is not None else []),
                                     lr=args.lr, weight_decay=args.weight_decay)
        self.steps_per_epoch = math.ceil(len(data.x_tr) / args.batch)
        self.total_steps = self.steps_per_epoch * args.epochs

        # What a trunk and its branches must share: one network, fitting windows and schedule.
        self.trunk_key = dict(config=model.config, fit_subjects=data.fit_subjects,
                              holdout=None if data.holdout is None else data.holdout["subjects"],
                              **{k: getattr(args, k) for k in ("data", "fit_data", "epochs", "lr",
                                                               "min_lr", "weight_decay", "batch")})
        self.start_epoch, self.trunk = 0, None
        if args.resume:
            trunk = torch.load(args.resume, map_location="cpu", weights_only=False)  # ours: RNG states too
            if trunk["key"] != self.trunk_key:
                parser.error(f"--resume {args.resume}: another network, split or schedule")
            if trunk["epoch"] >= (args.stop_epoch or args.epochs):
                parser.error(f"--resume {args.resume}: the trunk already ran to epoch {trunk['epoch']}")
            model.load_state_dict(trunk["model"])
            self.opt.load_state_dict(trunk["optimizer"])
            self.start_epoch, self.trunk = trunk["epoch"], trunk

        self.xt = torch.from_numpy(data.x_tr)
        self.yt = torch.from_numpy(data.y_tr)
        self.std_t = torch.from_numpy(data.std.astype(np.float32))
        self.w_t = torch.from_numpy(weights.astype(np.float32)) if weights is not None else None
        self.gen = torch.Generator().manual_seed(args.seed)

        print(f"data {args.data}: {data.train_windows} train windows {data.window}x{data.channels}, "
              f"{classes} classes; fit {len(data.x_tr)} windows (subjects {data.fit_subjects}), "
              f"validation {len(data.x_va)} windows (subjects {data.val_subjects.tolist()}); "
              f"class weights {self.weight_mode}; params {torch_model.parameter_count(model)}",
              flush=True)

        self.soft_t, self.teacher, self.teachers = None, None, None
        if args.teacher:
            # In a holdout study the holdout subjects are the ones judged, so they are the ones a
            # teacher must not have seen; otherwise the validation subjects.
            self.teachers = load_teachers(args.teacher.split(","), data.val_subjects if data.holdout is None
                                          else np.asarray(data.holdout["subjects"]))
            self.soft_t = torch.from_numpy(ensemble_probs(self.teachers, data.x_tr, args.kd_temp))
            sc = metrics.scores(data.y_va, ensemble_probs(self.teachers, data.x_va, 1.0).argmax(1), classes)
            self.teacher = dict(runs=args.teacher.split(","), validation_macro_f1=sc["macro_f1"])
            print(f"teacher ensemble of {len(self.teachers)}: validation macro-F1 "
                  f"{100 * sc['macro_f1']:.2f}%", flush=True)
        if args.feature_teacher:
            ids = class_ids("--feature-teacher", args.feature_teacher, 2)
            probs, fit_acc = feature_teacher_probs(data.x_tr, data.y_tr, ids, classes, args.kd_temp)
            self.soft_t = torch.from_numpy(probs)
            self.teacher = dict(feature_teacher=[class_names[i] for i in ids], fit_accuracy=fit_acc)
            print(f"feature teacher for {self.teacher['feature_teacher']}: accuracy {100 * fit_acc:.2f}% "
                  f"on the fitting windows of those classes", flush=True)
        if args.input_dropout > 0:  # a hook, so the module and its inference graph stay the same
            model.lstm.register_forward_pre_hook(
                lambda m, inp: (F.dropout(inp[0], args.input_dropout, m.training),))
        self.mix_rng = np.random.default_rng(args.seed)
        self.class_mix_rng = np.random.default_rng(args.seed + 1)
        self.warp_gen = torch.Generator().manual_seed(args.seed + 3)
        self.style_gen = torch.Generator().manual_seed(args.seed + 2)
        self.mixstyle_active = [False]
        self.mixstyle_cache = None
        if args.mixstyle > 0:  # torch.distributions draws from the global generator, seeded above
            self.mixstyle_cache = augment.add_mixstyle(model, args.mixstyle, 0.1, self.style_gen,
                                                       self.mixstyle_active)
        self.ema = None
        if args.ema > 0:
            self.ema = copy.deepcopy(model)
            for q in self.ema.parameters():
                q.requires_grad_(False)
        self.step = self.start_epoch * self.steps_per_epoch
        self.bn_frozen = False
        if self.trunk is not None:
            self.random_streams(self.trunk["random"])

    def lr_at(self, step):
        """Cosine from lr to min_lr over all epochs, per step."""
        a = self.args
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * step / self.total_steps))

    def augmented(self, xb, yb):
        """The batch as the network sees it in training, and the mixup weight and partner
        order (None without mixup). The draws' order is part of the run's definition."""
        import torch
        a = self.args
        if a.time_warp > 0:
            xb = augment.time_warp(xb, a.time_warp, self.warp_gen)
        if a.scale > 0:
            xb = xb * (1 + a.scale * (2 * torch.rand(len(xb), 1, 1, generator=self.gen) - 1))
        if a.rotate > 0:
            xb = augment.rotate_groups(xb, a.rotate, self.gen)
        if a.noise > 0:
            xb = xb + a.noise * self.std_t * torch.randn(xb.shape, generator=self.gen)
        if a.class_mix > 0:
            xb = augment.mix_within_class(xb, yb, a.class_mix, self.class_mix_rng, self.gen)
        lam, j = None, None
        if a.mixup > 0:
            lam = float(self.mix_rng.beta(a.mixup, a.mixup))
            j = torch.randperm(len(xb), generator=self.gen)
            xb = lam * xb + (1 - lam) * xb[j]
        return xb, lam, j

    def loss(self, xb, yb, lam, j, target):
        """(logits, loss) of one batch: cross-entropy (mixed), the auxiliary regression and
        the distillation term where they are on."""
        import torch
        import torch.nn.functional as F
        a = self.args
        logits = self.model(xb)
        loss = F.cross_entropy(logits, yb, weight=self.w_t, label_smoothing=a.label_smoothing)
        if lam is not None:
            loss = lam * loss + (1 - lam) * F.cross_entropy(
                logits, yb[j], weight=self.w_t, label_smoothing=a.label_smoothing)
        if self.aux_head is not None:  # on windows (both halves of a mix) of the classes
            rows = torch.isin(yb, self.aux_ids) & (lam is None or torch.isin(yb[j], self.aux_ids))
            want = torch.cat([xb.mean(dim=1), torch.log(xb.std(dim=1, unbiased=False) + 1e-6)], dim=1)
            if rows.any():
                want = (want[rows] - self.aux_norm[0]) / self.aux_norm[1]
                loss = loss + a.aux_stats * F.mse_loss(self.aux_head(self.aux_seen["z"][rows]), want)
        if target is not None:
            kd = F.kl_div(F.log_softmax(logits / a.kd_temp, dim=1), target,
                          reduction="batchmean") * a.kd_temp ** 2
            loss = a.kd_alpha * loss + (1 - a.kd_alpha) * kd
        return logits, loss

    def train_epoch(self, lr_of_step, epoch):
        """One pass over the shuffled fitting windows; returns (summed loss, correct)."""
        import torch
        import torch.nn.functional as F
        a, model, opt = self.args, self.model, self.opt
        model.train()
        if a.freeze_bn and epoch >= a.freeze_bn:
            if not self.bn_frozen:  # exact statistics to start from
                recalibrate_batchnorm(model, self.xt, a.batch)
                self.bn_frozen = True
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm1d):
                    m.eval()
        perm = torch.randperm(len(self.xt), generator=self.gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(perm), a.batch):
            idx = perm[i:i + a.batch]
            yb = self.yt[idx]
            xb, lam, j = self.augmented(self.xt[idx], yb)
            for g in opt.param_groups:
                g["lr"] = lr_of_step(self.step)
            target = None
            if self.soft_t is not None:
                if a.kd_online:  # consistent teaching: the teachers see the same input
                    with torch.no_grad():
                        target = torch.stack([F.softmax(t(xb) / a.kd_temp, dim=1)
                                              for t in self.teachers]).mean(0)
                else:
                    sb = self.soft_t[idx]
                    target = sb if lam is None else lam * sb + (1 - lam) * sb[j]

            if self.mixstyle_cache is not None:
                self.mixstyle_cache.clear()
            self.mixstyle_active[0] = True
            logits, loss = self.loss(xb, yb, lam, j, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if a.sam > 0:
                # Sharpness-aware minimization (Foret et al. 2021): take the gradient at the
                # worst point within an L2 ball of radius rho around the weights, step from
                # the weights themselves.
                params = [q for q in model.parameters() if q.grad is not None]
                with torch.no_grad():
                    norm = torch.norm(torch.stack([q.grad.norm() for q in params]))
                    shifts = [q.grad * (a.sam / (norm + 1e-12)) for q in params]
                    for q, e in zip(params, shifts):
                        q.add_(e)
                opt.zero_grad(set_to_none=True)
                self.loss(xb, yb, lam, j, target)[1].backward()
                with torch.no_grad():
                    for q, e in zip(params, shifts):
                        q.sub_(e)
            self.mixstyle_active[0] = False
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            if self.frozen:  # after the step, so neither gradients nor weight decay move them
                with torch.no_grad():
                    for t, n, value in self.frozen:
                        t[:n] = value
            self.step += 1
            if self.ema is not None:
                with torch.no_grad():
                    d = min(a.ema, (1 + self.step) / (10 + self.step))  # short warm-up
                    for qe, qm in zip(self.ema.parameters(), model.parameters()):
                        qe.mul_(d).add_(qm.detach(), alpha=1 - d)
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        return loss_sum, correct

    def validate(self, module):
        """(scores, loss) on the validation windows."""
        import torch
        import torch.nn.functional as F
        x_va, y_va = self.data.x_va, self.data.y_va
        if len(x_va) == 0:  # --val-fraction 0: nothing to validate on
            return dict(accuracy=math.nan, macro_f1=math.nan), math.nan
        pred, logits_va = evaluate.predict(module, x_va)
        val_loss = float(F.cross_entropy(torch.from_numpy(logits_va), torch.from_numpy(y_va),
                                         weight=self.w_t))
        return metrics.scores(y_va, pred, self.data.classes), val_loss

    def random_streams(self, restore=None):
        """The training's random generators; with the trunk's own seed a resumed run restores
        them and so continues as if never interrupted, with another it draws anew (a branch)."""
        import torch
        torch_gens = (self.gen, self.warp_gen, self.style_gen)
        numpy_gens = (self.mix_rng, self.class_mix_rng)
        if restore is None:
            return dict(torch=[torch.get_rng_state()] + [g.get_state() for g in torch_gens],
                        numpy=[g.bit_generator.state for g in numpy_gens], seed=self.args.seed)
        if restore["seed"] == self.args.seed:
            torch.set_rng_state(restore["torch"][0])
            for g, value in zip(torch_gens, restore["torch"][1:]):
                g.set_state(value)
            for g, value in zip(numpy_gens, restore["numpy"]):
                g.bit_generator.state = value

    def fit(self):
        """The epochs, with early stopping on validation macro-F1 (--select val); returns
        (history, best: dict of f1, loss, epoch, state, scores, last_epoch)."""
        a = self.args
        history = []
        best = dict(f1=-1.0, loss=math.inf, epoch=0, state=None, scores=None)
        epoch = self.start_epoch
        for epoch in range(self.start_epoch + 1, (a.stop_epoch or a.epochs) + 1):
            t0 = time.time()
            loss_sum, correct = self.train_epoch(self.lr_at, epoch)
            evaluated = self.model if self.ema is None else self.ema
            if a.precise_bn or self.ema is not None:  # the average has no running statistics of its own
                recalibrate_batchnorm(evaluated, self.xt, a.batch)
            sc, val_loss = self.validate(evaluated)
            improved = a.select == "last" or sc["macro_f1"] > best["f1"] or (
                sc["macro_f1"] == best["f1"] and val_loss < best["loss"])
            if improved:
                best.update(f1=sc["macro_f1"], loss=val_loss, epoch=epoch, scores=sc,
                            state=copy.deepcopy(evaluated.state_dict()))
            n = len(self.xt)
            rec = dict(epoch=epoch, lr=self.lr_at(self.step), train_loss=loss_sum / n,
                       train_acc=correct / n, val_loss=val_loss, val_acc=sc["accuracy"],
                       val_macro_f1=sc["macro_f1"], seconds=time.time() - t0)
            history.append(rec)
            val_text = ("no validation subjects" if len(self.data.x_va) == 0 else
                        f"val loss {val_loss:.4f} acc {100 * sc['accuracy']:5.2f}% F1 "
                        f"{100 * sc['macro_f1']:5.2f}% | best {100 * best['f1']:5.2f}% @{best['epoch']}")
            print(f"epoch {epoch:3d}/{a.epochs} lr {rec['lr']:.2e} loss {rec['train_loss']:.4f} "
                  f"acc {100 * rec['train_acc']:5.2f}% | {val_text} | {rec['seconds']:.1f}s", flush=True)
            if a.select == "val" and epoch - best["epoch"] >= a.patience:
                print(f"early stop: no validation macro-F1 improvement for {a.patience} epochs",
                      flush=True)
                break
        best["last_epoch"] = epoch
        return history, best

    def save_state(self, epoch):
        """OUT/state.pt: the trunk --resume continues or branches from."""
        import torch
        os.makedirs(self.args.out, exist_ok=True)
        torch.save(dict(key=self.trunk_key, epoch=epoch, model=self.model.state_dict(),
                        optimizer=self.opt.state_dict(), random=self.random_streams()),
                   os.path.join(self.args.out, "state.pt"))

    def holdout_f1(self, module):
        holdout = self.data.holdout
        return None if holdout is None else metrics.scores(
            holdout["y"], evaluate.predict(module, holdout["x"])[0], self.data.classes)["macro_f1"]

    def average_weights(self, best):
        """Stochastic weight averaging from the selected weights (--swa-epochs): returns the
        average (BatchNorm statistics recomputed) and the record of its epochs."""
        a, model, classes = self.args, self.model, self.data.classes
        # Recorded for comparison, never used: the early-stopped model's test score, and in a
        # holdout study the average's after every epoch.
        x_te_, y_te_, _, _ = datasets.read_split(a.data, "test")
        avg = copy.deepcopy(model)
        recorded = metrics.scores(y_te_, evaluate.predict(model, x_te_)[0], classes)["macro_f1"]
        swa = dict(lr=a.swa_lr, history=[])
        for k in range(1, a.swa_epochs + 1):
            t0 = time.time()
            loss_sum, correct = self.train_epoch(lambda _: a.swa_lr, best["epoch"] + k)
            add_to_average(avg, model, k)
            recalibrate_batchnorm(avg, self.xt, a.batch)
            sc, val_loss = self.validate(avg)
            te = None if self.data.holdout is None else metrics.scores(  # study mode only
                y_te_, evaluate.predict(avg, x_te_)[0], classes)["macro_f1"]
            swa["history"].append(dict(epoch=k, train_loss=loss_sum / len(self.xt), val_loss=val_loss,
                                       val_macro_f1=sc["macro_f1"], holdout_macro_f1=self.holdout_f1(avg),
                                       test_macro_f1_recorded=te))
            avg_text = ("" if len(self.data.x_va) == 0 else
                        f" | average: val loss {val_loss:.4f} F1 {100 * sc['macro_f1']:5.2f}%")
            print(f"swa {k:3d}/{a.swa_epochs} lr {a.swa_lr:.2e} loss "
                  f"{loss_sum / len(self.xt):.4f}{avg_text} | {time.time() - t0:.1f}s", flush=True)
        best.update(f1=sc["macro_f1"], loss=val_loss, scores=sc)
        return avg, swa, recorded
