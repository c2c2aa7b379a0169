"""Chapter 6's references that are not a single library function.

The initialisers and batch norm are the library's (:mod:`nncourse.numpy.init`,
:mod:`nncourse.numpy.normalization`), checked in pairs; ``forward_with_stats`` reads the
numbers :func:`nncourse.numpy.diagnostics.layer_statistics` records; the rescue is an explorer
setting.

Example:
    >>> RESCUE_NAIVE_INIT["batch_norm"]
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.numpy.init import he_normal, xavier_uniform
from nncourse.numpy.normalization import batchnorm_backward, batchnorm_forward

INITIALISERS = (xavier_uniform, he_normal)
BATCHNORM = (batchnorm_forward, batchnorm_backward)
#: keep the naive init and ReLU; batch norm re-normalises every layer
RESCUE_NAIVE_INIT = {"init": "normal_1", "activation": "relu", "batch_norm": True}


def forward_with_stats(model: Any, x: np.ndarray) -> np.ndarray:
    """One row (mean, population std, dead fraction) per layer output, as the library records.

    Example:
        >>> from nncourse.numpy.layers import Linear, ReLU, Sequential
        >>> forward_with_stats(Sequential(Linear(2, 3, seed=0), ReLU()), np.ones((4, 2))).shape
        (2, 3)
    """
    from nncourse.numpy.diagnostics import layer_statistics

    return np.array([[row["mean"], row["std"], row["dead"]]
                     for row in layer_statistics(model, x)])   # (layers, 3)
