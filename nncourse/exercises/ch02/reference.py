"""Chapter 2's references for the learner-only tasks: gradient descent and two learning rates.

``gradients.numerical_gradient`` is answered by the library
(:func:`nncourse.numpy.gradcheck.numerical_gradient`).

Example:
    >>> gradient_descent(lambda x: 2 * x, np.array([1.0]), 0.25, 2).ravel().tolist()
    [1.0, 0.5, 0.25]
"""

from __future__ import annotations

import numpy as np

#: curvature stated in the prompt of ``gradients.stability_limit``
STATED_L = 4.0
#: the course's ill-conditioned quadratic of ``gradients.converge_fast``
ILL_CONDITIONED = np.diag([1.0, 10.0])


def gradient_descent(grad_fn, x0, learning_rate, steps):
    """The path x_0, x_1, ..., x_steps of x_{t+1} = x_t - learning_rate · grad_fn(x_t).

    Returns:
        An array of shape (steps + 1, d), starting with x0.
    """
    path = [np.array(x0, dtype=np.float64)]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * grad_fn(path[-1]))
    return np.stack(path)


def stability_limit() -> float:
    """The largest stable rate on f(x) = L/2 · x²: |1 - lr·L| < 1 for lr < 2 / L."""
    return 2.0 / STATED_L


def converge_fast_rate() -> float:
    """The best single rate for diag(1, 10): 2 / (L_min + L_max)."""
    low, high = np.diag(ILL_CONDITIONED)
    return float(2.0 / (low + high))
