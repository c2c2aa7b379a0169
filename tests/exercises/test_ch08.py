"""Chapter 8 exercises: the catalogue, the generic diagnosis, and answers written from the lab.

* catalogue: each exercise names its reference and keeps four mistakes (that each one
  loses points with its words shown, on seeds 0, 1 and 7, is tests/test_mistake_catalogues.py's
  check of every chapter);
* diagnosis: planted mistakes that no catalogue lists (F1 as a product, recall over the total,
  the three results stacked in one array, sorted scores, best_params as a list, the objective
  evaluated twice, the median score as threshold, a threshold as text, a threshold far too high)
  each get a sentence naming what is wrong;
* property: the answers of ``tests/independent/ch08.py`` (written only from lab 8's words,
  "nothing positive" included) get full marks on 300 seeds (the widget: 3);
* seed 0's cost inputs hold a case where deciding nothing is positive is cheapest.

About 20 s on one core.
"""

from __future__ import annotations

import numpy as np
import pytest
from independent import ch08 as independent

from nncourse import roc, search
from nncourse.exercises import check, get_exercise, list_exercises

EXERCISES = list_exercises(chapter="ch08")
WIDGETS = {"evaluation.operating_point"}


def _text(result) -> str:
    return str(result).lower()


def test_every_exercise_names_a_reference_and_keeps_four_mistakes() -> None:
    assert {e.id for e in EXERCISES} == set(independent.ANSWERS)
    for exercise in EXERCISES:
        assert exercise.reference_answer() is not None, exercise.id
        assert len(exercise.mistakes) >= 4, exercise.id
    assert get_exercise("evaluation.cost_threshold").reference == \
        "nncourse.roc.min_cost_threshold"


# ----------------------------------------------------------------------------- diagnosis
def f1_as_product(cm):
    """F1 = p · r."""
    precision, recall, _ = roc.precision_recall_f1(cm)
    return precision, recall, precision * recall


def results_stacked(cm):
    """The three arrays stacked into one (C, 3) array."""
    return np.stack(roc.precision_recall_f1(cm), axis=1)


def search_sorted_scores(objective, sample, n_trials, seed=0):
    """The scores sorted instead of in the order they ran."""
    result = search.random_search(objective, sample, n_trials, seed)
    return result.best_params, result.best_score, sorted(result.scores)


def search_params_as_list(objective, sample, n_trials, seed=0):
    """best_params as the list of values."""
    result = search.random_search(objective, sample, n_trials, seed)
    return list(result.best_params.values()), result.best_score, result.scores


def search_evaluates_twice(objective, sample, n_trials, seed=0):
    """The objective called twice per trial."""
    rng, scores, best = np.random.default_rng(seed), [], (None, np.inf)
    for _ in range(n_trials):
        params = sample(rng)
        score = objective(params)
        objective(params)
        scores.append(score)
        if score < best[1]:
            best = (params, score)
    return best[0], best[1], scores


def threshold_median(y_true, scores, cost_fp, cost_fn):
    """The median score."""
    return float(np.median(scores))


def threshold_as_text(y_true, scores, cost_fp, cost_fn):
    """The right threshold, as a string."""
    return str(roc.min_cost_threshold(y_true, scores, cost_fp, cost_fn))


PLANTED = [
    ("evaluation.confusion_metrics", f1_as_product, ("f1", "harmonic mean")),
    ("evaluation.confusion_metrics", results_stacked, ("tuple (precision, recall, f1)",)),
    ("evaluation.random_search", search_sorted_scores, ("in the order they ran",)),
    ("evaluation.random_search", search_params_as_list, ("best_params", "dict")),
    ("evaluation.random_search", search_evaluates_twice, ("called 14 times",)),
    ("evaluation.cost_threshold", threshold_median, ("costs", "is possible")),
    ("evaluation.cost_threshold", threshold_as_text, ("one number",)),
    ("evaluation.operating_point", {"threshold": 0.9}, ("recall", "lower the threshold")),
    ("evaluation.operating_point", "0.17", ("between 0 and 1",)),
]


@pytest.mark.parametrize(("exercise_id", "answer", "words"), PLANTED,
                         ids=[getattr(a, "__name__", repr(a)) for _, a, _ in PLANTED])
def test_uncatalogued_mistakes_are_named(exercise_id: str, answer, words) -> None:
    result = check(exercise_id, answer)
    assert result.score < result.max_score, str(result)
    for word in words:
        assert word.lower() in _text(result), (word, str(result))


# ----------------------------------------------------------------------------- property
@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(independent.ANSWERS))
def test_answers_written_from_the_lab_get_full_marks(exercise_id: str) -> None:
    answer = independent.ANSWERS[exercise_id]
    seeds = range(3) if exercise_id in WIDGETS else range(300)
    failed = [seed for seed in seeds if not check(exercise_id, answer, seed=seed).passed]
    assert not failed, (failed[:5], str(check(exercise_id, answer, seed=failed[0])))


def test_seed_zero_inputs_exercise_every_case() -> None:
    exercise = get_exercise("evaluation.cost_threshold")
    for case in exercise.cases:
        inputs = exercise.inputs_for(case, 0)
        threshold = roc.min_cost_threshold(inputs["y_true"], inputs["scores"],
                                           inputs["cost_fp"], inputs["cost_fn"])
        if case.name == "false alarms cost 100 times more":
            assert threshold == np.inf            # nothing positive is cheapest
    search_case = get_exercise("evaluation.random_search")
    assert {search_case.inputs_for(case, 0)["objective"] for case in search_case.cases} == \
        {"bowl", "flat"}                           # a tie among the trials


def test_quiz_has_feedback_for_every_answer() -> None:
    from nncourse.exercises import MultipleChoice, quiz

    questions = quiz("ch08").questions
    assert len(questions) >= 5
    for question in questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
