"""Figures for :mod:`nncourse.numpy.diagnostics` and :mod:`nncourse.torch.diagnostics`.

- :func:`plot_layer_statistics`: per layer, the spread of the outputs and of the gradients
  (log scale), and the share of saturated or dead units;
- :func:`plot_update_ratios`: log10 of the update-to-data ratio of every weight over the
  training steps, with the ~1e-3 guide line;
- :func:`plot_mean_spread`: curves over several seeds as a mean line and a min-max band.

Example:
    >>> from nncourse.numpy.diagnostics import layer_statistics
    >>> fig = plot_layer_statistics({"he": layer_statistics(model, x)})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _, ngettext
from nncourse.plots.style import COLORS, PALETTE, new_figure, styled

__all__ = ["plot_layer_statistics", "plot_update_ratios", "plot_mean_spread"]

#: Karpathy's rule of thumb: one step changes a weight matrix by about a thousandth.
UPDATE_RATIO_GUIDE = 1e-3


def _runs(stats: Any) -> dict[str, list[dict[str, Any]]]:
    """Accept one layer_statistics list or a dict name -> list."""
    if isinstance(stats, Mapping):
        runs = {str(k): list(v) for k, v in stats.items()}
    elif isinstance(stats, Sequence) and stats and isinstance(stats[0], Mapping):
        runs = {"": list(stats)}
    else:
        raise TypeError(f"stats must be the list layer_statistics returns, or a dict name -> "
                        f"such a list; got {type(stats).__name__}.")
    if not runs or not all(runs.values()):
        raise ValueError("stats is empty; pass the result of layer_statistics(model, x).")
    return runs


@styled
def plot_layer_statistics(stats: Any, kinds: Sequence[str] | None = None,
                          title: str | None = None) -> Figure:
    """Three panels per run: output std, gradient std (both log scale), saturated/dead share.

    Args:
        stats: a :func:`layer_statistics` result, or a dict label -> result (one line each).
        kinds: layer classes to show (default: the activation layers, i.e. every layer that
            is not ``Linear``; all layers if there are none).
        title: figure title.

    Returns:
        Figure with three Axes; the x axis counts the layers shown (1 = first).

    Example:
        >>> fig = plot_layer_statistics(layer_statistics(model, x))
    """
    runs = _runs(stats)
    fig, axes = new_figure(ncols=3, width=3.4, height=3.0)
    for i, (label, records) in enumerate(runs.items()):
        shown = [r for r in records if (r["kind"] in kinds if kinds else r["kind"] != "Linear")]
        shown = shown or records
        depth = np.arange(1, len(shown) + 1)
        color = COLORS[i % len(COLORS)]
        std = np.array([r["std"] for r in shown], dtype=float)
        grad_std = np.array([r["grad_std"] for r in shown], dtype=float)
        axes[0].semilogy(depth, np.where(std > 0, std, np.nan), "o-", color=color,
                         label=label or None, markersize=3)
        axes[1].semilogy(depth, np.where(grad_std > 0, grad_std, np.nan), "o-", color=color,
                         markersize=3)
        saturated = np.array([r["saturated"] for r in shown], dtype=float)
        dead = np.array([r["dead"] for r in shown], dtype=float)
        if np.any(np.isfinite(saturated)):
            axes[2].plot(depth, 100 * saturated, "o-", color=color, markersize=3)
        if np.any(dead > 0) or not np.any(np.isfinite(saturated)):
            axes[2].plot(depth, 100 * dead, "s--", color=color, markersize=3)
    axes[0].set(xlabel=_("layer"), ylabel=_("std of the output"), title=_("activations"))
    axes[1].set(xlabel=_("layer"), ylabel=_("std of dL/d(output)"), title=_("gradients"))
    axes[2].set(xlabel=_("layer"), ylabel=_("% of units"), ylim=(-3, 103),
                title=_("saturated (solid) / dead (dashed)"))
    if len(runs) > 1:
        axes[0].legend()
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_update_ratios(update_ratios: Any, smooth: int = 1, title: str | None = None) -> Figure:
    """log10 of the update-to-data ratio per weight matrix over training steps.

    Args:
        update_ratios: a :class:`DiagnosticsRecorder` or its ``update_ratios`` dict
            (weight name -> one ratio per step).
        smooth: average over this many consecutive steps (>= 1) to calm the curves.
        title: figure title.

    Returns:
        Figure with one Axes; a dashed line marks the ~1e-3 guide.

    Example:
        >>> fig = plot_update_ratios(recorder)
    """
    ratios = getattr(update_ratios, "update_ratios", update_ratios)
    if not isinstance(ratios, Mapping) or not ratios:
        raise TypeError("update_ratios must be a DiagnosticsRecorder or a dict weight name -> "
                        "list of ratios; got nothing to draw.")
    smooth = max(1, int(smooth))
    fig, ax = new_figure(width=5.5, height=3.4)
    for i, (name, values) in enumerate(ratios.items()):
        values = np.asarray(values, dtype=float)
        if values.size == 0:
            continue
        with np.errstate(divide="ignore"):
            logs = np.log10(values)
        if smooth > 1 and values.size >= smooth:
            logs = np.convolve(logs, np.ones(smooth) / smooth, mode="valid")
        ax.plot(np.arange(1, logs.size + 1) + (smooth - 1), logs, color=COLORS[i % len(COLORS)],
                label=name, linewidth=1.2)
    ax.axhline(np.log10(UPDATE_RATIO_GUIDE), color=PALETTE["black"], linestyle="--",
               linewidth=1, label=_("1e-3 guide"))
    ax.set(xlabel=_("step"), ylabel=_("log10 std(update) / std(weight)"))
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


@styled
def plot_mean_spread(curves: Mapping[str, Any], xlabel: str | None = None,
                     ylabel: str | None = None, log: bool = True, smooth: int = 1,
                     title: str | None = None) -> Figure:
    """Mean curve over seeds with a band from the lowest to the highest seed, per run name.

    Args:
        curves: name -> array (seeds, steps) (rows may differ in length; the shortest wins).
        xlabel, ylabel: axis labels (default "step" and "loss", in the current language).
        log: log-scale y axis.
        smooth: moving average over this many steps (>= 1) before taking mean and spread.
        title: axes title.

    Returns:
        Figure with one Axes: a line (mean) and a shaded band (min to max) per name.

    Example:
        >>> fig = plot_mean_spread({"SGD": [[1.0, 0.5, 0.3], [1.1, 0.6, 0.2]]})
    """
    if not curves:
        raise ValueError("curves is empty; pass a dict name -> (seeds, steps) array.")
    smooth = max(1, int(smooth))
    fig, ax = new_figure(width=6.0, height=3.6)
    for i, (name, rows) in enumerate(curves.items()):
        rows = [np.asarray(r, dtype=float) for r in rows]
        length = min(len(r) for r in rows)
        data = np.array([r[:length] for r in rows])                 # (seeds, steps)
        if smooth > 1 and length >= smooth:
            kernel = np.ones(smooth) / smooth
            data = np.array([np.convolve(r, kernel, mode="valid") for r in data])
        steps = np.arange(1, data.shape[1] + 1) + (smooth - 1 if smooth > 1 else 0)
        color = COLORS[i % len(COLORS)]
        ax.plot(steps, data.mean(axis=0), color=color,
                label=ngettext("{name} ({count} seed)", "{name} ({count} seeds)",
                               len(rows)).format(name=name, count=len(rows)))
        ax.fill_between(steps, data.min(axis=0), data.max(axis=0), color=color, alpha=0.2,
                        linewidth=0)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=_("step") if xlabel is None else xlabel,
           ylabel=_("loss") if ylabel is None else ylabel)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
