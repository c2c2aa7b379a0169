"""Drawing helpers shared by the surface explorers (contours, paths, loss-gap curves)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text

from nncourse.plots.style import PALETTE, SEQUENTIAL_CMAP
from nncourse.widgets.surfaces import Surface

__all__ = ["draw_contours", "clip_path", "loss_gap"]


def draw_contours(ax: Axes, surface: Surface, resolution: int = 60) -> None:
    """Clear ``ax`` and draw the surface's contours, its minima and labelled axes."""
    ax.clear()
    xx, yy, zz = surface.grid(resolution)
    if surface.log_levels:
        # Steep valleys: space the levels logarithmically above the minimum.
        floor = zz.min()
        levels = floor + np.logspace(-1, np.log10(zz.max() - floor + 1e-12), 18)
    else:
        levels = np.linspace(zz.min(), np.percentile(zz, 95), 18)
    ax.contour(xx, yy, zz, levels=levels, cmap=SEQUENTIAL_CMAP, linewidths=0.8)
    for mx, my in surface.minima:
        ax.plot(mx, my, marker="*", color=PALETTE["black"], markersize=10, linestyle="none")
    ax.set_xlim(surface.bounds[0], surface.bounds[1])
    ax.set_ylim(surface.bounds[2], surface.bounds[3])
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(surface.title, fontsize=9)
    ax.grid(False)


def clip_path(path: np.ndarray, surface: Surface) -> np.ndarray:
    """Keep a diverging path drawable: clip points to a margin around the plot."""
    x_min, x_max, y_min, y_max = surface.bounds
    dx, dy = x_max - x_min, y_max - y_min
    clean = np.nan_to_num(path, nan=0.0, posinf=1e9, neginf=-1e9)
    return np.column_stack([np.clip(clean[:, 0], x_min - dx, x_max + dx),
                            np.clip(clean[:, 1], y_min - dy, y_max + dy)])


def loss_gap(losses: np.ndarray, surface: Surface) -> np.ndarray:
    """f - f*, floored at 1e-16 so a log axis can show it (non-finite values capped)."""
    gap = np.asarray(losses, dtype=float) - surface.min_value()
    return np.clip(np.nan_to_num(gap, nan=1e300, posinf=1e300), 1e-16, 1e300)


def divergence_note(ax: Axes) -> Text:
    """An (initially empty, animated) text for a plain "diverged at step k" warning."""
    return ax.text(0.03, 0.04, "", transform=ax.transAxes, color=PALETTE["vermillion"],
                   fontsize=10, va="bottom", fontweight="bold", animated=True,
                   bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
