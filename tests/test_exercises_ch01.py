"""Chapter 1's exercises: a correct answer written from the lab's words earns full marks
on 300 seeds (the catalogue is tested in test_mistake_catalogues.py, the generic diagnosis in
test_exercises_diagnosis.py)."""

from __future__ import annotations

import pytest
from independent.ch01 import ANSWERS

from nncourse.exercises import check, list_exercises

SEEDS = range(300)


def test_every_exercise_has_an_independent_answer():
    assert {exercise.id for exercise in list_exercises("ch01")} == set(ANSWERS)


@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(ANSWERS))
def test_independent_answer_gets_full_marks_on_every_seed(exercise_id):
    for seed in SEEDS:
        result = check(exercise_id, ANSWERS[exercise_id], seed=seed)
        assert result.score == result.max_score > 0, f"seed {seed}: {result}"


def _messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


def test_a_loop_that_sets_counters_and_nudges_a_weight_loses_points():
    """The grade comes from the weights after training, never from counters on learner objects."""
    from nncourse.exercises.ch01.reference import train

    def gaming(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
        losses = train(model, loss_fn, optimizer, x, y, epochs - 1, batch_size, seed)
        optimizer.steps, model.forward_samples = 15, 205        # what counters would read
        model.weight.data = model.weight.data + 1e-3
        return [*losses, losses[-1]]

    result = check("loop.fit_epochs", gaming)
    assert result.cases[0].points == 0 and "weight" in _messages(result)


def test_off_by_one_epoch_loop_is_named():
    from nncourse.exercises.ch01.reference import train

    def short(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
        return train(model, loss_fn, optimizer, x, y, epochs - 1, batch_size, seed)

    assert "one epoch too few" in _messages(check("loop.fit_epochs", short))


@pytest.mark.parametrize(("lr", "word"), [(1e-3, "too slow"), (1.5, "diverges"),
                                          ("0.1", "expected a number")])
def test_learning_rate_widget_rejects(lr, word):
    assert word in _messages(check("loop.learning_rate", lr)).lower()


def test_seed_zero_inputs_exercise_the_cases():
    """The partial last batch is there, and the perceptron's data are separable with margin."""
    from nncourse.exercises import get_exercise

    fit = get_exercise("loop.fit_epochs")
    inputs = fit.inputs_for(fit.cases[0], 0)
    assert len(inputs["x"]) % inputs["batch_size"] != 0
    batches = get_exercise("loop.iterate_minibatches")
    inputs = batches.inputs_for(batches.cases[0], 0)
    assert len(inputs["x"]) % inputs["batch_size"] != 0
