"""Chapter 2's exercises: a correct answer written from the lab's words earns full marks
on 300 seeds (the catalogue is tested in test_mistake_catalogues.py, the generic diagnosis in
test_exercises_diagnosis.py)."""

from __future__ import annotations

import pytest
from independent.ch02 import ANSWERS

from nncourse.exercises import check, list_exercises

SEEDS = range(300)


def test_every_exercise_has_an_independent_answer():
    assert {exercise.id for exercise in list_exercises("ch02")} == set(ANSWERS)


@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_independent_answer_gets_full_marks_on_every_seed(exercise_id):
    for seed in SEEDS:
        result = check(exercise_id, ANSWERS[exercise_id], seed=seed)
        assert result.score == result.max_score > 0, f"seed {seed}: {result}"


def _messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


@pytest.mark.parametrize(("value", "word"), [(0.25, "1/L"), (0.6, "grow"), ("0.5", "number")])
def test_stability_limit_messages(value, word):
    result = check("gradients.stability_limit", value)
    assert not result.passed and word in _messages(result)


@pytest.mark.parametrize(("lr", "word"), [(0.25, "diverges"), (0.01, "too slow")])
def test_converge_fast_rejects(lr, word):
    assert word in _messages(check("gradients.converge_fast", lr))
