"""Training curves: a static figure from a History, and live curves in one display handle.

Example:
    >>> history = fit(model, loss_fn, optimizer, x, y, epochs=10, validation_data=(xv, yv))
    >>> fig = plot_history(history)            # static, for the book
    >>> live = LiveCurves(); live.update(loss=0.5, val_loss=0.6)   # in a notebook
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE, new_figure, styled

__all__ = ["plot_history", "LiveCurves"]


def _pretty(quantity: str) -> str:
    """An axis label for a history key, in the current language (the key if unknown)."""
    names = {"loss": _("loss"), "accuracy": _("accuracy"), "lr": _("learning rate")}
    return names.get(quantity, quantity)


def _as_dict(history: Any) -> dict[str, list[float]]:
    """Accept a History (``.history``), a dict of lists, or a Keras-like object."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(
            f"history must be a History or a dict of lists; got {type(history).__name__}. "
            "Pass the object fit() returned, or {'loss': [...], 'val_loss': [...]}."
        )
    return {str(k): list(map(float, v)) for k, v in data.items()
            if isinstance(v, Sequence | np.ndarray) and len(v) > 0}


def _bases(keys: Sequence[str]) -> list[str]:
    """Quantities to draw, one panel each: 'loss' first, then metrics (train/val share a panel)."""
    found = []
    for key in keys:
        base = key.removeprefix("val_")
        if base not in found and base not in ("epoch", "lr"):
            found.append(base)
    return sorted(found, key=lambda b: (b != "loss", b))


@styled
def plot_history(history: Any, keys: Sequence[str] | None = None, log_loss: bool = False,
                 title: str | None = None) -> Figure:
    """Loss and metric curves per epoch, train solid and validation dashed, one panel per quantity.

    Args:
        history: a History from ``fit`` or a dict ``{"loss": [...], "val_loss": [...], ...}``.
        keys: quantities to draw (e.g. ``("loss",)``); default: all except "lr".
        log_loss: log scale on the loss panel.
        title: figure title.

    Returns:
        Figure with one Axes per quantity; lines are labelled "train" / "validation".

    Example:
        >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    """
    data = _as_dict(history)
    bases = _bases(list(data)) if keys is None else list(keys)
    if not bases:
        raise ValueError(f"Nothing to plot: history has keys {sorted(data)}. "
                         "Expected at least one list such as 'loss'.")
    fig, axes = new_figure(ncols=len(bases), width=4.2, height=3.2)
    axes = np.atleast_1d(axes)
    for ax, base in zip(axes, bases, strict=True):
        for key, label, style, color in ((base, _("train"), "-", PALETTE["blue"]),
                                         ("val_" + base, _("validation"), "--",
                                          PALETTE["orange"])):
            if key in data:
                values = data[key]
                ax.plot(np.arange(1, len(values) + 1), values, style, color=color, label=label)
        ax.set_xlabel(_("epoch"))
        ax.set_ylabel(_pretty(base))
        if base == "loss" and log_loss:
            ax.set_yscale("log")
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


class LiveCurves:
    """Loss/metric curves that redraw in place in a notebook, through one display handle.

    Outside a notebook (or in the book) call :meth:`figure` for a static picture.

    Args:
        keys: quantities to draw (train and ``val_`` share a panel); default: learn them from
            the first update.
        every: redraw every ``every`` updates (drawing costs more than a small epoch).
        display: show in the notebook (False for headless use and tests).

    Example:
        >>> live = LiveCurves()
        >>> for epoch in range(10):
        ...     live.update(loss=1 / (epoch + 1), val_loss=1.2 / (epoch + 1))
        >>> live.figure()  # the final static figure
    """

    def __init__(self, keys: Sequence[str] | None = None, every: int = 1,
                 display: bool = True) -> None:
        self.keys = list(keys) if keys is not None else None
        self.every = max(1, int(every))
        self.display = display
        self.values: dict[str, list[float]] = {}
        self._handle: Any = None
        self._count = 0

    def update(self, logs: Mapping[str, float] | None = None, **values: float) -> None:
        """Append one epoch's numbers (a logs dict and/or keyword values) and maybe redraw."""
        merged = dict(logs or {})
        merged.update(values)
        for key, value in merged.items():
            if self.keys is not None and key.removeprefix("val_") not in self.keys:
                continue
            if isinstance(value, int | float | np.floating) and key not in ("epoch", "lr"):
                self.values.setdefault(key, []).append(float(value))
        self._count += 1
        if self.display and self._count % self.every == 0:
            self.show()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        """Callback hook, so ``fit(..., callbacks=[...])`` can drive it via a thin adapter."""
        self.update(logs)

    def figure(self) -> Figure:
        """The current curves as a static Figure."""
        return plot_history(self.values, keys=self.keys)

    def show(self) -> None:
        """Draw the current curves in the notebook, replacing the previous drawing."""
        from IPython.display import display  # imported here: only a notebook needs IPython

        fig = self.figure()
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
