"""Quiz questions and widgets, widget-driven exercises, result rendering, the registry API."""

from __future__ import annotations

import pytest

from nncourse.exercises import (
    Choice,
    MultipleChoice,
    Numeric,
    check,
    exercise_widget,
    get_exercise,
    get_question,
    quiz,
    register_quiz,
)


def _mc(qid: str = "test.mc") -> MultipleChoice:
    return MultipleChoice(qid, "grad_weight of Linear(5, 3) has shape?", [
        Choice("(5, 3)", feedback="That is (in, out)."),
        Choice("(3, 5)", correct=True, feedback="Like the weight."),
    ])


def test_multiple_choice_feedback_per_choice():
    q = _mc()
    assert q.grade(0) == (False, "That is (in, out).")
    assert q.grade(1) == (True, "Like the weight.")
    with pytest.raises(ValueError, match="index 0..1"):
        q.grade(5)
    with pytest.raises(ValueError, match="one marked correct"):
        MultipleChoice("bad", "?", [Choice("a"), Choice("b")])


def test_numeric_feedback_low_high_and_tolerance():
    q = Numeric("test.num", "2/L for L=4?", answer=0.5, rtol=0.01, feedback_low="too small",
                feedback_high="too big")
    assert q.grade(0.502)[0] and not q.grade(0.3)[0]
    assert q.grade(0.3)[1] == "too small" and q.grade(0.9)[1] == "too big"
    assert q.grade("abc") == (False, "Enter a number; got 'abc'.")


def test_numeric_answer_rounded_too_far_is_told_so():
    q = Numeric("test.round", "2/11?", answer=2 / 11, rtol=1e-3, feedback_low="too small",
                feedback_high="too big")
    assert q.grade(0.1818)[0]
    correct, text = q.grade(0.183)      # rounded up too coarsely
    assert not correct and "rounding" in text and "too big" not in text
    assert q.grade(0.25)[1] == "too big"


def test_widget_click_shows_feedback():
    box = _mc("test.widget").widget()
    box.control.value = 0
    box.check_button.click()
    assert "(in, out)" in box.feedback.value and "✘" in box.feedback.value
    box.control.value = 1
    box.check_button.click()
    assert "✔" in box.feedback.value


def test_register_and_show_a_chapter_quiz():
    register_quiz("ch99", [_mc("test.ch99.q1"), Numeric("test.ch99.q2", "?", answer=1.0)],
                  title="Check yourself")
    shown = quiz(99)
    assert shown.title == "Check yourself" and len(shown.questions) == 2
    assert "grad_weight" in str(shown) and get_question("test.ch99.q2").answer == 1.0
    assert len(shown.widget().children) == 3
    with pytest.raises(ValueError, match="already registered"):
        register_quiz("ch99", [_mc("test.ch99.q1")])
    with pytest.raises(KeyError, match="No quiz"):
        quiz("ch98")


def test_widget_exercise_checks_the_widget_state():
    box = exercise_widget("gradients.converge_fast")
    box.controls["value"].value = 0.15
    assert check("gradients.converge_fast", box).passed
    box.controls["value"].value = 0.5
    assert not check("gradients.converge_fast", box).passed
    signal = exercise_widget("activations.deep_signal")
    signal.controls["activation"].value, signal.controls["init"].value = "relu", "he"
    assert check("activations.deep_signal", signal).passed


def test_result_renders_as_html_and_text_and_hides_solution():
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, x.T @ g, g.sum(0)))
    text, page = str(result), result._repr_html_()
    assert "[FAIL] shapes" in text and "2/4 points" in text and "hint:" in text
    assert "<table>" in page and "grad_weight is transposed: it has shape (3, 5)" in page
    assert not hasattr(get_exercise("backprop.linear_backward"), "solution")
    assert "BEGIN SOLUTION" not in text + page and "grad_out.T @ x  #" not in page


def test_check_rejects_non_callables_and_unknown_ids():
    result = check("backprop.softmax", 3.0)
    assert not result.passed and "expected a function" in result.error.lower()
    with pytest.raises(KeyError, match="Did you mean 'backprop.softmax'"):
        check("backprop.sofmax", print)


def test_exceptions_and_stubs_become_failures():
    def stub(*args):
        raise NotImplementedError("backprop.softmax: write your solution here")

    result = check("backprop.softmax", stub)
    assert result.score == 0 and "not implemented yet" in result.cases[0].message
    result = check("backprop.softmax", lambda z: 1 / 0)
    assert "divided by zero" in result.cases[0].message


def test_static_html_lists_every_question_with_hidden_feedback():
    from nncourse.exercises import quiz as get_quiz

    for chapter in ("ch01", "ch02", "ch03", "ch04"):
        quiz_ = get_quiz(chapter)
        html_text = quiz_.static_html()
        assert html_text.count("<form ") == len(quiz_.questions) >= 4
        assert html_text.count("<p class=\"nncourse-quiz-feedback") == html_text.count(" hidden>")
        for question in quiz_.questions:
            assert question.prompt in html_text
            for choice in getattr(question, "choices", []):
                assert choice.text in html_text


@pytest.mark.parametrize("chapter", ["ch01", "ch02", "ch03", "ch04"])
def test_quiz_has_feedback_for_every_answer(chapter: str) -> None:
    from nncourse.exercises import MultipleChoice, Numeric
    from nncourse.exercises import quiz as get_quiz

    questions = get_quiz(chapter).questions
    assert len(questions) >= 4
    for question in questions:
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
            assert question.feedback_low and question.feedback_high and question.feedback_correct
