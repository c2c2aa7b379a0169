"""Plain data and comparisons: what crosses the sandbox boundary, and how it is judged.

``to_plain`` turns a learner's return value into plain data (NumPy arrays of numbers,
Python numbers, strings, lists, dicts) and refuses everything else, so an object whose
``__eq__`` always returns True never reaches a comparison. ``compare_arrays`` writes the
failure messages: shape expected vs got, the largest wrong elements, a relative error, in the
current language (:mod:`nncourse.i18n`; English in the grading sandbox).

Example:
    >>> compare_arrays("grad_x", np.ones(3), np.ones(3)) is None
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.i18n import _

_MAX_ITEMS = 1_000_000


def to_plain(value: Any, _depth: int = 0) -> Any:
    """Convert ``value`` to plain data or raise TypeError saying what came.

    Returns:
        ndarray (bool/int/float dtype), int, float, bool, str, None, or lists/dicts of them.
    """
    if _depth > 20:
        raise TypeError(_("the answer is nested more than 20 levels deep"))
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return to_plain(value.item(), _depth + 1)
    module = type(value).__module__ or ""
    if module.startswith("torch") and type(value).__name__ in ("Tensor", "Parameter"):
        value = value.detach().cpu().numpy()
    if type(value) is np.ndarray or (isinstance(value, np.ndarray) and module.startswith("numpy")):
        arr = np.array(value, copy=True)
        if arr.dtype.kind not in "biuf":
            raise TypeError(_("an array of dtype {dtype}; expected numbers (float64)").format(
                dtype=arr.dtype))
        if arr.size > _MAX_ITEMS:
            raise TypeError(_("an array with {size} elements, far more than expected").format(
                size=arr.size))
        return arr
    if type(value) in (list, tuple):
        return [to_plain(item, _depth + 1) for item in value]
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise TypeError(_("a dict whose keys are not all strings"))
        return {key: to_plain(item, _depth + 1) for key, item in value.items()}
    raise TypeError(_("an object of type {kind}; expected an array, a number, or a tuple/list "
                      "of them").format(kind=type(value).__name__))


def as_array(value: Any, name: str) -> tuple[np.ndarray | None, str | None]:
    """Plain ``value`` as a float array, or ``(None, message)`` if it is not numeric."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False), None
    if isinstance(value, bool) or value is None or isinstance(value, str | dict):
        return None, _("{name} is {kind} {value}; expected a NumPy array").format(
            name=name, kind=type(value).__name__, value=f"{value!r:.60}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, _("{name} is a ragged or non-numeric {kind}; expected an array").format(
            name=name, kind=type(value).__name__)
    return arr, None


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """The course's one relative error, ``max|a - b| / max(|a| + |b|)`` (inf if got has NaN/inf).

    It is :func:`nncourse.numpy.gradcheck.relative_error`, the formula the chapters and labs
    use; here it also accepts a NaN/inf answer.
    """
    from nncourse.numpy.gradcheck import relative_error as library_relative_error

    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(got)):
        return float("inf")
    return library_relative_error(got, expected)


def compare_arrays(name: str, got: Any, expected: np.ndarray, rtol: float = 1e-6,
                   atol: float = 1e-8, shape_hint: str = "") -> str | None:
    """Compare a learner array with the expected one; None if close, else a message.

    The message names the array, gives shape expected vs got (plus ``shape_hint``), counts
    NaN/inf, lists the largest wrong elements with their indices, and the relative error.
    """
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = as_array(got, name)
    if problem:
        return problem
    if arr.shape != expected.shape:
        # a hint that starts with "expected" says the expected shape itself (in its own words)
        if shape_hint.startswith("expected"):
            return _("{name} has shape {got}, {hint}").format(name=name, got=arr.shape,
                                                              hint=_(shape_hint))
        return _("{name} has shape {got}, expected {expected}").format(
            name=name, got=arr.shape, expected=expected.shape) + \
            (f"; {_(shape_hint)}" if shape_hint else "")
    bad_values = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad_values:
        return _("{name} contains {count} NaN or infinite value(s) (expected all finite); look "
                 "for overflow in exp() or a division by zero.").format(name=name,
                                                                        count=bad_values)
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return None
    diff = np.abs(arr - expected)
    worst = np.argsort(diff, axis=None)[::-1][:3]
    lines = []
    for flat in worst:
        if diff.flat[flat] <= atol + rtol * abs(expected.flat[flat]):
            break
        index = np.unravel_index(flat, arr.shape) if arr.ndim else ()
        lines.append(_("{element} = {got:.6g}, expected {expected:.6g}").format(
            element=f"{name}[{', '.join(map(str, index))}]", got=arr.flat[flat],
            expected=expected.flat[flat]))
    wrong = int(np.count_nonzero(~np.isclose(arr, expected, rtol=rtol, atol=atol)))
    largest = "; " + _("largest: {elements}").format(elements="; ".join(lines)) if lines else ""
    return _("{name} differs from the reference in {wrong} of {size} element(s) (relative error "
             "{error:.3g})").format(name=name, wrong=wrong, size=arr.size,
                                    error=relative_error(arr, expected)) + largest + "."


def compare_number(name: str, got: Any, expected: float, rtol: float = 1e-6,
                   atol: float = 1e-9) -> str | None:
    """Compare a scalar answer; None if close, else a message with both values."""
    if isinstance(got, bool) or not isinstance(got, int | float):
        return _("{name} is {kind} {value}; expected a number").format(
            name=name, kind=type(got).__name__, value=f"{got!r:.60}")
    if not np.isfinite(got):
        return _("{name} is {value}; expected a finite number").format(name=name, value=got)
    if abs(got - expected) <= atol + rtol * abs(expected):
        return None
    return _("{name} = {got:.6g}, expected {expected:.6g} (relative error {error:.3g})").format(
        name=name, got=got, expected=expected,
        error=relative_error(np.float64(got), np.float64(expected)))


def describe_value(value: Any) -> str:
    """A few words for what came: "a tuple or list of 2 items", "a str '0.1'", "a float 0.5".

    Tuples become lists when they cross into plain data, so both are named together.
    """
    if isinstance(value, list | tuple):
        return _("a tuple or list of {count} item(s)").format(count=len(value))
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape}").format(shape=value.shape)
    if isinstance(value, dict):
        return _("a dict with keys {keys}").format(keys=sorted(map(str, value))[:6])
    return _("a {kind} {value}").format(kind=type(value).__name__, value=f"{value!r:.40}")


def answer_value(obj: Any) -> Any:
    """The answer held by a widget-like object: ``obj.answer()``, ``obj.value`` or ``obj`` itself.

    Lets ``check("loop.learning_rate", slider)`` and ``check("loop.learning_rate", 0.05)`` mean
    the same thing.
    """
    if isinstance(obj, int | float | str | dict | list | tuple | np.ndarray | np.generic):
        return obj
    method = getattr(obj, "answer", None)
    if callable(method):
        return method()
    if hasattr(obj, "value"):
        return obj.value
    return obj
