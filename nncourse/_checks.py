"""Input validation shared by the whole package: clear errors, scikit-learn style.

Every message says what was expected, what came, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def as_float_array(x: Any, name: str, ndim: int | Iterable[int] | None = None,
                   allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, or raise a helpful error.

    Args:
        x: array-like input.
        name: what the caller calls it (used in messages), e.g. ``"x"``.
        ndim: required number of dimensions (an int or a collection of ints).
        allow_nan: accept NaN / inf values.

    Raises:
        TypeError: not numeric (strings, objects, complex).
        ValueError: wrong number of dimensions, or NaN/inf present.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must be a numeric array; got dtype {arr.dtype} ({type(x).__name__}). "
            f"Convert it with np.asarray({name}, dtype=np.float64)."
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued; got complex dtype {arr.dtype}.")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{name} must be {want}; got a {arr.ndim}-D array of shape {arr.shape}. "
                + ("Add a batch dimension with x[None] or x.reshape(1, -1)."
                   if arr.ndim + 1 in allowed else "Reshape it before passing it in.")
            )
    if not allow_nan and arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s). Check the data pipeline "
            f"or lower the learning rate if training diverged."
        )
    return arr


def check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is > 0 (or >= 0), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__} {value!r}.")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not ok or not np.isfinite(value):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} and finite; got {value!r}.")
    return value


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ValueError listing them."""
    choices = list(choices)
    if value not in choices:
        expected = ", ".join(map(repr, choices))
        raise ValueError(f"Unknown {name} {value!r}. Expected one of: {expected}.")
    return value


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ValueError if two arrays differ in shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {np.shape(a)} and {np.shape(b)}."
        )
