"""Explorer 5: initialization scheme x activation x depth x width (x batch norm).

A deep MLP from :mod:`nncourse.numpy.layers` (weights drawn by
:mod:`nncourse.numpy.init`) takes a batch of standard-normal inputs forward, then a
random upstream gradient backward. Per layer we record the spread of pre-activations,
activations and gradients: vanishing and exploding signals show up as standard deviations
that shrink or grow geometrically with depth.

Example:
    >>> from nncourse.widgets.initialization import InitializationExplorer
    >>> InitializationExplorer()
    >>> stats = compute_init_statistics("he_normal", "relu", depth=10, width=128)
    >>> stats["activation_std"].round(1)        # roughly constant through depth

The computation (:func:`compute_init_statistics`, :func:`describe`) lives in the widget-free
:mod:`nncourse.widgets.initialization_core`; it is re-exported here under the same names.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse._checks import check_choice
from nncourse.i18n import _
from nncourse.plots.style import PALETTE, SEQUENTIAL_CMAP
from nncourse.widgets._base import Explorer, figure_only, slider_style
from nncourse.widgets.initialization_core import (  # the computation lives without widgets
    ACTIVATION_BINS,
    ACTIVATION_LAYERS,
    GRADIENT_BINS,
    INIT_SCHEMES,
    RATIO_RANGE,
    SATURATION_LIMIT,
    STD_RANGE,
    build_deep_mlp,
    compute_init_statistics,
    describe,
)

__all__ = ["INIT_SCHEMES", "ACTIVATION_LAYERS", "RATIO_RANGE", "SATURATION_LIMIT",
           "build_deep_mlp", "compute_init_statistics", "describe", "init_label",
           "InitializationExplorer", "static_figure", "static_alt"]


def init_label(scheme: str) -> str:
    """An initialization scheme's readable name in the current language (its key if none)."""
    labels = {"normal_1": _("naive N(0, 1)"), "small_normal": _("small N(0, 0.01²)"),
              "xavier_normal": "Xavier (normal)", "he_normal": "He (normal)",
              "lecun_normal": "LeCun (normal)", "torch_default": _("PyTorch default")}
    return labels.get(scheme, scheme)


class InitializationExplorer(Explorer):
    """Std per layer (left), activation histograms per layer, log10|gradient| per layer."""

    figure_size = (3, 1)
    panel_size = (3.1, 3.2)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {"init": "he_normal", "activation": "relu", "depth": 10, "width": 128,
             "batch_norm": False, **settings}
        unknown = sorted(set(settings) - {"init", "activation", "depth", "width",
                                              "batch_norm"})
        if unknown:
            raise TypeError(f"InitializationExplorer has no setting {unknown}; its settings are "
                            f"init, activation, depth, width and batch_norm.")
        check_choice(s["init"], "init", INIT_SCHEMES)   # a plain message, not a widget error
        check_choice(s["activation"], "activation", ACTIVATION_LAYERS)
        style = slider_style()
        plain = {"style": style["style"], "layout": style["layout"]}
        self.controls = {
            "init": widgets.Dropdown(options=[(init_label(k), k) for k in INIT_SCHEMES],
                                     value=s["init"], description=_("init"), **plain),
            "activation": widgets.Dropdown(options=list(ACTIVATION_LAYERS),
                                           value=s["activation"], description=_("activation"),
                                           **plain),
            "depth": widgets.IntSlider(value=s["depth"], min=1, max=50, description=_("depth"),
                                       **style),
            "width": widgets.IntSlider(value=s["width"], min=1, max=512, description=_("width"),
                                       **style),
            "batch_norm": widgets.Checkbox(value=s["batch_norm"], description="batch norm",
                                           **plain),
        }
        self._depth: int | None = None
        self._observe_controls()
        self.update()

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_init_statistics(**state)

    def _build(self, depth: int) -> None:
        std_ax, act_ax, grad_ax = self.axes
        for ax in self.axes:
            ax.clear()
        layers = np.arange(1, depth + 1)
        std_ax.set_yscale("log")
        std_ax.set_ylim(*STD_RANGE)
        std_ax.set_xlim(0.5, depth + 0.5)
        std_ax.set_xlabel(_("layer"))
        std_ax.set_ylabel(_("standard deviation"))
        self._lines = {
            "activation": std_ax.plot(layers, layers * 0.0 + 1, "o-", color=PALETTE["blue"],
                                      markersize=3, label=_("activation"), animated=True)[0],
            "gradient": std_ax.plot(layers, layers * 0.0 + 1, "s-", color=PALETTE["orange"],
                                    markersize=3, label=_("gradient"), animated=True)[0],
        }
        std_ax.legend(loc="lower left", fontsize=8)
        extent_a = (ACTIVATION_BINS[0], ACTIVATION_BINS[-1], depth + 0.5, 0.5)
        extent_g = (GRADIENT_BINS[0], GRADIENT_BINS[-1], depth + 0.5, 0.5)
        empty = np.zeros((depth, len(ACTIVATION_BINS) - 1))
        self._images = {
            "activation": act_ax.imshow(empty, aspect="auto", extent=extent_a, vmin=0, vmax=0.3,
                                        cmap=SEQUENTIAL_CMAP, animated=True),
            "gradient": grad_ax.imshow(empty, aspect="auto", extent=extent_g, vmin=0, vmax=0.3,
                                       cmap=SEQUENTIAL_CMAP, animated=True),
        }
        for ax, label in ((act_ax, _("activation value (clipped to ±3)")),
                          (grad_ax, _("$\\log_{10}$ |gradient|"))):
            ax.set_xlabel(label)
            ax.set_ylabel(_("layer (input at top)"))
            ax.grid(False)
        act_ax.set_title(_("activations per layer"), fontsize=9)
        grad_ax.set_title(_("gradients per layer"), fontsize=9)
        self.dynamic = [*self._lines.values(), *self._images.values()]
        self._depth = depth
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        if self._depth != result["depth"]:
            self._build(result["depth"])
        floor = STD_RANGE[0] / 10  # zeros and NaN drawn below the axis instead of vanishing
        for key, values in (("activation", result["activation_std"]),
                            ("gradient", result["gradient_std"])):
            clean = np.nan_to_num(values, nan=floor, posinf=1e30)
            self._lines[key].set_ydata(np.maximum(clean, floor))
        self._images["activation"].set_data(result["activation_histograms"])
        self._images["gradient"].set_data(result["gradient_histograms"])

    def message(self, result: dict[str, Any]) -> str:
        return describe(result)


def static_figure(**settings: Any) -> Figure:
    """Default state (He normal + ReLU, depth 10, width 128) as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        return InitializationExplorer(**settings).static()


def static_alt(**settings: Any) -> str:
    """Alt text for ``static_figure(**settings)``, written from the statistics it draws."""
    s = {"init": "he_normal", "activation": "relu", "depth": 10, "width": 128, **settings}
    stats = compute_init_statistics(**s)
    return _("{init} initialization with {activation}, {depth} layers of width {width}. Left: "
             "standard deviation of activations and gradients per layer (log scale); middle and "
             "right: histograms of activations and of log10 |gradient| per layer. "
             "{status}").format(init=init_label(s["init"]), activation=s["activation"],
                                depth=s["depth"], width=s["width"], status=describe(stats))
