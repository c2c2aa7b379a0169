"""The backprop stepper's graphs, built on the scalar engine, without widgets.

Judges (``backprop.stepper_gradient``) and pages import these; the stepper UI in
:mod:`nncourse.widgets.backprop_stepper` re-exports them under the same names.

Example:
    >>> output, leaves = build_expression("shared_input")
    >>> output.backward(); leaves["b"].grad
    3.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nncourse._checks import check_choice
from nncourse.numpy.autodiff import Value

__all__ = ["EXPRESSIONS", "build_expression"]


def _name(node: Any, label: str) -> Any:
    """Label a Value (torch tensors pass through untouched, so builders work on both)."""
    if isinstance(node, Value):
        node.label = label
    return node


def _neuron(v: dict[str, Any]) -> Any:
    # o = tanh(x1 w1 + x2 w2 + b): one neuron, the classic first example.
    x1w1 = _name(v["x1"] * v["w1"], "x1·w1")
    x2w2 = _name(v["x2"] * v["w2"], "x2·w2")
    z = _name(_name(x1w1 + x2w2, "sum") + v["b"], "z")
    return _name(z.tanh(), "o")


def _squared_error(v: dict[str, Any]) -> Any:
    # L = (sigmoid(w x + b) - y)^2: a one-weight logistic unit with a squared-error loss.
    z = _name(_name(v["w"] * v["x"], "w·x") + v["b"], "z")
    p = _name(z.sigmoid(), "p")
    error = _name(p - v["y"], "p - y")
    return _name(error ** 2, "L")


def _shared(v: dict[str, Any]) -> Any:
    # f = (a + b)(b + c): b is used twice, so its gradient is a sum of two paths.
    left = _name(v["a"] + v["b"], "a + b")
    right = _name(v["b"] + v["c"], "b + c")
    return _name(left * right, "f")


#: name -> (builder over a dict of leaves, default leaf values)
EXPRESSIONS: dict[str, tuple[Callable[[dict[str, Any]], Any], dict[str, float]]] = {
    "neuron": (_neuron, {"x1": 2.0, "x2": -1.0, "w1": -0.5, "w2": 1.5, "b": 1.0}),
    "squared_error": (_squared_error, {"x": 1.5, "w": 0.8, "b": -0.3, "y": 1.0}),
    "shared_input": (_shared, {"a": 2.0, "b": -1.0, "c": 3.0}),
}


def build_expression(expression: str, values: dict[str, float] | None = None
                     ) -> tuple[Value, dict[str, Value]]:
    """Build the named graph on Values; returns (output, leaves by name)."""
    check_choice(expression, "expression", EXPRESSIONS)
    builder, defaults = EXPRESSIONS[expression]
    leaves = {k: Value(float(x), k) for k, x in {**defaults, **(values or {})}.items()}
    return builder(leaves), leaves
