"""Callbacks for :func:`nncourse.numpy.training.fit`: objects with hooks called during training.

Order of calls in ``fit``::

    on_train_begin(logs)
    for each epoch:  on_epoch_begin(epoch, logs)
                     for each batch: on_batch_end(batch, logs)    # logs["loss"] = batch loss
                     on_epoch_end(epoch, logs)                    # True (or stop_training) stops
    on_train_end(logs)

``fit`` sets ``callback.model`` and ``callback.optimizer`` before ``on_train_begin``.
Plotting and progress bars import their libraries only when used, so importing
this module needs NumPy alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_positive

__all__ = ["Callback", "EarlyStopping", "ProgressBar", "LivePlot"]


class Callback:
    """Base class: every hook does nothing. Override the ones you need.

    Set ``self.stop_training = True`` (or return True from ``on_epoch_end``) to stop
    after the current epoch; ``self.stop_reason`` (a sentence) ends up in
    ``History.stopped_reason``.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs):
        ...         print(epoch, logs["loss"])
    """

    model: Any = None
    optimizer: Any = None
    stop_training: bool = False
    stop_reason: str | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of each epoch (0-based)."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each optimizer step; ``logs`` has the batch ``loss`` and ``size``."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> bool | None:
        """Called with the epoch's averaged metrics; return True to stop training."""
        return None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once after the last epoch (also after an early stop)."""


class EarlyStopping(Callback):
    """Stop when a monitored quantity has stopped improving; keep the best weights.

    After each epoch the value ``logs[monitor]`` counts as an improvement if it beats
    the best so far by more than ``min_delta``. After ``patience`` epochs without
    improvement, training stops. With ``restore_best_weights`` the model's
    ``state_dict`` from the best epoch is loaded back at the end of training.

    Args:
        monitor: a history key, e.g. "val_loss" or "val_accuracy".
        patience: epochs without improvement to tolerate (>= 0).
        min_delta: the smallest change that counts as an improvement (>= 0).
        mode: "min", "max" or "auto" ("max" for accuracy/precision/recall/f1, else "min").
        restore_best_weights: load the best epoch's weights when training ends.

    Attributes:
        best, best_epoch, stopped_epoch (None if training ran to the end).

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=3)
        >>> history = fit(..., validation_data=(x_val, y_val), callbacks=[stop])
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) \
                or patience < 0:
            raise ValueError(f"patience must be an integer >= 0; got {patience!r}.")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = check_positive(min_delta, "min_delta", allow_zero=True)
        check_choice(mode, "mode", ("auto", "min", "max"))
        if mode == "auto":
            higher_is_better = ("acc", "precision", "recall", "f1")
            mode = "max" if any(word in monitor for word in higher_is_better) else "min"
        self.mode = mode
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self.stop_training = False
        self.stop_reason = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> bool | None:
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors '{self.monitor}', which is not in the logs "
                f"(available: {sorted(logs)}). Pass validation_data to fit for 'val_' keys, "
                "or change monitor."
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and self.model is not None:
                self.best_state = self.model.state_dict()  # copies
            return None
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stop_training = True
            self.stop_reason = (
                f"early stopping: {self.monitor} did not improve for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch})"
            )
            return True
        return None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)


class ProgressBar(Callback):
    """A tqdm progress bar over epochs showing the latest metrics (Jupyter-aware).

    Args:
        leave: keep the bar on screen when training ends.

    Example:
        >>> fit(..., callbacks=[ProgressBar()])
    """

    def __init__(self, leave: bool = True) -> None:
        self.leave = leave
        self.bar: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        from tqdm.auto import tqdm  # imported here: nncourse.numpy must not need it

        self.bar = tqdm(total=(logs or {}).get("epochs"), unit="epoch", leave=self.leave)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> bool | None:
        shown = {k: f"{v:.4g}" for k, v in (logs or {}).items()
                 if isinstance(v, float) and k != "lr"}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)
        return None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.bar is not None:
            self.bar.close()


class LivePlot(Callback):
    """Redraw the loss (and metric) curves after every epoch in a notebook.

    A thin callback around :class:`nncourse.plots.curves.LiveCurves`, which does the
    drawing; matplotlib and IPython are imported when training begins, never at import time.

    Args:
        keys: quantities to draw (train and ``val_`` share a panel); default every number
            in the logs except "lr".
        every: redraw every ``every`` epochs.

    Example:
        >>> fit(..., validation_data=(x_val, y_val), callbacks=[LivePlot()])
    """

    def __init__(self, keys: tuple[str, ...] | None = None, every: int = 1) -> None:
        self.keys = keys
        self.every = max(1, int(every))
        self.curves: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Imported here: plotting needs matplotlib, and nncourse.numpy must need NumPy alone.
        from nncourse.plots.curves import LiveCurves

        self.curves = LiveCurves(keys=self.keys, every=self.every)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> bool | None:
        self.curves.update(logs)
        return None

    @property
    def values(self) -> dict[str, list[float]]:
        """The numbers drawn so far, one list per key."""
        return self.curves.values if self.curves is not None else {}
