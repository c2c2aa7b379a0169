"""Evaluation explorer: the threshold slider drives confusion matrix, ROC point and metrics."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from nncourse.exercises import answer
from nncourse.roc import compute_operating_point
from nncourse.widgets.evaluation import EvaluationExplorer, static_figure


def test_explorer_state_status_and_answer_agree():
    explorer = EvaluationExplorer(threshold=0.5)
    assert explorer.state == {"threshold": 0.5}
    assert "recall 0.769" in explorer.status_text
    assert not answer("evaluation.operating_point", explorer).passed
    explorer.set_state(threshold=0.17)
    point = compute_operating_point(0.17)
    assert f"recall {point['recall']:.3f}" in explorer.status_text
    assert explorer.image.value[:4] == b"\x89PNG"
    assert answer("evaluation.operating_point", explorer).passed


def test_static_figure_has_three_panels_without_widgets():
    figure = static_figure(0.3)
    assert len(figure.axes) == 3
    assert figure.axes[0].get_title() == "threshold 0.30"


def test_static_alt_names_the_panels_and_numbers():
    from nncourse.widgets.evaluation import static_alt

    text = static_alt(0.17)
    assert text.startswith("Confusion matrix, ROC curve and precision-recall curve")
    assert "recall 0.956" in text and "precision 0.690" in text
