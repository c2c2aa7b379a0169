"""Reference answers for chapter 2 (instructor side; see the package docstring).

``gradients.numerical_gradient`` is answered by the library
(:func:`nncourse.numpy.gradcheck.numerical_gradient`); gradient descent and the two
learning rates are answered here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.numpy.gradcheck import numerical_gradient


def gradient_descent(grad_fn, x0, learning_rate, steps):
    """The path x_0, x_1, ..., x_steps as an array of shape (steps + 1, d)."""
    path = [np.array(x0, dtype=np.float64)]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * grad_fn(path[-1]))
    return np.stack(path)


SOLUTIONS: dict[str, Any] = {
    "gradients.numerical_gradient": numerical_gradient,
    "gradients.gradient_descent": gradient_descent,
    "gradients.stability_limit": 2.0 / 4.0,            # 2 / L with L = 4
    "gradients.converge_fast": 2.0 / (1.0 + 10.0),     # 2 / (L_min + L_max)
}
