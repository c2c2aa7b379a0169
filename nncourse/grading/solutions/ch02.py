"""Reference answers for chapter 2 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.exercises.ch02_gradient_descent import (
    CONVERGE_FAST_SOLUTION,
    STABILITY_LIMIT_SOLUTION,
    gradient_descent_solution,
    numerical_gradient_solution,
)

SOLUTIONS: dict[str, Any] = {
    "gradients.numerical_gradient": numerical_gradient_solution,
    "gradients.gradient_descent": gradient_descent_solution,
    "gradients.stability_limit": STABILITY_LIMIT_SOLUTION,
    "gradients.converge_fast": CONVERGE_FAST_SOLUTION,
}
