"""The initialization explorer's computation, without widgets (judges and pages import this).

A deep MLP from :mod:`nncourse.numpy.layers` (weights drawn by :mod:`nncourse.numpy.init`)
takes a batch of standard-normal inputs forward, then a random upstream gradient backward;
per layer we record the spread of pre-activations, activations and gradients. ``describe``
gives the verdict with the same thresholds the exercise ``activations.deep_signal`` uses
(:data:`RATIO_RANGE`, :data:`SATURATION_LIMIT`), so the explorer's status line and the
checker always agree.

Example:
    >>> stats = compute_init_statistics("he_normal", "relu", depth=10, width=128)
    >>> describe(stats).startswith("healthy")
    True
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_int
from nncourse.i18n import _
from nncourse.numpy import init as initializers
from nncourse.numpy.layers import BatchNorm1d, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from nncourse.numpy.module import Module
from nncourse.widgets._threads import single_threaded_blas

__all__ = ["INIT_SCHEMES", "ACTIVATION_LAYERS", "RATIO_RANGE", "SATURATION_LIMIT",
           "PREACTIVATION_RANGE", "build_deep_mlp", "compute_init_statistics", "describe"]

#: healthy gradient ratio std(first layer) / std(last layer): inside this range
RATIO_RANGE = (0.1, 10.0)
#: sigmoid/tanh: the largest mean share of units on a flat part (derivative < 1/10 of its max)
SATURATION_LIMIT = 0.25
#: a normalised signal: every layer's pre-activation std inside this range (exercise
#: ``normalization.rescue_naive_init`` and the status line with batch norm on)
PREACTIVATION_RANGE = (0.8, 1.2)

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
    depth, width = check_int(depth, "depth"), check_int(width, "width")
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
    return tuple(INIT_SCHEMES[init]((width, width), rng) for _layer in range(depth))


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
    """Vanishing / exploding / saturated / healthy / normalised, in one line.

    Uses the thresholds of the exercises: without batch norm a gradient ratio outside
    :data:`RATIO_RANGE` vanishes or explodes and sigmoid/tanh with more than
    :data:`SATURATION_LIMIT` of the units on a flat part are saturated
    (``activations.deep_signal``); with batch norm on, the verdict is whether every layer's
    pre-activation std lies in :data:`PREACTIVATION_RANGE` (``normalization.rescue_naive_init``),
    and the gradient ratio is reported beside it.

    Example:
        >>> stats = compute_init_statistics("normal_1", "relu", depth=20, width=64,
        ...                                 batch_norm=True)
        >>> describe(stats).startswith("normalised")
        True
    """
    a = stats["activation_std"]
    ratio = stats["gradient_ratio"]
    if not np.all(np.isfinite(a)) or not np.isfinite(ratio):
        return _("Diverged: activations or gradients overflowed (exploding signal).")
    if stats.get("batch_norm"):
        return _describe_normalised(stats)
    low, high = RATIO_RANGE
    verdict = _("healthy")
    saturated = float(np.mean(stats["saturated_fraction"]))
    if saturated > SATURATION_LIMIT and stats["activation"] in ("sigmoid", "tanh"):
        verdict = _("saturated ({share:.0%} of units on a flat part)").format(share=saturated)
    growth = a[-1] / a[0] if a[0] > 0 else np.inf
    if ratio < low or growth < 1e-2:
        verdict = _("vanishing gradients") if ratio < low else _("vanishing activations")
    elif ratio > high or growth > 1e2:
        verdict = _("exploding gradients") if ratio > high else _("exploding activations")
    return _("{verdict}: activation std {first:.2g} (layer 1) -> {last:.2g} (layer {depth}); "
             "gradient std first/last layer = {ratio:.2g}.").format(
        verdict=verdict, first=a[0], last=a[-1], depth=len(a), ratio=ratio)


def _describe_normalised(stats: dict[str, Any]) -> str:
    """The status with batch norm on: is every pre-activation std inside the range?"""
    pre = np.asarray(stats["preactivation_std"])
    low, high = PREACTIVATION_RANGE
    inside = bool(np.all((pre >= low) & (pre <= high)))
    verdict = _("normalised") if inside else _("not normalised")
    return _("{verdict}: with batch norm the pre-activation std lies in {low_std:.2f} to "
             "{high_std:.2f} over the {depth} layers (range {low:g} to {high:g}); gradient std "
             "first/last layer = {ratio:.2g} (with batch norm the gradient at initialization "
             "may grow towards the first layers).").format(
        verdict=verdict, low_std=pre.min(), high_std=pre.max(), depth=len(pre), low=low,
        high=high, ratio=stats["gradient_ratio"])
