"""Reference answers for chapter 3 (instructor side; see the package docstring).

The backward passes are the library's (:mod:`nncourse.numpy`); the chain rule by hand and
the stepper readings are answered here.
"""

from __future__ import annotations

import math
from typing import Any

from nncourse.numpy.activations import relu_backward, softmax
from nncourse.numpy.layers import linear_backward
from nncourse.numpy.losses import softmax_cross_entropy_backward


def chain_rule(a, b, c):
    """Gradient of f = tanh(a * b + c) * a with respect to (a, b, c)."""
    t = math.tanh(a * b + c)
    dt = 1.0 - t * t                          # d tanh(u)/du
    return (dt * b * a + t, dt * a * a, dt * a)


#: what the stepper shows after its last step (4 significant digits)
STEPPER_GRADIENT = {"neuron": {"w1": 0.3614, "w2": -0.1807, "b": 0.1807},
                    "shared_input": {"b": 3.0}}

SOLUTIONS: dict[str, Any] = {
    "backprop.linear_backward": linear_backward,
    "backprop.relu_backward": relu_backward,
    "backprop.softmax": softmax,
    "backprop.softmax_cross_entropy_backward": softmax_cross_entropy_backward,
    "backprop.chain_rule": chain_rule,
    "backprop.stepper_gradient": STEPPER_GRADIENT,
}
