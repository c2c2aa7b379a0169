"""Generic diagnosis: name a mistake no catalogue lists, from the observation and the reference.

Trusted side. Every function takes plain data (the learner's observation, the reference's
output, the inputs) and returns a full sentence or None. The judge asks them in order:

* :func:`integrity` — input changed in place, result aliasing an input, the global NumPy/torch
  random generator used, results that change from one call to the next;
* :func:`numeric` — NaN/inf (where, and what the inputs hold there), transposed or mis-shaped
  results (expected vs got), a sign flip, a constant factor (named: 2, 1/2, the batch size,
  the learning rate, any scalar input), entries wrong only where an input is exactly zero;
* :func:`counter` — an off-by-one in a step/epoch counter, or a sequence missing its first or
  last entry.

Example:
    >>> numeric("grad", -np.ones(3), np.ones(3), {})
    'grad has the wrong sign everywhere: it is exactly minus the expected value.'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..i18n import _
from .outputs import close, short
from .outputs import numeric as as_numbers


# ----------------------------------------------------------------------------- integrity
def integrity(observation: dict, output_names: tuple[str, ...] = (),
              random_inputs: tuple[str, ...] = ()) -> str | None:
    """A sentence for mutation, aliasing, global RNG use or non-determinism (None if clean)."""
    mutated = observation.get("mutated") or {}
    if mutated:
        names = ", ".join(sorted(mutated))
        return _("your code changed its input {names} in place; inputs must stay as they were "
                 "(the caller still uses them): work on a copy (x = x.copy()) or build new "
                 "arrays (x = x - step) instead of x -= step or x[i] = ....").format(names=names)
    aliases = observation.get("aliases") or []
    if aliases:
        path, name = aliases[0]
        path = _rename(path, output_names)
        return _("your result {path} is the input {name} itself (the same memory), so changing "
                 "one changes the other; return a new array (e.g. {name}.copy() or an "
                 "expression such as {name} * 1.0 that builds one).").format(path=path, name=name)
    if "reseeded" in observation and not close(observation["reseeded"],
                                               observation.get("output"), 0, 0):
        if "repeat" in observation and not close(observation["repeat"],
                                                 observation.get("output"), 0, 0):
            return _("your result changes from one call to the next with the same inputs: "
                     "something is kept between calls (a global variable, a default argument "
                     "that is a list or a generator) or seeded from the clock; compute "
                     "everything from the arguments.")
        given = (_("use the generator you were given ({names})").format(
            names=", ".join(random_inputs)) if random_inputs
            else _("this task needs no randomness at all"))
        return _("your result changes with the global random seed: your code draws from the "
                 "global NumPy/torch random generator (np.random.rand/normal/permutation, "
                 "torch.randn without a generator); {given}.").format(given=given)
    return None


def _rename(path: str, output_names: tuple[str, ...]) -> str:
    for index, name in enumerate(output_names):
        path = path.replace(f"output[{index}]", name)
    return path


# ----------------------------------------------------------------------------- numbers
def _factor_candidates(inputs: dict) -> list[tuple[str, float]]:
    """Named constants a result may be off by: 2, the batch size, every scalar input."""
    found: list[tuple[str, float]] = []
    for name, value in inputs.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and value not in (0, 1, -1) and np.isfinite(value):
            found.append((f"{name} = {value:g}", float(value)))
            if 0 < value < 1:
                found.append((f"1 - {name} = {1 - value:g}", 1.0 - float(value)))
    for name, value in inputs.items():
        if isinstance(value, np.ndarray) and value.ndim >= 1 and len(value) > 1:
            found.append((_("the batch size B = {size} (len({name}))").format(
                size=len(value), name=name), float(len(value))))
            if value.ndim >= 2 and value.shape[1] > 1:
                found.append((f"{name}.shape[1] = {value.shape[1]}", float(value.shape[1])))
            if value.ndim >= 2:
                found.append((_("the number of entries {name}.size = {size}").format(
                    name=name, size=value.size), float(value.size)))
            break
    return [*found, ("2", 2.0), ("4", 4.0)]      # named quantities first


def constant_factor(name: str, got: np.ndarray, want: np.ndarray, inputs: dict) -> str | None:
    """``got == c · want`` for one constant c: name c (2, 1/2, B, 1/B, lr, ...)."""
    mask = np.abs(want) > 1e-9 * max(1.0, float(np.max(np.abs(want), initial=0.0)))
    if mask.sum() < 2 or not np.all(np.isfinite(got)):    # one number is always "a factor"
        return None
    ratio = got[mask] / want[mask]
    c = float(np.median(ratio))
    if not np.allclose(ratio, c, rtol=1e-5, atol=0) or np.isclose(c, 1.0) or c == 0 or \
            not np.allclose(got[~mask], 0, atol=1e-9):
        return None
    for label, value in _factor_candidates(inputs):
        if np.isclose(c, value, rtol=1e-6):
            return _("{name} is exactly {label} times the expected value: a factor {label} "
                     "is there once too often (or a division by it is missing).").format(
                         name=name, label=label)
        if np.isclose(c, 1.0 / value, rtol=1e-6):
            return _("{name} is exactly the expected value divided by {label}: a division by "
                     "{short_label} is there once too often (or a factor is missing).").format(
                         name=name, label=label, short_label=label.split(" = ")[0])
        if np.isclose(c, value * value, rtol=1e-6) and value > 2:
            return _("{name} is exactly ({label})² times the expected value: a factor is "
                     "squared.").format(name=name, label=label)
    return _("{name} is {factor} times the expected value everywhere: the formula is right up "
             "to a constant factor; check each constant and each division.").format(
                 name=name, factor=f"{c:.4g}")


def _where(mask: np.ndarray, limit: int = 3) -> str:
    places = [", ".join(map(str, index)) for index in np.argwhere(mask)[:limit]]
    return "; ".join(f"[{place}]" for place in places)


def nonfinite(name: str, got: np.ndarray, want: np.ndarray, inputs: dict) -> str | None:
    """NaN/inf in ``got``: where, and whether an input is zero or large at that place."""
    bad = ~np.isfinite(got)
    if not bad.any():
        return None
    what = "NaN" if np.isnan(got).any() else "inf"
    cause = ""
    for input_name, value in inputs.items():
        if isinstance(value, np.ndarray) and value.shape == got.shape:
            if np.all(value[bad] == 0):
                cause = " " + _("{input} is exactly 0 at those places: a division by it (or "
                                "log(0)) makes {what}; guard the zero case.").format(
                                    input=input_name, what=what)
                break
            if np.all(np.abs(value[bad]) > 50):
                cause = " " + _("{input} is large there (|{input}| > 50): exp() of it "
                                "overflows; shift the values first (subtract the maximum).").format(
                                    input=input_name)
                break
    if not cause:
        large = [n for n, v in inputs.items() if isinstance(v, np.ndarray) and v.size and
                 v.dtype.kind == "f" and np.max(np.abs(v)) > 50]
        if large:
            cause = " " + _("The input {input} holds large values: exp() of them overflows; "
                            "subtract the maximum before exp.").format(input=large[0])
        elif np.all(np.isfinite(want)):
            cause = " " + _("The expected values there are finite: look for a division by "
                            "zero, sqrt or log of a negative number or 0, or a value that grows "
                            "each step.")
    if got.ndim == 0:
        text = _("{name} contains {count} NaN or infinite value(s) ({what}) where finite "
                 "numbers were expected.")
    else:
        text = _("{name} contains {count} NaN or infinite value(s) ({what}) at {places} where "
                 "finite numbers were expected.")
    return text.format(name=name, count=int(bad.sum()), what=what,
                       places=_where(bad)) + cause


def shape(name: str, got: np.ndarray, want: np.ndarray, meaning: str = "") -> str | None:
    """Transposed or mis-shaped: expected vs got, with what the expected shape means."""
    if got.shape == want.shape:
        return None
    means = f" = {_(meaning)}" if meaning else ""
    if got.ndim == 2 and got.shape == want.shape[::-1]:
        if np.allclose(got.T, want, rtol=1e-6, atol=1e-9):
            return _("{name} is transposed: it has shape {got}, expected {expected}{means}; "
                     "the entries are right, return its transpose (or swap the operands of "
                     "the matrix product).").format(name=name, got=got.shape,
                                                    expected=want.shape, means=means)
        return _("{name} has shape {got}, expected {expected}{means}: the two axes are "
                 "swapped; check the order of the matrix product and which operand needs "
                 ".T.").format(name=name, got=got.shape, expected=want.shape, means=means)
    if got.size == want.size:
        return _("{name} has shape {got}, expected {expected}{means}; the number of entries "
                 "is right: keep the shape (keepdims=True, or reshape).").format(
                     name=name, got=got.shape, expected=want.shape, means=means)
    for axis in range(want.ndim):
        if got.shape == want.shape[:axis] + want.shape[axis + 1:]:
            return _("{name} has shape {got}, expected {expected}{means}: axis {axis} "
                     "(size {size}) is summed or dropped; keep it.").format(
                         name=name, got=got.shape, expected=want.shape, means=means,
                         axis=axis, size=want.shape[axis])
    return _("{name} has shape {got}, expected {expected}{means}.").format(
        name=name, got=got.shape, expected=want.shape, means=means)


def zero_places(name: str, got: np.ndarray, want: np.ndarray, inputs: dict,
                rtol: float, atol: float) -> str | None:
    """Entries wrong only where an input is exactly zero (a convention at a tie or a kink)."""
    wrong = ~np.isclose(got, want, rtol=rtol, atol=atol)
    for input_name, value in inputs.items():
        if isinstance(value, np.ndarray) and value.shape == got.shape and wrong.any():
            zero = value == 0
            if zero.any() and (~zero).any() and np.array_equal(wrong, wrong & zero):
                return _("{name} is wrong only where {input} is exactly 0 (at {places}): "
                         "decide the boundary case as the lab says (> against >=, or the "
                         "value at a tie).").format(name=name, input=input_name,
                                                    places=_where(wrong))
    return None


def numeric(name: str, got: Any, want: Any, inputs: dict, meaning: str = "",
            rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """The numeric checks in order; None when none of them names the difference."""
    got_arr, want_arr = as_numbers(got), as_numbers(want)
    if got_arr is None or want_arr is None or want_arr.dtype == object or \
            got_arr.dtype == object:
        return None
    if got_arr.shape != want_arr.shape:
        return shape(name, got_arr, want_arr, meaning)
    message = nonfinite(name, got_arr, want_arr, inputs)
    if message:
        return message
    if np.any(np.abs(want_arr) > atol) and np.allclose(got_arr, -want_arr, rtol=rtol, atol=atol):
        return _("{name} has the wrong sign everywhere: it is exactly minus the expected "
                 "value.").format(name=name)
    return constant_factor(name, got_arr, want_arr, inputs) or \
        zero_places(name, got_arr, want_arr, inputs, rtol, atol)


# ----------------------------------------------------------------------------- counters
def counter(name: str, got: Any, want: Any, inputs: dict, counter_name: str,
            reference_with: Callable[[dict], Any], rtol: float = 1e-6,
            atol: float = 1e-9) -> str | None:
    """Off-by-one in a counter input, or a sequence missing its first/last entry."""
    if counter_name and isinstance(inputs.get(counter_name), int | np.integer):
        n = int(inputs[counter_name])
        other_plus = None
        for delta, words in ((-1, _("one too few")), (1, _("one too many"))):
            if n + delta < 0:
                continue
            other = reference_with({**inputs, counter_name: n + delta})
            other_plus = other if delta == 1 else other_plus
            if other is not None and close(got, other, rtol, atol):
                return _("your result is what {counter} = {other} gives, not {counter} = "
                         "{n}: the loop runs {words} time (range(n) runs exactly n times; "
                         "range(1, n) runs n - 1).").format(counter=counter_name,
                                                            other=n + delta, n=n, words=words)
        if other_plus is not None:
            shifted = as_numbers(other_plus)
            got_arr = as_numbers(got)
            if shifted is not None and got_arr is not None and shifted.ndim >= 1 and \
                    got_arr.shape == shifted[1:].shape and \
                    np.allclose(got_arr, shifted[1:], rtol=rtol, atol=atol):
                return _("your result starts one step late: it leaves out the starting value "
                         "and runs {counter} = {more} steps instead of {n}; start with the "
                         "initial value and take exactly {counter} steps.").format(
                             counter=counter_name, more=n + 1, n=n)
    got_arr, want_arr = as_numbers(got), as_numbers(want)
    if got_arr is None or want_arr is None or want_arr.ndim == 0 or got_arr.ndim == 0 or \
            want_arr.dtype == object or got_arr.dtype == object:
        return None
    if len(got_arr) == len(want_arr) - 1 and got_arr.shape[1:] == want_arr.shape[1:]:
        if np.allclose(got_arr, want_arr[1:], rtol=rtol, atol=atol):
            return _("{name} leaves out its first entry ({got} entries, expected "
                     "{expected}): include the starting value.").format(
                         name=name, got=len(got_arr), expected=len(want_arr))
        if np.allclose(got_arr, want_arr[:-1], rtol=rtol, atol=atol):
            return _("{name} leaves out its last entry ({got} entries, expected "
                     "{expected}): the loop stops one step early.").format(
                         name=name, got=len(got_arr), expected=len(want_arr))
    if len(got_arr) == len(want_arr) + 1 and got_arr.shape[1:] == want_arr.shape[1:]:
        return _("{name} has one entry too many ({got}, expected {expected}): the loop runs "
                 "one extra time.").format(name=name, got=len(got_arr), expected=len(want_arr))
    return None


def first_difference(name: str, got: Any, want: Any, rtol: float, atol: float) -> str:
    """Last resort: which entry differs, got vs expected (never a direction to move in)."""
    got_arr, want_arr = as_numbers(got), as_numbers(want)
    if got_arr is None or want_arr is None or got_arr.shape != want_arr.shape or \
            got_arr.dtype == object:
        return _("{name} is {got}; expected {expected}.").format(name=name, got=short(got),
                                                                 expected=short(want))
    wrong = ~np.isclose(got_arr, want_arr, rtol=rtol, atol=atol)
    if got_arr.ndim == 0:
        return _("{name} = {got}, expected {expected}.").format(
            name=name, got=f"{float(got_arr):.6g}", expected=f"{float(want_arr):.6g}")
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    place = ", ".join(map(str, index))
    return _("{name} differs in {count} of {size} entries; the first is {name}[{place}] = "
             "{got}, expected {expected}.").format(
                 name=name, count=int(wrong.sum()), size=got_arr.size, place=place,
                 got=f"{got_arr[index]:.6g}", expected=f"{want_arr[index]:.6g}")
