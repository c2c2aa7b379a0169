"""Static figures with one consistent, colour-blind-safe style.

Every function returns a :class:`matplotlib.figure.Figure` (not tied to pyplot), with
labelled axes, so it displays once in a notebook and renders in the book.

Example:
    >>> from nncourse.plots import plot_history, plot_decision_boundary, use_style
    >>> fig = plot_history({"loss": [1.0, 0.4], "val_loss": [1.1, 0.6]})
"""

from nncourse.plots.classification import (
    decision_grid,
    draw_decision_regions,
    plot_confusion_matrix,
    plot_decision_boundary,
)
from nncourse.plots.curves import LiveCurves, plot_history
from nncourse.plots.diagnostics import (
    plot_layer_statistics,
    plot_mean_spread,
    plot_update_ratios,
)
from nncourse.plots.distributions import plot_layer_histograms, weight_histograms
from nncourse.plots.images import plot_image_grid, plot_misclassified
from nncourse.plots.style import (
    CLASS_COLORS,
    COLORS,
    PALETTE,
    class_colormap,
    diverging_colormap,
    new_figure,
    styled,
    use_style,
)

__all__ = [
    "PALETTE", "COLORS", "CLASS_COLORS", "use_style", "styled", "new_figure", "class_colormap",
    "diverging_colormap", "plot_history", "LiveCurves", "plot_confusion_matrix", "decision_grid",
    "draw_decision_regions", "plot_decision_boundary", "plot_layer_histograms",
    "weight_histograms", "plot_image_grid", "plot_misclassified", "plot_layer_statistics",
    "plot_update_ratios", "plot_mean_spread",
]
