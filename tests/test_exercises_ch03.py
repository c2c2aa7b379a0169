"""Chapter 3's exercises: a correct answer written from the lab's words earns full marks
on 300 seeds (the catalogue is tested in test_mistake_catalogues.py, the generic diagnosis in
test_exercises_diagnosis.py)."""

from __future__ import annotations

import pytest
from independent.ch03 import ANSWERS

from nncourse.exercises import check, list_exercises

SEEDS = range(300)


def test_every_exercise_has_an_independent_answer():
    assert {exercise.id for exercise in list_exercises("ch03")} == set(ANSWERS)


@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_independent_answer_gets_full_marks_on_every_seed(exercise_id):
    for seed in SEEDS:
        result = check(exercise_id, ANSWERS[exercise_id], seed=seed)
        assert result.score == result.max_score > 0, f"seed {seed}: {result}"


def _messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


def test_transposed_weight_gradient_is_named():
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, x.T @ g, g.sum(0)))
    assert result.score == 2
    assert "x.T @ grad_out" in _messages(result) and "(out_features, in_features)" in \
        _messages(result)


@pytest.mark.parametrize(("grad_bias", "words"), [
    (lambda g: None, "grad_bias is none"),
    (lambda g: g, "grad_bias has shape (4, 5), expected (5,)"),
    (lambda g: g.sum(), "grad_bias has shape (), expected (5,)"),
])
def test_bias_gradients_of_the_wrong_kind(grad_bias, words):
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, g.T @ x, grad_bias(g)))
    assert words in _messages(result).lower()


def test_seed_zero_relu_inputs_hold_exact_zeros():
    """The kink convention (0 at x == 0) is checked on the seed the notebook uses."""
    from nncourse.exercises import get_exercise

    relu = get_exercise("backprop.relu_backward")
    assert (relu.inputs_for(relu.cases[0], 0)["x"] == 0).any()
