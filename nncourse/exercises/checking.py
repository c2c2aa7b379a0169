"""``check``: run an exercise's cases on the learner's object and judge the outputs.

The same two halves serve the notebook and the grader: :func:`run_answer` calls learner code
and returns plain data (in grading it runs inside the sandbox), :func:`judge_case` compares
plain data with the reference (always in the trusted process).

Example:
    >>> from nncourse.exercises import check
    >>> result = check("gradients.stability_limit", 2 / 4.0)   # doctest: +SKIP
"""

from __future__ import annotations

import copy
import traceback
from typing import Any

from .compare import to_plain
from .registry import Case, Exercise, get_exercise
from .results import CaseResult, CheckResult


def describe_exception(exc: BaseException, limit: int = 300) -> str:
    """``"ValueError: message"`` trimmed to ``limit`` characters."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_answer(exercise: Exercise, answer: Any, inputs: dict) -> dict:
    """Call the learner's ``answer`` on ``inputs``: ``{"ok": outputs}`` or ``{"error": msg}``.

    Inputs are deep-copied so the learner cannot change what the judge sees.
    """
    try:
        outputs = exercise.run(answer, copy.deepcopy(inputs))
    except NotImplementedError:
        return {"error": "not implemented yet (the stub still raises NotImplementedError)"}
    except Exception as exc:  # learner code: any failure is a result
        return {"error": f"raised {describe_exception(exc)}"}
    try:
        return {"ok": to_plain(outputs)}
    except TypeError as exc:
        return {"error": f"returned {exc}"}


def judge_case(exercise: Exercise, case: Case, inputs: dict, outcome: dict) -> CaseResult:
    """Score one case from the plain ``outcome`` of :func:`run_answer` (trusted side)."""
    hint = case.hint or (exercise.hints[0] if exercise.hints else "")
    if "error" in outcome:
        return CaseResult(case.name, False, 0.0, case.points, str(outcome["error"]), hint)
    try:
        message = case.judge(inputs, outcome.get("ok"))
    except Exception as exc:  # malformed answer the judge could not read
        message = f"the answer has an unexpected structure ({describe_exception(exc, 160)})"
    if message is None:
        return CaseResult(case.name, True, float(case.points), float(case.points))
    return CaseResult(case.name, False, 0.0, float(case.points), message, hint)


def check(exercise_id: str, answer: Any, seed: int = 0) -> CheckResult:
    """Check the learner's ``answer`` (a function, a value, or a widget) for an exercise.

    Args:
        exercise_id: e.g. ``"backprop.linear_backward"``.
        answer: the object to check, passed explicitly (no global lookup).
        seed: base seed of the inputs the cases draw.

    Returns:
        A :class:`CheckResult` (HTML in Jupyter, text in a terminal, ``bool`` = all passed).

    Example:
        >>> check("gradients.stability_limit", 0.5).passed   # doctest: +SKIP
    """
    exercise = get_exercise(exercise_id)
    result = CheckResult(exercise.id, exercise.title)
    if exercise.kind == "function" and not callable(answer):
        result.error = (f"expected a function for {exercise.id}; got {type(answer).__name__}. "
                        f"Pass the function itself: check({exercise.id!r}, my_function).")
    for case in exercise.cases:
        if result.error:
            result.cases.append(CaseResult(case.name, False, 0.0, case.points, "not run"))
            continue
        inputs = exercise.inputs_for(case, seed)
        outcome = run_answer(exercise, answer, inputs)
        result.cases.append(judge_case(exercise, case, inputs, outcome))
    return result


def answer(exercise_id: str, value: Any, seed: int = 0) -> CheckResult:
    """Record a value or widget answer (``answer("loop.learning_rate", 0.05)``) and check it.

    The same as :func:`check`; the separate name reads better for numbers and widget states.
    """
    return check(exercise_id, value, seed=seed)
