"""Chapter 10's checks: the reference earns full marks, every catalogued mistake earns less
and is named, and the runs behind the judges behave (meta device, bit-identical resume)."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.exercises import check, get_exercise, list_exercises
from nncourse.grading.solutions import get_solution

CH10 = list_exercises(chapter="ch10")
MISTAKES = [(exercise.id, mistake) for exercise in CH10 for mistake in exercise.mistakes]


def failures(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


def test_chapter_10_has_its_exercises_each_with_four_mistakes() -> None:
    ids = {exercise.id for exercise in CH10}
    assert ids == {"scaling.device_step", "scaling.accumulate", "scaling.amp_step",
                   "scaling.resume", "scaling.memory_budget", "scaling.ddp_batch"}
    assert all(len(exercise.mistakes) >= 4 for exercise in CH10)
    assert sum(e.kind in ("function", "functions") for e in CH10) >= 3
    assert get_exercise("scaling.memory_budget").kind == "widget"


@pytest.mark.parametrize("exercise", CH10, ids=lambda e: e.id)
def test_reference_gets_full_marks(exercise) -> None:
    result = check(exercise.id, get_solution(exercise.id))
    assert result.passed, str(result)
    assert result.score == exercise.points > 0


@pytest.mark.parametrize(("exercise_id", "mistake"), MISTAKES,
                         ids=[f"{i}:{m.name}" for i, m in MISTAKES])
def test_each_mistake_gets_less_than_full_points_and_is_named(exercise_id, mistake) -> None:
    exercise = get_exercise(exercise_id)
    result = check(exercise_id, mistake.answer)
    assert result.score < exercise.points, mistake.name
    words = (mistake.feedback,) if isinstance(mistake.feedback, str) else mistake.feedback
    text = failures(result).lower()
    for word in words:
        assert word.lower() in text, f"{mistake.name}: {word!r} not in {text!r}"
    assert "traceback" not in text


def test_stub_reports_not_implemented() -> None:
    def stub(*args):
        raise NotImplementedError

    result = check("scaling.device_step", stub)
    assert result.score == 0
    assert "not implemented yet" in failures(result)


def test_memory_budget_accepts_the_explorer() -> None:
    from nncourse.widgets.scaling import MemoryBudgetExplorer

    explorer = MemoryBudgetExplorer(batch_size=2048, accumulation_steps=4)
    assert check("scaling.memory_budget", explorer).passed
    explorer.set_state(batch_size=4096, accumulation_steps=2)
    assert "more than the 512 MiB budget" in failures(check("scaling.memory_budget", explorer))


def test_memory_model_counts_adam_and_activations() -> None:
    from nncourse.widgets.scaling import (
        WIDE_MLP,
        activation_values,
        largest_fitting_batch,
        parameter_count,
        training_memory,
    )

    p = parameter_count(WIDE_MLP)
    assert p == 785 * 4096 + 4097 * 4096 + 4097 * 10
    one, two = training_memory(WIDE_MLP, 1), training_memory(WIDE_MLP, 2)
    assert one["optimizer"] == 2 * one["weights"] == 2 * one["gradients"] == 8 * p
    assert two["activations"] - one["activations"] == 4 * activation_values(WIDE_MLP)
    assert largest_fitting_batch(WIDE_MLP, budget_mib=1) is None  # not even the weights fit
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        training_memory(WIDE_MLP, 0)


def test_resume_reference_is_bit_identical_and_leaves_the_global_generator_alone() -> None:
    import torch

    from nncourse.exercises.ch10_runs import resume_loop, resume_reference
    from nncourse.grading.solutions.ch10 import load_state, save_state

    inputs = {"seed": 5, "n": 24, "stop": 2, "epochs": 4}
    before = torch.get_rng_state()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        out = resume_loop(save_state, load_state, str(Path(folder) / "c.pt"), inputs)
    reference = resume_reference(inputs)
    assert all(np.array_equal(out["final"][k], reference[k]) for k in reference)
    assert torch.equal(torch.get_rng_state(), before)


def test_answer_widget_of_the_budget_exercise() -> None:
    from nncourse.exercises import exercise_widget

    box = exercise_widget("scaling.memory_budget")
    box.controls["batch_size"].value, box.controls["accumulation_steps"].value = "2048", "4"
    assert check("scaling.memory_budget", box).passed
    box.controls["batch_size"].value = "1024"
    assert "asks for 8192" in failures(check("scaling.memory_budget", box))


def test_quiz_has_feedback_for_every_answer_and_renders_statically() -> None:
    from nncourse.exercises import MultipleChoice, Numeric, quiz

    chapter_quiz = quiz("ch10")
    assert len(chapter_quiz.questions) >= 5
    html_text = chapter_quiz.static_html()
    assert html_text.count("<form class=\"nncourse-quiz-question") == len(chapter_quiz.questions)
    for question in chapter_quiz.questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
            right = next(i for i, c in enumerate(question.choices) if c.correct)
            wrong = next(i for i, c in enumerate(question.choices) if not c.correct)
            assert question.grade(right)[0] and not question.grade(wrong)[0]
        else:
            assert isinstance(question, Numeric)
            assert question.grade(question.answer)[0]
            assert not question.grade(question.answer * 2 + 1)[0]


def test_bias_free_linear_chain_runs_under_bf16_autocast_and_still_refuses_float64() -> None:
    import torch

    from nncourse.torch import Linear, ReLU, Sequential

    model = Sequential(Linear(4, 8, seed=0, bias=False), ReLU(), Linear(8, 3, seed=1))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.randn(2, 4))
    assert out.shape == (2, 3) and model[2].weight.dtype == torch.float32
    with pytest.raises(TypeError, match="float32 weights but got a torch.float64 input"):
        model(torch.randn(2, 4, dtype=torch.float64))
