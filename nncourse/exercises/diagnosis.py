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

from .outputs import close, short
from .outputs import numeric as as_numbers


# ----------------------------------------------------------------------------- integrity
def integrity(observation: dict, output_names: tuple[str, ...] = (),
              random_inputs: tuple[str, ...] = ()) -> str | None:
    """A sentence for mutation, aliasing, global RNG use or non-determinism (None if clean)."""
    mutated = observation.get("mutated") or {}
    if mutated:
        names = ", ".join(sorted(mutated))
        return (f"your code changed its input {names} in place; inputs must stay as they were "
                f"(the caller still uses them): work on a copy (x = x.copy()) or build new "
                f"arrays (x = x - step) instead of x -= step or x[i] = ....")
    aliases = observation.get("aliases") or []
    if aliases:
        path, name = aliases[0]
        path = _rename(path, output_names)
        return (f"your result {path} is the input {name} itself (the same memory), so changing "
                f"one changes the other; return a new array (e.g. {name}.copy() or an "
                f"expression such as {name} * 1.0 that builds one).")
    if "reseeded" in observation and not close(observation["reseeded"],
                                               observation.get("output"), 0, 0):
        if "repeat" in observation and not close(observation["repeat"],
                                                 observation.get("output"), 0, 0):
            return ("your result changes from one call to the next with the same inputs: "
                    "something is kept between calls (a global variable, a default argument "
                    "that is a list or a generator) or seeded from the clock; compute "
                    "everything from the arguments.")
        given = (f"use the generator you were given ({', '.join(random_inputs)})"
                 if random_inputs else "this task needs no randomness at all")
        return ("your result changes with the global random seed: your code draws from the "
                "global NumPy/torch random generator (np.random.rand/normal/permutation, "
                f"torch.randn without a generator); {given}.")
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
            found.append((f"the batch size B = {len(value)} (len({name}))", float(len(value))))
            if value.ndim >= 2 and value.shape[1] > 1:
                found.append((f"{name}.shape[1] = {value.shape[1]}", float(value.shape[1])))
            if value.ndim >= 2:
                found.append((f"the number of entries {name}.size = {value.size}",
                              float(value.size)))
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
            return (f"{name} is exactly {label} times the expected value: a factor {label} "
                    f"is there once too often (or a division by it is missing).")
        if np.isclose(c, 1.0 / value, rtol=1e-6):
            return (f"{name} is exactly the expected value divided by {label}: a division by "
                    f"{label.split(' = ')[0]} is there once too often (or a factor is "
                    f"missing).")
        if np.isclose(c, value * value, rtol=1e-6) and value > 2:
            return f"{name} is exactly ({label})² times the expected value: a factor is squared."
    return (f"{name} is {c:.4g} times the expected value everywhere: the formula is right up "
            f"to a constant factor; check each constant and each division.")


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
                cause = (f" {input_name} is exactly 0 at those places: a division by it (or "
                         f"log(0)) makes {what}; guard the zero case.")
                break
            if np.all(np.abs(value[bad]) > 50):
                cause = (f" {input_name} is large there (|{input_name}| > 50): exp() of it "
                         f"overflows; shift the values first (subtract the maximum).")
                break
    if not cause:
        large = [n for n, v in inputs.items() if isinstance(v, np.ndarray) and v.size and
                 v.dtype.kind == "f" and np.max(np.abs(v)) > 50]
        if large:
            cause = (f" The input {large[0]} holds large values: exp() of them overflows; "
                     f"subtract the maximum before exp.")
        elif np.all(np.isfinite(want)):
            cause = (" The expected values there are finite: look for a division by zero, "
                     "sqrt or log of a negative number or 0, or a value that grows each step.")
    first = "" if got.ndim == 0 else f" at {_where(bad)}"
    return f"{name} contains {int(bad.sum())} NaN or infinite value(s) ({what}){first} where " \
           f"finite numbers were expected.{cause}"


def shape(name: str, got: np.ndarray, want: np.ndarray, meaning: str = "") -> str | None:
    """Transposed or mis-shaped: expected vs got, with what the expected shape means."""
    if got.shape == want.shape:
        return None
    means = f" = {meaning}" if meaning else ""
    if got.ndim == 2 and got.shape == want.shape[::-1]:
        if np.allclose(got.T, want, rtol=1e-6, atol=1e-9):
            return (f"{name} is transposed: it has shape {got.shape}, expected {want.shape}"
                    f"{means}; the entries are right, return its transpose (or swap the "
                    f"operands of the matrix product).")
        return (f"{name} has shape {got.shape}, expected {want.shape}{means}: the two axes are "
                f"swapped; check the order of the matrix product and which operand needs .T.")
    if got.size == want.size:
        return (f"{name} has shape {got.shape}, expected {want.shape}{means}; the number of "
                f"entries is right: keep the shape (keepdims=True, or reshape).")
    for axis in range(want.ndim):
        if got.shape == want.shape[:axis] + want.shape[axis + 1:]:
            return (f"{name} has shape {got.shape}, expected {want.shape}{means}: axis {axis} "
                    f"(size {want.shape[axis]}) is summed or dropped; keep it.")
    return f"{name} has shape {got.shape}, expected {want.shape}{means}."


def zero_places(name: str, got: np.ndarray, want: np.ndarray, inputs: dict,
                rtol: float, atol: float) -> str | None:
    """Entries wrong only where an input is exactly zero (a convention at a tie or a kink)."""
    wrong = ~np.isclose(got, want, rtol=rtol, atol=atol)
    for input_name, value in inputs.items():
        if isinstance(value, np.ndarray) and value.shape == got.shape and wrong.any():
            zero = value == 0
            if zero.any() and (~zero).any() and np.array_equal(wrong, wrong & zero):
                return (f"{name} is wrong only where {input_name} is exactly 0 (at "
                        f"{_where(wrong)}): decide the boundary case as the lab says (> "
                        f"against >=, or the value at a tie).")
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
        return f"{name} has the wrong sign everywhere: it is exactly minus the expected value."
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
        for delta, words in ((-1, "one too few"), (1, "one too many")):
            if n + delta < 0:
                continue
            other = reference_with({**inputs, counter_name: n + delta})
            other_plus = other if delta == 1 else other_plus
            if other is not None and close(got, other, rtol, atol):
                return (f"your result is what {counter_name} = {n + delta} gives, not "
                        f"{counter_name} = {n}: the loop runs {words} time (range(n) runs "
                        f"exactly n times; range(1, n) runs n - 1).")
        if other_plus is not None:
            shifted = as_numbers(other_plus)
            got_arr = as_numbers(got)
            if shifted is not None and got_arr is not None and shifted.ndim >= 1 and \
                    got_arr.shape == shifted[1:].shape and \
                    np.allclose(got_arr, shifted[1:], rtol=rtol, atol=atol):
                return (f"your result starts one step late: it leaves out the starting value "
                        f"and runs {counter_name} = {n + 1} steps instead of {n}; start with "
                        f"the initial value and take exactly {counter_name} steps.")
    got_arr, want_arr = as_numbers(got), as_numbers(want)
    if got_arr is None or want_arr is None or want_arr.ndim == 0 or got_arr.ndim == 0 or \
            want_arr.dtype == object or got_arr.dtype == object:
        return None
    if len(got_arr) == len(want_arr) - 1 and got_arr.shape[1:] == want_arr.shape[1:]:
        if np.allclose(got_arr, want_arr[1:], rtol=rtol, atol=atol):
            return (f"{name} leaves out its first entry ({len(got_arr)} entries, expected "
                    f"{len(want_arr)}): include the starting value.")
        if np.allclose(got_arr, want_arr[:-1], rtol=rtol, atol=atol):
            return (f"{name} leaves out its last entry ({len(got_arr)} entries, expected "
                    f"{len(want_arr)}): the loop stops one step early.")
    if len(got_arr) == len(want_arr) + 1 and got_arr.shape[1:] == want_arr.shape[1:]:
        return (f"{name} has one entry too many ({len(got_arr)}, expected {len(want_arr)}): "
                f"the loop runs one extra time.")
    return None


def first_difference(name: str, got: Any, want: Any, rtol: float, atol: float) -> str:
    """Last resort: which entry differs, got vs expected (never a direction to move in)."""
    got_arr, want_arr = as_numbers(got), as_numbers(want)
    if got_arr is None or want_arr is None or got_arr.shape != want_arr.shape or \
            got_arr.dtype == object:
        return f"{name} is {short(got)}; expected {short(want)}."
    wrong = ~np.isclose(got_arr, want_arr, rtol=rtol, atol=atol)
    if got_arr.ndim == 0:
        return f"{name} = {float(got_arr):.6g}, expected {float(want_arr):.6g}."
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    place = ", ".join(map(str, index))
    return (f"{name} differs in {int(wrong.sum())} of {got_arr.size} entries; the first is "
            f"{name}[{place}] = {got_arr[index]:.6g}, expected {want_arr[index]:.6g}.")
