"""Chapters 5 and 6 exercises: references get full marks, every catalogued mistake does not.

Each mistake must score less than full points on several seeds, with a message containing the
words that name it. The step exercises are also tied to ``torch.optim``: the reference steps
agree with it step for step in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nncourse.exercises import check, list_exercises
from nncourse.grading.solutions import get_solution

CHAPTERS = ("ch05", "ch06")
EXERCISES = [exercise for chapter in CHAPTERS for exercise in list_exercises(chapter=chapter)]
SEEDS = (0, 1, 2)


def test_each_chapter_has_code_and_widget_exercises_with_catalogues() -> None:
    for chapter in CHAPTERS:
        exercises = list_exercises(chapter=chapter)
        kinds = [exercise.kind for exercise in exercises]
        assert sum(kind in ("function", "functions") for kind in kinds) >= 3, kinds
        assert any(kind in ("widget", "value") for kind in kinds), kinds
        for exercise in exercises:
            assert len(exercise.mistakes) >= 4, exercise.id


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_gets_full_marks(exercise) -> None:
    for seed in SEEDS:
        result = check(exercise.id, get_solution(exercise.id), seed=seed)
        assert result.passed, str(result)


@pytest.mark.parametrize(("exercise", "mistake"),
                         [(e, m) for e in EXERCISES for m in e.mistakes],
                         ids=lambda item: getattr(item, "id", getattr(item, "name", "")))
def test_each_mistake_loses_points_with_its_message(exercise, mistake) -> None:
    words = (mistake.feedback,) if isinstance(mistake.feedback, str) else mistake.feedback
    for seed in SEEDS:
        result = check(exercise.id, mistake.answer, seed=seed)
        text = str(result).lower()
        assert result.score < result.max_score == exercise.points, (mistake.name, text)
        for word in words:
            assert word.lower() in text, (mistake.name, word, text)
        assert "largest: \n" not in text and not text.rstrip().endswith(":")


@pytest.mark.parametrize(("exercise_id", "make"), [
    ("optim.momentum_step", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)),
    ("optim.rmsprop_step", lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8)),
    ("optim.adam_step", lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8)),
])
def test_reference_steps_match_torch_optim(exercise_id: str, make) -> None:
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=(3, 4)), rng.normal(size=(8, 3, 4))
    p = torch.tensor(start, requires_grad=True)
    optimizer = make(p)
    solution = get_solution(exercise_id)
    param, state = start.copy(), [np.zeros_like(start)] * (2 if "adam" in exercise_id else 1)
    hyper = {"optim.momentum_step": (0.1, 0.9), "optim.rmsprop_step": (0.01, 0.9, 1e-8),
             "optim.adam_step": (0.01, 0.9, 0.99, 1e-8)}[exercise_id]
    for t, grad in enumerate(grads, start=1):
        p.grad = torch.tensor(grad)
        optimizer.step()
        extra = (t,) if "adam" in exercise_id else ()
        param, *state = solution(param, grad, *state, *extra, *hyper)
        np.testing.assert_allclose(param, p.detach().numpy(), rtol=1e-8, atol=1e-10)


def test_wrong_return_structure_is_named() -> None:
    result = check("optim.momentum_step", lambda p, g, v, lr, m: p - lr * g)
    assert "must return the tuple (param, velocity)" in str(result)


def test_damping_explorer_state_is_an_answer() -> None:
    from nncourse.widgets.damping import DampingExplorer

    explorer = DampingExplorer(lr=0.6, momentum=0.45)
    assert check("optim.critical_momentum", explorer).passed
    explorer.set_state(lr=0.4, momentum=0.0)
    assert "without momentum" in str(check("optim.critical_momentum", explorer))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_quiz_has_feedback_for_every_answer(chapter: str) -> None:
    from nncourse.exercises import MultipleChoice, Numeric, quiz

    questions = quiz(chapter).questions
    assert len(questions) >= 5
    html_text = quiz(chapter).static_html()
    assert html_text.count("<form class=\"nncourse-quiz-question") == len(questions)
    for question in questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
        else:
            assert isinstance(question, Numeric)
            assert question.grade(question.answer)[0]
            assert not question.grade(question.answer * 2 + 1)[0]
            assert not question.grade(question.answer * 0.5)[0]
