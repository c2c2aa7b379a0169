"""Quiz registry: chapter authors register questions here; ``quiz("ch03")`` shows them.

Each chapter's questions live in its package, ``nncourse/exercises/chNN/quiz.py`` (chapters
not yet moved keep ``nncourse/exercises/quizzes/<chapter>.py``), and call
:func:`register_quiz` at import time::

    from ..quiz import Choice, MultipleChoice, Numeric
    from ..quizzes import register_quiz

    register_quiz("ch03", [
        MultipleChoice("ch03.linear_shapes", "For Linear(5, 3), grad_weight has shape ...",
                       [Choice("(5, 3)", feedback="That is x.T @ grad_out: (in, out)."),
                        Choice("(3, 5)", correct=True, feedback="Right: like the weight.")]),
        Numeric("ch03.relu_grad", "d relu(x)/dx at x = 2?", answer=1.0,
                feedback_low="ReLU passes the gradient through for x > 0."),
    ], title="Backpropagation: check yourself")

A notebook then shows them with ``from nncourse.exercises import quiz; quiz("ch03")``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from ..quiz import Question, Quiz

#: chapter key ("ch01") -> questions, in registration order.
QUESTIONS: dict[str, list[Question]] = {}
TITLES: dict[str, str] = {}
_loaded = False


def _chapter_key(chapter: str | int) -> str:
    text = str(chapter).strip().lower()
    if text.isdigit():
        return f"ch{int(text):02d}"
    if text.startswith("ch") and text[2:4].isdigit():
        return text[:4]
    raise ValueError(f"chapter must look like 'ch03' or 3; got {chapter!r}.")


def register_quiz(chapter: str | int, questions: list[Question], title: str | None = None) -> None:
    """Add ``questions`` to a chapter's quiz (question ids must be unique across the course)."""
    key = _chapter_key(chapter)
    known = {q.id for qs in QUESTIONS.values() for q in qs}
    for question in questions:
        if question.id in known:
            raise ValueError(f"Quiz question id {question.id!r} is already registered.")
        known.add(question.id)
    QUESTIONS.setdefault(key, []).extend(questions)
    if title:
        TITLES[key] = title


def _load_all(chapter: str | None = None) -> None:
    """Import the quiz modules (of one chapter, or all): they register their questions."""
    global _loaded
    if chapter is None:
        if _loaded:
            return
        _loaded = True
    for info in pkgutil.iter_modules(__path__):
        if chapter is None or info.name.startswith(chapter):
            importlib.import_module(f"{__name__}.{info.name}")
    for number in range(1, 100):
        key = f"ch{number:02d}"
        if chapter not in (None, key):
            continue
        module = f"nncourse.exercises.{key}.quiz"
        if importlib.util.find_spec(f"nncourse.exercises.{key}") is not None and \
                importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def quiz(chapter: str | int) -> Quiz:
    """The quiz of a chapter (display it in Jupyter to get the widgets).

    Example:
        >>> quiz("ch03")   # doctest: +SKIP
    """
    key = _chapter_key(chapter)
    _load_all(key)
    if key not in QUESTIONS:
        raise KeyError(f"No quiz registered for {key!r}; known: {sorted(QUESTIONS)}.")
    from ...i18n import _

    title = TITLES.get(key) or _("Chapter {number} quiz").format(number=key[2:])
    return Quiz(title, list(QUESTIONS[key]))


def get_question(question_id: str) -> Question:
    """Look up a question by id across all chapters."""
    _load_all()
    for questions in QUESTIONS.values():
        for question in questions:
            if question.id == question_id:
                return question
    raise KeyError(f"No quiz question {question_id!r}.")
