"""Reference answers for chapter 7 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.numpy.callbacks import EarlyStopping
from nncourse.numpy.losses import l2_penalty, l2_penalty_grad
from nncourse.numpy.normalization import dropout_backward, dropout_forward

SOLUTIONS: dict[str, Any] = {
    "regularization.dropout": (dropout_forward, dropout_backward),
    "regularization.l2_gradient": (l2_penalty, l2_penalty_grad),
    "regularization.early_stopping": EarlyStopping,
    # a cubic needs almost no L2 on 15 points (validation MSE 0.0595 vs the best 0.0592)
    "regularization.capacity_choice": {"capacity": 3, "l2": 1e-3},
}
