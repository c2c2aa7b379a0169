"""Reference answers to the exercises: instructor side only.

The learner-side package (:mod:`nncourse.exercises`) holds what an exercise asks, how its cases
are drawn and judged, and its mistake catalogue. What the *answer* is lives here, one module per
chapter, each defining ``SOLUTIONS: dict[str, object]`` (exercise id -> reference function or
value). ``validate`` and the tests read them; the grading sandbox never mounts this package, so a
submission cannot import an answer.

Where the answer is a library function (``nncourse.numpy.layers.linear_backward``), the entry is
that function itself: one source per solution.

Example:
    >>> from nncourse.grading.solutions import get_solution
    >>> callable(get_solution("backprop.linear_backward"))
    True
"""

from __future__ import annotations

import importlib
from typing import Any

#: Chapter modules holding ``SOLUTIONS`` (add a chapter's module here).
SOLUTION_MODULES = (
)


def all_solutions() -> dict[str, Any]:
    """Every reference answer, by exercise id."""
    found: dict[str, Any] = {}
    for name in SOLUTION_MODULES:
        found.update(importlib.import_module(name).SOLUTIONS)
    return found


def get_solution(exercise_id: str) -> Any:
    """The reference answer of one exercise.

    Exercises declared with a ``reference`` (chapter packages ``nncourse.exercises.chNN``)
    answer from it; the modules above hold the rest.

    Raises:
        KeyError: no reference is recorded for ``exercise_id``.
    """
    from nncourse.exercises.registry import get_exercise

    exercise = get_exercise(exercise_id)
    if exercise.reference:
        return exercise.reference_answer()
    solutions = all_solutions()
    if exercise_id not in solutions:
        raise KeyError(f"No reference answer for {exercise_id!r}; name it as the exercise's "
                       f"reference= (a dotted path).")
    return solutions[exercise_id]
