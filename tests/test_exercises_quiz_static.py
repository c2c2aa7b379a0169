"""Quizzes on a page without a kernel: one form per question, only the chosen feedback shown.

The checking script itself runs in a browser (tests/test_site_browser.py); here: the markup
carries the notebook's own feedback and tolerance, and nothing is visible before an answer.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from nncourse.exercises import Choice, MultipleChoice, Numeric
from nncourse.exercises.quiz import Quiz


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feedback: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "p" and "nncourse-quiz-feedback" in (attrs.get("class") or ""):
            self._open = attrs
            self.feedback.append((attrs, ""))

    def handle_endtag(self, tag):
        if tag == "p":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.feedback[-1]
            self.feedback[-1] = (attrs, text + data)


def _parse(markup: str) -> _Collect:
    parser = _Collect()
    parser.feed(markup)
    return parser


def _quiz() -> Quiz:
    return Quiz("t", [
        MultipleChoice("t.mc", "Pick <code>b</code>", [
            Choice("a", feedback="a is the input size."),
            Choice("b", correct=True, feedback="b matches the weight."),
            Choice("c")]),
        Numeric("t.num", "2/L for $L = 4$?", answer=0.5, rtol=0.01, atol=0.001,
                feedback_low="too small", feedback_high="too big"),
    ])


def test_each_choice_has_its_own_hidden_feedback_from_grade():
    quiz = _quiz()
    parsed = _parse(quiz.static_html())
    radios = [a for t, a in parsed.elements if t == "input" and a.get("type") == "radio"]
    assert [r["value"] for r in radios] == ["0", "1", "2"]
    assert {r["name"] for r in radios} == {"t.mc"}
    by_key = {a["data-for"]: text for a, text in parsed.feedback[:3]}
    for i in range(3):
        assert quiz.questions[0].grade(i)[1] in by_key[str(i)]
    assert "Not quite" in by_key["0"] and "Correct" in by_key["1"]
    assert all("hidden" in attrs for attrs, _ in parsed.feedback)


def test_numeric_question_has_an_input_and_the_notebook_tolerance():
    parsed = _parse(_quiz().static_html())
    (form,) = [a for t, a in parsed.elements if t == "form" and a.get("data-kind") == "numeric"]
    assert float(form["data-answer"]) == 0.5
    assert float(form["data-rtol"]) == 0.01 and float(form["data-atol"]) == 0.001
    (field,) = [a for t, a in parsed.elements if t == "input" and a.get("type") == "number"]
    assert field["step"] == "any"
    texts = {a["data-for"]: text for a, text in parsed.feedback[3:]}
    assert "too small" in texts["low"] and "too big" in texts["high"]
    assert "Correct" in texts["correct"] and "Enter a number" in texts["invalid"]


def test_math_and_html_in_prompts_survive():
    markup = _quiz().static_html()
    assert "<code>b</code>" in markup
    assert '<span class="math notranslate nohighlight">\\(L = 4\\)</span>' in markup


@pytest.mark.parametrize("chapter", ["ch01", "ch02", "ch03", "ch04"])
def test_every_chapter_quiz_renders_one_form_per_question(chapter):
    from nncourse.exercises import quiz

    q = quiz(chapter)
    markup = q.static_html()
    parsed = _parse(markup)
    forms = [a for t, a in parsed.elements if t == "form"]
    assert len(forms) == len(q.questions) >= 4
    assert len({f["id"] for f in forms}) == len(forms)
    assert markup.count("<script>") == 1
