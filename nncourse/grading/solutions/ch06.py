"""Reference answers for chapter 6 (instructor side; see the package docstring).

The initialisers and batch norm are the library's own functions (one source per solution);
``forward_with_stats`` is the loop lab 6 asks for, reading the same numbers that
:func:`nncourse.numpy.diagnostics.layer_statistics` records.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.numpy.init import he_normal, xavier_uniform
from nncourse.numpy.normalization import batchnorm_backward, batchnorm_forward


def forward_with_stats(model, x):
    """One (mean, std, dead fraction) row per layer output."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        rows.append((np.mean(h), np.std(h), np.mean(np.all(h == 0, axis=0))))
    return rows


SOLUTIONS: dict[str, Any] = {
    "init.xavier_he": (xavier_uniform, he_normal),
    "diagnostics.forward_stats": forward_with_stats,
    "normalization.batchnorm": (batchnorm_forward, batchnorm_backward),
    "normalization.rescue_naive_init": {"init": "normal_1", "activation": "relu",
                                        "batch_norm": True},
}
