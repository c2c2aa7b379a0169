"""One operating point of a binary classifier: confusion matrix, ROC point, PR point.

Draws what :func:`nncourse.roc.compute_operating_point` returns; used by the evaluation
explorer and by the book's kernel-free frames (no widgets needed).

Example:
    >>> from nncourse.roc import compute_operating_point
    >>> fig = plot_operating_point(compute_operating_point(0.3))
    >>> len(fig.axes)
    3
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import PALETTE, SEQUENTIAL_CMAP, new_figure, styled

__all__ = ["draw_operating_point", "plot_operating_point", "describe_operating_point"]


def describe_operating_point(result: dict[str, Any]) -> str:
    """One line: the threshold and the metrics at it (used as status line and alt text).

    Example:
        >>> from nncourse.roc import compute_operating_point
        >>> describe_operating_point(compute_operating_point(0.5))[:15]
        'threshold 0.50:'
    """
    return _("threshold {level:.2f}: precision {precision:.3f}, recall {recall:.3f}, F1 "
             "{f1:.3f}, accuracy {accuracy:.3f}, false-positive rate {fpr:.3f}").format(
        level=result["threshold"], precision=result["precision"], recall=result["recall"],
        f1=result["f1"], accuracy=result["accuracy"], fpr=result["fpr"])


def draw_operating_point(axes: Any, result: dict[str, Any]) -> None:
    """Draw the confusion matrix, the ROC curve and the PR curve with the current point.

    Args:
        axes: three Axes (confusion matrix, ROC, precision-recall); they are cleared.
        result: a dict from :func:`nncourse.roc.compute_operating_point`.
    """
    matrix_ax, roc_ax, pr_ax = axes
    for ax in axes:
        ax.clear()
    cm = np.asarray(result["confusion"])
    matrix_ax.imshow(np.log1p(cm), cmap=SEQUENTIAL_CMAP, vmin=0, vmax=np.log1p(cm.sum()))
    names = (("TN", "FP"), ("FN", "TP"))
    for i in range(2):
        for j in range(2):
            light = np.log1p(cm[i, j]) > np.log1p(cm.sum()) / 2
            matrix_ax.text(j, i, f"{names[i][j]}\n{cm[i, j]}", ha="center", va="center",
                           fontsize=10, color="black" if light else "white")
    matrix_ax.set_xticks([0, 1], [_("not 9"), "9"])
    matrix_ax.set_yticks([0, 1], [_("not 9"), "9"])
    matrix_ax.set_xlabel(_("predicted"))
    matrix_ax.set_ylabel(_("true"))
    matrix_ax.grid(False)
    matrix_ax.set_title(_("threshold {level:.2f}").format(level=result["threshold"]))
    fpr, tpr = result["roc"]
    roc_ax.plot(fpr, tpr, color=PALETTE["blue"], label=f"ROC (AUC {result['roc_auc']:.3f})")
    roc_ax.plot([0, 1], [0, 1], ":", color="0.6", label=_("chance"))
    roc_ax.plot([result["fpr"]], [result["recall"]], "o", color=PALETTE["vermillion"],
                markersize=8, label=_("this threshold"))
    roc_ax.set_xlabel(_("false-positive rate"))
    roc_ax.set_ylabel(_("true-positive rate (recall)"))
    roc_ax.set_xlim(-0.02, 1.02)
    roc_ax.set_ylim(-0.02, 1.02)
    roc_ax.legend(loc="lower right", fontsize=8)
    precision, recall = result["pr"]
    pr_ax.plot(recall, precision, color=PALETTE["blue"], label=_("precision-recall"))
    pr_ax.axhline(result["positive_fraction"], linestyle=":", color="0.6",
                  label=_("chance (share of 9s)"))
    pr_ax.plot([result["recall"]], [result["precision"]], "o", color=PALETTE["vermillion"],
               markersize=8, label=_("this threshold"))
    pr_ax.set_xlabel(_("recall"))
    pr_ax.set_ylabel(_("precision"))
    pr_ax.set_xlim(-0.02, 1.02)
    pr_ax.set_ylim(-0.02, 1.02)
    pr_ax.legend(loc="lower left", fontsize=8)


@styled
def plot_operating_point(result: dict[str, Any]) -> Figure:
    """A new three-panel Figure of one operating point (see :func:`draw_operating_point`)."""
    fig, axes = new_figure(ncols=3, width=3.3, height=3.0)
    draw_operating_point(axes, result)
    return fig
