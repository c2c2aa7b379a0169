"""Chapter 4 answers written only from lab 4's words (not from the library or the reference).

The property test runs them through ``check()`` on many seeds: an answer that follows the lab
must get full marks every time.
"""

from __future__ import annotations

import numpy as np


def sigmoid_backward(grad_out, out):
    """Lab: sigma'(x) = sigma(x)(1 - sigma(x)), and the backward pass receives out = sigma(x)."""
    local = out - out * out
    return np.multiply(grad_out, local)


def tanh_backward(grad_out, out):
    """Lab: tanh'(x) = 1 - tanh^2(x), again from the output out = tanh(x)."""
    return grad_out - grad_out * np.square(out)


def leaky_relu(x, negative_slope=0.01):
    """Lab: lrelu(x) = x for x > 0 and alpha x otherwise."""
    x = np.asarray(x, dtype=float)
    out = x.copy()
    negative = ~(x > 0)
    out[negative] = negative_slope * x[negative]
    return out


def leaky_relu_backward(grad_out, x, negative_slope=0.01):
    """Lab: its derivative is 1 (x > 0) or alpha (otherwise)."""
    slope = np.ones_like(np.asarray(x, dtype=float))
    slope[~(np.asarray(x) > 0)] = negative_slope
    return grad_out * slope


LEAKY_RELU = (leaky_relu, leaky_relu_backward)


def deep_signal_explorer():
    """Lab part 4: build the explorer in code with an activation and an init that work."""
    from nncourse.widgets.initialization import InitializationExplorer

    return InitializationExplorer(activation="tanh", init="xavier_normal", depth=20, width=64)


#: exercise id -> the answer as a learner passes it (a zero-argument factory for widgets)
ANSWERS = {
    "activations.sigmoid_backward": sigmoid_backward,
    "activations.tanh_backward": tanh_backward,
    "activations.leaky_relu": LEAKY_RELU,
    "activations.deep_signal": deep_signal_explorer,
}
