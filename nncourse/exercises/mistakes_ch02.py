"""Chapter 2 mistake catalogue: plausible wrong answers, as a learner would submit them.

Example:
    >>> from nncourse.exercises import check
    >>> check("gradients.numerical_gradient", numgrad_forward).passed
    False
"""

from __future__ import annotations

import numpy as np


def _reference(exercise_id: str):
    from nncourse.grading.solutions import get_solution

    return get_solution(exercise_id)


# ----------------------------------------------------------------------------- numerical gradient
def numgrad_forward(f, x, h=1e-5):
    """Forward differences (f(x + h) - f(x)) / h: error O(h)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    base = f(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - base) / h
    return grad


def numgrad_no_restore(f, x, h=1e-5):
    """Works on a copy but never puts x[i] back: later entries are measured off the point."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += h
        plus = f(x)
        x[index] -= 2 * h
        grad[index] = (plus - f(x)) / (2 * h)
    return grad


def numgrad_in_place(f, x, h=1e-5):
    """Nudges the caller's x and leaves it moved by -h in every coordinate."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += h
        plus = f(x)
        x[index] -= 2 * h
        minus = f(x)
        grad[index] = (plus - minus) / (2 * h)
        x[index] += h - h      # "restores" nothing
    return grad


def numgrad_fixed_step(f, x, h=1e-5):
    """Central differences, but with a fixed step 1e-2 instead of the h passed in."""
    from nncourse.numpy.gradcheck import numerical_gradient

    return numerical_gradient(f, np.array(x, dtype=np.float64), 1e-2)


def numgrad_half_step(f, x, h=1e-5):
    """(f(x + h) - f(x - h)) / h: twice the gradient."""
    from nncourse.numpy.gradcheck import numerical_gradient

    return 2 * numerical_gradient(f, np.array(x, dtype=np.float64), h)


# ----------------------------------------------------------------------------- gradient descent
def gd_without_x0(grad_fn, x0, learning_rate, steps):
    """Collects x_1 .. x_steps only."""
    return np.asarray(_reference("gradients.gradient_descent")(grad_fn, x0, learning_rate,
                                                               steps))[1:]


def gd_uphill(grad_fn, x0, learning_rate, steps):
    """Adds the gradient instead of subtracting it."""
    return _reference("gradients.gradient_descent")(lambda x: -grad_fn(x), x0, learning_rate,
                                                    steps)


def gd_in_place(grad_fn, x0, learning_rate, steps):
    """x -= ... changes the one array the list holds several times."""
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for _ in range(steps):
        x -= learning_rate * grad_fn(x)
        path.append(x)
    return np.array(path)


def gd_last_only(grad_fn, x0, learning_rate, steps):
    """Returns where the descent ends, not the path."""
    return np.asarray(_reference("gradients.gradient_descent")(grad_fn, x0, learning_rate,
                                                               steps))[-1]


def gd_no_learning_rate(grad_fn, x0, learning_rate, steps):
    """Steps by the full gradient."""
    return _reference("gradients.gradient_descent")(grad_fn, x0, 1.0, steps)
