"""Chapters 7-8 exercises: the reference gets full marks on several seeds; every catalogued
mistake gets less, with feedback that names it."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.exercises import check, get_exercise, list_exercises
from nncourse.grading.solutions import get_solution

CHAPTERS = ("ch07", "ch08")
EXERCISES = [e for chapter in CHAPTERS for e in list_exercises(chapter=chapter)]
SEEDS = range(4)


def _messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


def test_each_chapter_has_code_and_widget_exercises_with_catalogues():
    for chapter in {e.chapter for e in EXERCISES}:
        exercises = list_exercises(chapter=chapter)
        kinds = [e.kind for e in exercises]
        assert sum(k in ("function", "functions") for k in kinds) >= 3, kinds
        assert sum(k in ("widget", "value") for k in kinds) >= 1, kinds
    for exercise in EXERCISES:
        assert len(exercise.mistakes) >= 4, exercise.id
        assert exercise.prompt and exercise.hints


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
@pytest.mark.parametrize("seed", SEEDS)
def test_reference_full_marks(exercise, seed):
    result = check(exercise.id, get_solution(exercise.id), seed=seed)
    assert result.passed and result.score == exercise.points, str(result)


@pytest.mark.parametrize("mistake", [(e, m) for e in EXERCISES for m in e.mistakes],
                         ids=lambda em: f"{em[0].id}:{em[1].name}")
@pytest.mark.parametrize("seed", SEEDS)
def test_catalogued_mistake_is_caught_and_named(mistake, seed):
    exercise, entry = mistake
    with np.errstate(all="ignore"):
        result = check(exercise.id, entry.answer, seed=seed)
    assert result.score < exercise.points, (entry.name, str(result))
    words = (entry.feedback,) if isinstance(entry.feedback, str) else entry.feedback
    text = _messages(result).lower()
    for word in words:
        assert word.lower() in text, (entry.name, text)
    for case in result.cases:
        if not case.passed:   # never a raw NumPy error, never cut off mid-sentence
            assert "Traceback" not in case.message and not case.message.rstrip().endswith(":")


def test_operating_point_reference_is_the_best_slider_threshold():
    from nncourse.exercises.ch08_evaluation import best_precision_at_recall

    assert best_precision_at_recall()[0] == get_solution("evaluation.operating_point")


def test_operating_point_accepts_the_explorer_state_forms():
    assert check("evaluation.operating_point", {"threshold": 0.17}).passed
    result = check("evaluation.operating_point", "0.17")
    assert not result.passed and "expected the evaluation explorer" in _messages(result)
    assert "outside [0, 1]" in _messages(check("evaluation.operating_point", 1.5))


def test_random_search_accepts_a_search_result_and_rejects_a_bare_number():
    from nncourse.search import random_search

    assert check("evaluation.random_search", random_search).passed
    result = check("evaluation.random_search", lambda o, s, n, seed=0: 0.5)
    assert "return the tuple (best_params, best_score, scores)" in _messages(result)


def test_confusion_metrics_shape_message():
    result = check("evaluation.confusion_metrics", lambda cm: (1.0, 1.0, 1.0))
    assert "expected one value per class" in _messages(result)
    assert get_exercise("evaluation.confusion_metrics").points == 3


def test_answer_widgets_build_and_check():
    from nncourse.exercises import exercise_widget

    box = exercise_widget("regularization.capacity_choice")
    box.controls["capacity"].value, box.controls["l2"].value = 3, 0.0
    assert check("regularization.capacity_choice", box).passed
    box = exercise_widget("evaluation.operating_point")
    box.controls["value"].value = 0.5
    assert "Lower the threshold" in _messages(check("evaluation.operating_point", box))


def test_capacity_explorer_state_is_judged_at_fifteen_points():
    from nncourse.widgets.capacity import CapacityExplorer

    explorer = CapacityExplorer(model="polynomial", capacity=3, n_train=40, l2=1e-3)
    result = check("regularization.capacity_choice", explorer)
    assert result.passed      # the choice is judged at 15 points, whatever the explorer shows
    explorer.set_state(capacity=14, l2=1e-8)
    assert "40 training points" in _messages(check("regularization.capacity_choice", explorer))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quiz_feedback_for_every_answer_and_static_page(chapter):
    from nncourse.exercises import MultipleChoice, Numeric, quiz

    questions = quiz(chapter).questions
    assert len(questions) >= 5
    html_text = quiz(chapter).static_html()
    assert html_text.count("<form class=\"nncourse-quiz-question") == len(questions)
    for question in questions:
        assert question.prompt in html_text
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
            for index, choice in enumerate(question.choices):
                assert question.grade(index) == (choice.correct, choice.feedback)
        else:
            assert isinstance(question, Numeric)
            assert question.grade(question.answer)[0]
            assert not question.grade(question.answer * 2 + 1)[0]
            assert question.feedback_low and question.feedback_high and question.feedback_correct
