"""How chapter 5's step functions are called: several steps from a starting state.

Sandbox-safe (NumPy only): the grader runs this inside the sandbox. It returns what the
learner's function produced at every step and judges nothing.

Example:
    >>> def sgd(param, grad, velocity, lr, momentum):
    ...     return param - lr * grad, velocity
    >>> inputs = {"param": np.zeros(2), "grads": np.ones((3, 2)), "velocity": np.zeros(2),
    ...           "lr": 0.5, "momentum": 0.0}
    >>> spec = {"state": ["velocity"], "hyper": ["lr", "momentum"]}
    >>> optimizer_steps(sgd, inputs, spec)["param"][-1].tolist()
    [-1.5, -1.5]
    >>> optimizer_steps(sgd, inputs, spec)["step"][0].tolist()
    [-0.5, -0.5]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


@runner("ch05.optimizer_steps")
def optimizer_steps(answer: Any, inputs: dict, spec: dict) -> dict[str, list[np.ndarray]]:
    """Call ``answer(param, grad, *state, [t,] *hyper)`` once per ``inputs["grads"][k]``.

    The first call receives the input arrays themselves (``param``, the state arrays named by
    ``spec["state"]``, ``grads[0]``), so a function that changes them in place is seen doing
    so; every later call receives what the previous call returned. ``spec["counter"]`` names
    the step-number input (``t`` of Adam, 1 on the first call), passed after the state.

    Returns:
        ``{"param": [after step 1, ...], <state name>: [after step 1, ...], "step": [param
        after step k minus param before it, ...], "moved": 1.0 where any step changed the
        entry of param or of a state array, else 0.0}`` (copies; "step" and "moved" let the
        judge name a wrong step size or a coordinate that should not have changed).
    """
    state_names, hyper_names = list(spec["state"]), list(spec["hyper"])
    counter = spec.get("counter") or ""
    expected = ", ".join(["param", *state_names])
    param, state = inputs["param"], [inputs[name] for name in state_names]
    hyper = [inputs[name] for name in hyper_names]
    record: dict[str, list[np.ndarray]] = {name: [] for name in ["param", *state_names]}
    for step, grad in enumerate(inputs["grads"]):
        extra = [int(inputs[counter]) + step] if counter else []
        returned = answer(param, grad, *state, *extra, *hyper)
        if not isinstance(returned, tuple | list) or len(returned) != 1 + len(state_names):
            kind = type(returned).__name__
            got = _("a {kind} of {count} values").format(kind=kind, count=len(returned)) \
                if isinstance(returned, tuple | list) else _("a {kind}").format(kind=kind)
            raise LearnerError(_("your step function must return the tuple ({expected}) of "
                                 "arrays shaped like param; at step {step} it returned "
                                 "{got}").format(expected=expected, step=step + 1, got=got))
        for name, value in zip(record, returned, strict=True):
            if np.shape(value) != np.shape(inputs["param"]):
                raise LearnerError(_("your step function returned {name} of shape {shape} at "
                                     "step {step}; it must keep the shape of param, "
                                     "{param_shape}").format(
                    name=name, shape=np.shape(value), step=step + 1,
                    param_shape=np.shape(inputs["param"])))
        param, *state = returned
        for name, value in zip(record, returned, strict=True):
            record[name].append(np.array(value, dtype=np.float64, copy=True))
    start_param = np.array(inputs["param"], dtype=np.float64)
    if any(np.shape(value) != start_param.shape for value in record["param"]):
        return {**record, "step": None, "moved": None}   # the judge names the shape
    params = np.array(record["param"])                                   # (steps, *param)
    before = np.concatenate([start_param[None], params[:-1]])
    with np.errstate(invalid="ignore"):          # inf - inf in a diverging answer
        steps = params - before
        moved = (np.abs(steps) > 0).any(axis=0)
    for name in state_names:
        history = np.array(record[name])                                 # (steps, *param)
        start = np.array(inputs[name], dtype=np.float64)
        if history.shape[1:] == start.shape:
            moved |= (history != start).any(axis=0)
    return {**record, "step": list(steps), "moved": moved * 1.0}
