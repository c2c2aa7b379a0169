"""Chapter 4 mistake models: plausible wrong answers, each with the message it earns.

Example:
    >>> from nncourse.exercises import check
    >>> check("activations.tanh_backward", tanh_no_square).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.activations import leaky_relu, leaky_relu_backward

from ..registry import Mistake


# ----------------------------------------------------------------------------- sigmoid
def sigmoid_twice(grad_out, out):
    """Applies sigmoid to out again (out already is sigmoid(x))."""
    s = 1 / (1 + np.exp(-out))
    return grad_out * s * (1 - s)


def sigmoid_local_only(grad_out, out):
    """The local derivative alone: the upstream gradient is left out."""
    return out * (1 - out)


def sigmoid_missing_out(grad_out, out):
    """(1 - out) without the factor out."""
    return grad_out * (1 - out)


def sigmoid_flipped(grad_out, out):
    """The sign flipped."""
    return -grad_out * out * (1 - out)


def sigmoid_out_squared(grad_out, out):
    """out**2 instead of out * (1 - out)."""
    return grad_out * out**2


SIGMOID = [
    Mistake("sigmoid applied to out again", sigmoid_twice,
            "You applied sigmoid again to `out`, which already is sigmoid(x): use "
            "out * (1 - out)."),
    Mistake("no upstream gradient", sigmoid_local_only,
            "Your grad_x is sigmoid's local derivative alone: the upstream gradient factor is "
            "missing; multiply by grad_out (chain rule)."),
    Mistake("factor out missing", sigmoid_missing_out,
            "grad_out * (1 - out) misses the factor out: sigma'(x) = out * (1 - out)."),
    Mistake("sign flipped", sigmoid_flipped,
            "Your grad_x has the wrong sign: sigmoid's derivative out * (1 - out) is positive "
            "everywhere."),
    Mistake("out squared", sigmoid_out_squared,
            "grad_out * out**2 is not sigmoid's derivative: sigma'(x) = out * (1 - out)."),
]


# ----------------------------------------------------------------------------- tanh
def tanh_no_square(grad_out, out):
    """1 - out without the square."""
    return grad_out * (1 - out)


def tanh_twice(grad_out, out):
    """Applies tanh to out again (out already is tanh(x))."""
    return grad_out * (1 - np.tanh(out) ** 2)


def tanh_local_only(grad_out, out):
    """The local derivative alone: the upstream gradient is left out."""
    return 1 - out**2


def tanh_plus(grad_out, out):
    """1 + out**2: the sign inside flipped."""
    return grad_out * (1 + out**2)


def tanh_square_outside(grad_out, out):
    """(1 - out)**2: the square outside."""
    return grad_out * (1 - out) ** 2


TANH = [
    Mistake("1 - out", tanh_no_square,
            "1 - out is missing a square: tanh'(x) = 1 - tanh(x)**2 = 1 - out**2."),
    Mistake("tanh applied to out again", tanh_twice,
            "You applied tanh again to `out`, which already is tanh(x): use 1 - out**2."),
    Mistake("no upstream gradient", tanh_local_only,
            "Your grad_x is tanh's local derivative alone: the upstream gradient factor is "
            "missing; multiply by grad_out (chain rule)."),
    Mistake("1 + out**2", tanh_plus,
            "1 + out**2 has the wrong sign inside: tanh'(x) = 1 - out**2."),
    Mistake("(1 - out)**2", tanh_square_outside,
            "(1 - out)**2 squares the wrong thing: tanh'(x) = 1 - out**2 (square out, then "
            "subtract from 1)."),
]


# ----------------------------------------------------------------------------- leaky ReLU
def plain_relu(x, negative_slope=0.01):
    """Plain ReLU forward: the negative side is 0."""
    return np.maximum(x, 0)


def fixed_slope_forward(x, negative_slope=0.01):
    """Ignores the negative_slope argument and uses 0.01."""
    return np.where(x > 0, x, 0.01 * x)


def fixed_slope_backward(grad_out, x, negative_slope=0.01):
    """Ignores the negative_slope argument and uses 0.01."""
    return grad_out * np.where(x > 0, 1.0, 0.01)


def local_only_backward(grad_out, x, negative_slope=0.01):
    """The local derivative alone: the upstream gradient is left out."""
    return np.where(x > 0, 1.0, negative_slope)


def relu_backward_zero(grad_out, x, negative_slope=0.01):
    """Plain ReLU's backward: 0 on the negative side."""
    return grad_out * (x > 0)


def slope_at_zero_is_one(grad_out, x, negative_slope=0.01):
    """x >= 0 counted as the positive side: slope 1 at x = 0."""
    return grad_out * np.where(x >= 0, 1.0, negative_slope)


LEAKY_RELU = [
    Mistake("plain ReLU forward", (plain_relu, leaky_relu_backward),
            "Your forward output is plain ReLU: negative inputs must give negative_slope * x."),
    Mistake("negative_slope ignored", (fixed_slope_forward, fixed_slope_backward),
            "Your functions ignore the negative_slope argument and use 0.01; use the argument."),
    Mistake("one function instead of the pair", leaky_relu,
            "pass the tuple (leaky_relu, leaky_relu_backward)"),
    Mistake("no upstream gradient", (leaky_relu, local_only_backward),
            "Your grad_x is the local derivative alone: the upstream gradient factor is "
            "missing; multiply by grad_out (chain rule)."),
    Mistake("ReLU's backward", (leaky_relu, relu_backward_zero),
            "Your grad_x is zero for x <= 0, as for plain ReLU: on the negative side the "
            "gradient is negative_slope * grad_out."),
    Mistake("slope 1 at x = 0", (leaky_relu, slope_at_zero_is_one),
            "Your grad_x uses slope 1 at x = 0 exactly; the lab (and PyTorch) count x = 0 with "
            "the negative side: x > 0 gives slope 1, otherwise negative_slope."),
]


# ----------------------------------------------------------------------------- deep signal
DEEP_SIGNAL = [
    Mistake("sigmoid with Xavier", {"activation": "sigmoid", "init": "xavier"}, ("vanishes",)),
    Mistake("ReLU with N(0, 1)", {"activation": "relu", "init": "standard_normal"},
            ("explodes",)),
    Mistake("ReLU with Xavier", {"activation": "relu", "init": "xavier"}, ("vanishes",)),
    Mistake("sigmoid with N(0, 1)", {"activation": "sigmoid", "init": "normal_1"},
            ("saturate",)),
    Mistake("a mistyped init name", {"activation": "relu", "init": "kaiming"},
            ("unknown choice", "he_normal")),
    Mistake("a list of names", ["relu", "he"], ("dict",)),
]
