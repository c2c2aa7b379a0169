"""Quiz questions and their ipywidgets: multiple choice and numeric answers, feedback per choice.

Questions are plain data (testable without a browser); ``.widget()`` builds the UI.

Example:
    >>> q = MultipleChoice("ch03.q1", "Which shape has grad_weight for Linear(5, 3)?",
    ...                    [Choice("(5, 3)", feedback="That is (in, out)."),
    ...                     Choice("(3, 5)", correct=True, feedback="Same shape as the weight.")])
    >>> q.grade(1)
    (True, 'Same shape as the weight.')
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

from nncourse.exercises.progress import record_quiz

from ..i18n import _


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question, with the feedback shown when it is picked."""

    text: str
    correct: bool = False
    feedback: str = ""


@dataclass
class MultipleChoice:
    """A question with one or more correct choices (the learner picks one).

    Args:
        id: unique id, e.g. ``"ch03.linear_shapes"``.
        prompt: the question (Markdown/HTML allowed).
        choices: at least two :class:`Choice`, at least one correct.
        points: for self-assessment totals.
    """

    id: str
    prompt: str
    choices: list[Choice]
    points: float = 1.0

    def __post_init__(self) -> None:
        if len(self.choices) < 2 or not any(choice.correct for choice in self.choices):
            raise ValueError(f"Question {self.id!r} needs at least two choices and one marked "
                             f"correct=True; got {len(self.choices)} choice(s).")

    def grade(self, selected: int) -> tuple[bool, str]:
        """``(correct, feedback)`` for the choice at index ``selected``."""
        if not isinstance(selected, int) or not 0 <= selected < len(self.choices):
            raise ValueError(f"selected must be an index 0..{len(self.choices) - 1}; "
                             f"got {selected!r}.")
        choice = self.choices[selected]
        default = _("Correct.") if choice.correct else _("Not quite — try another option.")
        return choice.correct, _(choice.feedback) if choice.feedback else default

    def widget(self) -> Any:
        """An ipywidgets box: the prompt, radio buttons, a Check button, a feedback line."""
        import ipywidgets as widgets

        radio = widgets.RadioButtons(options=[(_(c.text), i) for i, c in enumerate(self.choices)],
                                     value=None, layout=widgets.Layout(width="max-content"))
        return _assemble(self, radio, lambda: self.grade(radio.value) if radio.value is not None
                         else (False, _("Pick an option first.")))


@dataclass
class Numeric:
    """A question with a numeric answer, accepted within ``rtol``/``atol``.

    Args:
        answer: the correct value.
        feedback_low / feedback_high: shown when the learner's number is too small / too big.
        feedback_correct: shown when it is right.
    """

    id: str
    prompt: str
    answer: float
    rtol: float = 1e-2
    atol: float = 0.0
    feedback_low: str = ""
    feedback_high: str = ""
    feedback_correct: str = ""
    points: float = 1.0

    def grade(self, value: float) -> tuple[bool, str]:
        """``(correct, feedback)`` for the number ``value``."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False, _("Enter a number; got {value}.").format(value=repr(value))
        if not math.isfinite(value):
            return False, _("Enter a finite number.")
        tolerance = self.atol + self.rtol * abs(self.answer)
        if abs(value - self.answer) <= tolerance:
            return True, _(self.feedback_correct) if self.feedback_correct else _("Correct.")
        if abs(value - self.answer) <= 10 * tolerance:   # right idea, too few digits
            return False, _("Close: {value} is just outside the accepted range (±{tolerance}). "
                            "Check the rounding: give 3 or more significant digits.").format(
                                value=f"{value:g}", tolerance=f"{tolerance:.2g}")
        if value < self.answer:
            return False, _(self.feedback_low) if self.feedback_low else _("Too small.")
        return False, _(self.feedback_high) if self.feedback_high else _("Too large.")

    def widget(self) -> Any:
        """An ipywidgets box: the prompt, a number field, a Check button, a feedback line."""
        import ipywidgets as widgets

        field_ = widgets.FloatText(value=0.0, description=_("answer"))
        return _assemble(self, field_, lambda: self.grade(field_.value))


Question = MultipleChoice | Numeric


def _assemble(question: Question, control: Any, grade: Any) -> Any:
    import ipywidgets as widgets

    button = widgets.Button(description=_("Check"), button_style="primary")
    feedback = widgets.HTML()

    def on_click(_: Any) -> None:
        correct, text = grade()
        record_quiz(question.id, correct)
        color = "#1a7f37" if correct else "#b42318"
        feedback.value = f"<span style='color:{color}'>{'✔' if correct else '✘'} {text}</span>"

    button.on_click(on_click)
    box = widgets.VBox([widgets.HTML(f"<p>{_(question.prompt)}</p>"), control,
                        widgets.HBox([button, feedback])])
    box.check_button, box.feedback, box.control = button, feedback, control
    return box


@dataclass
class Quiz:
    """An ordered list of questions shown together (displaying it in Jupyter shows the widgets)."""

    title: str
    questions: list[Question] = field(default_factory=list)

    def widget(self) -> Any:
        """A VBox with the title and one widget per question."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HTML(f"<h4>{_(self.title)}</h4>")]
                            + [question.widget() for question in self.questions])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    def static_html(self) -> str:
        """The quiz for a page without a kernel: the reader commits to an answer, presses
        Check, and sees the feedback of that answer only.

        Multiple-choice questions become radio buttons; numeric ones a number field graded
        with the question's own ``rtol``/``atol`` (see :meth:`Numeric.grade`). A short script
        in the HTML does the checking; every feedback text stays hidden until it applies.

        Example:
            >>> quiz = Quiz("Check", [Numeric("q", "2 + 2?", answer=4, feedback_correct="Yes.")])
            >>> 'type="number"' in quiz.static_html()
            True
        """
        items = [_static_question(number, question)
                 for number, question in enumerate(self.questions, 1)]
        return (f"<div class=\"nncourse-quiz\">{''.join(items)}"
                f"<script>{_QUIZ_SCRIPT}</script></div>")

    def __str__(self) -> str:
        lines = [_(self.title)]
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. {_(question.prompt)}")
            if isinstance(question, MultipleChoice):
                lines += [f"   ({chr(97 + i)}) {_(c.text)}" for i, c in enumerate(question.choices)]
        return "\n".join(lines)


def _static_question(number: int, question: Question) -> str:
    """One question as a small form: prompt, answer control, Check, hidden feedback texts."""
    qid = html.escape(question.id, quote=True)
    dom_id = "quiz-" + re.sub(r"[^A-Za-z0-9_-]", "-", question.id)
    feedback = []
    if isinstance(question, MultipleChoice):
        control = "".join(
            f'<label class="nncourse-quiz-choice"><input type="radio" name="{qid}" '
            f'value="{i}"> {_(choice.text)}</label>' for i, choice in enumerate(question.choices))
        for i, choice in enumerate(question.choices):
            _correct, text = question.grade(i)  # the notebook's own feedback, defaults included
            feedback.append(_feedback(str(i), choice.correct, text))
        kind, data = "choice", ""
    else:
        your_answer = _("Your answer")
        control = (f'<label class="nncourse-quiz-number">{your_answer} '
                   f'<input type="number" step="any" inputmode="decimal" name="{qid}"></label>')
        # The notebook's own feedback (defaults included): a number just outside the
        # tolerance on each side, then the answer itself.
        outside = 1.0 + 2 * (question.atol + question.rtol * abs(question.answer))
        for key, value in (("low", question.answer - outside), ("high", question.answer + outside),
                           ("correct", question.answer)):
            correct, text = question.grade(value)
            feedback.append(_feedback(key, correct, text))
        feedback.append(_feedback("invalid", False, _("Enter a number.")))
        kind = "numeric"
        data = (f' data-answer="{question.answer!r}" data-rtol="{question.rtol!r}" '
                f'data-atol="{question.atol!r}"')
    check = _("Check")
    return (f'<form class="nncourse-quiz-question" id="{dom_id}" data-kind="{kind}"{data}>'
            f'<fieldset><legend><span class="nncourse-quiz-index">{number}.</span> '
            f'{_math(_(question.prompt))}</legend>{control}</fieldset>'
            f'<button type="submit" class="nncourse-quiz-check">{check}</button>'
            f'<div class="nncourse-quiz-result" role="status" aria-live="polite">'
            f'{"".join(feedback)}</div></form>')


def _feedback(key: str, correct: bool, text: str) -> str:
    mark, word = ("✔", _("Correct")) if correct else ("✘", _("Not quite"))
    state = "correct" if correct else "wrong"
    return (f'<p class="nncourse-quiz-feedback is-{state}" data-for="{key}" hidden>'
            f'<span aria-hidden="true">{mark}</span> <b>{word}.</b> {_math(text)}</p>')


def _math(text: str) -> str:
    """``$...$`` in a prompt or feedback becomes inline math for MathJax (HTML kept as it is)."""
    return re.sub(r"\$([^$]+)\$",
                  lambda m: f'<span class="math notranslate nohighlight">\\({m.group(1)}\\)</span>',
                  text)


# Checks one question on submit: shows the feedback of the chosen answer only. The same
# tolerance as Numeric.grade: |x - answer| <= atol + rtol * |answer|.
_QUIZ_SCRIPT = """(function(){
document.querySelectorAll('form.nncourse-quiz-question:not([data-ready])')
.forEach(function(f){f.setAttribute('data-ready','1');
var fb=f.querySelectorAll('.nncourse-quiz-feedback');
function show(k){fb.forEach(function(p){p.hidden=p.getAttribute('data-for')!==k;});}
f.addEventListener('change',function(){show('');});
f.addEventListener('submit',function(e){e.preventDefault();var k;
if(f.getAttribute('data-kind')==='choice'){var c=f.querySelector('input[type=radio]:checked');
if(!c){show('');return;}k=c.value;}else{var raw=f.querySelector('input[type=number]').value,
x=parseFloat(raw),a=parseFloat(f.getAttribute('data-answer')),
tol=parseFloat(f.getAttribute('data-atol'))+parseFloat(f.getAttribute('data-rtol'))*Math.abs(a);
k=(raw===''||!isFinite(x))?'invalid':(Math.abs(x-a)<=tol?'correct':(x<a?'low':'high'));}
show(k);});});})();"""
