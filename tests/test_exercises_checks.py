"""Every check accepts the reference and rejects plausible wrong answers with the right message.

Chapters 1-3 have their own files (test_exercises_ch01.py ...) and the framework's diagnosis
test_exercises_diagnosis.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.exercises import check, get_exercise, list_exercises
from nncourse.grading.solutions import get_solution


def messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


@pytest.mark.parametrize("exercise", list_exercises(), ids=lambda e: e.id)
def test_reference_solution_gets_full_marks(exercise):
    result = check(exercise.id, get_solution(exercise.id))
    assert result.passed, str(result)
    assert result.score == exercise.points > 0


def test_registry_has_the_chapter_ids():
    ids = {e.id for e in list_exercises()}
    assert {"loop.iterate_minibatches", "loop.perceptron_fit", "loop.fit_epochs",
            "loop.learning_rate", "gradients.numerical_gradient", "gradients.gradient_descent",
            "gradients.stability_limit", "gradients.converge_fast", "backprop.linear_backward",
            "backprop.relu_backward", "backprop.softmax",
            "backprop.softmax_cross_entropy_backward", "backprop.chain_rule",
            "activations.sigmoid_backward", "activations.tanh_backward",
            "activations.leaky_relu", "activations.deep_signal"} <= ids
    assert all(e.hints and e.cases and e.title for e in list_exercises())


# ----------------------------------------------------------------------------- chapter 4
def test_sigmoid_and_tanh_backward_wrong_answers():
    sig = lambda g, out: g * (1 / (1 + np.exp(-out))) * (1 - 1 / (1 + np.exp(-out)))  # noqa: E731
    assert "already is sigmoid(x)" in messages(check("activations.sigmoid_backward", sig))
    assert "missing a square" in messages(check("activations.tanh_backward",
                                                lambda g, out: g * (1 - out)))


def test_leaky_relu_ignoring_slope_and_plain_relu():
    fwd = lambda x, s=0.01: np.where(x > 0, x, 0.01 * x)  # noqa: E731
    bwd = lambda g, x, s=0.01: g * np.where(x > 0, 1.0, 0.01)  # noqa: E731
    result = check("activations.leaky_relu", (fwd, bwd))
    assert result.score == 2 and "ignore the negative_slope" in messages(result)
    result = check("activations.leaky_relu", (lambda x, s=0.01: np.maximum(x, 0), bwd))
    assert "plain ReLU" in messages(result)
    assert "pass the tuple" in messages(check("activations.leaky_relu", fwd))


@pytest.mark.parametrize("choice, word", [({"activation": "sigmoid", "init": "xavier"},
                                           "vanishes"),
                                          ({"activation": "relu", "init": "standard_normal"},
                                           "explodes")])
def test_deep_signal_rejects_bad_pairs(choice, word):
    result = check("activations.deep_signal", choice)
    assert not result.passed and word in messages(result)


def test_checks_are_deterministic_and_seeded():
    ex = get_exercise("backprop.linear_backward")
    a = ex.inputs_for(ex.cases[0], 0)["x"]
    assert np.array_equal(a, ex.inputs_for(ex.cases[0], 0)["x"])
    assert not np.array_equal(a, ex.inputs_for(ex.cases[0], 1)["x"])
