"""The exercise registry: one definition per exercise, read by notebooks, the grader and the book.

An :class:`Exercise` is an id (``"backprop.linear_backward"``), a title, hints, a ``run``
function that calls the learner's object on plain inputs, and named :class:`Case` objects,
each with its own points, an input generator (seeded by the checker) and a ``judge`` that
compares the learner's plain outputs with the reference. ``run`` is the only part that ever
touches learner code; ``make_inputs`` and ``judge`` run in the trusted process.

Example:
    >>> from nncourse.exercises import get_exercise
    >>> ex = get_exercise("backprop.linear_backward")
    >>> ex.points, [case.name for case in ex.cases][:1]
    (4.0, ['shapes'])
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Modules that define the built-in exercises (imported on first registry access).
BUILTIN_MODULES = (
    "nncourse.exercises.ch01_training_loop",
    "nncourse.exercises.ch02_gradient_descent",
    "nncourse.exercises.ch03_backpropagation",
    "nncourse.exercises.ch03_stepper",
    "nncourse.exercises.ch04_activation_functions",
    "nncourse.exercises.ch05_optimizers",
    "nncourse.exercises.ch06_initialization",
    "nncourse.exercises.ch07_overfitting",
    "nncourse.exercises.ch07_early_stopping",
    "nncourse.exercises.ch08_evaluation",
    "nncourse.exercises.ch09_transfer",
    "nncourse.exercises.ch10_scaling",
)

Judge = Callable[[dict, Any], "str | None"]


@dataclass(frozen=True)
class Case:
    """One named, separately scored test of an exercise.

    Args:
        name: short name shown to the learner ("shapes", "matches reference").
        points: points earned when the case passes.
        make_inputs: ``rng -> dict`` of plain data (arrays, numbers, strings) for ``run``.
        judge: ``(inputs, outputs) -> None`` if right, else a message saying what differed.
        hint: shown with a failure of this case (falls back to the exercise hints).
    """

    name: str
    points: float
    make_inputs: Callable[[np.random.Generator], dict]
    judge: Judge
    hint: str = ""


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer and the feedback it must get (one entry of a mistake catalogue).

    The catalogue test runs ``answer`` through :func:`~nncourse.exercises.check` on several seeds
    and asserts less than full points and a message containing every string of ``feedback``.

    Args:
        name: the mistake in a few words ("unweighted mean of batch losses").
        answer: the wrong answer exactly as a learner would submit it (a function or a value).
        feedback: words (case-insensitive) the feedback must contain: they name the mistake.
    """

    name: str
    answer: Any
    feedback: tuple[str, ...] | str


@dataclass
class Exercise:
    """A registered exercise.

    Args:
        id: dotted id, ``"<topic>.<name>"``; the first argument of ``check``.
        title: one line shown as the heading of results.
        chapter: ``"ch01"`` ... (used by the book and ``list_exercises(chapter=...)``).
        run: ``(learner_object, inputs) -> outputs`` (plain data). Runs learner code, so in
            grading it executes inside the sandbox; it never judges.
        cases: the scored cases.
        hints: general hints, shown after a failure.
        kind: ``"function"`` (check a callable), ``"value"`` (a number or structured answer) or
            ``"widget"`` (a widget whose state is the answer; a plain value works too).
        prompt: what the learner is asked to do (Markdown; the book and the labs read it).
        widget: for ``kind="widget"``: how :func:`exercise_widget` builds the control, e.g.
            ``{"log_slider": {"min": -4, "max": 1, "description": "learning rate"}}`` or
            ``{"dropdowns": {"activation": ["relu", "tanh"], "init": ["he", "xavier"]}}``.
        mistakes: the mistake catalogue, at least four plausible wrong answers.

    The reference answer is not part of the exercise: it lives instructor-side in
    :mod:`nncourse.grading.solutions` (the grading sandbox never mounts it), and judges compute
    their reference with the library function.
    """

    id: str
    title: str
    chapter: str
    run: Callable[[Any, dict], Any]
    cases: list[Case]
    hints: list[str] = field(default_factory=list)
    kind: str = "function"
    prompt: str = ""
    widget: dict | None = None
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def points(self) -> float:
        """Total points: the sum of the case points."""
        return float(sum(case.points for case in self.cases))

    def seed_for(self, case: Case, base_seed: int = 0) -> int:
        """The seed a case draws its inputs with (stable across processes and runs)."""
        return zlib.crc32(f"{self.id}/{case.name}/{base_seed}".encode()) & 0x7FFFFFFF

    def inputs_for(self, case: Case, base_seed: int = 0) -> dict:
        """Draw the inputs of ``case`` with its seed."""
        return case.make_inputs(np.random.default_rng(self.seed_for(case, base_seed)))


_REGISTRY: dict[str, Exercise] = {}
_loaded = False


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the registry (an id may be registered once) and return it."""
    if not isinstance(exercise, Exercise):
        raise TypeError(f"register expects an Exercise; got {type(exercise).__name__}.")
    if exercise.id in _REGISTRY and _REGISTRY[exercise.id] is not exercise:
        raise ValueError(f"Exercise id {exercise.id!r} is already registered; ids must be unique.")
    names = [case.name for case in exercise.cases]
    if len(set(names)) != len(names):
        raise ValueError(f"Exercise {exercise.id!r} has duplicate case names: {names}.")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in BUILTIN_MODULES:
            importlib.import_module(name)


def get_exercise(exercise_id: str) -> Exercise:
    """Return the registered exercise with this id.

    Raises:
        KeyError: unknown id; the message lists the close matches.
    """
    _load_builtins()
    if not isinstance(exercise_id, str):
        raise TypeError(f"An exercise id is a string like 'backprop.linear_backward'; "
                        f"got {type(exercise_id).__name__}.")
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(exercise_id, list(_REGISTRY), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"No exercise {exercise_id!r}.{hint} "
                       f"list_exercises() shows all ids.") from None


def list_exercises(chapter: str | None = None) -> list[Exercise]:
    """All registered exercises (optionally of one chapter, e.g. ``"ch03"``), in id order."""
    _load_builtins()
    found = [ex for ex in _REGISTRY.values() if chapter is None or ex.chapter == chapter]
    return sorted(found, key=lambda ex: (ex.chapter, ex.id))
