"""Reference answers for chapter 1 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.exercises.ch01_training_loop import (
    LEARNING_RATE_SOLUTION,
    iterate_minibatches_solution,
    perceptron_fit_solution,
    train_solution,
)

SOLUTIONS: dict[str, Any] = {
    "loop.iterate_minibatches": iterate_minibatches_solution,
    "loop.perceptron_fit": perceptron_fit_solution,
    "loop.fit_epochs": train_solution,
    "loop.learning_rate": LEARNING_RATE_SOLUTION,
}
