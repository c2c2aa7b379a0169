"""Reference answers for chapter 5 (instructor side; see the package docstring).

The step functions are the updates of :mod:`nncourse.numpy.optim` (``SGD(momentum=...)``,
``RMSprop``, ``Adam``) for one parameter, written out as a learner writes them in lab 5.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def momentum_step(param, grad, velocity, lr, momentum):
    """Heavy-ball momentum as torch.optim.SGD: v = momentum * v + grad; param - lr * v."""
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity


def rmsprop_step(param, grad, square_avg, lr, alpha, eps):
    """RMSprop: running mean square, eps outside the root (as PyTorch)."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Adam with bias correction; t is the 1-based step; returns the raw moments."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


#: the best momentum setting rounded to the explorer's sliders (rate 0.67 <= 0.7)
CRITICAL_MOMENTUM = {"lr": 0.6, "momentum": 0.45}

SOLUTIONS: dict[str, Any] = {
    "optim.momentum_step": momentum_step,
    "optim.rmsprop_step": rmsprop_step,
    "optim.adam_step": adam_step,
    "optim.critical_momentum": CRITICAL_MOMENTUM,
}
