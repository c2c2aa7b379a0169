"""Every exercise's mistake catalogue: each wrong answer loses points and is named as such.

For every registered exercise: at least four :class:`~nncourse.exercises.Mistake` entries;
each runs through ``check`` on several base seeds and must get less than full points with a
message containing its message (or, for a custom-judged case, its feedback words); the
reference gets full points on every seed; and no message ends mid-sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.exercises import check, list_exercises
from nncourse.exercises.checking import full_sentence, plain_words
from nncourse.exercises.compare import compare_arrays

SEEDS = (0, 1, 7)
SENTENCE_ENDS = (".", "!", "?", ")", "]", "}", '"', "'")
EXERCISES = list_exercises()
MISTAKES = [(exercise, mistake) for exercise in EXERCISES for mistake in exercise.mistakes]


def _check(exercise_id, answer, seed):
    with np.errstate(all="ignore"):     # wrong answers may overflow on purpose
        return check(exercise_id, answer, seed=seed)


def _messages(result) -> list[str]:
    found = [case.message for case in result.cases if not case.passed]
    return found + ([result.error] if result.error else [])


def test_every_chapter_exercise_is_registered():
    assert len(EXERCISES) >= 18
    assert {exercise.chapter for exercise in EXERCISES} >= {"ch01", "ch02", "ch03", "ch04"}


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_catalogue_has_four_named_mistakes(exercise):
    assert len(exercise.mistakes) >= 4, f"{exercise.id} has {len(exercise.mistakes)} mistakes"
    names = [mistake.name for mistake in exercise.mistakes]
    assert len(set(names)) == len(names)
    assert all(mistake.words and all(mistake.words) for mistake in exercise.mistakes)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_gets_full_points_on_every_seed(exercise):
    reference = exercise.reference_answer()
    for seed in SEEDS:
        result = _check(exercise.id, reference, seed)
        assert result.passed and result.score == exercise.points, f"seed {seed}: {result}"


@pytest.mark.parametrize("exercise, mistake", MISTAKES,
                         ids=[f"{e.id}: {m.name}" for e, m in MISTAKES])
def test_mistake_loses_points_and_is_named(exercise, mistake):
    words = mistake.words
    for seed in SEEDS:
        result = _check(exercise.id, mistake.answer, seed)
        messages = _messages(result)
        assert result.score < exercise.points, f"seed {seed}: {mistake.name} got full points"
        text = " | ".join(messages).lower()
        for word in words:
            assert word.lower() in text, f"seed {seed}: {word!r} not in {text!r}"
        for message in messages:
            assert message.rstrip().endswith(SENTENCE_ENDS), f"ends mid-sentence: {message!r}"
            assert "Traceback" not in message and "gufunc" not in message
            assert "could not be broadcast" not in message


def test_messages_never_end_mid_sentence():
    assert full_sentence("largest:") == "largest."
    assert full_sentence("your code stopped") == "Your code stopped."
    assert full_sentence("shape (3,)") == "shape (3,)"
    message = compare_arrays("g", np.ones(3) + 1e-3, np.ones(3), rtol=1e-6, atol=0)
    assert message.endswith(".") and "largest: g[" in message


def test_numpy_shape_errors_are_put_in_plain_words():
    try:
        np.ones((4, 5)) @ np.ones((3, 5))
    except ValueError as exc:
        text = plain_words(exc)
    assert "5 columns" in text and "3 rows" in text and "transpose" in text
    try:
        np.ones((5, 4)) / np.ones(5)
    except ValueError as exc:
        text = plain_words(exc)
    assert "(5, 4) and (5,)" in text and "keepdims=True" in text
    assert plain_words(ValueError("something else")) is None


def test_judges_need_no_widgets():
    """Checking every exercise imports no UI: judges use the widget-free compute modules."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from nncourse.exercises import check, list_exercises\n"
            "for exercise in list_exercises():\n"
            "    assert check(exercise.id, exercise.reference_answer()).passed, exercise.id\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.strip() == "[]", done.stdout
