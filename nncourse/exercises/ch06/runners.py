"""How chapter 6's answers are called: a pair of initialisers, a stats pass, a batch-norm pair.

Sandbox-safe (NumPy and the NumPy library only): these call the learner's functions and return
what they produced; the judge (trusted side) decides.

Example:
    >>> def xavier(shape, rng):
    ...     return rng.uniform(-1, 1, size=shape)
    >>> out = initialisers((xavier, xavier), {"rng": 0, "shapes": [[2, 3]]}, {})
    >>> out["he"][0].shape
    (2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


def _pair(answer: Any, names: tuple[str, str]) -> tuple[Any, Any]:
    wanted = f"({', '.join(names)})"
    if isinstance(answer, tuple | list) and len(answer) == 2 and all(map(callable, answer)):
        return answer[0], answer[1]
    got = _("one function") if callable(answer) else \
        _("a {kind}").format(kind=type(answer).__name__)
    raise LearnerError(_("pass the tuple {wanted} of your two functions; got {got}").format(
        wanted=wanted, got=got))


@runner("ch06.initialisers")
def initialisers(answer: Any, inputs: dict, spec: dict) -> dict[str, list[np.ndarray]]:
    """Draw every shape with both initialisers from one generator seeded with ``inputs["rng"]``.

    Returns:
        ``{"xavier": [one draw per shape], "he": [...]}`` (the arrays as returned).
    """
    xavier, he = _pair(answer, ("xavier_uniform", "he_normal"))
    rng = np.random.default_rng(int(inputs["rng"]))
    shapes = [tuple(int(size) for size in shape) for shape in inputs["shapes"]]
    return {"xavier": [xavier(shape, rng) for shape in shapes],
            "he": [he(shape, rng) for shape in shapes]}


def build_model(inputs: dict) -> Any:
    """The Sequential the stats exercise sends ``x`` through (weights and biases from inputs).

    ``inputs["layers"]`` lists the layer kinds: "linear" (taking the next weight and bias),
    "relu" or "tanh".
    """
    from nncourse.numpy.layers import Linear, ReLU, Sequential, Tanh

    layers, weights = [], iter(zip(inputs["weights"], inputs["biases"], strict=True))
    for kind in inputs["layers"]:
        if kind == "linear":
            weight, bias = next(weights)
            linear = Linear(weight.shape[1], weight.shape[0])
            linear.weight.data[...] = weight
            linear.bias.data[...] = bias
            layers.append(linear)
        else:
            layers.append({"relu": ReLU, "tanh": Tanh}[kind]())
    return Sequential(*layers)


@runner("ch06.forward_stats")
def forward_stats(answer: Any, inputs: dict, spec: dict) -> dict[str, np.ndarray]:
    """``answer(model, x)``; its rows split into the columns mean, std, dead_fraction."""
    rows = answer(build_model(inputs), inputs["x"])
    try:
        table = np.array(rows, dtype=np.float64)
    except (TypeError, ValueError):
        table = None
    if table is None or table.ndim != 2 or table.shape[1] != 3:
        shape = _("shape {shape}").format(shape=table.shape) if table is not None else \
            _("rows that are not numbers")
        raise LearnerError(_("forward_with_stats must return one row (mean, std, "
                             "dead_fraction) per layer: a list of 3-tuples or an array of shape "
                             "(layers, 3); yours gave {shape}").format(shape=shape))
    return {"mean": table[:, 0], "std": table[:, 1], "dead_fraction": table[:, 2]}


@runner("ch06.batchnorm")
def batchnorm(answer: Any, inputs: dict, spec: dict) -> dict[str, Any]:
    """Forward, then backward on the forward's cache; plus a numerical gradient of the forward.

    Returns:
        ``{"out", "grad_x", "grad_gamma", "grad_beta"}``, and with ``inputs["gradcheck"]``
        also ``"numeric_grad_x"``: the central-difference gradient of
        ``sum(forward(x)[0] * grad_out)`` with respect to x.
    """
    from nncourse.numpy.gradcheck import numerical_gradient

    forward, backward = _pair(answer, ("batchnorm_forward", "batchnorm_backward"))
    x, gamma, beta, eps = inputs["x"], inputs["gamma"], inputs["beta"], inputs["eps"]
    returned = forward(x, gamma, beta, eps)
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        raise LearnerError(_("batchnorm_forward must return the pair (out, cache); cache is "
                             "whatever your backward needs"))
    out, cache = returned
    grads = backward(inputs["grad_out"], cache)
    if not isinstance(grads, tuple | list) or len(grads) != 3:
        raise LearnerError(_("batchnorm_backward must return the tuple (grad_x, grad_gamma, "
                             "grad_beta)"))
    found = {"out": out, "grad_x": grads[0], "grad_gamma": grads[1], "grad_beta": grads[2]}
    if not inputs.get("gradcheck"):
        return found
    grad_out = np.array(inputs["grad_out"], dtype=np.float64)

    def loss(values: np.ndarray) -> float:
        moved = forward(values, np.array(gamma), np.array(beta), eps)[0]
        return float(np.sum(np.asarray(moved, dtype=np.float64) * grad_out))

    with np.errstate(all="ignore"):
        numeric = numerical_gradient(loss, np.array(x, dtype=np.float64))
    return {**found, "numeric_grad_x": numeric}
