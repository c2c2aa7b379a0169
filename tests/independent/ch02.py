"""Chapter 2 answers written only from lab 2's words (not from the library or the reference)."""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Lab: central differences one coordinate at a time, on a float64 copy, with the given h."""
    point = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty_like(point)
    for index in np.ndindex(point.shape):
        kept = point[index]
        point[index] = kept + h
        upper = f(point)
        point[index] = kept - h
        lower = f(point)
        point[index] = kept
        grad[index] = (upper - lower) / (2 * h)
    return grad


def gradient_descent(grad_fn, x0, learning_rate, steps):
    """Lab: x_{t+1} = x_t - eta grad f(x_t); the whole path (steps + 1, d) starting with x0."""
    x = np.asarray(x0, dtype=np.float64)
    rows = [x]
    for _ in range(steps):
        x = x - learning_rate * grad_fn(x)
        rows.append(x)
    return np.array(rows)


L = 4
#: Lab part 4: |1 - eta L| < 1, the supremum is 2 / L.
STABILITY_LIMIT = 2 / L
#: Lab part 5: a rate found with the slider on diag(1, 10).
FAST_LEARNING_RATE = 0.17

ANSWERS = {"gradients.numerical_gradient": numerical_gradient,
           "gradients.gradient_descent": gradient_descent,
           "gradients.stability_limit": STABILITY_LIMIT,
           "gradients.converge_fast": FAST_LEARNING_RATE}
