"""Errors raised by learner code, put into sentences that name what was expected.

No raw exception reaches a learner: :func:`explain_error` turns a KeyError, TypeError,
AttributeError, IndexError, ValueError (NumPy shape errors included), UnpicklingError, a
traitlets TraitError, a ``NotImplementedError`` from a stub, ``'NoneType' object is not
subscriptable`` ... into one sentence naming the expected type, shape, key or valid values.
The exercise says what it expects in plain data (``Exercise.expects``)::

    {"returns": "the tuple (grad_x, grad_weight, grad_bias) of arrays",
     "inputs": {"x": "an array of shape (B, in_features)"},
     "keys": {"config": ["batch_size", "lr"]},          # keys a dict input/answer has
     "valid": {"expression": ["neuron", "shared_input"]}}  # valid values of a setting

Sandbox-safe: imports the standard library, NumPy and :mod:`nncourse.i18n` (standard library
only). The sentences come out in the current language; the grading sandbox has no catalogue and
no language set, so there they stay English.

Example:
    >>> explain_error(KeyError("batch_size"), {"keys": {"config": ["lr", "batch_size"]}})[:46]
    "your code looked up the key 'batch_size', whic"
"""

from __future__ import annotations

import re
import traceback
from typing import Any

import numpy as np

from nncourse.i18n import _

_BROADCAST = re.compile(r"operands could not be broadcast together with shapes? (.*)")
_MATMUL = re.compile(r"matmul: Input operand \d has a mismatch in its core dimension \d.*"
                     r"\(size (\d+) is different from (\d+)\)")
_DOT = re.compile(r"shapes (\([\d, ]*\)) and (\([\d, ]*\)) not aligned")
_NONE_USE = re.compile(r"'NoneType' object (is not subscriptable|is not iterable|has no "
                       r"attribute '(\w+)'|is not callable)")
#: NumPy names its arrays with their module ("'numpy.ndarray' object"): the kind is the last part
_ATTRIBUTE = re.compile(r"'(?:\w+\.)*(\w+)' object has no attribute '(\w+)'")
_RESHAPE = re.compile(r"cannot reshape array of size (\d+) into shape (\(.*\))")
_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")
_ARGS = re.compile(r"(\w+)\(\) (takes|missing|got an unexpected keyword argument) (.*)")


class LearnerError(Exception):
    """Raised by a runner when the learner's answer is unusable; its text is the sentence."""


#: How the released notebooks' stubs end their NotImplementedError text.
STUB_ENDINGS = ("write your solution here", "your code here")


def describe_exception(exc: BaseException, limit: int = 300) -> str:
    """``"ValueError: message"`` trimmed to ``limit`` characters (never raises)."""
    try:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    except Exception:  # a learner exception whose __str__ fails
        text = type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shape_text(shape: str) -> str:
    return shape.replace(",", ", ").replace(",  ", ", ").replace(", )", ",)")


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
        shapes = [_shape_text(s) for s in found.group(1).split()]
        shapes = [s for s in shapes if s.startswith("(")][:2]
        keep = ""
        if len(shapes) == 2 and shapes[1].count(",") == 1 and shapes[1].endswith(",)"):
            keep = " " + _("A sum or max over a row gives shape (B,); keep it as a column with "
                           "keepdims=True, e.g. z.max(axis=-1, keepdims=True).")
        listed = _("{left} and {right}").format(left=shapes[0], right=shapes[1]) \
            if len(shapes) == 2 else ", ".join(shapes)
        return _("arrays of shapes {shapes} cannot be combined elementwise (their shapes do not "
                 "broadcast).").format(shapes=listed) + keep
    found = _MATMUL.search(text)
    if found:
        return _("a matrix product a @ b failed: a has {columns} columns but b has {rows} rows "
                 "(a @ b needs a.shape[-1] == b.shape[0]); check whether one operand needs a "
                 "transpose (.T).").format(columns=found.group(2), rows=found.group(1))
    found = _DOT.search(text)
    if found:
        return _("a matrix product of shapes {left} and {right} failed: the inner sizes differ; "
                 "check whether one operand needs a transpose (.T).").format(
            left=found.group(1), right=found.group(2))
    found = _RESHAPE.search(text)
    if found:
        return _("an array of {size} elements cannot be reshaped to {shape}: the sizes must "
                 "agree.").format(size=found.group(1), shape=found.group(2))
    return None


def _returns(expects: dict) -> str:
    returns = expects.get("returns")
    if not isinstance(returns, str) or not returns:
        return ""
    # declared in English by the exercise; its translation is in nncourse.po (texts.py)
    return " " + _("The function should return {returns}.").format(returns=_(returns))


def _inputs_text(expects: dict, inputs: dict | None) -> str:
    described = expects.get("inputs") or {}
    if described:
        parts = [f"{name}: {_(what) if isinstance(what, str) and what else what}"
                 for name, what in described.items()]
        return " " + _("It receives {inputs}.").format(inputs="; ".join(parts))
    if inputs:
        arrays = [f"{name} {tuple(value.shape)}" for name, value in inputs.items()
                  if isinstance(value, np.ndarray)]
        if arrays:
            return " " + _("Your function received {inputs}.").format(inputs=", ".join(arrays))
    return ""


def _key_sentence(key: Any, expects: dict) -> str:
    known = expects.get("keys") or {}
    for owner, keys in known.items():
        if key not in keys:
            return _("your code looked up the key {key!r}, which {owner} does not have; its "
                     "keys are {keys}.").format(key=key, owner=owner,
                                                keys=", ".join(map(repr, keys)))
    for owner, keys in known.items():
        return _("your code looked up the key {key!r} of {owner} at a moment it was not there; "
                 "{owner} has the keys {keys}.").format(key=key, owner=owner,
                                                        keys=", ".join(map(repr, keys)))
    return _("your code looked up the key {key!r}, which the dict it read does not have; check "
             "the spelling and which dict holds it.").format(key=key)


def _valid_sentence(text: str, expects: dict) -> str | None:
    valid = expects.get("valid") or {}
    for name, values in valid.items():
        if name in text:
            return _("{name} was given a value it does not accept; valid values are "
                     "{values}.").format(name=name, values=", ".join(map(repr, values)))
    if valid:
        listed = "; ".join(f"{name}: {', '.join(map(repr, values))}"
                           for name, values in valid.items())
        return _("a setting was given a value it does not accept; the valid values are "
                 "{values}.").format(values=listed)
    return None


def explain_error(exc: BaseException, expects: dict | None = None,
                  inputs: dict | None = None) -> str:
    """One sentence (starting lower-case, to follow "your code ...") for a learner error.

    Args:
        exc: what the learner's code raised.
        expects: the exercise's ``expects`` (see the module docstring).
        inputs: the inputs the code received (shapes of arrays are named).

    Returns:
        A full sentence naming what was expected; the raw exception text appears only as a
        quoted detail when nothing better is known.
    """
    expects = expects or {}
    name = type(exc).__name__
    text = describe_exception(exc, 200)
    message = str(exc) if not isinstance(exc, KeyError) else ""
    returns, received = _returns(expects), _inputs_text(expects, inputs)
    if isinstance(exc, LearnerError):
        return str(exc)
    if isinstance(exc, NotImplementedError):
        stub = str(exc).strip().rstrip(".").lower()
        if not stub or stub.endswith(STUB_ENDINGS):
            return _("the function is not implemented yet: the stub still raises "
                     "NotImplementedError; replace `raise NotImplementedError` with your code.")
        if "meta" in stub:
            return _("your code asked for the values of a tensor that has none ({error}): a "
                     "tensor on the 'meta' device only has a shape; keep the computation on the "
                     "device you were given and do not call .cpu()/.item()/.numpy() on "
                     "it.").format(error=exc)
        return _("your code raised NotImplementedError: {error}.").format(error=exc)
    if isinstance(exc, RecursionError):
        return _("your code calls itself without end (maximum recursion depth exceeded).")
    if isinstance(exc, TimeoutError):
        return _("your code ran out of time ({error}); look for a loop that never "
                 "ends.").format(error=exc)
    if isinstance(exc, MemoryError):
        return _("your code ran out of memory (MemoryError); an array is far larger than the "
                 "task needs.")
    found = _NONE_USE.search(message)
    if found:
        return _("your code used None where a value was expected (something returned None, "
                 "e.g. a function without `return`, or a list method like .sort() that works "
                 "in place).") + returns
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else None
        return _key_sentence(key, expects)
    if name == "TraitError":
        return (_valid_sentence(message, expects) or
                _("a widget setting was given a value of the wrong type or out of range "
                  "({error}).").format(error=text))
    if name == "UnpicklingError" or "pickle" in message.lower():
        return _("a saved state could not be read back: only plain data (arrays, numbers, "
                 "lists, dicts; for a generator its `bit_generator.state` dict) can be saved "
                 "and loaded, not Python objects.")
    if isinstance(exc, ValueError):
        plain = plain_words(exc)
        if plain:
            return _("your code stopped: {reason}").format(reason=plain) + received
        valid = _valid_sentence(message, expects) if expects.get("valid") else None
        if valid:
            return valid
    found = _ATTRIBUTE.search(message) if isinstance(exc, AttributeError) else None
    if found:
        kind, attribute = found.groups()
        hint = ""
        if kind == "ndarray" and attribute in ("detach", "cpu", "numpy", "item", "backward"):
            hint = " " + _("That is a torch tensor method; here the values are NumPy arrays.")
        elif kind == "Tensor" and attribute in ("copy", "astype", "T_"):
            hint = " " + _("That is a NumPy method; here the values are torch tensors.")
        elif kind in ("list", "tuple") and attribute in ("shape", "ndim", "T", "reshape"):
            hint = " " + _("Convert with np.asarray(...) or return an array.")
        return _("your code asked a {kind} for .{attribute}, which it does not have.").format(
            kind=kind, attribute=attribute) + hint + received + returns
    if isinstance(exc, IndexError):
        found = _INDEX.search(message)
        if found:
            return _("your code indexed past the end of an array or list (index {index} on axis "
                     "{axis} of size {size}); check loop bounds and which axis is which.").format(
                index=found.group(1), axis=found.group(2), size=found.group(3)) + received
        return _("your code indexed past the end of an array or list; check loop bounds and "
                 "which axis is which.") + received
    if isinstance(exc, TypeError):
        found = _ARGS.search(message)
        if found:
            return _("your function was called with arguments it does not take ({error}); keep "
                     "the signature the lab gives.").format(
                error=f"{found.group(1)}() {found.group(2)} {found.group(3)}") + received
        return _("your code combined values of the wrong types ({error}).").format(
            error=text.rstrip(".")) + received + returns
    if isinstance(exc, ZeroDivisionError):
        return _("your code divided by zero; check what the divisor is when a batch or a count "
                 "is empty or zero.")
    if isinstance(exc, OverflowError | FloatingPointError):
        return _("a number became too large or invalid ({error}); look for exp() of a large "
                 "value or a division by zero.").format(error=text)
    return _("your code raised {error}.").format(error=text.rstrip(".")) + received + returns
