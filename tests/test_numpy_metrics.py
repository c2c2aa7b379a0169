"""Metrics agree with sklearn.metrics on random label vectors."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from nncourse.numpy.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
    to_labels,
)

OURS = {"precision": precision, "recall": recall, "f1": f1_score}
THEIRS = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}


@st.composite
def label_pairs(draw, max_classes=5):
    k = draw(st.integers(2, max_classes))
    n = draw(st.integers(1, 40))
    labels = st.lists(st.integers(0, k - 1), min_size=n, max_size=n)
    return k, np.array(draw(labels)), np.array(draw(labels))


@settings(max_examples=60, deadline=None)
@given(label_pairs(max_classes=2), st.sampled_from(sorted(OURS)), st.sampled_from([0, 1]))
def test_binary_matches_sklearn(pair, name, pos_label):
    _, t, p = pair
    expected = THEIRS[name](t, p, average="binary", pos_label=pos_label, zero_division=0)
    assert OURS[name](t, p, average="binary", pos_label=pos_label) == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(label_pairs(), st.sampled_from(sorted(OURS)), st.sampled_from(["macro", "micro"]))
def test_multiclass_matches_sklearn(pair, name, average):
    _, t, p = pair
    expected = THEIRS[name](t, p, average=average, zero_division=0)
    assert OURS[name](t, p, average=average) == pytest.approx(expected)


@settings(max_examples=40, deadline=None)
@given(label_pairs())
def test_accuracy_and_confusion_matrix_match_sklearn(pair):
    k, t, p = pair
    assert accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p))
    np.testing.assert_array_equal(confusion_matrix(t, p, num_classes=k),
                                  skm.confusion_matrix(t, p, labels=list(range(k))))


def test_accuracy_from_scores_one_hot_and_probabilities():
    scores = np.array([[2.0, -1.0, 0.0], [0.1, 0.3, 0.2], [0.0, 0.0, 5.0]])
    assert accuracy([0, 1, 1], scores) == pytest.approx(2 / 3)
    one_hot = np.eye(3)[[0, 1, 1]]
    assert accuracy(one_hot, scores) == pytest.approx(2 / 3)
    assert accuracy([1, 0, 1], np.array([0.9, 0.2, 0.4])) == pytest.approx(2 / 3)
    np.testing.assert_array_equal(to_labels(np.array([[0.7], [0.1]])), [1, 0])


def test_confusion_matrix_layout_rows_are_true_classes():
    m = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1])
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


def test_errors_are_clear():
    with pytest.raises(ValueError, match="same number of samples; got 3 and 2"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="Unknown average 'weighted'"):
        f1_score([0, 1], [0, 1], average="weighted")
    with pytest.raises(ValueError, match="needs two classes"):
        precision([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="num_classes=2 but a label 2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(TypeError, match="must hold numbers"):
        accuracy(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        recall([], [])
