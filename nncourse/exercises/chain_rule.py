"""The chain-rule exercise's reference and its typical slips, from the Value engine.

Kept apart from the exercise module so the mistake catalogue can import it without a cycle.

Example:
    >>> [round(g, 4) for g in value_engine_grads(1.0, 0.5, 0.0)]
    [0.8553, 0.7864, 0.7864]
"""

from __future__ import annotations

import numpy as np


def value_engine_grads(a: float, b: float, c: float) -> tuple[float, float, float]:
    """The gradient of f = tanh(a·b + c)·a from the course's autodiff engine (the reference)."""
    from nncourse.numpy.autodiff import Value

    va, vb, vc = Value(a), Value(b), Value(c)
    f = (va * vb + vc).tanh() * va
    f.backward()
    return va.grad, vb.grad, vc.grad


def chain_rule_variant(variant: str, a: float, b: float, c: float) -> tuple[float, ...]:
    """The engine's gradient with one typical slip: a path left out or a wrong tanh'.

    Every variant is derived from the engine's answer (t = tanh(u) is the only extra number),
    so the checker names the slip without holding a second copy of the answer.
    """
    da, db, dc = value_engine_grads(a, b, c)
    u = a * b + c
    t = float(np.tanh(u))
    if variant == "one path":
        return da - t, db, dc
    local = {"1 - t": 1 - t, "1 - u**2": 1 - u * u, "no tanh'": 1.0}[variant]
    scale = local / (1 - t * t)        # swap the engine's tanh' = 1 - t² for the slip
    return (da - t) * scale + t, db * scale, dc * scale
