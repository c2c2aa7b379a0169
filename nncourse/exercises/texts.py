"""Every declared text a learner reads at run time, for the run-time message catalogue.

Exercises and quizzes declare their words in English as plain data (a mistake's message, a
probe's message, a hint, a prompt, a title, what the answer returns and what each input is, an
answer widget's label, a quiz question and its feedback); the framework translates them when it
shows them (``_(mistake.message)``). ``xgettext`` cannot see them, since they are not literal
``_("...")`` calls, so the template of ``nncourse.po`` takes them from here (``python
scripts/i18n.py update``), and the tests check that each one is translated.

Example:
    >>> texts = dict(declared_texts())
    >>> "matches reference" in texts or len(texts) > 100
    True
"""

from __future__ import annotations

from collections.abc import Iterator

from .quiz import MultipleChoice, Numeric
from .registry import list_exercises

#: The course's own chapters: exercises or quizzes a test or an instructor registers elsewhere
#: (say "ch99") are not the course's words and stay out of its catalogue.
COURSE_CHAPTERS = tuple(f"ch{number:02d}" for number in range(1, 11))


def _exercise_texts() -> Iterator[tuple[str, str]]:
    for exercise in list_exercises():
        if exercise.chapter not in COURSE_CHAPTERS:
            continue
        where = f"nncourse/exercises/{exercise.chapter} ({exercise.id})"
        yield exercise.title, where
        yield exercise.prompt, where
        yield from ((hint, where) for hint in exercise.hints)
        for case in exercise.cases:
            yield case.name, where
            yield case.hint, where
        for mistake in exercise.mistakes:
            if isinstance(mistake.message, str):
                yield mistake.message, where
        yield from ((probe.message, where) for probe in exercise.probes)
        returns = exercise.expects.get("returns")
        if isinstance(returns, str):
            yield returns, where
        shapes = exercise.expects.get("shapes") or {}
        yield from ((meaning, where) for meaning in shapes.values() if isinstance(meaning, str))
        inputs = exercise.expects.get("inputs") or {}   # what each input is, for error sentences
        yield from ((what, where) for what in inputs.values() if isinstance(what, str))
        slider = (exercise.widget or {}).get("log_slider") or {}    # an answer widget's label
        if isinstance(slider.get("description"), str):
            yield slider["description"], where


def _quiz_texts() -> Iterator[tuple[str, str]]:
    from .quizzes import QUESTIONS, TITLES, _load_all

    _load_all()
    for chapter in sorted(set(QUESTIONS) & set(COURSE_CHAPTERS)):
        where = f"nncourse/exercises/{chapter} (quiz)"
        if chapter in TITLES:
            yield TITLES[chapter], where
        for question in QUESTIONS[chapter]:
            yield question.prompt, where
            if isinstance(question, MultipleChoice):
                for choice in question.choices:
                    yield choice.text, where
                    yield choice.feedback, where
            elif isinstance(question, Numeric):
                yield question.feedback_low, where
                yield question.feedback_high, where
                yield question.feedback_correct, where


def declared_texts() -> Iterator[tuple[str, str]]:
    """``(English text, where it is declared)`` for every declared text, once each, in order.

    Texts without letters (a choice such as ``(3, 5)``) are left out: nothing to translate.
    """
    seen: set[str] = set()
    for text, where in (*_exercise_texts(), *_quiz_texts()):
        if text and text not in seen and any(char.isalpha() for char in text):
            seen.add(text)
            yield text, where
