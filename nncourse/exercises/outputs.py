"""Plain outputs side by side: split a tuple/dict output into named parts and compare them.

Shared by the judge and the diagnosis (trusted side). A learner's output and the reference's
are plain data (:func:`nncourse.exercises.compare.to_plain`); an exercise's ``output_names``
names the parts of a tuple, dict keys name themselves.

Example:
    >>> parts([1.0, 2.0], ("a", "b"))
    {'a': 1.0, 'b': 2.0}
    >>> close([np.ones(2), 3.0], [np.ones(2), 3.0])
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import _
from .compare import describe_value


def parts(output: Any, names: tuple[str, ...]) -> dict[str, Any] | None:
    """``{name: part}`` for a tuple output with ``names`` (None when the count differs);
    a dict output as it is; anything else as ``{"your result": output}``.
    """
    if names:
        if isinstance(output, list) and len(output) == len(names):
            return dict(zip(names, output, strict=True))
        if isinstance(output, dict) and set(names) <= set(output):
            return {name: output[name] for name in names}
        return None
    if isinstance(output, dict):
        return dict(output)
    return {_("your result"): output}


def numeric(value: Any) -> np.ndarray | None:
    """``value`` as a float array when it is numbers (an array, a number, a regular list)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | dict):
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def _flat_numbers(value: list) -> bool:
    return all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)


def close(got: Any, want: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether plain ``got`` matches plain ``want`` (numbers within tolerance; NaN matches NaN).

    ``rtol = atol = 0`` asks for exact equality (the fast path of the determinism checks).
    """
    if rtol == 0 and atol == 0 and type(got) is type(want) and \
            isinstance(want, np.ndarray | list | dict):
        if isinstance(want, np.ndarray):
            return got.shape == want.shape and bool(np.array_equal(got, want, equal_nan=True))
        if isinstance(want, list):
            return len(got) == len(want) and \
                all(close(g, w, 0, 0) for g, w in zip(got, want, strict=True))
        return got.keys() == want.keys() and all(close(got[k], want[k], 0, 0) for k in want)
    if isinstance(want, list) and isinstance(got, list) and not _flat_numbers(want):
        return len(got) == len(want) and \
            all(close(g, w, rtol, atol) for g, w in zip(got, want, strict=True))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and \
            all(close(got[k], want[k], rtol, atol) for k in want)
    if isinstance(want, str) or want is None or isinstance(want, bool):
        return type(got) is type(want) and got == want
    want_arr, got_arr = numeric(want), numeric(got)
    if want_arr is not None and got_arr is not None and want_arr.dtype != object:
        if isinstance(want, list) and not isinstance(got, list | np.ndarray):
            return False
        return got_arr.shape == want_arr.shape and \
            bool(np.allclose(got_arr, want_arr, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and \
            all(close(g, w, rtol, atol) for g, w in zip(got, want, strict=True))
    if isinstance(got, np.ndarray) or isinstance(want, np.ndarray):
        return False
    try:
        return bool(got == want)
    except Exception:  # values that do not compare: not the same
        return False


def short(value: Any) -> str:
    """A short printable form of a plain value (numbers with 4 significant digits)."""
    if isinstance(value, list) and 0 < len(value) <= 4 and not _flat_numbers(value):
        return "(" + ", ".join(short(item) for item in value) + ")"
    if isinstance(value, dict) and 0 < len(value) <= 4:
        return "{" + ", ".join(f"{key}: {short(item)}" for key, item in value.items()) + "}"
    arr = numeric(value)
    if arr is not None and arr.dtype == object:
        arr = None
    if arr is not None and arr.ndim == 0:
        return f"{float(arr):.4g}"
    if arr is not None and arr.size <= 6:
        return np.array2string(arr, precision=4, separator=", ")
    if arr is not None:
        return _("an array of shape {shape} (first entries {first})").format(
            shape=arr.shape, first=np.array2string(arr.ravel()[:3], precision=4, separator=", "))
    return describe_value(value)
