"""Plain data and comparisons: what crosses the sandbox boundary, and how it is judged.

``to_plain`` turns a learner's return value into plain data (NumPy arrays of numbers,
Python numbers, strings, lists, dicts) and refuses everything else, so an object whose
``__eq__`` always returns True never reaches a comparison. ``compare_arrays`` writes the
failure messages: shape expected vs got, the largest wrong elements, a relative error.

Example:
    >>> compare_arrays("grad_x", np.ones(3), np.ones(3)) is None
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MAX_ITEMS = 1_000_000


def to_plain(value: Any, _depth: int = 0) -> Any:
    """Convert ``value`` to plain data or raise TypeError saying what came.

    Returns:
        ndarray (bool/int/float dtype), int, float, bool, str, None, or lists/dicts of them.
    """
    if _depth > 20:
        raise TypeError("the answer is nested more than 20 levels deep")
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
            raise TypeError(f"an array of dtype {arr.dtype}; expected numbers (float64)")
        if arr.size > _MAX_ITEMS:
            raise TypeError(f"an array with {arr.size} elements, far more than expected")
        return arr
    if type(value) in (list, tuple):
        return [to_plain(item, _depth + 1) for item in value]
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise TypeError("a dict whose keys are not all strings")
        return {key: to_plain(item, _depth + 1) for key, item in value.items()}
    raise TypeError(f"an object of type {type(value).__name__}; expected an array, a number, "
                    f"or a tuple/list of them")


def as_array(value: Any, name: str) -> tuple[np.ndarray | None, str | None]:
    """Plain ``value`` as a float array, or ``(None, message)`` if it is not numeric."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False), None
    if isinstance(value, bool) or value is None or isinstance(value, str | dict):
        return None, f"{name} is {type(value).__name__} {value!r:.60}; expected a NumPy array"
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} is a ragged or non-numeric {type(value).__name__}; expected an array"
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
        if shape_hint.startswith("expected"):
            return f"{name} has shape {arr.shape}, {shape_hint}"
        return f"{name} has shape {arr.shape}, expected {expected.shape}" + \
            (f"; {shape_hint}" if shape_hint else "")
    bad_values = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad_values:
        return (f"{name} contains {bad_values} NaN or infinite value(s) (expected all finite); "
                f"look for overflow in exp() or a division by zero.")
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return None
    diff = np.abs(arr - expected)
    worst = np.argsort(diff, axis=None)[::-1][:3]
    lines = []
    for flat in worst:
        if diff.flat[flat] <= atol + rtol * abs(expected.flat[flat]):
            break
        index = np.unravel_index(flat, arr.shape) if arr.ndim else ()
        lines.append(f"{name}[{', '.join(map(str, index))}] = {arr.flat[flat]:.6g}, "
                     f"expected {expected.flat[flat]:.6g}")
    wrong = int(np.count_nonzero(~np.isclose(arr, expected, rtol=rtol, atol=atol)))
    largest = f"; largest: {'; '.join(lines)}" if lines else ""
    return (f"{name} differs from the reference in {wrong} of {arr.size} element(s) "
            f"(relative error {relative_error(arr, expected):.3g}){largest}.")


def compare_number(name: str, got: Any, expected: float, rtol: float = 1e-6,
                   atol: float = 1e-9) -> str | None:
    """Compare a scalar answer; None if close, else a message with both values."""
    if isinstance(got, bool) or not isinstance(got, int | float):
        return f"{name} is {type(got).__name__} {got!r:.60}; expected a number"
    if not np.isfinite(got):
        return f"{name} is {got}; expected a finite number"
    if abs(got - expected) <= atol + rtol * abs(expected):
        return None
    return f"{name} = {got:.6g}, expected {expected:.6g} (relative error " \
           f"{relative_error(np.float64(got), np.float64(expected)):.3g})"


def describe_value(value: Any) -> str:
    """A few words for what came: "a tuple or list of 2 items", "a str '0.1'", "a float 0.5".

    Tuples become lists when they cross into plain data, so both are named together.
    """
    if isinstance(value, list | tuple):
        return f"a tuple or list of {len(value)} item(s)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:6]}"
    return f"a {type(value).__name__} {value!r:.40}"


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
