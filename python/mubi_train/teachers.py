"""Soft targets for distillation: an ensemble of teacher runs, or a softmax regression on
window statistics (--teacher, --feature-teacher).
"""

import json
import os

import numpy as np

from mubi import evaluate

from .data import window_statistics


def load_teachers(runs, val_subjects):
    """Teacher modules from run directories; refuses a teacher fitted on any of val_subjects
    (the subjects the student is judged on)."""
    from mubi import torch_model
    teachers = []
    for run in runs:
        with open(os.path.join(run, "metrics.json")) as fh:
            fitted = json.load(fh)["split"]["fit_subjects"]
        if np.isin(fitted, val_subjects).any():
            raise SystemExit(f"teacher {run} was fitted on judged subjects "
                             f"{sorted(set(fitted) & set(val_subjects.tolist()))}")
        teachers.append(torch_model.load_checkpoint(os.path.join(run, "model.pt")))
    return teachers


def ensemble_probs(teachers, x, temperature):
    """Mean over the teachers of softmax(logits / temperature), (N, classes) float32."""
    from scipy.special import softmax
    return np.mean([softmax(evaluate.predict(t, x)[1] / temperature, axis=1)
                    for t in teachers], axis=0).astype(np.float32)


def softmax_regression_objective(w, z, onehot, l2):
    """Mean cross-entropy of softmax(z @ W) against onehot plus l2 * |W without the bias row|^2,
    and its gradient; w is W (features + 1, classes) flattened, z ends with a column of ones."""
    from scipy.special import log_softmax
    w = w.reshape(z.shape[1], onehot.shape[1])
    logp = log_softmax(z @ w, axis=1)
    reg = w.copy()
    reg[-1] = 0.0  # the bias is not penalized
    grad = z.T @ (np.exp(logp) - onehot) / len(z) + 2 * l2 * reg
    return -np.mean((onehot * logp).sum(axis=1)) + l2 * (reg ** 2).sum(), grad.ravel()


def fit_softmax_regression(f, t, k, l2=1e-2):
    """L2-regularized multinomial logistic regression of labels t (0..k-1) on standardized
    features f; returns a function from features to (N, k) logits."""
    from scipy.optimize import minimize
    mu, sd = f.mean(axis=0), np.maximum(f.std(axis=0), 1e-12)
    z = np.c_[(f - mu) / sd, np.ones(len(f))]
    w = minimize(softmax_regression_objective, np.zeros(z.shape[1] * k), jac=True,
                 args=(z, np.eye(k)[t], l2), method="L-BFGS-B").x.reshape(z.shape[1], k)
    return lambda f2: np.c_[(f2 - mu) / sd, np.ones(len(f2))] @ w


def feature_teacher_probs(x, y, class_ids, classes, temperature):
    """Soft targets (N, classes) float32 for the fitting windows x, y: a softmax regression on
    window_statistics, fitted on the windows of class_ids, gives those windows its
    probabilities over class_ids (at the temperature); every other window keeps its one-hot
    label. Returns the targets and the regression's accuracy on the windows it was fitted on."""
    from scipy.special import softmax
    ids = np.unique(class_ids)
    mine = np.isin(y, ids)
    local = np.searchsorted(ids, y[mine])
    stats = window_statistics(x[mine])
    logits = fit_softmax_regression(stats, local, len(ids))(stats)
    target = np.eye(classes)[y]
    target[np.ix_(np.flatnonzero(mine), ids)] = softmax(logits / temperature, axis=1)
    return target.astype(np.float32), float((logits.argmax(axis=1) == local).mean())
