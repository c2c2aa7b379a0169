"""Lab 7's exercises, solved from the lab's words only."""

from __future__ import annotations

import numpy as np

from nncourse.numpy.callbacks import Callback


def l2_penalty(params, strength):
    """λ/2 · Σ‖w‖² over the Parameters' ``.data``."""
    total = 0.0
    for param in params:
        total += float((param.data * param.data).sum())
    return strength / 2 * total


def l2_penalty_grad(params, strength):
    """λ · w, one array per parameter."""
    return [strength * param.data for param in params]


def dropout_forward(x, p, rng):
    """keep = rng.random(x.shape) >= p; scale kept units by 1/(1 - p); p = 1 gives zeros."""
    keep = rng.random(x.shape) >= p
    if p >= 1:
        scale = np.zeros(x.shape)
    else:
        scale = np.where(keep, 1.0 / (1.0 - p), 0.0)
    return x * scale, scale


def dropout_backward(grad_out, scale):
    """The same mask and scale as the forward pass."""
    return grad_out * scale


class EarlyStopping(Callback):
    """Reset in on_train_begin; strictly lower is better; stop when the count reaches patience."""

    def __init__(self, monitor="val_loss", patience=3):
        self.monitor = monitor
        self.patience = patience

    def on_train_begin(self, logs=None):
        self.best = float("inf")
        self.best_epoch = None
        self.count = 0
        self.saved = None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value < self.best:
            self.best = value
            self.best_epoch = epoch
            self.count = 0
            self.saved = self.model.state_dict()
            return False
        self.count += 1
        return self.count >= self.patience

    def on_train_end(self, logs=None):
        if self.saved is not None:
            self.model.load_state_dict(self.saved)


#: Part 7: a cubic with a little L2.
CAPACITY_CHOICE = {"capacity": 3, "l2": 1e-3}


#: exercise id -> the answer above.
ANSWERS = {
    "regularization.l2_gradient": (l2_penalty, l2_penalty_grad),
    "regularization.dropout": (dropout_forward, dropout_backward),
    "regularization.early_stopping": EarlyStopping,
    "regularization.capacity_choice": CAPACITY_CHOICE,
}
