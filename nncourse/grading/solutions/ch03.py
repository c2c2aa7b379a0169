"""Reference answers for chapter 3 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.exercises.ch03_backpropagation import (
    STEPPER_GRADIENT_SOLUTION,
    chain_rule_solution,
    linear_backward_solution,
    relu_backward_solution,
    softmax_cross_entropy_backward_solution,
    softmax_solution,
)

SOLUTIONS: dict[str, Any] = {
    "backprop.linear_backward": linear_backward_solution,
    "backprop.relu_backward": relu_backward_solution,
    "backprop.softmax": softmax_solution,
    "backprop.softmax_cross_entropy_backward": softmax_cross_entropy_backward_solution,
    "backprop.chain_rule": chain_rule_solution,
    "backprop.stepper_gradient": STEPPER_GRADIENT_SOLUTION,
}
