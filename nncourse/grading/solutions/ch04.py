"""Reference answers for chapter 4 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.exercises.ch04_activation_functions import (
    DEEP_SIGNAL_SOLUTION,
    leaky_relu_backward_solution,
    leaky_relu_solution,
    sigmoid_backward_solution,
    tanh_backward_solution,
)

SOLUTIONS: dict[str, Any] = {
    "activations.sigmoid_backward": sigmoid_backward_solution,
    "activations.tanh_backward": tanh_backward_solution,
    "activations.leaky_relu": (leaky_relu_solution, leaky_relu_backward_solution),
    "activations.deep_signal": DEEP_SIGNAL_SOLUTION,
}
