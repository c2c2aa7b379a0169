"""Chapter 7 exercise: an early-stopping callback, judged against the library's EarlyStopping.

The learner's class is driven through a fixed sequence of validation losses with a stand-in model
whose weights record the epoch that produced them, so stopping too late or too early, ties and
the restored weights all show.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.numpy.callbacks import EarlyStopping
    >>> check("regularization.early_stopping", EarlyStopping).passed
    True
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.callbacks import Callback, EarlyStopping

from .registry import Case, Exercise, Mistake, register


# ----------------------------------------------------------------------------- early stopping
class _Recorder:
    """A stand-in model whose weights are the number of the epoch that produced them."""

    def __init__(self) -> None:
        self.weight = np.zeros(1)

    def state_dict(self) -> dict:
        return {"weight": self.weight.copy()}

    def load_state_dict(self, state: dict) -> None:
        self.weight = np.array(state["weight"], dtype=float)


def _stopping_run(cls, inputs):
    callback = cls(monitor="val_loss", patience=inputs["patience"])
    callback.model = _Recorder()
    callback.on_train_begin({})
    last = len(inputs["losses"]) - 1
    for epoch, value in enumerate(inputs["losses"]):
        callback.model.weight = np.array([float(epoch)])   # "training" this epoch
        stop = callback.on_epoch_end(epoch, {"val_loss": float(value), "loss": 0.0})
        if stop or getattr(callback, "stop_training", False):
            last = epoch
            break
    callback.on_train_end({})
    return {"stopped_at": last, "weights_from_epoch": float(callback.model.weight[0])}


def _losses_case(sequence, patience):
    return lambda rng: {"losses": list(sequence), "patience": patience}


def _stopping_judge(inputs, outputs):
    expected = _stopping_run(EarlyStopping, inputs)
    values, patience = inputs["losses"], inputs["patience"]
    got_stop, want_stop = outputs["stopped_at"], expected["stopped_at"]
    best = int(np.argmin(values))
    if got_stop != want_stop:
        if got_stop == want_stop + 1:
            return (f"training stopped at epoch {got_stop}, one epoch late: stop as soon as "
                    f"{patience} epochs in a row brought no improvement (wait >= patience)")
        if got_stop < want_stop and len(set(values)) < len(values):
            return (f"training stopped at epoch {got_stop}, expected {want_stop}: an equal "
                    f"value is not an improvement, and a strictly lower one must reset the "
                    f"count of epochs without improvement")
        if got_stop < want_stop:
            return (f"training stopped at epoch {got_stop}, expected {want_stop}: reset the "
                    f"count of epochs without improvement whenever the loss improves")
        return (f"training stopped at epoch {got_stop}, expected {want_stop}: an equal value "
                f"is not an improvement (use <, not <=)")
    if outputs["weights_from_epoch"] != expected["weights_from_epoch"]:
        return (f"after training the model holds the weights of epoch "
                f"{outputs['weights_from_epoch']:g}, but the best validation loss was at epoch "
                f"{best}: keep a copy of model.state_dict() at each improvement and restore it "
                f"in on_train_end")
    return None


class _StopsLate(Callback):
    def __init__(self, monitor="val_loss", patience=3):
        self.monitor, self.patience = monitor, patience

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.state = np.inf, 0, None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if self._better(value):
            self.best, self.wait, self.state = value, 0, self.model.state_dict()
            return None
        self.wait += self._step()
        return self.wait > self.patience

    def _better(self, value):
        return value < self.best

    def _step(self):
        return 1

    def on_train_end(self, logs=None):
        if self.state is not None:
            self.model.load_state_dict(self.state)


class _TiesImprove(_StopsLate):
    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value <= self.best:
            self.best, self.wait, self.state = value, 0, self.model.state_dict()
            return None
        self.wait += 1
        return self.wait >= self.patience


class _NoReset(_StopsLate):
    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.monitor]
        if value < self.best:
            self.best, self.state = value, self.model.state_dict()
            return None
        self.wait += 1
        return self.wait >= self.patience


class _NoRestore(_StopsLate):
    def on_epoch_end(self, epoch, logs=None):
        stop = super().on_epoch_end(epoch, logs)
        return stop or self.wait >= self.patience

    def on_train_end(self, logs=None):
        pass


register(Exercise(
    id="regularization.early_stopping", title="An early-stopping callback", chapter="ch07",
    run=_stopping_run, kind="function",
    prompt="Write a class `EarlyStopping(Callback)` with `__init__(self, monitor='val_loss', "
           "patience=3)`, `on_train_begin`, `on_epoch_end(epoch, logs)` returning True to stop "
           "after `patience` epochs in a row without a strictly lower `logs[monitor]`, and "
           "`on_train_end` restoring the best epoch's `self.model.state_dict()`; check the class: "
           "check('regularization.early_stopping', EarlyStopping).",
    hints=["Keep best, the epochs waited, and a copy of the best state; reset wait on improvement.",
           "Stop when wait >= patience; load the best state in on_train_end."],
    cases=[Case("stops after patience", 1, _losses_case([5, 4, 3, 3.5, 3.6, 3.7, 3.8, 2], 3),
                _stopping_judge),
           Case("a plateau is no improvement", 1,
                _losses_case([5, 4, 4, 4, 4, 3, 2, 1], 3), _stopping_judge),
           Case("improvement resets the count", 1,
                _losses_case([5, 6, 7, 4.5, 6, 7, 4, 5, 6, 7, 8], 3), _stopping_judge),
           Case("restores the best weights", 1, _losses_case([3, 2, 1, 1.5, 2, 3, 4, 0.5], 2),
                _stopping_judge),
           Case("patience 0", 1, _losses_case([3, 2, 2.5, 1], 0), _stopping_judge)],
    mistakes=[Mistake("stops one epoch late", _StopsLate, "one epoch late"),
              Mistake("a tie counts as an improvement", _TiesImprove, "not an improvement"),
              Mistake("count never reset", _NoReset, "reset"),
              Mistake("best weights not restored", _NoRestore, "restore it")],
))
