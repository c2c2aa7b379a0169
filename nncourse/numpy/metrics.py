"""Classification metrics: accuracy, precision, recall, F1 and the confusion matrix.

Predictions may be labels ``(n,)``, scores ``(n, k)`` (probabilities or logits:
the predicted class is the arg-max) or binary probabilities ``(n,)``/``(n, 1)``
(thresholded at ``threshold``). Targets may be labels or one-hot (or probability) rows,
never thresholded: non-integer ``(n,)`` targets are an error. Values agree with
``sklearn.metrics`` (with ``zero_division=0``).
"""

from __future__ import annotations

import numpy as np

from nncourse._checks import check_choice, check_int

__all__ = ["to_labels", "accuracy", "precision", "recall", "f1_score", "confusion_matrix"]

AVERAGES = ("binary", "macro", "micro")


def to_labels(y: np.ndarray, name: str = "y", threshold: float = 0.5) -> np.ndarray:
    """Integer class labels ``(n,)`` from labels, one-hot/score rows or probabilities.

    Args:
        y: ``(n,)`` labels or probabilities, or ``(n, k)`` scores / one-hot rows.
        name: used in error messages.
        threshold: for non-integer ``(n,)``/``(n, 1)`` values, ``y >= threshold`` is class 1.

    Returns:
        int64 array of shape (n,).

    Example:
        >>> to_labels(np.array([[0.1, 0.9], [0.8, 0.2]]))
        array([1, 0])
    """
    arr = np.asarray(y)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers (class labels or scores); got dtype {arr.dtype}. "
            f"Map the classes to integers 0..k-1 first."
        )
    if arr.dtype.kind in "fc" and np.isnan(arr).any():
        # NaN compares False with everything: argmax or thresholding would silently call
        # it class 0 (or the first NaN's column).
        raise ValueError(
            f"{name} contains {int(np.isnan(arr).sum())} NaN value(s), which belong to no "
            f"class. The model probably diverged: check the loss history or lower the "
            f"learning rate."
        )
    if arr.ndim == 2 and arr.shape[1] > 1:
        return np.argmax(arr, axis=1).astype(np.int64)  # (n, k) -> (n,)
    if arr.ndim == 2:
        arr = arr[:, 0]  # (n, 1) -> (n,)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be labels (n,) or scores (n, k); got shape {arr.shape}. "
            + ("Add a sample axis with np.atleast_1d." if arr.ndim == 0 else
               "Flatten the extra axes or pass one row per sample.")
        )
    if np.issubdtype(arr.dtype, np.floating) and np.any(arr != np.round(arr)):
        return (arr >= threshold).astype(np.int64)
    return arr.astype(np.int64)


def _truth_labels(y_true: np.ndarray) -> np.ndarray:
    """Labels from the truth: thresholding is for predictions, never for the truth."""
    arr = np.asarray(y_true)
    if arr.dtype.kind == "f" and (arr.ndim == 1 or arr.ndim == 2 and arr.shape[1] == 1) \
            and np.all(np.isfinite(arr)) and np.any(arr != np.round(arr)):
        example = arr.ravel()[np.flatnonzero(arr.ravel() != np.round(arr.ravel()))[0]]
        raise ValueError(f"y_true must be class labels (0, 1, ...) or one-hot rows; it holds "
                         f"non-integer values such as {float(example)!r}. Probabilities are "
                         "predictions: pass them as y_pred (arguments are y_true, y_pred).")
    return to_labels(arr, "y_true")


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, p = _truth_labels(y_true), to_labels(y_pred, "y_pred")
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"y_true and y_pred must have the same number of samples; got {t.shape[0]} and "
            f"{p.shape[0]}. Pass predictions for exactly the samples in y_true."
        )
    if t.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty; a metric needs at least one sample.")
    return t, p


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of samples whose predicted class equals the true class.

    Args:
        y_true: ``(n,)`` labels or ``(n, k)`` one-hot.
        y_pred: ``(n,)`` labels, ``(n, k)`` scores, or binary probabilities.

    Returns:
        a float in [0, 1].

    Example:
        >>> accuracy([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
        0.6666666666666666
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray,
                     num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Args:
        y_true: as :func:`accuracy`; labels must be in ``0 .. num_classes-1``.
        y_pred: as :func:`accuracy`.
        num_classes: matrix size; default ``max(label) + 1``.

    Returns:
        int64 array of shape (num_classes, num_classes).

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 0, 1])
        array([[1, 0],
               [1, 1]])
    """
    t, p = _pair(y_true, y_pred)
    if min(t.min(), p.min()) < 0:
        raise ValueError("confusion_matrix needs labels >= 0; map the classes to 0..k-1 first.")
    largest = int(max(t.max(), p.max())) + 1
    if num_classes is None:
        num_classes = largest
    elif check_int(num_classes, "num_classes") < largest:
        raise ValueError(
            f"num_classes={num_classes} but a label {largest - 1} is present; "
            f"pass num_classes >= {largest} or leave it as None."
        )
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)  # one count per (true, predicted) pair
    return matrix


def _counts(t: np.ndarray, p: np.ndarray, average: str,
            pos_label: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, predicted positives and actual positives, per class or pooled."""
    check_choice(average, "average", AVERAGES)
    check_int(pos_label, "pos_label", minimum=None)
    labels = np.union1d(t, p)
    if average == "binary":
        if labels.size > 2:
            raise ValueError(
                f"average='binary' needs two classes; found labels {labels.tolist()}. "
                "Use average='macro' or 'micro' for more than two classes."
            )
        if labels.size == 2 and pos_label not in labels:
            raise ValueError(f"pos_label={pos_label} is not a label; labels are {labels.tolist()}.")
        labels = np.array([pos_label])
    true_positive = np.array([np.sum((p == c) & (t == c)) for c in labels], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in labels], dtype=np.float64)
    actual = np.array([np.sum(t == c) for c in labels], dtype=np.float64)
    if average == "micro":
        return true_positive.sum(keepdims=True), predicted.sum(keepdims=True), \
            actual.sum(keepdims=True)
    return true_positive, predicted, actual


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # 0/0 counts as 0 (scikit-learn's zero_division=0).
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def precision(y_true: np.ndarray, y_pred: np.ndarray, average: str = "binary",
              pos_label: int = 1) -> float:
    """Of the samples predicted as a class, the fraction that belong to it: TP / (TP + FP).

    Args:
        y_true: as :func:`accuracy`.
        y_pred: as :func:`accuracy`.
        average: "binary" (class ``pos_label`` only), "macro" (mean over classes) or
            "micro" (pooled counts).
        pos_label: the positive class for "binary".

    Returns:
        a float in [0, 1].

    Example:
        >>> precision([0, 1, 1, 0], [1, 1, 0, 0])
        0.5
    """
    t, p = _pair(y_true, y_pred)
    tp, predicted, _ = _counts(t, p, average, pos_label)
    return float(np.mean(_safe_divide(tp, predicted)))


def recall(y_true: np.ndarray, y_pred: np.ndarray, average: str = "binary",
           pos_label: int = 1) -> float:
    """Of the samples of a class, the fraction predicted as it: TP / (TP + FN).

    Args: as :func:`precision`.

    Example:
        >>> recall([0, 1, 1, 0], [1, 1, 0, 0])
        0.5
    """
    t, p = _pair(y_true, y_pred)
    tp, _, actual = _counts(t, p, average, pos_label)
    return float(np.mean(_safe_divide(tp, actual)))


def f1_score(y_true: np.ndarray, y_pred: np.ndarray, average: str = "binary",
             pos_label: int = 1) -> float:
    """Harmonic mean of precision and recall, 2 TP / (2 TP + FP + FN), per class then averaged.

    Args: as :func:`precision`.

    Example:
        >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])
        0.5
    """
    t, p = _pair(y_true, y_pred)
    tp, predicted, actual = _counts(t, p, average, pos_label)
    return float(np.mean(_safe_divide(2 * tp, predicted + actual)))
