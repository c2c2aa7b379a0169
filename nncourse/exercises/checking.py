"""``check``: observe the learner's answer on every case and judge it, in one process.

The grader splits the two halves: it builds each case's call spec trusted-side
(``exercise.call_spec(inputs)``, plain data), the sandbox runs only :func:`runtime.observe`
on it, and :func:`judging.judge_case` judges in the trusted process. In a notebook ``check``
does both, then records the score with ``nncourse.exercises.progress.record`` when that
module exists.

Example:
    >>> from nncourse.exercises import check
    >>> check("gradients.stability_limit", 2 / 4.0).passed
    True
"""

from __future__ import annotations

from typing import Any

from ..i18n import _
from .errors import describe_exception, plain_words
from .judging import full_sentence, judge_case
from .registry import Exercise, get_exercise
from .results import CaseResult, CheckResult
from .runtime import observe

__all__ = ["answer", "check", "describe_exception", "full_sentence", "judge_case",
           "plain_words", "run_answer"]


def run_answer(exercise: Exercise, answer: Any, inputs: dict) -> dict:
    """One case observed in this process: ``observe(exercise.call_spec(inputs), answer, inputs)``.

    The grader does the same across the sandbox boundary: the spec is built trusted-side and
    only :func:`runtime.observe` runs in the sandbox (which has no registry).
    """
    return observe(exercise.call_spec(inputs), answer, inputs)


def _check_case(exercise: Exercise, case: Any, answer: Any, inputs: dict,
                seen: dict) -> CaseResult:
    """One case in one process: the probes run only when the case fails (they cost calls).

    The grader observes everything in one sandbox round trip (:func:`run_answer`); here the
    same judgement comes cheaper, as the probes matter only for a failing answer. ``seen``
    keeps observations for cases with the same inputs.
    """
    if not exercise.probes:
        if "full" not in seen:
            seen["full"] = run_answer(exercise, answer, inputs)
        return judge_case(exercise, case, inputs, seen["full"])
    spec = exercise.call_spec(inputs)
    if "quick" not in seen and "full" not in seen:
        seen["quick"] = observe({**spec, "probes": {}}, answer, inputs)
    judged = judge_case(exercise, case, inputs, seen.get("full", seen.get("quick")))
    if judged.passed:
        return judged
    if "full" not in seen:
        seen["full"] = observe(spec, answer, inputs)
    return judge_case(exercise, case, inputs, seen["full"])


def _record(exercise_id: str, score: float, max_score: float) -> None:
    """Tell the progress tracker, if installed; recording never fails a check."""
    try:
        from .progress import record  # type: ignore[import-not-found]
    except ImportError:
        return
    try:
        record(exercise_id, score, max_score)
    except Exception:   # noqa: BLE001 - progress is a convenience, never a reason to fail
        pass


def check(exercise_id: str, answer: Any, seed: int = 0) -> CheckResult:
    """Check the learner's ``answer`` (a function, a value, or a widget) for an exercise.

    Args:
        exercise_id: e.g. ``"backprop.linear_backward"``.
        answer: the object to check, passed explicitly (no global lookup).
        seed: base seed of the inputs the cases draw.

    Returns:
        A :class:`CheckResult` (HTML in Jupyter, text in a terminal, ``bool`` = all passed).

    Example:
        >>> check("gradients.stability_limit", 0.5).passed
        True
    """
    exercise = get_exercise(exercise_id)
    result = CheckResult(exercise.id, _(exercise.title))
    if exercise.kind == "function" and not callable(answer):
        result.error = _("Expected a function for {id}; got {type}. Pass the function itself: "
                         "check({quoted}, my_function).").format(
                             id=exercise.id, type=type(answer).__name__, quoted=repr(exercise.id))
    seen: dict = {}        # shared inputs: one observation serves every case
    for case in exercise.cases:
        if result.error:
            result.cases.append(CaseResult(case.name, False, 0.0, case.points, _("not run")))
            continue
        inputs = exercise.inputs_for(case, seed)
        result.cases.append(_check_case(exercise, case, answer, inputs,
                                        seen if exercise.shared_inputs else {}))
    _record(exercise.id, result.score, result.max_score)
    return result


def answer(exercise_id: str, value: Any, seed: int = 0) -> CheckResult:
    """Record a value or widget answer (``answer("loop.learning_rate", 0.05)``) and check it.

    The same as :func:`check`; the separate name reads better for numbers and widget states.
    """
    return check(exercise_id, value, seed=seed)
