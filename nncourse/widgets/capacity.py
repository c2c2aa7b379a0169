"""Explorer 6: capacity and regularization on noisy 1-D data.

Fit a polynomial (closed-form ridge regression) or an MLP (nncourse.numpy layers, Adam,
L2 and dropout) to a few noisy samples of a sine; compare training and validation error
as capacity, training-set size, L2 strength, dropout and epochs change.

Example:
    >>> from nncourse.widgets.capacity import CapacityExplorer
    >>> CapacityExplorer()
    >>> fit = compute_capacity("polynomial", capacity=12, n_train=15)
    >>> fit["train_error"] < fit["val_error"]
    True
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE
from nncourse.widgets._base import Explorer, figure_only, slider_style

# The computation lives in capacity_core (no widgets); re-exported here for the explorer's users.
from nncourse.widgets.capacity_core import (
    ERROR_RANGE,
    MAX_DEGREE,
    MODELS,
    X_SCALE,
    compute_capacity,
    fit_polynomial,
    polynomial_features,
    train_mlp,
)

__all__ = ["MODELS", "polynomial_features", "fit_polynomial", "train_mlp", "compute_capacity",
           "CapacityExplorer", "static_figure"]


def describe(result: dict[str, Any]) -> str:
    """One line: training and validation error, the gap, and the MLP's best epoch."""
    gap = result["val_error"] - result["train_error"]
    text = _("train MSE {train:.3g}, validation MSE {validation:.3g} (gap {gap:.3g})").format(
        train=result["train_error"], validation=result["val_error"], gap=gap)
    if result["model"] == "mlp":
        text += _("; best validation at epoch {epoch} (early stopping keeps it)").format(
            epoch=result["best_epoch"])
    return text + "."


class CapacityExplorer(Explorer):
    """Data and fit (left); errors vs degree or vs epoch (right)."""

    figure_size = (2, 1)
    panel_size = (4.0, 3.3)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {"model": "polynomial", "capacity": 9, "n_train": 15, "l2": 0.0, "dropout": 0.0,
             "epochs": 300, **settings}
        style = slider_style()
        labels = {"polynomial": _("polynomial"), "mlp": "MLP"}
        self.controls = {
            "model": widgets.ToggleButtons(options=[(labels.get(m, m), m) for m in MODELS],
                                           value=s["model"], description=_("model"),
                                           style=style["style"]),
            "capacity": widgets.IntSlider(value=s["capacity"], min=1, max=MAX_DEGREE,
                                          description=_("degree / width"), **style),
            "n_train": widgets.IntSlider(value=s["n_train"], min=3, max=200,
                                         description=_("training points"), **style),
            "l2": widgets.FloatLogSlider(value=max(s["l2"], 1e-8), base=10, min=-8, max=0,
                                         step=0.25, description=_("L2 strength"),
                                         readout_format=".1e", **style),
            "dropout": widgets.FloatSlider(value=s["dropout"], min=0.0, max=0.8, step=0.05,
                                           description=_("dropout (MLP)"), **style),
            "epochs": widgets.IntSlider(value=s["epochs"], min=1, max=1000,
                                        description=_("epochs (MLP)"), **style),
        }
        self.controls["model"].observe(self._model_changed, names="value")
        self._model_changed({"new": s["model"]})
        self._built: tuple | None = None
        self._observe_controls()
        self.update()

    def _model_changed(self, change: dict[str, Any]) -> None:
        """Degree slider for polynomials (<= 20), width slider for the MLP."""
        with self.hold():
            self.controls["capacity"].max = MAX_DEGREE if change["new"] == "polynomial" else 64

    def compute(self, **state: Any) -> dict[str, Any]:
        if state["l2"] <= 1e-8:
            state["l2"] = 0.0  # the slider's left end means "off"
        return compute_capacity(**state)

    def _build(self, model: str, epochs: int) -> None:
        left, right = self.axes
        left.clear()
        right.clear()
        left.set_xlim(-X_SCALE, X_SCALE)
        left.set_ylim(-2.0, 2.0)
        left.set_xlabel("$x$")
        left.set_ylabel("$y$")
        left.plot(np.linspace(-X_SCALE, X_SCALE, 100), np.sin(np.linspace(-X_SCALE, X_SCALE, 100)),
                  color="0.6", linestyle=":", label=_("true function"))
        right.set_yscale("log")
        right.set_ylim(*ERROR_RANGE)
        right.set_ylabel(_("mean squared error"))
        if model == "polynomial":
            right.set_xlim(0, MAX_DEGREE)
            right.set_xlabel(_("polynomial degree (capacity)"))
        else:
            right.set_xlim(1, max(2, epochs))
            right.set_xlabel(_("epoch"))
        self._artists = {
            "train_points": left.plot([], [], "o", color=PALETTE["blue"], markersize=4,
                                      label=_("training data"), animated=True)[0],
            "fit": left.plot([], [], color=PALETTE["vermillion"], label=_("fit"),
                             animated=True)[0],
            "train": right.plot([], [], "-", color=PALETTE["blue"], label=_("train"),
                                animated=True)[0],
            "val": right.plot([], [], "--", color=PALETTE["orange"], label=_("validation"),
                              animated=True)[0],
            "marker": right.plot([], [], "o", color=PALETTE["black"], markersize=6,
                                 label=_("chosen"), animated=True)[0],
        }
        left.legend(loc="upper left", fontsize=8)
        right.legend(loc="upper right", fontsize=8)
        self.dynamic = list(self._artists.values())
        self._built = (model, epochs if model == "mlp" else 0)
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        epochs = self.controls["epochs"].value
        key = (result["model"], epochs if result["model"] == "mlp" else 0)
        if self._built != key:
            self._build(result["model"], epochs)
        a = self._artists
        a["train_points"].set_data(result["x_train"], result["y_train"])
        a["fit"].set_data(result["x_plot"], np.clip(result["y_plot"], -10, 10))
        low, high = ERROR_RANGE[0] / 2, ERROR_RANGE[1] * 10
        if result["model"] == "polynomial":
            sweep = result["sweep"]
            a["train"].set_data(sweep["capacity"], np.clip(sweep["train"], low, high))
            a["val"].set_data(sweep["capacity"], np.clip(sweep["val"], low, high))
            a["marker"].set_data([min(result["capacity"], MAX_DEGREE)],
                                 [np.clip(result["val_error"], low, high)])
        else:
            steps = np.arange(1, len(result["train_curve"]) + 1)
            a["train"].set_data(steps, np.clip(result["train_curve"], low, high))
            a["val"].set_data(steps, np.clip(result["val_curve"], low, high))
            a["marker"].set_data([result["best_epoch"]],
                                 [np.clip(result["val_error"], low, high)])

    def message(self, result: dict[str, Any]) -> str:
        return describe(result)


def static_figure(**settings: Any) -> Figure:
    """Default state (degree-9 polynomial on 15 points) as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        return CapacityExplorer(**settings).static()
