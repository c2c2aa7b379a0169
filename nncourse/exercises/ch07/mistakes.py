"""Chapter 7 mistake models: plausible wrong answers, each with the message it earns.

Every model is a runnable wrong answer, written as a learner would write it, with a docstring
that says the slip. The judge runs it on the same inputs as the learner's answer; when the two
agree, the learner reads its message.

Example:
    >>> from nncourse.exercises import check
    >>> check("regularization.early_stopping", StopsLate).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy import losses, normalization
from nncourse.numpy.callbacks import Callback

from ..registry import Mistake


# ----------------------------------------------------------------------------- dropout
def dropout_unscaled(x, p, rng):
    """The kept units are not scaled by 1/(1 - p)."""
    keep = (rng.random(x.shape) >= p).astype(float)
    return x * keep, keep


def dropout_times_keep(x, p, rng):
    """The kept units are multiplied by 1 - p instead of divided by it."""
    keep = rng.random(x.shape) >= p
    return x * keep * (1 - p), keep * (1 - p)


def dropout_keeps_with_p(x, p, rng):
    """A unit is kept with probability p (rng.random < p) instead of 1 - p."""
    keep = rng.random(x.shape) < p
    scale = keep / (1 - p) if p < 1 else keep * 0.0
    return x * scale, scale


def dropout_backward_ignores_mask(grad_out, scale):
    """The backward pass passes grad_out through unchanged."""
    return grad_out


def dropout_global_rng(x, p, rng):
    """The mask comes from np.random, not from the rng argument."""
    keep = np.random.random(x.shape) >= p
    scale = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    return x * scale, scale


def dropout_in_place(x, p, rng):
    """x *= scale: the input array itself is scaled."""
    keep = rng.random(x.shape) >= p
    scale = keep / (1 - p) if p < 1 else np.zeros(x.shape)
    x *= scale
    return x, scale


def dropout_divides_by_zero(x, p, rng):
    """keep / (1 - p) even for p = 1: 0/0 gives NaN."""
    keep = rng.random(x.shape) >= p
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = keep / (1.0 - p)
    return x * scale, scale


DROPOUT = [
    Mistake("kept units not scaled", (dropout_unscaled, normalization.dropout_backward),
            "The kept units are not scaled: inverted dropout multiplies them by 1/(1 - p) so "
            "that the expected output equals the input."),
    Mistake("multiplied by 1 - p", (dropout_times_keep, normalization.dropout_backward),
            "The kept units are multiplied by 1 - p; inverted dropout divides by it (scale "
            "1/(1 - p))."),
    Mistake("keeps with probability p", (dropout_keeps_with_p, normalization.dropout_backward),
            "p is the probability of dropping a unit: keep a unit with probability 1 - p "
            "(keep = rng.random(x.shape) >= p)."),
    Mistake("backward ignores the mask",
            (normalization.dropout_forward, dropout_backward_ignores_mask),
            "grad_x equals grad_out: the backward pass must apply the same mask and scale as "
            "the forward pass (dropped units get no gradient)."),
    Mistake("mask not drawn from rng", (dropout_global_rng, normalization.dropout_backward),
            "The mask must come from the rng argument (rng.random(x.shape) >= p), not from "
            "np.random."),
    Mistake("scaled in place", (dropout_in_place, normalization.dropout_backward),
            "Your forward pass scaled x in place (x *= scale): build a new array, "
            "out = x * scale.", feedback=("in place",)),
    Mistake("divides by zero at p = 1", (dropout_divides_by_zero, normalization.dropout_backward),
            "With p = 1 every unit is dropped and 1 - p = 0: return zeros (scale all 0) "
            "instead of dividing by 0, which gives NaN."),
]


# ----------------------------------------------------------------------------- L2 penalty
def l2_no_half(params, strength):
    """strength · Σ w² without the 1/2."""
    return strength * float(sum(np.sum(p.data ** 2) for p in params))


def l2_grad_double(params, strength):
    """2 · strength · w: the 2 of the square kept."""
    return [2 * strength * p.data for p in params]


def l2_grad_sign(params, strength):
    """strength · sign(w): the L1 gradient."""
    return [strength * np.sign(p.data) for p in params]


def l2_grad_constant(params, strength):
    """The constant strength for every weight."""
    return [np.full_like(p.data, strength) for p in params]


def l2_mean(params, strength):
    """strength/2 · the mean of w² instead of the sum."""
    return 0.5 * strength * float(np.mean(np.concatenate([p.data.ravel() ** 2
                                                          for p in params])))


def l2_absolute(params, strength):
    """strength/2 · Σ |w|: the L1 penalty."""
    return 0.5 * strength * float(sum(np.sum(np.abs(p.data)) for p in params))


L2 = [
    Mistake("penalty without the 1/2", (l2_no_half, losses.l2_penalty_grad),
            "The penalty is twice the reference: L2 is strength/2 · Σ w², and the 1/2 makes "
            "its gradient exactly strength · w."),
    Mistake("gradient twice too large", (losses.l2_penalty, l2_grad_double),
            "The gradient is 2 · strength · w, but the penalty strength/2 · Σ w² has gradient "
            "strength · w (the 2 of the square cancels the 1/2)."),
    Mistake("L1 gradient", (losses.l2_penalty, l2_grad_sign),
            "The gradient is strength · sign(w): that is the L1 gradient; L2's is "
            "strength · w, proportional to the weight."),
    Mistake("constant gradient", (losses.l2_penalty, l2_grad_constant),
            "The gradient is the constant strength; the L2 gradient is strength · w, "
            "proportional to each weight."),
    Mistake("mean instead of sum", (l2_mean, losses.l2_penalty_grad),
            "The penalty averages w² over the weights; L2 sums them: strength/2 · Σ w² over "
            "every weight of every parameter."),
    Mistake("absolute values", (l2_absolute, losses.l2_penalty_grad),
            "The penalty sums |w|, which is L1; L2 sums the squares: strength/2 · Σ w²."),
]


# ----------------------------------------------------------------------------- early stopping
class StopsLate(Callback):
    """Stops when the count exceeds patience (>), one epoch late."""

    def __init__(self, monitor="val_loss", patience=3):
        self.monitor, self.patience = monitor, patience

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.state = np.inf, None, 0, None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value < self.best:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.state = self.model.state_dict()
            return False
        self.wait += 1
        return self.stop()

    def stop(self):
        return self.wait > self.patience

    def on_train_end(self, logs=None):
        if self.state is not None:
            self.model.load_state_dict(self.state)


class TiesImprove(StopsLate):
    """<= instead of <: an equal value counts as an improvement."""

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value <= self.best:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.state = self.model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience


class CountNeverReset(StopsLate):
    """The count of epochs without improvement is not reset on an improvement."""

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value < self.best:
            self.best, self.best_epoch = value, epoch
            self.state = self.model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience


class NoRestore(StopsLate):
    """Stops correctly but never loads the best weights back."""

    def stop(self):
        return self.wait >= self.patience

    def on_train_end(self, logs=None):
        pass


class NoResetOnTrainBegin(StopsLate):
    """The state is set in __init__ only: a second training starts from the first one's best."""

    def __init__(self, monitor="val_loss", patience=3):
        super().__init__(monitor, patience)
        super().on_train_begin()

    def on_train_begin(self, logs=None):
        pass

    def stop(self):
        return self.wait >= self.patience


class ComparesWithPrevious(StopsLate):
    """Compares each value with the previous epoch's instead of the best so far."""

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.previous = np.inf

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        improved, self.previous = value < self.previous, value
        if improved:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.state = self.model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience


class OtherNames(StopsLate):
    """Right decisions, but the best value and epoch kept under other names."""

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        del self.best, self.best_epoch
        self.lowest, self.lowest_epoch = np.inf, None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value < self.lowest:
            self.lowest, self.lowest_epoch, self.wait = value, epoch, 0
            self.state = self.model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience


STOPPING = [
    Mistake("stops one epoch late", StopsLate,
            "Training stopped one epoch late: stop as soon as the count of epochs without "
            "improvement reaches patience (count >= patience)."),
    Mistake("a tie counts as an improvement", TiesImprove,
            "An equal value is not an improvement: only a strictly lower value (value < best) "
            "resets the count and saves the weights."),
    Mistake("count never reset", CountNeverReset,
            "Training stopped too early: reset the count of epochs without improvement to 0 "
            "whenever the loss improves."),
    Mistake("best weights not restored", NoRestore,
            "After training the model keeps the last epoch's weights: keep a copy of "
            "self.model.state_dict() at each improvement and restore it in on_train_end."),
    Mistake("state not reset in on_train_begin", NoResetOnTrainBegin,
            "The second training with the same callback went differently from the first: "
            "reset everything in on_train_begin (best = np.inf, best_epoch = None, the count "
            "and the saved state), not only in __init__."),
    Mistake("compares with the previous epoch", ComparesWithPrevious,
            "Compare each value with the best so far (self.best), not with the previous "
            "epoch: a value below the last one but above the best is no improvement."),
    Mistake("best kept under other names", OtherNames,
            "Keep the best value in self.best and its epoch in self.best_epoch: the lab's next "
            "cell reads these two attributes."),
]


# ----------------------------------------------------------------------------- widget
CAPACITY = [
    Mistake("degree 20, no L2", {"capacity": 20, "l2": 0.0},
            "Degree 20 without L2 overfits the 15 points: lower the degree or raise the L2 "
            "strength."),
    Mistake("a straight line", {"capacity": 1, "l2": 0.0},
            "A straight line underfits the sine: raise the degree."),
    Mistake("L2 far too strong", {"capacity": 9, "l2": 1.0},
            "An L2 strength of 1 flattens the fit: the model underfits; lower it."),
    Mistake("judged on more data than shown",
            {"capacity": 12, "l2": 0.0, "n_train": 200, "model": "polynomial"},
            "The choice is judged on 15 training points; your explorer is set to 200, where "
            "a high degree looks fine."),
]
