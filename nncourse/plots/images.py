"""Image grids: MNIST samples with their labels, and the misclassified ones.

Example:
    >>> X, y = load_mnist_subset(flatten=False, n_samples=16)
    >>> fig = plot_image_grid(X, y)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE, new_figure, styled

__all__ = ["plot_image_grid", "plot_misclassified"]


def _as_images(images: Any) -> np.ndarray:
    """(N, H, W) from (N, H, W) or flattened square images (N, H*W)."""
    arr = np.asarray(images, dtype=float)
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(f"Flattened images must be square (H*W with H == W); got "
                             f"{arr.shape[1]} pixels. Reshape to (N, H, W) first.")
        arr = arr.reshape(len(arr), side, side)  # (N, H*W) -> (N, H, W)
    if arr.ndim != 3:
        raise ValueError(f"images must be (N, H, W) or (N, H*W); got shape {arr.shape}.")
    return arr


@styled
def plot_image_grid(images: Any, labels: Sequence[Any] | None = None,
                    predictions: Sequence[Any] | None = None, n_columns: int = 8,
                    max_images: int = 32, title: str | None = None) -> Figure:
    """Grey-scale images in a grid, titled with labels (and predictions, wrong ones highlighted).

    Args:
        images: (N, H, W) or flattened square (N, H*W) arrays.
        labels: true labels (N,), shown as "label" (or "true/pred" with predictions).
        predictions: predicted labels (N,); mismatches get a vermillion title.
        n_columns: images per row.
        max_images: draw at most this many.
        title: figure title.

    Returns:
        Figure with one Axes (one image) per picture.

    Example:
        >>> fig = plot_image_grid(np.random.rand(4, 28, 28), labels=[0, 1, 2, 3])
    """
    arr = _as_images(images)[:max_images]
    n = len(arr)
    if n == 0:
        raise ValueError("No images to show (got an empty array).")
    ncols = min(n_columns, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=1.1, height=1.25)
    axes = np.atleast_1d(axes).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(arr[i], cmap="gray_r", interpolation="nearest")
        if labels is not None and predictions is not None:
            wrong = labels[i] != predictions[i]
            ax.set_title(f"{labels[i]}→{predictions[i]}", fontsize=8,
                         color=PALETTE["vermillion"] if wrong else "black")
        elif labels is not None:
            ax.set_title(str(labels[i]), fontsize=8)
    fig.suptitle(title or (_("true→predicted") if predictions is not None else _("samples")),
                 fontsize=10)
    return fig


def plot_misclassified(images: Any, y_true: Any, y_pred: Any, max_images: int = 24,
                       n_columns: int = 8) -> Figure:
    """The images a classifier got wrong, titled "true→predicted".

    Returns:
        Figure (a single "no mistakes" panel when every prediction is right).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    arr = _as_images(images)
    if wrong.size == 0:
        fig, ax = new_figure(width=3, height=1.2)
        ax.axis("off")
        ax.text(0.5, 0.5, _("no misclassified images"), ha="center", va="center")
        return fig
    picked = wrong[:max_images]
    return plot_image_grid(arr[picked], list(y_true[picked]), list(y_pred[picked]),
                           n_columns=n_columns, max_images=max_images,
                           title=_("misclassified: {wrong} of {total} (true→predicted)").format(
                               wrong=wrong.size, total=len(y_true)))
