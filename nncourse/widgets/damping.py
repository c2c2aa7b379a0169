"""Explorer: momentum as a damped oscillator -- the convergence-rate map and the path it gives.

Left: the convergence rate (per-step error factor) of gradient descent with momentum on the
narrow valley 0.1 w1² + 2 w2², over step size (x) and momentum (y), as in Goh's "Why Momentum
Really Works"; the marker is the current setting, the star the best one, the dashed curves
critical damping of each direction. Right: the path the library's ``SGD(momentum=...)``
takes from the same setting. The numbers come from :mod:`nncourse.widgets.damping_core`.

Example:
    >>> from nncourse.widgets.damping import DampingExplorer
    >>> explorer = DampingExplorer(lr=0.4, momentum=0.5)
    >>> explorer.state
    {'lr': 0.4, 'momentum': 0.5, 'steps': 60}
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE, SEQUENTIAL_CMAP, new_figure
from nncourse.widgets._base import Explorer, slider_style
from nncourse.widgets._draw import clip_path, draw_contours
from nncourse.widgets.damping_core import (
    CURVATURES,
    critical_momentum,
    damping_map,
    optimal_momentum,
    regime,
)
from nncourse.widgets.surfaces import get_surface, optimize

__all__ = ["DEFAULTS", "LRS", "MOMENTA", "compute_damping", "regime_label", "describe",
           "draw_damping", "DampingExplorer", "static_figure", "static_alt"]

DEFAULTS: dict[str, Any] = {"lr": 0.4, "momentum": 0.0, "steps": 60}
#: the grid of the map (the explorer's sliders move on the same ranges)
LRS = np.linspace(0.005, 1.0, 200)
MOMENTA = np.linspace(0.0, 0.99, 100)
SURFACE = "narrow_valley"


def compute_damping(lr: float = 0.4, momentum: float = 0.0, steps: int = 60) -> dict[str, Any]:
    """The rate map, the setting's regime and the library's momentum path from it.

    Args:
        lr: step size alpha (> 0). momentum: beta in [0, 1). steps: updates on the surface.

    Returns:
        dict with "map" (len(MOMENTA), len(LRS)) rates, "regime" (see
        :func:`~nncourse.widgets.damping_core.regime`), "optimum" (lr, momentum, rate) and
        "run" (the :func:`~nncourse.widgets.surfaces.optimize` result).

    Example:
        >>> compute_damping(0.4, 0.5)["regime"]["kind"]
        'underdamped'
    """
    rates = damping_map(LRS, MOMENTA, CURVATURES)
    run = optimize(SURFACE, "momentum" if momentum > 0 else "sgd", lr=lr, steps=int(steps),
                   **({"momentum": momentum} if momentum > 0 else {}))
    return {"lr": float(lr), "momentum": float(momentum), "map": rates,
            "regime": regime(lr, momentum, CURVATURES), "optimum": optimal_momentum(CURVATURES),
            "run": run}


def regime_label(kind: str) -> str:
    """A regime of :func:`~nncourse.widgets.damping_core.regime` in the current language."""
    labels = {"diverges": _("diverges"), "underdamped": _("underdamped"),
              "overdamped": _("overdamped"), "critical": _("critically damped")}
    return labels.get(kind, kind)


def describe(result: dict[str, Any]) -> str:
    """One line: the rate, the regime and what limits it."""
    r = result["regime"]
    flat = r["curvature"] == min(CURVATURES)
    if r["kind"] == "diverges":
        return _("Diverged: {direction} (curvature {curvature:g}) grows by {rate:.3g} per "
                 "step.").format(direction=_("the flat direction") if flat
                                 else _("the steep direction"),
                                 curvature=r["curvature"], rate=r["rate"])
    steps = np.log(1e-6) / np.log(r["rate"]) if 0 < r["rate"] < 1 else 0
    return _("rate {rate:.3f} per step ({regime}, {limit}): error down to 1e-6 after about "
             "{steps:.0f} steps.").format(
        rate=r["rate"], regime=regime_label(r["kind"]), steps=steps,
        limit=_("limited by the flat direction") if flat else _("limited by the steep direction"))


def draw_damping(axes: Any, result: dict[str, Any]) -> None:
    """Draw the map (left) and the path (right) of ``compute_damping``'s result on two Axes."""
    left, right = axes
    left.clear()
    shown = np.clip(result["map"], 0.0, 1.0)
    image = left.imshow(shown, origin="lower", aspect="auto", cmap=SEQUENTIAL_CMAP,
                        extent=(LRS[0], LRS[-1], MOMENTA[0], MOMENTA[-1]), vmin=0.5, vmax=1.0)
    left.contour(LRS, MOMENTA, result["map"], levels=[0.7, 0.9, 1.0], colors="white",
                 linewidths=0.8)
    for curvature, style in zip(CURVATURES, ("--", ":"), strict=True):
        critical = [critical_momentum(lr, curvature) for lr in LRS]
        left.plot(LRS, critical, style, color=PALETTE["orange"], linewidth=1.2,
                  label=_("critical damping, curvature {curvature:g}").format(
                      curvature=curvature))
    best_lr, best_beta, _best_rate = result["optimum"]
    left.plot(best_lr, best_beta, "*", color=PALETTE["black"], markersize=12, label=_("best"))
    left.plot(result["lr"], result["momentum"], "o", color=PALETTE["vermillion"], markersize=8,
              markeredgecolor="white", label=_("this setting"))
    left.set(xlim=(LRS[0], LRS[-1]), ylim=(MOMENTA[0], MOMENTA[-1]), xlabel=_("step size α"),
             ylabel=_("momentum β"), title=_("rate per step (white: 0.7, 0.9, 1.0)"))
    left.legend(loc="lower left", fontsize=7)
    left.grid(False)
    if not getattr(left, "_has_colorbar", False):
        left.figure.colorbar(image, ax=left,
                             label=_("error factor per step (1 = no progress)"))
        left._has_colorbar = True
    surface = get_surface(SURFACE)
    draw_contours(right, surface)
    path = clip_path(result["run"]["path"], surface)
    right.plot(path[:, 0], path[:, 1], "o-", color=PALETTE["vermillion"], markersize=2,
               linewidth=1.0)
    right.set_title(f"α = {result['lr']:.3g}, β = {result['momentum']:.2f}: "
                    f"{regime_label(result['regime']['kind'])}", fontsize=9)


class DampingExplorer(Explorer):
    """Step size and momentum sliders; the rate map and the path respond."""

    figure_size = (2, 1)
    panel_size = (4.3, 3.5)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {**DEFAULTS, **settings}
        style = slider_style()
        self.controls = {
            "lr": widgets.FloatSlider(value=s["lr"], min=0.01, max=1.0, step=0.01,
                                      description=_("step size α"), **style),
            "momentum": widgets.FloatSlider(value=s["momentum"], min=0.0, max=0.99, step=0.01,
                                            description=_("momentum β"), **style),
            "steps": widgets.IntSlider(value=s["steps"], min=5, max=200, description=_("steps"),
                                       **style),
        }
        self._observe_controls()
        self.update()

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_damping(**state)

    def draw(self, result: dict[str, Any]) -> None:
        draw_damping(self.axes, result)
        self.invalidate()          # everything changes: redraw the whole figure

    def message(self, result: dict[str, Any]) -> str:
        return describe(result)


def static_figure(lr: float = 0.4, momentum: float = 0.0, steps: int = 60) -> Figure:
    """The map and the path for one setting, as a plain Figure (for the book's frames)."""
    fig, axes = new_figure(ncols=2, width=4.3, height=3.5)
    draw_damping(axes, compute_damping(lr, momentum, steps))
    return fig


def static_alt(lr: float = 0.4, momentum: float = 0.0, steps: int = 60) -> str:
    """Alt text for :func:`static_figure`: what the map and the path show for this setting."""
    result = compute_damping(lr, momentum, steps)
    return _("Convergence-rate map over step size and momentum with the setting step size "
             "{lr:g}, momentum {momentum:g} marked, and the path of SGD with momentum on the "
             "narrow valley: {status}").format(lr=lr, momentum=momentum,
                                              status=describe(result))
