"""Operating points of a classifier: metrics from a confusion matrix, ROC and PR curves, costs.

A binary classifier outputs a score per example; a *threshold* turns scores into decisions
(positive when ``score >= threshold``). Every threshold gives one confusion matrix, one point
on the ROC curve (false-positive rate, true-positive rate) and one on the precision-recall
curve. Which threshold to use depends on what each kind of error costs.

Conventions, this module's own: a confusion matrix has the true class in rows and the predicted
class in columns; a ratio whose denominator is 0 is 0 (no NaN, no warning). Where
scikit-learn differs: it warns on 0/0 (``zero_division="warn"``, then also 0), its
``roc_curve`` drops collinear points by default (here every distinct threshold is kept, its
``drop_intermediate=False``), and its ``precision_recall_curve`` runs from the lowest threshold
up and appends a last point (precision 1, recall 0), where this one runs from the highest
threshold down with one point per distinct score.

Example:
    >>> cm = np.array([[50, 10], [5, 35]])
    >>> precision_recall_f1(cm)[0].round(3)        # precision of class 0 and class 1
    array([0.909, 0.778])
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from nncourse._checks import as_float_array, check_int, check_positive

__all__ = ["precision_recall_f1", "binary_confusion", "roc_curve", "precision_recall_curve",
           "auc", "decision_cost", "min_cost_threshold", "detection_task",
           "compute_operating_point"]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator elementwise, 0 where the denominator is 0."""
    out = np.zeros(np.shape(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)
    return out


def _confusion(cm: Any) -> np.ndarray:
    cm = as_float_array(cm, "confusion matrix", ndim=2)
    if cm.shape[0] != cm.shape[1] or cm.shape[0] < 2:
        raise ValueError(f"A confusion matrix is square, (C, C) with C >= 2 classes; got shape "
                         f"{cm.shape}. Build one with nncourse.numpy.metrics.confusion_matrix.")
    if np.any(cm < 0):
        raise ValueError("A confusion matrix holds counts, which are >= 0; got a negative entry.")
    return cm


def precision_recall_f1(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall and F1 from a confusion matrix (rows true, columns predicted).

    precision_c = C[c, c] / sum_i C[i, c]   (of everything predicted as c, the share that is c)
    recall_c    = C[c, c] / sum_j C[c, j]   (of everything truly c, the share found)
    F1_c        = 2 precision_c recall_c / (precision_c + recall_c)   (harmonic mean)

    A class never predicted has precision 0; a class never present has recall 0 (no NaN).
    Macro averages are ``p.mean()``; micro averages pool the counts and all equal the accuracy
    ``trace(C) / C.sum()`` when every example gets exactly one class.

    Args:
        cm: (C, C) counts.

    Returns:
        ``(precision, recall, f1)``, each of shape (C,).

    Example:
        >>> p, r, f = precision_recall_f1(np.array([[3, 1], [0, 2]]))
        >>> p.tolist(), r.tolist()
        ([1.0, 0.6666666666666666], [0.75, 1.0])
    """
    cm = _confusion(cm)
    true_positive = np.diag(cm)              # (C, C) -> (C,)
    predicted = cm.sum(axis=0)               # column sums: predicted as c, (C,)
    actual = cm.sum(axis=1)                  # row sums: truly c, (C,)
    precision = _ratio(true_positive, predicted)
    recall = _ratio(true_positive, actual)
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _binary(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y = as_float_array(y_true, "y_true", ndim=1)
    s = as_float_array(scores, "scores", ndim=1)
    if y.shape != s.shape:
        raise ValueError(f"y_true has shape {y.shape} but scores {s.shape}; give one score per "
                         f"example.")
    if y.size == 0:
        raise ValueError("y_true and scores are empty; an operating point needs examples.")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y_true must hold 0 (negative) and 1 (positive) labels only.")
    return y, s


def binary_confusion(y_true: np.ndarray, scores: np.ndarray,
                     threshold: float) -> np.ndarray:
    """The 2x2 confusion matrix ``[[TN, FP], [FN, TP]]`` of deciding ``score >= threshold``.

    Example:
        >>> binary_confusion([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.5).tolist()
        [[1, 1], [1, 1]]
    """
    y, s = _binary(y_true, scores)
    if isinstance(threshold, (int, float, np.number)) and np.isnan(threshold):
        raise ValueError("threshold is NaN; give a number (inf means: never positive).")
    positive = s >= threshold
    tp = int(np.sum(positive & (y == 1)))
    fp = int(np.sum(positive & (y == 0)))
    fn = int(np.sum(~positive & (y == 1)))
    tn = int(np.sum(~positive & (y == 0)))
    return np.array([[tn, fp], [fn, tp]])


def _sweep(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (distinct scores, high to low, plus +inf) and cumulative TP, FP counts."""
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.size - 1]
    tp = np.r_[0, np.cumsum(y_sorted)[last_of_tie]]          # positives at or above each score
    fp = np.r_[0, np.cumsum(1 - y_sorted)[last_of_tie]]
    thresholds = np.r_[np.inf, s_sorted[last_of_tie]]
    return thresholds, tp, fp


def roc_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """False-positive rate and true-positive rate for every distinct threshold.

    FPR = FP / negatives, TPR = recall = TP / positives, at ``score >= threshold`` for each
    threshold in ``[inf, highest score, ..., lowest score]`` (so the curve runs from (0, 0) to
    (1, 1)).

    Returns:
        ``(fpr, tpr, thresholds)``, each of shape (k + 1,) for k distinct scores.

    Example:
        >>> fpr, tpr, _ = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    y, s = _binary(y_true, scores)
    if y.min() == y.max():
        raise ValueError(f"roc_curve needs both classes in y_true; got only label {y[0]:g}. "
                         "Evaluate on a sample with positives and negatives.")
    thresholds, tp, fp = _sweep(y, s)
    return _ratio(fp, np.sum(1 - y)), _ratio(tp, np.sum(y)), thresholds


def precision_recall_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray,
                                                                           np.ndarray]:
    """Precision and recall for every distinct threshold (highest first; no +inf point).

    Returns:
        ``(precision, recall, thresholds)``, each of shape (k,) for k distinct scores.

    Example:
        >>> p, r, t = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> p.round(3).tolist(), r.tolist()
        ([1.0, 0.5, 0.667, 0.5], [0.5, 0.5, 1.0, 1.0])
    """
    y, s = _binary(y_true, scores)
    thresholds, tp, fp = _sweep(y, s)
    return _ratio(tp, tp + fp)[1:], _ratio(tp, np.sum(y))[1:], thresholds[1:]


def auc(x: np.ndarray, y: np.ndarray) -> float:
    """Area under a curve given by points ``(x, y)`` with x sorted (trapezoid rule).

    Example:
        >>> auc(np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0]))
        1.0
    """
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"auc needs two arrays of equal length >= 2; got {x.shape}, {y.shape}.")
    if np.any(np.diff(x) < 0):
        raise ValueError("auc needs x sorted in increasing order (as roc_curve returns it); "
                         "got x that decreases somewhere. Sort both by x first.")
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def decision_cost(y_true: np.ndarray, scores: np.ndarray, threshold: float,
                  cost_fp: float = 1.0, cost_fn: float = 1.0) -> float:
    """Total cost ``cost_fp * FP + cost_fn * FN`` of deciding ``score >= threshold``.

    Example:
        >>> decision_cost([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.5, cost_fp=1, cost_fn=5)
        6.0
    """
    check_positive(cost_fp, "cost_fp", allow_zero=True)
    check_positive(cost_fn, "cost_fn", allow_zero=True)
    (_, fp), (fn, _) = binary_confusion(y_true, scores, threshold)
    return float(cost_fp * fp + cost_fn * fn)


def min_cost_threshold(y_true: np.ndarray, scores: np.ndarray, cost_fp: float = 1.0,
                       cost_fn: float = 1.0) -> float:
    """The threshold with the lowest :func:`decision_cost` among all distinct scores and +inf.

    Only the distinct scores (and +inf: "never positive") give different decisions, so it is
    enough to try those. Ties go to the highest threshold.

    Example:
        >>> min_cost_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], cost_fp=1, cost_fn=5)
        0.4
    """
    y, s = _binary(y_true, scores)
    check_positive(cost_fp, "cost_fp", allow_zero=True)
    check_positive(cost_fn, "cost_fn", allow_zero=True)
    thresholds, tp, fp = _sweep(y, s)
    fn = np.sum(y) - tp
    costs = cost_fp * fp + cost_fn * fn        # (k + 1,)
    return float(thresholds[int(np.argmin(costs))])


@lru_cache(maxsize=4)
def detection_task(digit: int = 9, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Validation labels and scores of a "is this digit a 9?" detector (about 10% positives).

    A logistic-regression detector (plain gradient descent, 300 steps) is trained on half of
    scikit-learn's 8x8 digits; the other half, with its predicted probabilities, is returned.

    Returns:
        ``(y_val, p_val)``: 0/1 labels and probabilities, shape (n,) each.
    """
    from nncourse.datasets import load_digits

    digit = check_int(digit, "digit", minimum=0, maximum=9)
    X, labels = load_digits()
    y = (labels == digit).astype(np.float64)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val = order[: len(y) // 2], order[len(y) // 2:]
    weight, bias = np.zeros(X.shape[1]), 0.0
    for _ in range(300):                       # gradient descent on the mean BCE loss
        p = 1 / (1 + np.exp(-(X[train] @ weight + bias)))   # (n, 64) @ (64,) -> (n,)
        weight -= 0.5 * X[train].T @ (p - y[train]) / len(train)   # (64, n) @ (n,) -> (64,)
        bias -= 0.5 * float(np.mean(p - y[train]))
    scores = 1 / (1 + np.exp(-(X[val] @ weight + bias)))    # (m, 64) @ (64,) -> (m,)
    return y[val], scores


def compute_operating_point(threshold: float = 0.5, digit: int = 9,
                            seed: int = 0) -> dict[str, Any]:
    """Everything the evaluation explorer shows at one threshold (no widgets needed).

    Returns:
        dict with "threshold", "confusion" (2x2), "precision", "recall", "f1", "accuracy",
        "fpr", the curves "roc" = (fpr, tpr) and "pr" = (precision, recall), "roc_auc",
        "positive_fraction".

    Example:
        >>> point = compute_operating_point(0.5)
        >>> bool(0 < point["recall"] <= 1), int(point["confusion"].sum())
        (True, 899)
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
        raise TypeError(f"threshold must be a number in [0, 1]; got {threshold!r}.")
    y, scores = detection_task(digit, seed)
    cm = binary_confusion(y, scores, threshold)
    (tn, fp), (fn, tp) = cm
    precision, recall, f1 = (float(v[1]) for v in precision_recall_f1(cm))
    fpr, tpr, _ = roc_curve(y, scores)
    pr_precision, pr_recall, _ = precision_recall_curve(y, scores)
    return {"threshold": float(threshold), "confusion": cm, "precision": precision,
            "recall": recall, "f1": f1, "accuracy": (tp + tn) / cm.sum(),
            "fpr": fp / max(fp + tn, 1), "roc": (fpr, tpr), "pr": (pr_precision, pr_recall),
            "roc_auc": auc(fpr, tpr), "positive_fraction": float(np.mean(y))}
