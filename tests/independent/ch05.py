"""Chapter 5 answers written only from lab 5's words (not from the library or the reference)."""

from __future__ import annotations

import math

import numpy as np


def momentum_step(param, grad, velocity, lr, momentum):
    """Lab: v <- mu v + g, theta <- theta - eta v; return (param, velocity)."""
    new_velocity = velocity * momentum + grad
    return param - new_velocity * lr, new_velocity


def rmsprop_step(param, grad, square_avg, lr, alpha, eps):
    """Lab: s <- alpha s + (1 - alpha) g^2, theta <- theta - eta g / (sqrt(s) + eps)."""
    s = alpha * square_avg + (1.0 - alpha) * grad * grad
    step = lr * grad / (s ** 0.5 + eps)
    return param - step, s


def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Lab: moving averages m, v; divide by 1 - beta^t (t = 1 first); return the raw m, v."""
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * np.power(grad, 2)
    m_corrected = m_new / (1 - math.pow(beta1, t))
    v_corrected = v_new / (1 - math.pow(beta2, t))
    return param - lr * m_corrected / (np.sqrt(v_corrected) + eps), m_new, v_new


def _oscillator_rate(lr: float, beta: float, curvatures=(0.2, 4.0)) -> float:
    """Lab part 3: x_{t+1} = (1 + beta - lr lambda) x_t - beta x_{t-1}; the slowest direction."""
    worst = 0.0
    for lam in curvatures:
        companion = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
        worst = max(worst, float(np.max(np.abs(np.linalg.eigvals(companion)))))
    return worst


def critical_momentum_explorer():
    """Lab part 3: the setting with the smallest rate on a grid, set in code on the explorer."""
    from nncourse.widgets.damping import DampingExplorer

    grid = [(rate, lr, beta) for lr in np.arange(0.05, 1.0, 0.05)
            for beta in np.arange(0.0, 0.95, 0.05)
            for rate in [_oscillator_rate(float(lr), float(beta))]]
    _, lr, beta = min(grid)
    explorer = DampingExplorer(lr=0.4, momentum=0.0)
    explorer.set_state(lr=round(float(lr), 2), momentum=round(float(beta), 2))
    return explorer


ANSWERS = {
    "optim.momentum_step": momentum_step,
    "optim.rmsprop_step": rmsprop_step,
    "optim.adam_step": adam_step,
    "optim.critical_momentum": critical_momentum_explorer,
}
