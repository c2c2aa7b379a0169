"""How an answer made of several functions is called (a forward and its backward, ...).

Sandbox-safe (NumPy only): it calls the learner's functions and returns what they produced.

Example:
    >>> spec = {"functions": ["double", "half"], "calls": [["x"], ["x"]]}
    >>> functions((lambda x: 2 * x, lambda x: x / 2), {"x": 4.0}, spec)
    [8.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


def unpack(answer: Any, names: list[str]) -> list[Any]:
    """The functions of a tuple answer, in order; a LearnerError naming the tuple otherwise."""
    wanted = f"({', '.join(names)})"
    if isinstance(answer, tuple | list) and len(answer) == len(names) and \
            all(callable(item) for item in answer):
        return list(answer)
    if callable(answer):
        got = _("one function ({name})").format(
            name=getattr(answer, "__name__", _("a callable")))
    elif isinstance(answer, tuple | list):
        got = _("a {kind} of {count} item(s)").format(kind=type(answer).__name__,
                                                     count=len(answer))
    else:
        got = _("a {kind}").format(kind=type(answer).__name__)
    raise LearnerError(_("pass the tuple {wanted} of your functions; got {got}").format(
        wanted=wanted, got=got))


@runner("ch04.functions")
def functions(answer: Any, inputs: dict, spec: dict) -> list[Any]:
    """Call each function of the answer on its inputs: ``spec["calls"][k]`` names them.

    Returns:
        one output per function, in order.
    """
    found = unpack(answer, list(spec["functions"]))
    return [function(*[inputs[name] for name in names])
            for function, names in zip(found, spec["calls"], strict=True)]


@runner("ch04.backward")
def backward(answer: Any, inputs: dict, spec: dict) -> dict[str, Any]:
    """``answer(grad_out, out)``, and which entries of its result are non-zero.

    Returns:
        ``{"grad_x": the result, "nonzero": 1.0 where the result is not 0, else 0.0}``; the
        mask lets a probe ask whether an elementwise backward pass stayed elementwise.
    """
    grad_x = answer(inputs["grad_out"], inputs["out"])
    try:
        nonzero = (np.asarray(grad_x, dtype=np.float64) != 0) * 1.0
    except (TypeError, ValueError):
        nonzero = None
    return {"grad_x": grad_x, "nonzero": nonzero}
