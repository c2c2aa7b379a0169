"""Explorer 2: SGD, momentum, Nesterov, RMSprop and Adam race on the same surface.

Each optimizer is the course's own class from :mod:`nncourse.numpy.optim`.

Example:
    >>> from nncourse.widgets.optimizer_race import OptimizerRaceExplorer
    >>> OptimizerRaceExplorer()
    >>> race = compute_race("ill_conditioned", steps=50)
    >>> race["momentum"]["losses"][-1] < race["sgd"]["losses"][-1]
    True
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import COLORS
from nncourse.widgets._base import Explorer, figure_only, slider_style
from nncourse.widgets._draw import clip_path, draw_contours, loss_gap
from nncourse.widgets.surfaces import (
    OPTIMIZERS,
    Surface,
    get_surface,
    optimize,
    surface_options,
)

__all__ = ["DEFAULTS", "LABELS", "compute_race", "OptimizerRaceExplorer", "static_figure"]

LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "rmsprop": "RMSprop",
          "adam": "Adam"}

DEFAULTS: dict[str, Any] = {
    "surface": "ill_conditioned", "steps": 60,
    "lr_sgd": 0.02, "lr_momentum": 0.02, "lr_nesterov": 0.02, "lr_rmsprop": 0.01,
    "lr_adam": 0.05, "momentum": 0.9, "alpha": 0.99, "beta1": 0.9, "beta2": 0.999,
}

LOSS_RANGE = (1e-10, 1e8)


def compute_race(surface: str | Surface = "ill_conditioned", steps: int = 60,
                 start: tuple[float, float] | None = None, lr_sgd: float = 0.02,
                 lr_momentum: float = 0.02, lr_nesterov: float = 0.02, lr_rmsprop: float = 0.01,
                 lr_adam: float = 0.05, momentum: float = 0.9, alpha: float = 0.99,
                 beta1: float = 0.9, beta2: float = 0.999) -> dict[str, dict[str, Any]]:
    """Run the five optimizers from the same start for the same number of steps.

    Args:
        surface: a name from SURFACES or a Surface.
        steps: updates per optimizer.
        start: (x, y); default the surface's start.
        lr_*: each optimizer's learning rate (> 0).
        momentum: for momentum and Nesterov. alpha: RMSprop's average. beta1, beta2: Adam's.

    Returns:
        optimizer name -> :func:`~nncourse.widgets.surfaces.optimize` result (path, losses,
        diverged, ...).
    """
    surface = get_surface(surface) if isinstance(surface, str) else surface
    rates = {"sgd": lr_sgd, "momentum": lr_momentum, "nesterov": lr_nesterov,
             "rmsprop": lr_rmsprop, "adam": lr_adam}
    extra = {"sgd": {}, "momentum": {"momentum": momentum}, "nesterov": {"momentum": momentum},
             "rmsprop": {"alpha": alpha}, "adam": {"beta1": beta1, "beta2": beta2}}
    return {name: optimize(surface, name, lr=rates[name], start=start, steps=steps,
                           **extra[name]) for name in OPTIMIZERS}


def describe(race: dict[str, dict[str, Any]], surface: Surface) -> str:
    """Ranking by final loss; diverged runs named plainly."""
    finished = {n: r["losses"][-1] for n, r in race.items() if not r["diverged"]}
    order = sorted(finished, key=finished.get)
    parts = [f"{LABELS[n]} {finished[n] - surface.min_value():.2g}" for n in order]
    text = _("Final f - f*: {ranking}").format(ranking=", ".join(parts)) if parts \
        else _("Every optimizer diverged.")
    broken = [_("{optimizer} (step {step})").format(optimizer=LABELS[n], step=r["diverged_at"])
              for n, r in race.items() if r["diverged"]]
    if broken:
        text = _("Diverged: {optimizers}.").format(optimizers=", ".join(broken)) + " " + text
    return text


class OptimizerRaceExplorer(Explorer):
    """The five optimizers' paths on the contours (left) and their loss curves (right)."""

    figure_size = (2, 1)
    panel_size = (4.0, 3.4)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {**DEFAULTS, **settings}
        style = slider_style()

        def rate(name: str) -> widgets.FloatLogSlider:
            return widgets.FloatLogSlider(value=s[f"lr_{name}"], base=10, min=-4, max=0.5,
                                          step=0.05,
                                          description=_("lr {optimizer}").format(
                                              optimizer=LABELS[name]),
                                          readout_format=".3g", **style)

        self.controls = {
            "surface": widgets.Dropdown(options=surface_options(), value=s["surface"],
                                        description=_("surface"),
                                        style=style["style"], layout=style["layout"]),
            "steps": widgets.IntSlider(value=s["steps"], min=1, max=500, description=_("steps"),
                                       **style),
            **{f"lr_{name}": rate(name) for name in OPTIMIZERS},
            "momentum": widgets.FloatSlider(value=s["momentum"], min=0.0, max=0.99, step=0.01,
                                            description="momentum", **style),
            "alpha": widgets.FloatSlider(value=s["alpha"], min=0.5, max=0.999, step=0.001,
                                         description="RMSprop alpha", readout_format=".3f",
                                         **style),
            "beta1": widgets.FloatSlider(value=s["beta1"], min=0.0, max=0.99, step=0.01,
                                         description="Adam beta1", **style),
            "beta2": widgets.FloatSlider(value=s["beta2"], min=0.5, max=0.9999, step=0.0001,
                                         description="Adam beta2", readout_format=".4f",
                                         **style),
        }
        self._lines: dict[str, Any] | None = None
        self._observe_controls()
        self.update()

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_race(**state)

    def _build(self, surface: Surface, steps: int) -> None:
        left, right = self.axes
        draw_contours(left, surface)
        right.clear()
        right.set_yscale("log")
        right.set_ylim(*LOSS_RANGE)
        right.set_xlim(0, max(1, steps))
        right.set_xlabel(_("step"))
        right.set_ylabel(_("loss above the minimum, $f - f^*$"))
        self._lines = {"surface": surface.name, "steps": steps}
        for color, name in zip(COLORS, OPTIMIZERS, strict=False):
            self._lines[name] = (
                left.plot([], [], "-", color=color, linewidth=1.4, label=LABELS[name],
                          animated=True)[0],
                right.plot([], [], "-", color=color, label=LABELS[name], animated=True)[0])
        right.legend(loc="upper right", fontsize=8)
        self.dynamic = [line for name in OPTIMIZERS for line in self._lines[name]]
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        surface = get_surface(self.controls["surface"].value)
        steps = self.controls["steps"].value
        if self._lines is None or self._lines["surface"] != surface.name \
                or self._lines["steps"] != steps:
            self._build(surface, steps)
        assert self._lines is not None
        for name, run in result.items():
            path_line, loss_line = self._lines[name]
            path = clip_path(run["path"], surface)
            path_line.set_data(path[:, 0], path[:, 1])
            gap = np.clip(loss_gap(run["losses"], surface), LOSS_RANGE[0], LOSS_RANGE[1] * 100)
            loss_line.set_data(np.arange(len(gap)), gap)

    def message(self, result: dict[str, Any]) -> str:
        return describe(result, get_surface(self.controls["surface"].value))


def static_figure(**settings: Any) -> Figure:
    """The race in its default state as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        return OptimizerRaceExplorer(**settings).static()
