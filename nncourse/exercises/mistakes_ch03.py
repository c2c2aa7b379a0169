"""Chapter 3 mistake catalogue: plausible wrong answers, as a learner would submit them.

Where a mistake is a slip in a correct formula it is written as the library function (or
the Value engine's gradient) with the slip applied, so no answer is written out here.

Example:
    >>> from nncourse.exercises import check
    >>> check("backprop.relu_backward", relu_times_relu).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.activations import softmax
from nncourse.numpy.layers import linear_backward
from nncourse.numpy.losses import softmax_cross_entropy_backward

from .chain_rule import chain_rule_variant


# ----------------------------------------------------------------------------- linear
def linear_transposed_weight(grad_out, x, weight):
    """grad_weight = x.T @ grad_out: shape (in, out)."""
    grad_x, grad_weight, grad_bias = linear_backward(grad_out, x, weight)
    return grad_x, grad_weight.T, grad_bias


def linear_no_bias(grad_out, x, weight):
    """Returns two gradients."""
    return linear_backward(grad_out, x, weight)[:2]


def linear_weight_transposed(grad_out, x, weight):
    """grad_x = grad_out @ weight.T: the shapes do not fit."""
    return grad_out @ weight.T, *linear_backward(grad_out, x, weight)[1:]


def linear_bias_wrong_axis(grad_out, x, weight):
    """Sums grad_out over the features instead of the batch."""
    return *linear_backward(grad_out, x, weight)[:2], grad_out.sum(axis=1)


def linear_bias_mean(grad_out, x, weight):
    """Averages grad_out over the batch."""
    return *linear_backward(grad_out, x, weight)[:2], grad_out.mean(axis=0)


# ----------------------------------------------------------------------------- relu
def relu_times_relu(grad_out, x):
    return np.maximum(x, 0) * grad_out


def relu_at_zero(grad_out, x):
    return grad_out * (x >= 0)


def relu_mask_only(grad_out, x):
    return (x > 0).astype(float)


def relu_identity(grad_out, x):
    return grad_out


def relu_negative_side(grad_out, x):
    return grad_out * (x < 0)


# ----------------------------------------------------------------------------- softmax
def softmax_naive(logits):
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_whole_array(logits):
    e = np.exp(logits - logits.max())
    return e / e.sum()


def softmax_no_keepdims(logits):
    e = np.exp(logits - logits.max(axis=-1))
    return e / e.sum(axis=-1)


def softmax_columns(logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_global_max(logits):
    e = np.exp(logits - logits.max())
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- cross-entropy
def ce_not_averaged(logits, targets):
    return softmax_cross_entropy_backward(logits, targets) * len(targets)


def ce_wrong_sign(logits, targets):
    return -softmax_cross_entropy_backward(logits, targets)


def ce_no_one_hot(logits, targets):
    return softmax(logits) / len(targets)


def ce_logits(logits, targets):
    return (logits - np.eye(logits.shape[1])[targets]) / len(targets)


def ce_by_classes(logits, targets):
    return softmax_cross_entropy_backward(logits, targets) * len(targets) / logits.shape[1]


# ----------------------------------------------------------------------------- chain rule
def _variant(name, a, b, c):
    return chain_rule_variant(name, a, b, c)


def chain_one_path(a, b, c):
    """Only the path through a·b."""
    return _variant("one path", a, b, c)


def chain_one_minus_t(a, b, c):
    """tanh' written as 1 - t."""
    return _variant("1 - t", a, b, c)


def chain_one_minus_u2(a, b, c):
    """tanh' written with its input u instead of its output t."""
    return _variant("1 - u**2", a, b, c)


def chain_no_tanh_derivative(a, b, c):
    """Goes through tanh as if its derivative were 1."""
    return _variant("no tanh'", a, b, c)


def chain_two_values(a, b, c):
    """Forgets df_dc."""
    return _variant("one path", a, b, c)[:2]
