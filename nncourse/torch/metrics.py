"""Classification metrics for torch tensors, the twins of :mod:`nncourse.numpy.metrics`.

A metric is counting, not a differentiable computation, so each function here
moves its tensors to the CPU as NumPy arrays and calls the NumPy reference: one
definition of every formula, the same values in both backends. Arrays and lists
are accepted too. Array results (labels, the confusion matrix) come back as
tensors; scalar metrics as Python floats.

Example:
    >>> accuracy(torch.tensor([0, 1, 1]), torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]))
    0.6666666666666666
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nncourse.numpy import metrics as reference

__all__ = ["to_labels", "accuracy", "precision", "recall", "f1_score", "confusion_matrix"]

AVERAGES = reference.AVERAGES


def _numpy(values: Any) -> np.ndarray:
    """A NumPy copy of a tensor (detached, on the CPU, float32 for half precision)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu()
        if values.dtype in (torch.float16, torch.bfloat16):
            values = values.float()
        return values.numpy()
    return np.asarray(values)


def to_labels(y: Any, name: str = "y", threshold: float = 0.5) -> torch.Tensor:
    """Integer class labels ``(n,)`` from labels, one-hot/score rows or probabilities.

    Example:
        >>> to_labels(torch.tensor([[0.1, 0.9], [0.8, 0.2]]))
        tensor([1, 0])
    """
    return torch.from_numpy(reference.to_labels(_numpy(y), name, threshold))


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted class equals the true class (see the NumPy twin)."""
    return reference.accuracy(_numpy(y_true), _numpy(y_pred))


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> torch.Tensor:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``, (k, k)."""
    return torch.from_numpy(reference.confusion_matrix(_numpy(y_true), _numpy(y_pred),
                                                       num_classes))


def precision(y_true: Any, y_pred: Any, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FP), per class then averaged (see :func:`nncourse.numpy.metrics.precision`)."""
    return reference.precision(_numpy(y_true), _numpy(y_pred), average, pos_label)


def recall(y_true: Any, y_pred: Any, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FN), per class then averaged (see :func:`nncourse.numpy.metrics.recall`)."""
    return reference.recall(_numpy(y_true), _numpy(y_pred), average, pos_label)


def f1_score(y_true: Any, y_pred: Any, average: str = "binary", pos_label: int = 1) -> float:
    """2 TP / (2 TP + FP + FN), per class then averaged (see the NumPy twin)."""
    return reference.f1_score(_numpy(y_true), _numpy(y_pred), average, pos_label)
