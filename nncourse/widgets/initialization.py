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
"""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse._checks import check_choice
from nncourse.numpy import init as initializers
from nncourse.numpy.layers import BatchNorm1d, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from nncourse.numpy.module import Module
from nncourse.plots.style import PALETTE, SEQUENTIAL_CMAP
from nncourse.widgets._base import Explorer, single_threaded_blas, slider_style

__all__ = ["INIT_SCHEMES", "ACTIVATION_LAYERS", "build_deep_mlp", "compute_init_statistics",
           "InitializationExplorer", "static_figure", "static_alt"]

#: scheme -> f(shape, rng): "normal_1" is the naive N(0, 1); the rest come from INITIALIZERS.
INIT_SCHEMES: dict[str, Any] = {
    "normal_1": lambda shape, rng: initializers.normal(shape, rng, std=1.0),
    "small_normal": lambda shape, rng: initializers.normal(shape, rng, std=0.01),
    "xavier_normal": initializers.INITIALIZERS["xavier_normal"],
    "he_normal": initializers.INITIALIZERS["he_normal"],
    "lecun_normal": initializers.INITIALIZERS["lecun_normal"],
    "torch_default": initializers.INITIALIZERS["torch_default"],
}

ACTIVATION_LAYERS = {"relu": ReLU, "leaky_relu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}
ACTIVATION_BINS = np.linspace(-3, 3, 41)
GRADIENT_BINS = np.linspace(-14, 4, 41)  # log10 |gradient|
STD_RANGE = (1e-14, 1e8)


def build_deep_mlp(init: str, activation: str, depth: int, width: int, batch_norm: bool = False,
                   seed: int = 0) -> list[tuple[Linear, Module | None, Module]]:
    """``depth`` blocks of Linear(width, width) [-> BatchNorm1d] -> activation.

    Returns:
        the blocks as (linear, batch_norm or None, activation) triples.
    """
    check_choice(init, "init", INIT_SCHEMES)
    check_choice(activation, "activation", ACTIVATION_LAYERS)
    depth, width = int(depth), int(width)
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be >= 1; got depth={depth}, width={width}.")
    blocks = []
    for weight in _weights(init, depth, width, seed):
        linear = Linear(width, width, init="zeros")
        linear.weight.data[...] = weight
        norm = BatchNorm1d(width) if batch_norm else None
        blocks.append((linear, norm, ACTIVATION_LAYERS[activation]()))
    return blocks


@functools.lru_cache(maxsize=8)
def _weights(init: str, depth: int, width: int, seed: int) -> tuple[np.ndarray, ...]:
    """The drawn weight matrices (cached: changing only the activation reuses them)."""
    rng = np.random.default_rng(seed)
    return tuple(INIT_SCHEMES[init]((width, width), rng) for _ in range(depth))


def _sample(values: np.ndarray, size: int = 2048) -> np.ndarray:
    """Up to ``size`` values for histograms (the rows are i.i.d., so the first ones will do)."""
    return values.ravel()[:size].copy()


def _fractions(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Fraction of values per (equal-width) bin, clipped into the range; faster than histogram."""
    low, high, count = bins[0], bins[-1], len(bins) - 1
    index = ((np.clip(values, low, high) - low) * (count / (high - low))).astype(np.int64)
    return np.bincount(np.minimum(index.ravel(), count - 1), minlength=count) / values.size


def _saturated_fraction(activation: str, h: np.ndarray) -> float:
    """Share of units whose local derivative is under a tenth of its maximum."""
    if activation == "sigmoid":
        derivative = h * (1 - h) / 0.25
    elif activation == "tanh":
        derivative = 1 - h * h
    else:
        return float(np.mean(h <= 0))  # ReLU family: the flat (or nearly flat) side
    return float(np.mean(derivative < 0.1))


def compute_init_statistics(init: str = "he_normal", activation: str = "relu", depth: int = 10,
                            width: int = 128, batch_norm: bool = False, batch_size: int = 128,
                            seed: int = 0) -> dict[str, Any]:
    """Forward N(0, 1) inputs and a random gradient backward through a deep MLP; per-layer stats.

    Args:
        init: a key of INIT_SCHEMES ("normal_1" is N(0, 1), "he_normal", "xavier_normal", ...).
        activation: "relu", "leaky_relu", "tanh" or "sigmoid".
        depth: hidden layers (>= 1); width: units per layer (>= 1).
        batch_norm: insert BatchNorm1d before each activation (training mode).
        batch_size: inputs in the batch.
        seed: fixes weights, inputs and the upstream gradient.

    Returns:
        dict of per-layer arrays (length ``depth``): "preactivation_std", "activation_mean",
        "activation_std", "gradient_std" (of dL/d activation), "weight_gradient_std",
        "saturated_fraction" (units on a flat part of the activation), plus
        "activation_histograms" and "gradient_histograms" (depth, 40) fractions over
        ACTIVATION_BINS and log10|g| GRADIENT_BINS, "activation_samples" /
        "gradient_samples" (per-layer value samples) and "gradient_ratio" (first layer's
        gradient std / last layer's: << 1 means vanishing, >> 1 exploding).
    """
    with single_threaded_blas():  # small products: BLAS threads cost more than they save
        return _statistics(init, activation, depth, width, batch_norm, batch_size, seed)


def _statistics(init: str, activation: str, depth: int, width: int, batch_norm: bool,
                batch_size: int, seed: int) -> dict[str, Any]:
    blocks = build_deep_mlp(init, activation, depth, width, batch_norm, seed)
    rng = np.random.default_rng(seed + 1)
    h = rng.normal(size=(int(batch_size), int(width)))
    pre_std, act_mean, act_std, act_samples, act_hist, saturated = [], [], [], [], [], []
    with np.errstate(all="ignore"):  # exploding settings overflow on purpose; reported below
        for linear, norm, layer in blocks:
            z = linear.forward(h)  # (B, width) @ (width, width)^T -> (B, width)
            if norm is not None:
                z = norm.forward(z)
            h = layer.forward(z)
            pre_std.append(float(np.std(z)))
            act_mean.append(float(np.mean(h)))
            act_std.append(float(np.std(h)))
            act_samples.append(_sample(h))
            saturated.append(_saturated_fraction(activation, h))
            act_hist.append(_fractions(np.nan_to_num(h), ACTIVATION_BINS))
        grad = rng.normal(size=h.shape) / np.sqrt(h.size)
        grad_std, weight_grad_std, grad_samples, grad_hist = [], [], [], []
        for linear, norm, layer in reversed(blocks):
            grad_std.append(float(np.std(grad)))
            grad_samples.append(_sample(grad))
            magnitude = np.log10(np.abs(grad) + 1e-300)
            grad_hist.append(_fractions(np.nan_to_num(magnitude), GRADIENT_BINS))
            grad = layer.backward(grad)
            if norm is not None:
                grad = norm.backward(grad)
            grad = linear.backward(grad)
            weight_grad_std.append(float(np.std(linear.weight.grad)))
    grad_std.reverse()
    weight_grad_std.reverse()
    grad_samples.reverse()
    grad_hist.reverse()
    grad_std_arr = np.array(grad_std)
    with np.errstate(all="ignore"):
        ratio = float(grad_std_arr[0] / grad_std_arr[-1]) if grad_std_arr[-1] > 0 else 0.0
    return {"init": init, "activation": activation, "depth": int(depth), "width": int(width),
            "batch_norm": bool(batch_norm),
            "preactivation_std": np.array(pre_std), "activation_mean": np.array(act_mean),
            "activation_std": np.array(act_std), "gradient_std": grad_std_arr,
            "weight_gradient_std": np.array(weight_grad_std),
            "activation_histograms": np.array(act_hist), "gradient_histograms": np.array(grad_hist),
            "activation_samples": act_samples, "gradient_samples": grad_samples,
            "saturated_fraction": np.array(saturated), "gradient_ratio": ratio}


def describe(stats: dict[str, Any]) -> str:
    """Vanishing / exploding / healthy, in one line."""
    a = stats["activation_std"]
    ratio = stats["gradient_ratio"]
    if not np.all(np.isfinite(a)) or not np.isfinite(ratio):
        return "Diverged: activations or gradients overflowed (exploding signal)."
    verdict = "healthy"
    saturated = float(np.mean(stats["saturated_fraction"]))
    if saturated > 0.5 and stats["activation"] in ("sigmoid", "tanh"):
        verdict = f"saturated ({saturated:.0%} of units on a flat part)"
    growth = a[-1] / a[0] if a[0] > 0 else np.inf
    # Over the depth shown, a factor of 100 either way is past "healthy".
    if ratio < 1e-2 or growth < 1e-2:
        verdict = "vanishing gradients" if ratio < 1e-2 else "vanishing activations"
    elif ratio > 1e2 or growth > 1e2:
        verdict = "exploding gradients" if ratio > 1e2 else "exploding activations"
    return (f"{verdict}: activation std {a[0]:.2g} (layer 1) -> {a[-1]:.2g} (layer "
            f"{len(a)}); gradient std first/last layer = {ratio:.2g}.")


class InitializationExplorer(Explorer):
    """Std per layer (left), activation histograms per layer, log10|gradient| per layer."""

    figure_size = (3, 1)
    panel_size = (3.1, 3.2)

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        s = {"init": "he_normal", "activation": "relu", "depth": 10, "width": 128,
             "batch_norm": False, **settings}
        style = slider_style()
        plain = {"style": style["style"], "layout": style["layout"]}
        self.controls = {
            "init": widgets.Dropdown(options=list(INIT_SCHEMES), value=s["init"],
                                     description="init", **plain),
            "activation": widgets.Dropdown(options=list(ACTIVATION_LAYERS),
                                           value=s["activation"], description="activation",
                                           **plain),
            "depth": widgets.IntSlider(value=s["depth"], min=1, max=50, description="depth",
                                       **style),
            "width": widgets.IntSlider(value=s["width"], min=1, max=512, description="width",
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
        std_ax.set_xlabel("layer")
        std_ax.set_ylabel("standard deviation")
        self._lines = {
            "activation": std_ax.plot(layers, layers * 0.0 + 1, "o-", color=PALETTE["blue"],
                                      markersize=3, label="activation", animated=True)[0],
            "gradient": std_ax.plot(layers, layers * 0.0 + 1, "s-", color=PALETTE["orange"],
                                    markersize=3, label="gradient", animated=True)[0],
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
        for ax, label in ((act_ax, "activation value (clipped to ±3)"),
                          (grad_ax, "$\\log_{10}$ |gradient|")):
            ax.set_xlabel(label)
            ax.set_ylabel("layer (input at top)")
            ax.grid(False)
        act_ax.set_title("activations per layer", fontsize=9)
        grad_ax.set_title("gradients per layer", fontsize=9)
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
    return InitializationExplorer(**settings).static()


def static_alt(**settings: Any) -> str:
    """Alt text for ``static_figure(**settings)``, written from the statistics it draws."""
    s = {"init": "he_normal", "activation": "relu", "depth": 10, "width": 128, **settings}
    stats = compute_init_statistics(**s)
    return (f"{s['init']} initialization with {s['activation']}, {s['depth']} layers of width "
            f"{s['width']}. Left: standard deviation of activations and gradients per layer "
            f"(log scale); middle and right: histograms of activations and of log10 |gradient| "
            f"per layer. {describe(stats)}")
