"""The training loop: mini-batches, ``fit``, ``evaluate`` and ``predict``.

The model, the data and the loop are separate: a model is a :class:`Module`, the
data are arrays, and :func:`fit` runs the loop that every chapter shows::

    for each epoch:
        for each mini-batch (x_b, y_b):
            prediction = model(x_b)                    # forward
            loss = loss_fn.forward(prediction, y_b)
            model.backward(loss_fn.backward())         # fills param.grad
            optimizer.step()                           # updates the weights

Example:
    >>> history = fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y,
    ...               epochs=5, batch_size=32, validation_data=(x_val, y_val))
    >>> history.history["val_accuracy"][-1]
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nncourse._checks import (
    as_float_array,
    check_batch,
    check_batchnorm_batches,
    check_bool,
    check_int,
    check_number,
    check_optimizer_owns,
    check_seed,
)
from nncourse.numpy import metrics as _metrics
from nncourse.numpy.callbacks import Callback, EarlyStopping, LivePlot, ProgressBar
from nncourse.numpy.losses import add_l2_penalty_grad, l2_penalty
from nncourse.numpy.module import Module

__all__ = ["History", "iterate_minibatches", "train_step", "fit", "evaluate", "predict",
           "Callback", "EarlyStopping", "ProgressBar", "LivePlot"]



#: Leaves NumPy's floating-point error handling as it is.
_NO_CHANGE = contextlib.nullcontext()

#: A metric: ``f(y_true, y_pred) -> float``.
Metric = Callable[..., float]


def _auto_average(metric: Callable[..., float]) -> Callable[[np.ndarray, np.ndarray], float]:
    """Binary average for labels in {0, 1}, macro average for more classes."""

    def score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        labels = np.union1d(_metrics.to_labels(y_true), _metrics.to_labels(y_pred))
        binary = np.all(np.isin(labels, (0, 1)))
        return metric(y_true, y_pred, average="binary" if binary else "macro")

    score.__name__ = metric.__name__
    return score


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": _metrics.accuracy,
    "precision": _auto_average(_metrics.precision),
    "recall": _auto_average(_metrics.recall),
    "f1": _auto_average(_metrics.f1_score),
}


class History:
    """What :func:`fit` returns: per-epoch values and why training stopped.

    Attributes:
        history: dict of lists, one value per epoch: "loss", the metrics (e.g.
            "accuracy"), "val_loss" / "val_<metric>" with validation data, and "lr".
        epoch: the epoch numbers (0-based) that ran.
        stopped_reason: None if all epochs ran, else a sentence (early stopping, NaN loss).
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stopped_reason: str | None = None

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _check_data(x: Any, y: Any, name: str = "x_train",
                target: str = "y_train") -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, name)
    y_arr = np.asarray(y)
    if np.issubdtype(y_arr.dtype, np.floating) and not np.all(np.isfinite(y_arr)):
        raise ValueError(f"{target} contains NaN or infinite values; clean the targets first.")
    if x.ndim == 0 or y_arr.ndim == 0:
        raise ValueError(f"{name} and {target} must be arrays with one row per sample.")
    if x.shape[0] != y_arr.shape[0]:
        raise ValueError(
            f"{name} and {target} must have the same number of samples (first dimension); "
            f"got {x.shape[0]} and {y_arr.shape[0]}. Check that inputs and labels line up."
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); pass at least one sample.")
    return x, y_arr


def iterate_minibatches(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
                        rng: np.random.Generator | int | None = None
                        ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(x_batch, y_batch)`` covering every sample exactly once.

    ``batch_size=1`` gives plain stochastic gradient descent, ``batch_size >= N``
    full-batch gradient descent; the last, smaller batch is kept, so there are
    ``ceil(N / batch_size)`` batches.

    Args:
        x: inputs, shape (N, ...) (an array, or a list that NumPy can stack).
        y: targets, shape (N, ...).
        batch_size: samples per batch (>= 1).
        shuffle: visit the samples in a new random order (drawn from ``rng``).
        rng: a NumPy Generator, or a seed for one.

    Example:
        >>> [len(xb) for xb, _ in iterate_minibatches(np.zeros((5, 2)), np.zeros(5), 2)]
        [2, 2, 1]
    """
    batch_size = check_int(batch_size, "batch_size")
    check_bool(shuffle, "shuffle")
    if isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator)):
        rng = np.random.default_rng(rng)
    elif not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(check_seed(
            rng, "rng", hint="Pass a seed such as 0, None, or np.random.default_rng(seed)."))
    # Lists are fine (as torch's DataLoader): fancy indexing needs arrays.
    x = x if isinstance(x, np.ndarray) else np.asarray(x)
    y = y if isinstance(y, np.ndarray) else np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"x and y must have one row per sample; got shapes {x.shape} and "
                         f"{y.shape}. Wrap a single sample as x[None].")
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x and y must have the same length; got {n} and {len(y)}. Check that "
                         f"inputs and targets line up.")
    if shuffle:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            yield x[index], y[index]
    else:
        for start in range(0, n, batch_size):  # slices are views: no copy
            yield x[start:start + batch_size], y[start:start + batch_size]


def _l2_term(model: Module, strength: float) -> float:
    """Add the gradient of (strength / 2) * sum ||W||^2 over weight matrices; return the value."""
    # Only weight matrices (2-D or more) are decayed, as in the twin: biases and batch norm's
    # gamma/beta (1-D) are not, as is usual for L2 regularisation.
    weights = [p for p in model.parameters() if p.data.ndim >= 2]
    add_l2_penalty_grad(weights, strength)
    return l2_penalty(weights, strength)


def _modules(model: Module) -> list[Module]:
    """``model`` and every module inside it, depth first."""
    found = [model]
    for _, child in model.children():
        found += _modules(child)
    return found


def train_step(model: Module, loss_fn: Any, optimizer: Any, x_batch: np.ndarray,
               y_batch: np.ndarray, l2: float = 0.0) -> tuple[float, np.ndarray]:
    """One forward, backward and optimizer step on a batch.

    Returns:
        (batch loss, model output of shape (B, ...)) -- the output is from before the update.
    """
    output = model(x_batch)
    loss = loss_fn.forward(output, y_batch)
    model.backward(loss_fn.backward())  # overwrites every param.grad: no zero_grad() needed
    if l2:
        loss += _l2_term(model, l2)  # weight decay: adds its gradient to each weight's .grad
    optimizer.step()
    return float(loss), output


def metric_functions(metrics: Sequence[str | Metric] | str) -> dict[str, Metric]:
    """Name -> ``f(y_true, y_pred)`` for metric names (see ``METRICS``) or functions."""
    if isinstance(metrics, str):
        metrics = (metrics,)
    out: dict[str, Metric] = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"Unknown metric {m!r}. Expected one of {sorted(METRICS)} "
                                 "or a function metric(y_true, y_pred) -> float.")
            out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", "metric")] = m
        else:
            raise TypeError(f"A metric must be a name or a function; got {type(m).__name__}.")
    return out


def is_loss(loss_fn: Any, name: str) -> bool:
    """True if ``loss_fn`` is (a subclass of) a loss class called ``name`` in either backend."""
    return any(cls.__name__ == name for cls in type(loss_fn).__mro__)


# --- epoch bookkeeping: one definition that both fits (NumPy and torch) call -----------------
#: Losses whose targets are values, not classes: the default "accuracy" means nothing there.
REGRESSION_LOSSES = ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss")


def choose_metrics(loss_fn: Any, metrics: Sequence[str | Metric] | str) -> dict[str, Metric]:
    """The metric functions a fit or evaluate computes for ``loss_fn``.

    The default ``("accuracy",)`` is dropped for a regression loss (:data:`REGRESSION_LOSSES`),
    since it would threshold real-valued targets; any other request is kept as asked.

    Example:
        >>> from nncourse.numpy.losses import MSELoss
        >>> choose_metrics(MSELoss(), ("accuracy",))
        {}
    """
    regression = any(is_loss(loss_fn, name) for name in REGRESSION_LOSSES)
    if regression and (metrics == "accuracy" or tuple(metrics) == ("accuracy",)):
        return {}
    return metric_functions(metrics)


def predictions_for_metrics(loss_fn: Any, output: np.ndarray) -> np.ndarray:
    """What the metrics compare with the targets: the one prediction rule of both backends.

    BCEWithLogits: ``output`` holds logits, (B,) or (B, 1): class 1 where ``logit > 0``
    (p > 0.5), so a logit of exactly 0 is class 0. Any other loss: ``output`` unchanged; the
    named metrics take the arg-max of (B, k) scores (the first of tied maxima, see
    :func:`nncourse.numpy.metrics.to_labels`), and a metric function gets the scores.

    Example:
        >>> from nncourse.numpy.losses import BCEWithLogitsLoss
        >>> predictions_for_metrics(BCEWithLogitsLoss(), np.array([[-0.1], [0.0], [2.0]]))
        array([0, 0, 1])
    """
    output = np.asarray(output)
    if is_loss(loss_fn, "BCEWithLogitsLoss"):
        return (output.reshape(len(output), -1)[:, 0] > 0).astype(np.int64)  # (B, 1) -> (B,)
    return output


def metric_values(loss_fn: Any, functions: dict[str, Metric], outputs: np.ndarray,
                  targets: np.ndarray) -> dict[str, float]:
    """Every metric on a whole epoch's (or data set's) outputs and targets, as floats."""
    if not functions:
        return {}
    prediction = predictions_for_metrics(loss_fn, outputs)
    return {name: float(f(targets, prediction)) for name, f in functions.items()}


def divergence_reason(epoch: int, batch: int | None, loss: float) -> str:
    """The one sentence both fits give when the loss stops being a finite number."""
    where = f"epoch {epoch}, batch {batch}" if batch is not None else f"epoch {epoch}"
    return (f"loss became {loss} at {where}: training diverged. Lower the learning rate, check "
            "the inputs are scaled, or clip the gradients.")


def diverged_logs(logs: dict[str, float], metric_names: Sequence[str],
                  validation: bool) -> dict[str, float]:
    """The diverged epoch's row: NaN in every column, so all history lists keep one length."""
    names = ["loss", *metric_names]
    names += ["val_" + k for k in names] if validation else []
    return {**logs, **dict.fromkeys(names, math.nan)}


def step_scheduler(scheduler: Any, logs: dict[str, float]) -> None:
    """One epoch's schedule step in both fits.

    A plateau schedule (ours or ``torch.optim.lr_scheduler.ReduceLROnPlateau``, hence the
    name test) watches ``val_loss``, or ``loss`` without validation data; the others count
    epochs.
    """
    if scheduler is None:
        return
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def predict(model: Module, x: np.ndarray, batch_size: int | None = 1024) -> np.ndarray:
    """Model outputs in evaluation mode (dropout off), computed in batches.

    Returns:
        the stacked outputs, shape (N, ...). The model's previous mode is restored.
    """
    x = as_float_array(x, "x")
    check_batch(x, "x")
    size = _eval_batch_size(batch_size, len(x))
    was_training = model.training
    model.eval()
    try:
        outputs = [model(x[i:i + size]) for i in range(0, len(x), size)]
    finally:
        model.train(was_training)
    return np.concatenate(outputs, axis=0)


def evaluate(model: Module, loss_fn: Any, x: np.ndarray, y: np.ndarray,
             metrics: Sequence[str | Metric] = ("accuracy",),
             batch_size: int | None = 1024) -> dict[str, float]:
    """Mean loss and metrics over a data set, in evaluation mode (dropout off).

    Args:
        model: as :func:`fit`.
        loss_fn: as :func:`fit`.
        x: inputs (N, ...).
        y: targets (N, ...).
        metrics: metric names or functions, as :func:`fit`.
        batch_size: forward this many samples at a time (None: all at once).

    Returns:
        ``{"loss": ..., "<metric>": ...}``; the model's previous mode is restored.

    Example:
        >>> evaluate(model, CrossEntropyLoss(), x_test, y_test)["accuracy"]
    """
    x, y = _check_data(x, y, "x", "y")
    _eval_batch_size(batch_size, len(x))
    return _evaluate(model, loss_fn, x, y, choose_metrics(loss_fn, metrics), batch_size)


def _eval_batch_size(batch_size: int | None, n: int) -> int:
    """``batch_size`` (None: all ``n`` at once), checked: 0 would silently mean "all"."""
    if batch_size is None:
        return max(n, 1)
    return check_int(batch_size, "batch_size", hint="Use None to forward all samples at once.")


def _evaluate(model: Module, loss_fn: Any, x: np.ndarray, y: np.ndarray,
              functions: dict[str, Metric], batch_size: int | None) -> dict[str, float]:
    was_training = model.training
    model.eval()
    size = batch_size or len(x)
    total, outputs = 0.0, []
    try:
        for i in range(0, len(x), size):
            xb, yb = x[i:i + size], y[i:i + size]
            out = model(xb)
            total += float(loss_fn.forward(out, yb)) * len(xb)  # mean loss -> sum
            outputs.append(out)
    finally:
        model.train(was_training)
    logs = {"loss": total / len(x)}
    logs.update(metric_values(loss_fn, functions, np.concatenate(outputs, axis=0), y))
    return logs


def fit(model: Module, loss_fn: Any, optimizer: Any, x_train: np.ndarray, y_train: np.ndarray,
        epochs: int, batch_size: int = 32, validation_data: tuple[Any, Any] | None = None,
        metrics: Sequence[str | Metric] = ("accuracy",), callbacks: Sequence[Callback] = (),
        shuffle: bool = True, seed: int | None = 0, verbose: bool = False, *,
        scheduler: Any = None, l2: float = 0.0) -> History:
    """Train ``model`` with mini-batch gradient descent and record a :class:`History`.

    Args:
        model: a Module (forward/backward).
        loss_fn: a loss object with ``forward(prediction, target)`` and ``backward()``.
        optimizer: built on ``model.parameters()``.
        x_train: inputs (N, ...).
        y_train: targets (N, ...) (labels or values).
        epochs: passes over the data (>= 1).
        batch_size: samples per step; 1 = SGD, >= N = full batch (see iterate_minibatches).
        validation_data: optional ``(x_val, y_val)`` evaluated after each epoch.
        metrics: names ("accuracy", "precision", "recall", "f1"; the last three are
            binary for labels {0, 1}, macro-averaged otherwise) or functions
            ``f(y_true, y_pred)``. With an MSELoss the default accuracy is dropped.
        callbacks: Callback objects (EarlyStopping, ProgressBar, LivePlot, ...).
        shuffle: reshuffle every epoch.
        seed: fixes the order (same seed, same run).
        verbose: show a ProgressBar.
        scheduler: optional learning-rate schedule, stepped after each epoch (a
            :class:`ReduceLROnPlateau` with ``val_loss``, or ``loss``).
        l2: L2 strength lambda; adds lambda/2 * sum ||W||^2 over weight matrices to the loss.

    Returns:
        History. If the loss becomes NaN/inf, training stops and ``stopped_reason`` says so.

    Example:
        >>> model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 2, seed=1))
        >>> history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), X, y,
        ...               epochs=20, batch_size=32, validation_data=(X_val, y_val))
        >>> history.history["val_accuracy"][-1]
    """
    x_train, y_train = _check_data(x_train, y_train)
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    l2 = check_number(l2, "l2", 0, hint="Use 0 for no penalty, e.g. 1e-4.")
    if hasattr(optimizer, "params"):  # an optimizer on another model would train nothing
        check_optimizer_owns(optimizer.params, model.parameters(), "fit")
    check_batchnorm_batches(len(x_train), batch_size, _modules(model), "fit")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val).")
        x_val, y_val = _check_data(*validation_data, "x_val", "y_val")
    functions = choose_metrics(loss_fn, metrics)   # no accuracy for a regression loss
    callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback objects; got {type(cb).__name__}.")
        cb.model, cb.optimizer = model, optimizer
        cb.stop_training, cb.stop_reason = False, None  # a flag left from an earlier fit

    rng = np.random.default_rng(seed)
    history = History()
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    for cb in callbacks:
        cb.on_train_begin({"epochs": epochs, "steps_per_epoch": steps_per_epoch})
    for epoch in range(epochs):
        model.train()
        for cb in callbacks:
            cb.on_epoch_begin(epoch, {})
        logs: dict[str, float] = {"lr": float(optimizer.lr)}
        total, outputs, targets = 0.0, [], []
        first_bad: tuple[int, float] | None = None   # (batch, loss) where it stopped being finite
        for batch, (xb, yb) in enumerate(iterate_minibatches(x_train, y_train, batch_size,
                                                             shuffle, rng)):
            # The epoch runs to its end even after a diverged batch, as in the torch fit (which
            # reads the loss once per epoch): both stop at the same point. The warnings of
            # the steps after it (overflow in NaN weights) add nothing to the reason.
            with np.errstate(all="ignore") if first_bad else _NO_CHANGE:
                loss, output = train_step(model, loss_fn, optimizer, xb, yb, l2)
            if first_bad is None and not math.isfinite(loss):
                first_bad = (batch, loss)
            total += loss * len(xb)           # mean batch loss * batch size: the short last
            if functions:                     # batch weighs what it holds
                outputs.append(output)
                targets.append(yb)
            for cb in callbacks:
                cb.on_batch_end(batch, {"loss": loss, "size": len(xb)})
        logs["loss"] = total / len(x_train)
        if not math.isfinite(logs["loss"]):
            batch_index, bad_loss = first_bad if first_bad else (None, logs["loss"])
            history.stopped_reason = divergence_reason(epoch, batch_index, bad_loss)
            history.append(epoch, diverged_logs(logs, list(functions),
                                                validation_data is not None))
            break
        if functions:
            logs.update(metric_values(loss_fn, functions, np.concatenate(outputs, axis=0),
                                      np.concatenate(targets, axis=0)))
        if validation_data is not None:
            val = _evaluate(model, loss_fn, x_val, y_val, functions, batch_size=1024)
            logs.update({"val_" + k: v for k, v in val.items()})
        history.append(epoch, logs)
        stop = False
        for cb in callbacks:
            stop = bool(cb.on_epoch_end(epoch, dict(logs))) or cb.stop_training or stop
        step_scheduler(scheduler, logs)
        if stop:
            reasons = [cb.stop_reason for cb in callbacks if cb.stop_reason]
            history.stopped_reason = "; ".join(reasons) or f"a callback stopped at epoch {epoch}"
            break
    for cb in callbacks:
        cb.on_train_end({"history": history})
    return history
