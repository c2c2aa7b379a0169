"""Chapter 2's mistake models: each a runnable wrong answer and the message it earns, once.

Example:
    >>> from nncourse.exercises import check
    >>> check("gradients.numerical_gradient", numgrad_forward).passed
    False
"""

from __future__ import annotations

import numpy as np

from ..registry import Mistake
from .reference import STATED_L, gradient_descent


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
    return np.asarray(gradient_descent(grad_fn, x0, learning_rate, steps))[1:]


def gd_uphill(grad_fn, x0, learning_rate, steps):
    """Adds the gradient instead of subtracting it."""
    return gradient_descent(lambda x: -grad_fn(x), x0, learning_rate, steps)


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
    return np.asarray(gradient_descent(grad_fn, x0, learning_rate, steps))[-1]


def gd_no_learning_rate(grad_fn, x0, learning_rate, steps):
    """Steps by the full gradient."""
    return gradient_descent(grad_fn, x0, 1.0, steps)


NUMERICAL_GRADIENT = [
    Mistake("forward differences", numgrad_forward,
            "your estimate is off by about h/2 · f'': that is forward differences "
            "(f(x+h) - f(x)) / h; use central differences (f(x+h) - f(x-h)) / (2h)."),
    Mistake("coordinate never restored", numgrad_no_restore,
            "the coordinate is not restored after it is nudged, so every later entry is "
            "measured at a shifted point; set x[i] back to its old value after computing "
            "f(x + h e_i) and f(x - h e_i)."),
    Mistake("x changed in place", numgrad_in_place,
            "numerical_gradient changed x in place and did not restore it: put every "
            "coordinate back to its old value after the two evaluations (or work on a copy)."),
    Mistake("fixed step 1e-2", numgrad_fixed_step,
            "these are central differences with a larger step than the h passed in; use the "
            "argument h instead of a fixed step."),
    Mistake("divides by h, not 2h", numgrad_half_step,
            "grad is twice the gradient: the two evaluations are 2h apart, so divide by 2h."),
]

GRADIENT_DESCENT = [
    Mistake("x0 left out", gd_without_x0,
            "path leaves out x0: it has shape (steps, d), expected (steps + 1, d); include x0 "
            "as the first row."),
    Mistake("steps uphill", gd_uphill,
            "the steps move uphill: subtract learning_rate * grad_fn(x), do not add it."),
    Mistake("in-place update appended each step", gd_in_place,
            "every row of path is the same array (the last iterate): `x -= ...` changes x in "
            "place, and the list holds that one array several times; write "
            "x = x - learning_rate * grad_fn(x), or append x.copy()."),
    Mistake("returns only the last iterate", gd_last_only,
            "path is only the last iterate: return every iterate, x0 included, as an array of "
            "shape (steps + 1, d)."),
    Mistake("learning rate ignored", gd_no_learning_rate,
            "the steps ignore the learning rate: x_{t+1} = x_t - learning_rate * grad_fn(x_t)."),
]

STABILITY_LIMIT = [
    Mistake("1/L, the one-step rate", 1 / STATED_L, ("1/L",)),
    Mistake("above the limit", 0.6, ("grow",)),
    Mistake("L/2", STATED_L / 2, ("grow",)),
    Mistake("1/(2L)", 1 / (2 * STATED_L), ("larger rates",)),
    Mistake("a string", "0.5", ("number",)),
]

CONVERGE_FAST = [
    Mistake("far too small", 0.01, ("too slow", "larger")),
    Mistake("just under the steep limit", 0.198, ("oscillates", "smaller")),
    Mistake("at the steep limit", 0.2, ("stability limit", "smaller")),
    Mistake("just over the steep limit", 0.201, ("diverges",)),
    Mistake("the flat direction's limit", 2.0, ("diverges",)),
    Mistake("zero", 0.0, ("positive learning rate",)),
]
