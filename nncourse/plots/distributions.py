"""Per-layer histograms of weights, activations or gradients (one panel per layer).

Example:
    >>> values = {"layer 1": np.random.randn(1000), "layer 2": 0.1 * np.random.randn(1000)}
    >>> fig = plot_layer_histograms(values, quantity="activation")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import COLORS, new_figure, styled

__all__ = ["plot_layer_histograms", "weight_histograms"]


@styled
def plot_layer_histograms(values: Mapping[str, Any], quantity: str = "activation",
                          bins: int = 40, shared_range: bool = True, max_columns: int = 4,
                          title: str | None = None) -> Figure:
    """One histogram per layer, labelled with the layer's mean and standard deviation.

    Args:
        values: layer name -> array of any shape (flattened).
        quantity: what the values are ("activation", "gradient", "weight"); the x label (these
            three are shown in the current language).
        bins: histogram bins.
        shared_range: use one x range for all panels so shrinking/growing is visible.
        max_columns: panels per row.
        title: figure title.

    Returns:
        Figure with one Axes (one histogram) per layer.

    Example:
        >>> fig = plot_layer_histograms({"1": np.ones(10)}, quantity="weight")
    """
    if not values:
        raise ValueError("values is empty; pass a dict layer name -> array.")
    arrays = {str(k): np.asarray(v, dtype=float).ravel() for k, v in values.items()}
    finite = [a[np.isfinite(a)] for a in arrays.values()]
    ncols = min(max_columns, len(arrays))
    nrows = int(np.ceil(len(arrays) / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=2.6, height=2.1)
    axes = np.atleast_1d(axes).ravel()
    names = {"activation": _("activation"), "gradient": _("gradient"), "weight": _("weight")}
    value_range = None
    if shared_range:
        everything = np.concatenate(finite) if any(a.size for a in finite) else np.zeros(1)
        low, high = float(everything.min()), float(everything.max())
        value_range = (low, high) if high > low else (low - 1, high + 1)
    for i, (ax, name, clean) in enumerate(zip(axes, arrays, finite,
                                               strict=False)):
        ax.hist(clean, bins=bins, range=value_range, color=COLORS[i % 2])
        std = float(clean.std()) if clean.size else float("nan")
        ax.set_title(_("{name}\nmean {mean:.2g}, std {std:.2g}").format(
            name=name, mean=clean.mean() if clean.size else np.nan, std=std), fontsize=9)
        ax.set_xlabel(names.get(quantity, quantity))
        ax.set_ylabel(_("count"))
    for ax in axes[len(arrays):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


def weight_histograms(model: Any, **kwargs: Any) -> Figure:
    """Histograms of every weight matrix of a Module (biases skipped)."""
    values = {name: p.data for name, p in model.named_parameters() if p.data.ndim >= 2}
    return plot_layer_histograms(values, quantity="weight", **kwargs)
