"""Chapter 2's sandbox-side runners: the functions to differentiate or minimize, from plain data.

The checker draws a function as plain numbers (a quadratic's A and b, or a curved function's
c), so the grader can send it into the sandbox; the runners build ``f`` / ``grad_f`` there and
call the learner's function with them. Sandbox-safe: NumPy and the runtime only.

Example:
    >>> f, grad_f = build_function({"kind": "curved", "c": np.ones(2)})
    >>> round(f(np.zeros(2)), 3), grad_f(np.zeros(2)).tolist()
    (2.0, [4.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..runtime import runner


def build_function(spec: dict) -> tuple[Callable, Callable]:
    """``(f, grad_f)`` from plain data: a quadratic ½ xᵀAx + b·x or Σ exp(c·x) + sin(3x)."""
    if spec["kind"] == "quadratic":
        A, b = np.asarray(spec["A"]), np.asarray(spec["b"])
        return (lambda x: float(0.5 * x.ravel() @ A @ x.ravel() + b @ x.ravel()),
                lambda x: ((A + A.T) / 2 @ x.ravel() + b).reshape(np.shape(x)))
    c = np.asarray(spec["c"])
    return (lambda x: float(np.sum(np.exp(c * x) + np.sin(3 * x))),
            lambda x: c * np.exp(c * x) + 3 * np.cos(3 * x))


@runner("ch02.numerical_gradient")
def run_numerical_gradient(answer: Any, inputs: dict, spec: dict) -> Any:
    """``answer(f, x, h)`` with f built from ``inputs["function"]``."""
    f, _ = build_function(inputs["function"])
    return answer(f, inputs["x"], inputs["h"])


@runner("ch02.gradient_descent")
def run_gradient_descent(answer: Any, inputs: dict, spec: dict) -> Any:
    """``answer(grad_fn, x0, learning_rate, steps)`` with grad_fn built from the inputs."""
    _, grad_f = build_function(inputs["function"])
    return answer(grad_f, inputs["x0"], inputs["learning_rate"], inputs["steps"])
