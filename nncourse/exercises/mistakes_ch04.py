"""Chapter 4 mistake catalogue: plausible wrong answers, as a learner would submit them.

Example:
    >>> from nncourse.exercises import check
    >>> check("activations.tanh_backward", tanh_no_square).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.activations import (
    leaky_relu,
    leaky_relu_backward,
    sigmoid_backward,
    tanh_backward,
)


# ----------------------------------------------------------------------------- sigmoid
def sigmoid_twice(grad_out, out):
    s = 1 / (1 + np.exp(-out))
    return grad_out * s * (1 - s)


def sigmoid_local_only(grad_out, out):
    return sigmoid_backward(np.ones_like(out), out)


def sigmoid_missing_out(grad_out, out):
    return grad_out * (1 - out)


def sigmoid_flipped(grad_out, out):
    return -sigmoid_backward(grad_out, out)


def sigmoid_out_squared(grad_out, out):
    return grad_out * out ** 2


# ----------------------------------------------------------------------------- tanh
def tanh_no_square(grad_out, out):
    return grad_out * (1 - out)


def tanh_twice(grad_out, out):
    return grad_out * (1 - np.tanh(out) ** 2)


def tanh_local_only(grad_out, out):
    return tanh_backward(np.ones_like(out), out)


def tanh_plus(grad_out, out):
    return grad_out * (1 + out ** 2)


def tanh_square_outside(grad_out, out):
    return grad_out * (1 - out) ** 2


# ----------------------------------------------------------------------------- leaky ReLU
def _plain_relu(x, negative_slope=0.01):
    return np.maximum(x, 0)


def _fixed_forward(x, negative_slope=0.01):
    return leaky_relu(x, 0.01)


def _fixed_backward(grad_out, x, negative_slope=0.01):
    return leaky_relu_backward(grad_out, x, 0.01)


def _local_backward(grad_out, x, negative_slope=0.01):
    return leaky_relu_backward(np.ones_like(x), x, negative_slope)


def _zero_backward(grad_out, x, negative_slope=0.01):
    return grad_out * (x > 0)


leaky_plain_relu = (_plain_relu, leaky_relu_backward)
leaky_fixed_slope = (_fixed_forward, _fixed_backward)
leaky_single = leaky_relu
leaky_local_only = (leaky_relu, _local_backward)
leaky_relu_backward_zero = (leaky_relu, _zero_backward)
