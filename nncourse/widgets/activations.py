"""Explorer 4: activation functions, their derivatives, where they saturate, and depth.

The functions and derivatives are the course's own (:mod:`nncourse.numpy.activations`);
the derivative comes from each ``*_backward`` with an upstream gradient of ones.

Example:
    >>> from nncourse.widgets.activations import ActivationExplorer
    >>> ActivationExplorer()
    >>> result = compute_activation("sigmoid")
    >>> float(result["derivative"].max())      # 1/4 at x = 0
    0.25
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse._checks import check_choice, check_int, check_positive
from nncourse.i18n import _
from nncourse.numpy import activations as act
from nncourse.plots.style import COLORS, PALETTE
from nncourse.widgets._base import Explorer, figure_only, slider_style

__all__ = ["ACTIVATION_NAMES", "evaluate_activation", "compute_activation",
           "ActivationExplorer", "static_figure", "static_alt"]

ACTIVATION_NAMES = ("relu", "leaky_relu", "sigmoid", "tanh")
DEPTH_RANGE = (1e-30, 10.0)


def evaluate_activation(name: str, x: np.ndarray, negative_slope: float = 0.01
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) using the library's forward and backward functions.

    Example:
        >>> y, dy = evaluate_activation("relu", np.array([-1.0, 2.0]))
        >>> dy.tolist()
        [0.0, 1.0]
    """
    check_choice(name, "activation", ACTIVATION_NAMES)
    x = np.asarray(x, dtype=float)
    ones = np.ones_like(x)  # upstream gradient 1 turns backward() into f'(x)
    if name == "relu":
        return act.relu(x), act.relu_backward(ones, x)
    if name == "leaky_relu":
        return (act.leaky_relu(x, negative_slope),
                act.leaky_relu_backward(ones, x, negative_slope))
    if name == "sigmoid":
        out = act.sigmoid(x)
        return out, act.sigmoid_backward(ones, out)
    out = act.tanh(x)
    return out, act.tanh_backward(ones, out)


def _expected_abs_derivative(name: str, negative_slope: float) -> float:
    """``E|f'(z)|`` for z ~ N(0, 1), by quadrature on a fine grid (deterministic)."""
    z = np.linspace(-8, 8, 4001)
    weights = np.exp(-0.5 * z * z)
    weights /= weights.sum()
    return float(np.sum(weights * np.abs(evaluate_activation(name, z, negative_slope)[1])))


def compute_activation(name: str = "sigmoid", x_range: float = 6.0, depth: int = 20,
                       negative_slope: float = 0.01, saturation: float = 0.1,
                       n_points: int = 241) -> dict[str, Any]:
    """An activation, its derivative, its saturated region and gradient decay through depth.

    Args:
        name: "relu", "leaky_relu", "sigmoid" or "tanh".
        x_range: plot x in [-x_range, x_range] (> 0).
        depth: layers for the depth curve (>= 1).
        negative_slope: leaky ReLU's slope for x < 0.
        saturation: a point is saturated where ``|f'(x)| < saturation * max |f'|``.
        n_points: samples of x.

    Returns:
        dict with "x", "y", "derivative" (n_points,), "saturated" (bool mask),
        "depths" (0..depth), "best_case" (``max|f'|^k``: the largest possible factor after k
        layers), "typical" (``E|f'(z)|^k`` for z ~ N(0, 1) pre-activations, one per layer) and
        "typical_by_activation" (the same curve for every activation, for comparison).
    """
    check_choice(name, "activation", ACTIVATION_NAMES)
    x_range = check_positive(x_range, "x_range")
    depth = check_int(depth, "depth")
    if not 0 <= negative_slope < 1:
        raise ValueError(f"negative_slope must be in [0, 1); got {negative_slope}.")
    x = np.linspace(-x_range, x_range, n_points)
    y, dy = evaluate_activation(name, x, negative_slope)
    peak = float(np.abs(dy).max())
    depths = np.arange(depth + 1)
    typical = {n: _expected_abs_derivative(n, negative_slope) ** depths for n in ACTIVATION_NAMES}
    return {"name": name, "x": x, "y": y, "derivative": dy,
            "saturated": np.abs(dy) < saturation * peak, "max_derivative": peak,
            "depths": depths, "best_case": peak ** depths, "typical": typical[name],
            "typical_by_activation": typical}


def describe(result: dict[str, Any]) -> str:
    """Where it saturates and what is left of the gradient at full depth."""
    x, sat = result["x"], result["saturated"]
    where = _("nowhere in this range")
    if sat.any():
        left, right = x[sat & (x < 0)], x[sat & (x > 0)]
        parts = []
        if left.size:
            parts.append(f"x < {left.max():.2g}")
        if right.size:
            parts.append(f"x > {right.min():.2g}")
        where = parts[0] if len(parts) == 1 else _("{left} and {right}").format(
            left=parts[0], right=parts[1])
    depth = int(result["depths"][-1])
    return _("{name}: max |f'| = {peak:.3g}; saturated for {where}; after {depth} layers a "
             "typical gradient is scaled by {typical:.2g} (at best {best:.2g}).").format(
        name=result["name"], peak=result["max_derivative"], where=where, depth=depth,
        typical=result["typical"][-1], best=result["best_case"][-1])


class ActivationExplorer(Explorer):
    """Function (saturated region shaded), derivative, and gradient factor vs depth."""

    figure_size = (3, 1)
    panel_size = (3.0, 3.0)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {"name": "sigmoid", "x_range": 6.0, "depth": 20, "negative_slope": 0.01, **settings}
        style = slider_style()
        self.controls = {
            "name": widgets.Dropdown(options=list(ACTIVATION_NAMES), value=s["name"],
                                     description=_("activation"), style=style["style"],
                                     layout=style["layout"]),
            "x_range": widgets.FloatSlider(value=s["x_range"], min=1.0, max=10.0, step=0.5,
                                           description=_("x range ±"), **style),
            "depth": widgets.IntSlider(value=s["depth"], min=1, max=60, description=_("depth"),
                                       **style),
            "negative_slope": widgets.FloatSlider(value=s["negative_slope"], min=0.0, max=0.5,
                                                  step=0.01, description=_("leaky slope"),
                                                  **style),
        }
        self._limits: tuple[float, int] | None = None
        self._observe_controls()
        self.update()

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_activation(**state)

    def _build(self, x_range: float, depth: int) -> None:
        f_ax, d_ax, depth_ax = self.axes
        for ax in self.axes:
            ax.clear()
        f_ax.set_xlim(-x_range, x_range)
        f_ax.set_ylim(-1.3, max(1.3, x_range))
        f_ax.set_xlabel(_("pre-activation $x$"))
        f_ax.set_ylabel("$f(x)$")
        d_ax.set_xlim(-x_range, x_range)
        d_ax.set_ylim(-0.05, 1.1)
        d_ax.set_xlabel(_("pre-activation $x$"))
        d_ax.set_ylabel("$f'(x)$")
        depth_ax.set_yscale("log")
        depth_ax.set_ylim(*DEPTH_RANGE)
        depth_ax.set_xlim(0, depth)
        depth_ax.set_xlabel(_("layers"))
        depth_ax.set_ylabel(_("gradient scale factor"))
        self._function = f_ax.plot([], [], color=PALETTE["blue"], animated=True)[0]
        self._derivative = d_ax.plot([], [], color=PALETTE["orange"], animated=True)[0]
        self._saturation = [ax.plot([], [], color=PALETTE["vermillion"], linewidth=6, alpha=0.5,
                                    solid_capstyle="butt", animated=True,
                                    label=_("saturated: tiny $f'$"))[0] for ax in (f_ax, d_ax)]
        self._others = {n: depth_ax.plot([], [], color=c, linewidth=1, alpha=0.6, label=n,
                                         animated=True)[0]
                        for n, c in zip(ACTIVATION_NAMES, COLORS[2:], strict=False)}
        self._best = depth_ax.plot([], [], "--", color=PALETTE["black"], label=_("best case"),
                                   animated=True)[0]
        self._typical = depth_ax.plot([], [], color=PALETTE["blue"], linewidth=2.5,
                                      label=_("typical"), animated=True)[0]
        self._title = f_ax.title
        self._title.set_animated(True)
        f_ax.legend(loc="upper left", fontsize=8)
        depth_ax.legend(loc="lower left", fontsize=7)
        self.dynamic = [self._function, self._derivative, *self._saturation,
                        *self._others.values(), self._best, self._typical, self._title]
        self._limits = (x_range, depth)
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        limits = (float(result["x"][-1]), int(result["depths"][-1]))
        if self._limits != limits:
            self._build(*limits)
        x = result["x"]
        self._function.set_data(x, result["y"])
        self._derivative.set_data(x, result["derivative"])
        floor = {0: -1.25, 1: 0.0}
        for i, line in enumerate(self._saturation):
            # A thick band along the bottom of each panel marks the saturated inputs.
            band = np.where(result["saturated"], floor[i], np.nan)
            line.set_data(x, band)
        for name, line in self._others.items():
            line.set_data(result["depths"], np.clip(result["typical_by_activation"][name],
                                                    DEPTH_RANGE[0] / 10, None))
        self._best.set_data(result["depths"], np.clip(result["best_case"], 1e-31, None))
        self._typical.set_data(result["depths"], np.clip(result["typical"], 1e-31, None))
        self._title.set_text(result["name"])

    def message(self, result: dict[str, Any]) -> str:
        return describe(result)


def static_figure(**settings: Any) -> Figure:
    """The default state (sigmoid) as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        return ActivationExplorer(**settings).static()


def static_alt(**settings: Any) -> str:
    """Alt text for ``static_figure(**settings)``, written from the result it draws."""
    result = compute_activation(**settings)
    return _("Three panels for {name}: the function with its saturated region shaded, its "
             "derivative, and the factor a gradient keeps after each of {depth} layers (log "
             "scale). {status}").format(name=result["name"], depth=int(result["depths"][-1]),
                                        status=describe(result))
