"""The capacity explorer's figure without widgets: the fit (left), errors against degree (right).

Draws what :func:`nncourse.widgets.capacity_core.compute_capacity` returns for a polynomial, so
a page without a kernel shows the explorer's view without creating any widget.

Example:
    >>> from nncourse.widgets.capacity_core import compute_capacity
    >>> fig = plot_capacity(compute_capacity("polynomial", capacity=3, n_train=15))
    >>> len(fig.axes)
    2
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE, new_figure, styled

__all__ = ["plot_capacity"]


@styled
def plot_capacity(result: dict[str, Any]) -> Figure:
    """Training points and the fit (left); training and validation MSE per degree (right).

    Args:
        result: a polynomial result of ``compute_capacity`` (it holds the degree sweep).

    Returns:
        A two-panel Figure, the same layout as the capacity explorer's.
    """
    if "sweep" not in result:
        raise ValueError("plot_capacity draws polynomial results (with a 'sweep'); got an "
                         "MLP result. Use the CapacityExplorer for MLPs.")
    fig, (left, right) = new_figure(ncols=2, width=4.0, height=3.3)
    x_plot = result["x_plot"]
    left.plot(x_plot, result["truth"], color="0.6", linestyle=":", label=_("true function"))
    left.plot(result["x_train"], result["y_train"], "o", color=PALETTE["blue"], markersize=4,
              label=_("training data"))
    left.plot(x_plot, np.clip(result["y_plot"], -10, 10), color=PALETTE["vermillion"],
              label=_("fit"))
    left.set(xlim=(x_plot.min(), x_plot.max()), ylim=(-2.0, 2.0), xlabel="$x$", ylabel="$y$",
             title=_("degree {degree}").format(degree=result["capacity"]))
    left.legend(loc="upper left", fontsize=8)
    sweep = result["sweep"]
    low, high = 1e-3 / 2, 1e3
    right.plot(sweep["capacity"], np.clip(sweep["train"], low, high), "-",
               color=PALETTE["blue"], label=_("train"))
    right.plot(sweep["capacity"], np.clip(sweep["val"], low, high), "--",
               color=PALETTE["orange"], label=_("validation"))
    right.plot([result["capacity"]], [np.clip(result["val_error"], low, high)], "o",
               color=PALETTE["black"], markersize=6, label=_("chosen"))
    right.set(yscale="log", ylim=(1e-3, 1e2), xlim=(0, len(sweep["capacity"]) - 1),
              xlabel=_("polynomial degree (capacity)"), ylabel=_("mean squared error"))
    right.legend(loc="upper right", fontsize=8)
    return fig
