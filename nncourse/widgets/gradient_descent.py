"""Explorer 1: gradient descent on a 2-D surface (learning rate, start point, steps).

Example:
    >>> from nncourse.widgets.gradient_descent import GradientDescentExplorer
    >>> GradientDescentExplorer()          # in a notebook: sliders + contour plot + loss curve
    >>> run = compute_gradient_descent("bowl", lr=2.5, steps=20)
    >>> run["diverged"]                    # lr above 2/L = 2 on the unit bowl
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
from nncourse.widgets._draw import clip_path, divergence_note, draw_contours, loss_gap
from nncourse.widgets.surfaces import (
    Surface,
    get_surface,
    optimize,
    stable_learning_rate,
    surface_options,
)

__all__ = ["DEFAULTS", "compute_gradient_descent", "GradientDescentExplorer", "static_figure",
           "static_alt"]

DEFAULTS: dict[str, Any] = {"surface": "ill_conditioned", "lr": 0.08, "start_x": -1.8,
                            "start_y": 0.8, "steps": 40}


def compute_gradient_descent(surface: str | Surface = "ill_conditioned", lr: float = 0.08,
                             start_x: float | None = None, start_y: float | None = None,
                             steps: int = 40) -> dict[str, Any]:
    """Plain gradient descent w <- w - lr * grad f(w) from a start point.

    Args:
        surface: a name from SURFACES or a Surface.
        lr: learning rate (> 0).
        start_x, start_y: the start (default: the surface's own).
        steps: number of updates.

    Returns:
        :func:`~nncourse.widgets.surfaces.optimize`'s dict plus "surface" (the Surface) and
        "stable_lr" (2/L at the start).
    """
    surface = get_surface(surface) if isinstance(surface, str) else surface
    default = surface.start
    start = (default[0] if start_x is None else start_x, default[1] if start_y is None else start_y)
    run = optimize(surface, "sgd", lr=lr, start=start, steps=steps)
    run["surface"] = surface
    run["stable_lr"] = stable_learning_rate(surface, start)
    return run


LOSS_RANGE = (1e-10, 1e8)  # fixed, so the axes need no redraw; larger values run off the top


def _build(explorer: Explorer, surface: Surface, steps_max: int) -> dict[str, Any]:
    """Static part (contours, labels) and the dynamic artists of a run's figure."""
    left, right = explorer.axes
    draw_contours(left, surface)
    right.clear()
    right.set_yscale("log")
    right.set_xlabel(_("step"))
    right.set_ylabel(_("loss above the minimum, $f - f^*$"))
    right.set_ylim(*LOSS_RANGE)
    right.set_xlim(0, max(1, steps_max))
    lines = {
        "surface": surface.name, "steps": steps_max,
        "path": left.plot([], [], "o-", color=PALETTE["vermillion"], markersize=3,
                          linewidth=1.2, label=_("path"), animated=True)[0],
        "start": left.plot([], [], "s", color=PALETTE["blue"], label=_("start"),
                           animated=True)[0],
        "loss": right.plot([], [], color=PALETTE["vermillion"], animated=True)[0],
        "notes": [divergence_note(ax) for ax in (left, right)],
        "title": right.title,
    }
    right.title.set_animated(True)
    left.legend(loc="lower right")
    explorer.dynamic = [lines["path"], lines["start"], lines["loss"], *lines["notes"],
                        right.title]
    explorer.invalidate()
    return lines


def _update(lines: dict[str, Any], run: dict[str, Any]) -> None:
    """Move the dynamic artists to show ``run``."""
    surface: Surface = run["surface"]
    path = clip_path(run["path"], surface)
    gap = np.clip(loss_gap(run["losses"], surface), LOSS_RANGE[0], LOSS_RANGE[1] * 100)
    lines["path"].set_data(path[:, 0], path[:, 1])
    lines["start"].set_data(path[:1, 0], path[:1, 1])
    lines["loss"].set_data(np.arange(len(gap)), gap)
    for note in lines["notes"]:
        note.set_text(_("diverged at step {step}").format(step=run["diverged_at"])
                      if run["diverged"] else "")
    lines["title"].set_text(_("lr = {lr:.3g}; stable below 2/L = {stable:.3g}").format(
        lr=run["lr"], stable=run["stable_lr"]))


def describe(run: dict[str, Any]) -> str:
    """A one-line status for a run."""
    limit = _("2/L at the start = {stable:.3g}").format(stable=run["stable_lr"])
    if run["diverged"]:
        return _("Diverged at step {step}: lr = {lr:.3g} is too large ({limit}). Lower the "
                 "learning rate.").format(step=run["diverged_at"], lr=run["lr"], limit=limit)
    return _("Final loss {loss:.4g} after {steps} steps ({limit}).").format(
        loss=run["losses"][-1], steps=run["steps"], limit=limit)


def static_figure(**settings: Any) -> Figure:
    """The explorer's default state as a static figure (for pages without a kernel)."""
    with figure_only():   # saved once, never shown as a widget
        return GradientDescentExplorer(**settings).static()


def static_alt(**settings: Any) -> str:
    """Alt text for ``static_figure(**settings)``, written from the run the figure draws."""
    s = {**DEFAULTS, **settings}
    run = compute_gradient_descent(**s)
    return _("Left: contour plot of the loss surface ({surface}) with {steps} gradient-descent "
             "steps at learning rate {lr:.3g}, from a square at the start toward a star at the "
             "minimum. Right: loss above the minimum per step, on a log scale. {status}").format(
        surface=run["surface"].title, steps=s["steps"], lr=s["lr"], status=describe(run))


class GradientDescentExplorer(Explorer):
    """Sliders for surface, learning rate, start and steps; contour + path and loss curve."""

    figure_size = (2, 1)
    panel_size = (4.0, 3.4)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {**DEFAULTS, **settings}
        style = slider_style()
        self.controls = {
            "surface": widgets.Dropdown(options=surface_options(), value=s["surface"],
                                        description=_("surface"), **_plain(style)),
            "lr": widgets.FloatLogSlider(value=s["lr"], base=10, min=-4, max=1, step=0.05,
                                         description=_("learning rate"), readout_format=".3g",
                                         **style),
            "start_x": widgets.FloatSlider(value=s["start_x"], min=-2.5, max=2.5, step=0.05,
                                           description=_("start $w_1$"), **style),
            "start_y": widgets.FloatSlider(value=s["start_y"], min=-2.5, max=2.5, step=0.05,
                                           description=_("start $w_2$"), **style),
            "steps": widgets.IntSlider(value=s["steps"], min=1, max=500,
                                       description=_("steps"), **style),
        }
        self._lines: dict[str, Any] | None = None
        self.controls["surface"].observe(self._reset_start, names="value")
        self._observe_controls()
        self.update()

    def _reset_start(self, change: Any) -> None:
        start = get_surface(change["new"]).start
        with self.hold():
            self.controls["start_x"].value, self.controls["start_y"].value = start

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_gradient_descent(**state)

    def draw(self, result: dict[str, Any]) -> None:
        steps_max = self.controls["steps"].value
        if self._lines is None or self._lines["surface"] != result["surface"].name \
                or self._lines["steps"] != steps_max:
            self._lines = _build(self, result["surface"], steps_max)
        _update(self._lines, result)

    def message(self, result: dict[str, Any]) -> str:
        return describe(result)


def _plain(style: dict[str, Any]) -> dict[str, Any]:
    """Slider style without the slider-only options (for dropdowns and toggles)."""
    return {k: v for k, v in style.items() if k != "continuous_update"}
