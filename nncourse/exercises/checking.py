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
import re
import traceback
from typing import Any

import numpy as np

from .compare import to_plain
from .registry import Case, Exercise, get_exercise
from .results import CaseResult, CheckResult


def describe_exception(exc: BaseException, limit: int = 300) -> str:
    """``"ValueError: message"`` trimmed to ``limit`` characters."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BROADCAST = re.compile(r"operands could not be broadcast together with shapes? (.*)")
_MATMUL = re.compile(r"matmul: Input operand \d has a mismatch in its core dimension \d.*"
                     r"\(size (\d+) is different from (\d+)\)")
_DOT = re.compile(r"shapes (\([\d, ]*\)) and (\([\d, ]*\)) not aligned")


def plain_words(exc: BaseException) -> str | None:
    """A NumPy shape error in plain words (None if ``exc`` is not one).

    Example:
        >>> plain_words(ValueError("operands could not be broadcast together with shapes "
        ...                        "(5,4) (5,) "))[:40]
        'arrays of shapes (5, 4) and (5,) cannot '
    """
    text = str(exc)
    found = _BROADCAST.search(text)
    if found:
        shapes = [s.replace(",", ", ").replace(",  ", ", ").replace(", )", ",)")
                  for s in found.group(1).split()]
        shapes = [s for s in shapes if s.startswith("(")][:2]
        keep = ""
        if len(shapes) == 2 and shapes[1].count(",") == 1 and shapes[1].endswith(",)"):
            keep = (" A sum or max over a row gives shape (B,); keep it as a column with "
                    "keepdims=True, e.g. z.max(axis=-1, keepdims=True).")
        return (f"arrays of shapes {' and '.join(shapes)} cannot be combined elementwise (their "
                f"shapes do not broadcast).{keep}")
    found = _MATMUL.search(text)
    if found:
        return (f"a matrix product a @ b failed: a has {found.group(2)} columns but b has "
                f"{found.group(1)} rows (a @ b needs a.shape[-1] == b.shape[0]); check whether "
                f"one operand needs a transpose (.T).")
    found = _DOT.search(text)
    if found:
        return (f"a matrix product of shapes {found.group(1)} and {found.group(2)} failed: the "
                f"inner sizes differ; check whether one operand needs a transpose (.T).")
    return None


def _input_shapes(inputs: dict) -> str:
    arrays = [f"{name} {tuple(value.shape)}" for name, value in inputs.items()
              if isinstance(value, np.ndarray)]
    return f" Your function received {', '.join(arrays)}." if arrays else ""


def run_answer(exercise: Exercise, answer: Any, inputs: dict) -> dict:
    """Call the learner's ``answer`` on ``inputs``: ``{"ok": outputs}`` or ``{"error": msg}``.

    Inputs are deep-copied so the learner cannot change what the judge sees. NumPy shape
    errors are put in plain words with the shapes of the inputs.
    """
    try:
        outputs = exercise.run(answer, copy.deepcopy(inputs))
    except NotImplementedError:
        return {"error": "not implemented yet (the stub still raises NotImplementedError)."}
    except Exception as exc:  # learner code: any failure is a result
        plain = plain_words(exc) if isinstance(exc, ValueError) else None
        if plain:
            return {"error": f"your function stopped: {plain}{_input_shapes(inputs)}"}
        return {"error": f"raised {describe_exception(exc)}"}
    try:
        return {"ok": to_plain(outputs)}
    except TypeError as exc:
        return {"error": f"returned {exc}"}


def full_sentence(message: str) -> str:
    """``message`` ending as a sentence does (``.``, ``!``, ``?`` or a closing bracket/quote).

    Example:
        >>> full_sentence("grad_x differs:"), full_sentence("Done.")
        ('grad_x differs.', 'Done.')
    """
    message = str(message).rstrip()
    while message.endswith((":", ";", ",", " -", "—")):
        message = message.rstrip(":;, -—").rstrip()
    if message and message[-1] not in ".!?)]}\"'":
        message += "."
    return message


def judge_case(exercise: Exercise, case: Case, inputs: dict, outcome: dict) -> CaseResult:
    """Score one case from the plain ``outcome`` of :func:`run_answer` (trusted side)."""
    hint = case.hint or (exercise.hints[0] if exercise.hints else "")
    if "error" in outcome:
        return CaseResult(case.name, False, 0.0, case.points, full_sentence(outcome["error"]),
                          hint)
    try:
        message = case.judge(inputs, outcome.get("ok"))
    except Exception as exc:  # malformed answer the judge could not read
        message = f"the answer has an unexpected structure ({describe_exception(exc, 160)})"
    if message is None:
        return CaseResult(case.name, True, float(case.points), float(case.points))
    return CaseResult(case.name, False, 0.0, float(case.points), full_sentence(message), hint)


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
