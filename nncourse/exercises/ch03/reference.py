"""Chapter 3's references for the learner-only tasks: the chain rule by hand, the stepper.

Both come from the course's Value engine, so no answer is written out twice: the chain-rule
gradient is the engine's backward pass, the stepper readings are the engine's gradients of
the stepper's graphs (rounded as the stepper shows them).

Example:
    >>> [round(g, 4) for g in chain_rule(1.0, 0.5, 0.0)]
    [0.8553, 0.7864, 0.7864]
"""

from __future__ import annotations

#: graph of the backprop stepper -> the inputs whose gradient is read off it
STEPPER_LEAVES = {"neuron": ("w1", "w2", "b"), "shared_input": ("b",)}


def chain_rule(a: float, b: float, c: float) -> tuple[float, float, float]:
    """The gradient of f = tanh(a·b + c)·a with respect to (a, b, c), from the Value engine.

    Args:
        a, b, c: the point.

    Returns:
        ``(df_da, df_db, df_dc)``.
    """
    from nncourse.numpy.autodiff import Value

    va, vb, vc = Value(a), Value(b), Value(c)
    f = (va * vb + vc).tanh() * va
    f.backward()
    return va.grad, vb.grad, vc.grad


def stepper_reading() -> dict[str, dict[str, float]]:
    """What the backprop stepper shows after its last step: dL/d(input), 4 significant digits.

    Example:
        >>> stepper_reading()["shared_input"]
        {'b': 3.0}
    """
    from nncourse.widgets.backprop_graphs import build_expression

    reading = {}
    for graph, names in STEPPER_LEAVES.items():
        output, leaves = build_expression(graph)
        output.backward()
        reading[graph] = {name: float(f"{leaves[name].grad:.4g}") for name in names}
    return reading
