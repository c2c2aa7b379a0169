"""Classification figures: confusion matrix and decision regions of 2-D data.

Example:
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0])
    >>> fig = plot_decision_boundary(model, X, y)   # model: a Module or any x -> scores function
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nncourse._checks import as_float_array
from nncourse.i18n import _
from nncourse.plots.style import (
    SEQUENTIAL_CMAP,
    class_colormap,
    diverging_colormap,
    new_figure,
    styled,
)

__all__ = ["plot_confusion_matrix", "decision_grid", "plot_decision_boundary",
           "draw_decision_regions"]


@styled
def plot_confusion_matrix(y_true: Any, y_pred: Any | None = None,
                          class_names: Sequence[str] | None = None,
                          normalize: bool = False, title: str | None = None) -> Figure:
    """A confusion matrix as an annotated heat map (rows: true class, columns: predicted).

    Args:
        y_true: integer labels (N,), or an already computed (C, C) matrix when ``y_pred`` is None.
        y_pred: predicted labels (N,).
        class_names: tick labels (default "0", "1", ...).
        normalize: show each row as fractions of that true class.
        title: axes title.

    Returns:
        Figure with one image (the matrix) and one text per cell.

    Example:
        >>> fig = plot_confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], class_names=["a", "b", "c"])
    """
    if y_pred is None:
        matrix = np.asarray(y_true, dtype=float)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"Expected a square (C, C) matrix when y_pred is None; got shape "
                             f"{matrix.shape}. Or pass y_true and y_pred label arrays.")
    else:
        true = np.asarray(y_true).astype(int).ravel()
        pred = np.asarray(y_pred).astype(int).ravel()
        if true.shape != pred.shape:
            raise ValueError(f"y_true and y_pred must have the same length; got {true.shape} "
                             f"and {pred.shape}.")
        n = int(max(true.max(initial=0), pred.max(initial=0))) + 1
        if class_names is not None:
            n = max(n, len(class_names))
        matrix = np.zeros((n, n))
        np.add.at(matrix, (true, pred), 1)  # count each (true, predicted) pair
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = matrix.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    if len(names) != n:
        raise ValueError(f"class_names has {len(names)} names for {n} classes.")
    fig, ax = new_figure(width=max(3.5, 0.45 * n + 1.5), height=max(3.0, 0.45 * n + 1.0))
    image = ax.imshow(matrix, cmap=SEQUENTIAL_CMAP)
    fig.colorbar(image, ax=ax, label=_("fraction") if normalize else _("count"))
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel(_("predicted class"))
    ax.set_ylabel(_("true class"))
    ax.grid(False)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="black" if matrix[i, j] > threshold else "white")
    ax.set_title(title or _("confusion matrix"))
    return fig


def _scores(model: Any, points: np.ndarray) -> np.ndarray:
    """Model outputs on points: Module in eval mode, or a plain function."""
    if hasattr(model, "eval") and hasattr(model, "forward"):
        was_training = getattr(model, "training", False)
        model.eval()
        try:
            out = model.forward(points)
        finally:
            model.train(was_training)
    elif callable(model):
        out = model(points)
    else:
        raise TypeError(f"model must be a Module or a function x -> scores; got "
                        f"{type(model).__name__}.")
    return np.asarray(out, dtype=float)


def decision_grid(model: Any | Callable[[np.ndarray], np.ndarray], bounds: Sequence[float],
                  resolution: int = 60) -> dict[str, np.ndarray]:
    """Evaluate a 2-D classifier on a grid (pure computation, used by plots and the playground).

    Args:
        model: a Module or a function mapping points (M, 2) to scores (M,), (M, 1) or (M, C).
        bounds: (x_min, x_max, y_min, y_max).
        resolution: points per axis.

    Returns:
        dict with "xx", "yy" (R, R) coordinates, "labels" (R, R) predicted classes and
        "confidence" (R, R): p(class 1) for binary outputs, the max probability otherwise.
    """
    x_min, x_max, y_min, y_max = map(float, bounds)
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])  # (R*R, 2)
    scores = _scores(model, points)
    with np.errstate(over="ignore", invalid="ignore"):
        if scores.ndim == 1 or scores.shape[1] == 1:
            # One logit: sigmoid gives p(class 1).
            p1 = 1.0 / (1.0 + np.exp(-np.clip(scores.reshape(-1), -50, 50)))
            labels, confidence = (p1 > 0.5).astype(int), p1
        else:
            shifted = scores - scores.max(axis=1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            labels = probs.argmax(axis=1)
            confidence = probs[:, 1] if probs.shape[1] == 2 else probs.max(axis=1)
    shape = xx.shape
    return {"xx": xx, "yy": yy, "labels": labels.reshape(shape),
            "confidence": np.nan_to_num(confidence, nan=0.5).reshape(shape),
            "n_classes": np.array(1 if scores.ndim == 1 else max(2, scores.shape[1]))}


def draw_decision_regions(ax: Axes, grid: dict[str, np.ndarray], X: np.ndarray | None = None,
                          y: np.ndarray | None = None, marker_size: float = 14) -> None:
    """Draw a :func:`decision_grid` result (and optional data points) onto ``ax``."""
    n_classes = int(grid["n_classes"])
    if n_classes <= 2:
        ax.contourf(grid["xx"], grid["yy"], grid["confidence"], levels=np.linspace(0, 1, 11),
                    cmap=diverging_colormap(), alpha=0.55)
    else:
        ax.contourf(grid["xx"], grid["yy"], grid["labels"], levels=np.arange(n_classes + 1) - 0.5,
                    cmap=class_colormap(n_classes), alpha=0.35)
    if X is not None and y is not None:
        y = np.asarray(y).astype(int)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=class_colormap(max(2, int(y.max()) + 1)),
                   vmin=-0.5, vmax=max(2, int(y.max()) + 1) - 0.5, s=marker_size,
                   edgecolors="white", linewidths=0.5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(grid["xx"].min(), grid["xx"].max())
    ax.set_ylim(grid["yy"].min(), grid["yy"].max())


@styled
def plot_decision_boundary(model: Any, X: Any, y: Any, resolution: int = 80,
                           margin: float = 0.5, title: str | None = None) -> Figure:
    """Decision regions of a 2-D classifier with the data on top.

    Args:
        model: a Module (evaluated in eval mode) or a function (M, 2) -> scores.
        X: points (N, 2); y: integer labels (N,).
        resolution: grid points per axis.
        margin: padding around the data.
        title: axes title.

    Returns:
        Figure with filled contours (the regions) and one scatter (the data).

    Example:
        >>> fig = plot_decision_boundary(lambda p: p[:, 0] - p[:, 1], X, y)
    """
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features to draw regions; got {X.shape[1]}.")
    bounds = (X[:, 0].min() - margin, X[:, 0].max() + margin,
              X[:, 1].min() - margin, X[:, 1].max() + margin)
    grid = decision_grid(model, bounds, resolution)
    fig, ax = new_figure(width=4.2, height=3.8)
    draw_decision_regions(ax, grid, X, np.asarray(y))
    ax.grid(False)
    ax.set_title(title or _("decision regions"))
    return fig
