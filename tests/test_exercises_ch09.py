"""Chapter 9 exercises: references get full marks, every catalogued mistake is caught and named."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from nncourse.exercises import check, get_exercise, list_exercises  # noqa: E402
from nncourse.exercises.quizzes import quiz  # noqa: E402
from nncourse.grading.solutions import get_solution  # noqa: E402

EXERCISES = list_exercises(chapter="ch09")
CASES = [(e.id, m) for e in EXERCISES for m in e.mistakes]


def test_chapter_9_exercises_and_catalogues() -> None:
    ids = {e.id for e in EXERCISES}
    assert ids == {"transfer.freeze_backbone", "transfer.replace_head", "transfer.param_groups",
                   "transfer.label_budget"}
    assert get_exercise("transfer.label_budget").kind == "widget"
    for exercise in EXERCISES:
        assert len(exercise.mistakes) >= 4, exercise.id


@pytest.mark.parametrize("exercise_id", sorted(e.id for e in EXERCISES))
def test_reference_gets_full_marks(exercise_id: str) -> None:
    result = check(exercise_id, get_solution(exercise_id))
    assert result.passed, str(result)


@pytest.mark.parametrize("exercise_id, mistake", CASES, ids=[f"{i}:{m.name}" for i, m in CASES])
def test_mistake_loses_points_and_is_named(exercise_id: str, mistake) -> None:
    exercise = get_exercise(exercise_id)
    for seed in (0, 1):
        result = check(exercise_id, mistake.answer, seed=seed)
        earned = sum(c.points for c in result.cases)
        assert earned < exercise.points, (mistake.name, str(result))
        text = str(result).lower()
        words = (mistake.feedback,) if isinstance(mistake.feedback, str) else mistake.feedback
        for word in words:
            assert word.lower() in text, (mistake.name, word, str(result))
        assert "traceback" not in text


def test_quiz_registered() -> None:
    assert len(quiz("ch09").questions) >= 4
