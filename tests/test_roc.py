"""Operating points: metrics from a confusion matrix, ROC/PR curves and costs vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from nncourse import roc


def _labels_and_scores(seed=0, n=200, ties=True):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(float)
    s = np.clip(0.3 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
    return y, (np.round(s, 1) if ties else s)


@pytest.mark.parametrize("seed", range(3))
def test_precision_recall_f1_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    y_pred[y_pred == 3] = 0                         # class 3 never predicted: 0/0
    cm = skm.confusion_matrix(y_true, y_pred, labels=range(4))
    p, r, f = roc.precision_recall_f1(cm)
    sk = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(4), zero_division=0)
    for ours, theirs in zip((p, r, f), sk[:3], strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
    assert p[3] == 0 and f[3] == 0 and not np.isnan(f).any()


def test_precision_recall_f1_bad_input():
    with pytest.raises(ValueError, match="square"):
        roc.precision_recall_f1(np.ones((2, 3)))
    with pytest.raises(ValueError, match="counts, which are >= 0"):
        roc.precision_recall_f1(np.array([[1, -1], [0, 1]]))
    p, r, f = roc.precision_recall_f1(np.zeros((2, 2)))      # empty matrix: all zeros
    assert p.tolist() == r.tolist() == f.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("ties", [True, False])
def test_roc_and_pr_curves_match_scikit_learn(ties):
    y, s = _labels_and_scores(ties=ties)
    fpr, tpr, thresholds = roc.roc_curve(y, s)
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    assert thresholds[0] == np.inf
    assert roc.auc(fpr, tpr) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    p, r, _ = roc.precision_recall_curve(y, s)
    sk_p, sk_r, _ = skm.precision_recall_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(p, sk_p[:-1][::-1])
    np.testing.assert_allclose(r, sk_r[:-1][::-1])


def test_binary_confusion_counts_ties_as_positive():
    cm = roc.binary_confusion([0, 1, 1, 0], [0.5, 0.5, 0.2, 0.1], 0.5)
    assert cm.tolist() == [[1, 1], [1, 1]]
    with pytest.raises(ValueError, match="0 \\(negative\\) and 1 \\(positive\\)"):
        roc.binary_confusion([0, 2], [0.1, 0.2], 0.5)
    with pytest.raises(ValueError, match="empty"):
        roc.binary_confusion([], [], 0.5)
    with pytest.raises(ValueError, match="one score per example"):
        roc.binary_confusion([0, 1], [0.1], 0.5)


@pytest.mark.parametrize("costs", [(1.0, 5.0), (4.0, 1.0), (1.0, 1.0), (0.0, 1.0)])
def test_min_cost_threshold_beats_every_other_threshold(costs):
    y, s = _labels_and_scores(seed=2)
    best = roc.min_cost_threshold(y, s, *costs)
    best_cost = roc.decision_cost(y, s, best, *costs)
    for t in np.r_[np.unique(s), np.inf, -np.inf, 0.5]:
        assert roc.decision_cost(y, s, t, *costs) >= best_cost - 1e-12


def test_min_cost_threshold_single_example_and_negative_cost():
    assert roc.min_cost_threshold([1], [0.3], 1.0, 1.0) == 0.3
    assert roc.min_cost_threshold([0], [0.3], 1.0, 1.0) == np.inf   # never positive
    with pytest.raises(ValueError, match="cost_fp must be >= 0"):
        roc.min_cost_threshold([0, 1], [0.1, 0.2], -1.0, 1.0)


def test_operating_point_moves_with_the_threshold():
    low, high = roc.compute_operating_point(0.1), roc.compute_operating_point(0.9)
    assert low["recall"] >= high["recall"] and low["fpr"] >= high["fpr"]
    assert low["confusion"].sum() == high["confusion"].sum()
    everything = roc.compute_operating_point(0.0)
    assert everything["recall"] == 1.0
    assert everything["precision"] == pytest.approx(everything["positive_fraction"])
    with pytest.raises(TypeError, match="threshold must be a number"):
        roc.compute_operating_point("0.5")
