"""Explorer 9: the operating threshold of a detector, its confusion matrix, ROC and PR points.

A logistic-regression "is it a 9?" detector scores 899 validation digits (about 10% are nines).
The threshold slider moves the decision rule ``score >= threshold``; the confusion matrix,
the point on the ROC curve, the point on the precision-recall curve and the metrics follow.
The numbers come from :func:`nncourse.roc.compute_operating_point` (no widgets needed), the
drawing from :func:`nncourse.plots.operating_point.draw_operating_point`.

Example:
    >>> from nncourse.widgets.evaluation import EvaluationExplorer
    >>> explorer = EvaluationExplorer(threshold=0.3)
    >>> explorer.state
    {'threshold': 0.3}
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.operating_point import describe_operating_point, draw_operating_point
from nncourse.roc import compute_operating_point
from nncourse.widgets._base import Explorer, slider_style

__all__ = ["EvaluationExplorer", "static_figure", "static_alt"]


class EvaluationExplorer(Explorer):
    """Threshold slider -> confusion matrix (left), ROC point (middle), PR point (right)."""

    figure_size = (3, 1)
    panel_size = (3.3, 3.0)

    def __init__(self, threshold: float = 0.5) -> None:
        super().__init__()
        self.controls = {
            "threshold": widgets.FloatSlider(value=threshold, min=0.0, max=1.0, step=0.01,
                                             description=_("threshold"), readout_format=".2f",
                                             **slider_style()),
        }
        self._observe_controls()
        self.update()

    def compute(self, **state: Any) -> dict[str, Any]:
        return compute_operating_point(float(state["threshold"]))

    def draw(self, result: dict[str, Any]) -> None:
        draw_operating_point(self.axes, result)   # small figure: redraw all of it
        self.invalidate()

    def message(self, result: dict[str, Any]) -> str:
        return describe_operating_point(result)


def static_figure(threshold: float = 0.5) -> Figure:
    """The explorer's figure at one threshold, without widgets (for pages without a kernel)."""
    from nncourse.plots.operating_point import plot_operating_point

    return plot_operating_point(compute_operating_point(threshold))


def static_alt(threshold: float = 0.5) -> str:
    """Alt text of :func:`static_figure`: what the three panels show, with the numbers.

    Example:
        >>> static_alt(0.5)[:40]
        'Confusion matrix, ROC curve and precisio'
    """
    return _("Confusion matrix, ROC curve and precision-recall curve of the 9-detector at "
             "{status}").format(status=describe_operating_point(
                 compute_operating_point(threshold)))
