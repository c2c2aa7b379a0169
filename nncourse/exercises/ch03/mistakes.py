"""Chapter 3's mistake models: each a runnable wrong answer and the message it earns, once.

Where a mistake is a slip in a correct formula it is written as the library function (or the
Value engine's gradient) with the slip applied, so no answer is written out here.

Example:
    >>> from nncourse.exercises import check
    >>> check("backprop.relu_backward", relu_times_relu).passed
    False
"""

from __future__ import annotations

import math

import numpy as np

from nncourse.numpy.activations import softmax
from nncourse.numpy.layers import linear_backward
from nncourse.numpy.losses import softmax_cross_entropy_backward

from ..registry import Mistake
from .reference import chain_rule


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


LINEAR = [
    Mistake("transposed weight gradient", linear_transposed_weight,
            "grad_weight has shape (in_features, out_features): that is x.T @ grad_out; the "
            "weight is (out_features, in_features), so compute grad_out.T @ x."),
    Mistake("no bias gradient", linear_no_bias,
            "grad_bias is missing: return (grad_x, grad_weight, grad_bias) with "
            "grad_bias = grad_out.sum(axis=0)."),
    Mistake("grad_out @ weight.T", linear_weight_transposed,
            "grad_x = grad_out @ weight.T does not fit: weight is (out_features, in_features), "
            "so grad_x = grad_out @ weight, (B, out) @ (out, in) -> (B, in)."),
    Mistake("bias gradient summed over features", linear_bias_wrong_axis,
            "grad_bias sums grad_out over the features (axis=1); the bias has one entry per "
            "output feature, so sum over the batch axis: grad_out.sum(axis=0)."),
    Mistake("bias gradient averaged", linear_bias_mean,
            "grad_bias is the batch mean of grad_out; every sample adds its own gradient to "
            "the bias, so sum over the batch: grad_out.sum(axis=0)."),
]


# ----------------------------------------------------------------------------- relu
def relu_times_relu(grad_out, x):
    """relu(x) used as its own derivative."""
    return np.maximum(x, 0) * grad_out


def relu_at_zero(grad_out, x):
    """The mask x >= 0 passes the gradient at the kink."""
    return grad_out * (x >= 0)


def relu_mask_only(grad_out, x):
    """The local derivative alone, without the upstream gradient."""
    return (x > 0).astype(float)


def relu_identity(grad_out, x):
    """grad_out passed through unchanged."""
    return grad_out


def relu_negative_side(grad_out, x):
    """Masks by the wrong side (x < 0)."""
    return grad_out * (x < 0)


RELU = [
    Mistake("relu(x) as its own derivative", relu_times_relu,
            "grad_x = relu(x) * grad_out; the derivative of relu is the mask (x > 0), "
            "not relu(x)."),
    Mistake("mask x >= 0", relu_at_zero,
            "grad_x is wrong only where x == 0: use the mask x > 0 (the lab's convention: the "
            "gradient at the kink is 0)."),
    Mistake("no upstream gradient", relu_mask_only,
            "grad_x is relu's local derivative alone: the upstream gradient grad_out is "
            "missing; multiply the mask by grad_out (chain rule)."),
    Mistake("grad_out passed through", relu_identity,
            "grad_x is grad_out passed through everywhere: zero it where x <= 0."),
    Mistake("masked by the wrong side", relu_negative_side,
            "grad_x keeps the gradient where x < 0 and zeroes it where x > 0: the mask is the "
            "wrong way round; relu passes the gradient where x > 0."),
]


# ----------------------------------------------------------------------------- softmax
def softmax_naive(logits):
    """No max shift: exp overflows for large logits."""
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_whole_array(logits):
    """Normalizes over the whole array instead of each row."""
    e = np.exp(logits - logits.max())
    return e / e.sum()


def softmax_no_keepdims(logits):
    """Row max and row sum without keepdims: shapes (B, C) and (B,) do not broadcast."""
    e = np.exp(logits - logits.max(axis=-1))
    return e / e.sum(axis=-1)


def softmax_columns(logits):
    """Normalizes over the columns (axis 0)."""
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_global_max(logits):
    """Shifts by the maximum of the whole array, not of each row."""
    e = np.exp(logits - logits.max())
    return e / e.sum(axis=-1, keepdims=True)


SOFTMAX = [
    Mistake("no max shift", softmax_naive,
            "softmax returned NaN or inf for logits around ±1000: exp(1000) overflows. "
            "Subtract the row maximum before exp (softmax is unchanged by a shift)."),
    Mistake("normalized over the whole array", softmax_whole_array,
            "the whole array sums to 1, not each row: normalize with "
            "exp.sum(axis=-1, keepdims=True)."),
    Mistake("sum without keepdims", softmax_no_keepdims,
            "the row maximum and row sum have shape (B,) and do not line up with (B, C): keep "
            "them as columns with keepdims=True."),
    Mistake("normalized over the columns", softmax_columns,
            "each column sums to 1, not each row: softmax runs over the last axis (the "
            "classes), axis=-1."),
    Mistake("shift by the global maximum", softmax_global_max,
            "a row far below the array's maximum underflows to 0/0 = NaN: Subtract the row "
            "maximum, logits.max(axis=-1, keepdims=True), not the maximum of the whole array."),
]


# ----------------------------------------------------------------------------- cross-entropy
def ce_not_averaged(logits, targets):
    """The gradient of the summed loss, not the mean."""
    return softmax_cross_entropy_backward(logits, targets) * len(targets)


def ce_wrong_sign(logits, targets):
    """one_hot - softmax."""
    return -softmax_cross_entropy_backward(logits, targets)


def ce_no_one_hot(logits, targets):
    """Forgets to subtract 1 at the target class."""
    return softmax(logits) / len(targets)


def ce_logits(logits, targets):
    """Uses the logits where the probabilities belong."""
    return (logits - np.eye(logits.shape[1])[targets]) / len(targets)


def ce_by_classes(logits, targets):
    """Divides by the number of classes instead of the batch size."""
    return softmax_cross_entropy_backward(logits, targets) * len(targets) / logits.shape[1]


CROSS_ENTROPY = [
    Mistake("not divided by the batch", ce_not_averaged,
            "grad_logits is B times too large: the loss is the mean over the batch, so divide "
            "by the batch size B."),
    Mistake("wrong sign", ce_wrong_sign,
            "grad_logits has the wrong sign: it is softmax(logits) - one_hot(targets), not "
            "one_hot - softmax."),
    Mistake("one-hot not subtracted", ce_no_one_hot,
            "grad_logits is softmax(logits) / B: subtract 1 at each sample's target class (the "
            "one_hot(targets) term) before dividing."),
    Mistake("logits instead of probabilities", ce_logits,
            "grad_logits uses the logits themselves: the gradient is "
            "(softmax(logits) - one_hot(targets)) / B, with the probabilities."),
    Mistake("divided by the classes", ce_by_classes,
            "grad_logits is divided by the number of classes C; the loss is a mean over the "
            "batch, so divide by the batch size B."),
]


# ----------------------------------------------------------------------------- chain rule
def _slip(a: float, b: float, c: float, local: float) -> tuple[float, float, float]:
    """The engine's gradient with tanh' replaced by ``local``."""
    da, db, dc = chain_rule(a, b, c)
    t = math.tanh(a * b + c)
    scale = local / (1 - t * t)
    return (da - t) * scale + t, db * scale, dc * scale


def chain_one_path(a, b, c):
    """Only the path through a·b: the factor a's own term t is left out."""
    da, db, dc = chain_rule(a, b, c)
    return da - math.tanh(a * b + c), db, dc


def chain_one_minus_t(a, b, c):
    """tanh' written as 1 - t."""
    return _slip(a, b, c, 1 - math.tanh(a * b + c))


def chain_one_minus_u2(a, b, c):
    """tanh' written with its input u instead of its output t."""
    return _slip(a, b, c, 1 - (a * b + c) ** 2)


def chain_no_tanh_derivative(a, b, c):
    """Goes through tanh as if its derivative were 1."""
    return _slip(a, b, c, 1.0)


def chain_two_values(a, b, c):
    """Forgets df_dc."""
    return chain_rule(a, b, c)[:2]


CHAIN_RULE = [
    Mistake("second path of a left out", chain_one_path,
            "df_da misses one path: a appears twice in f (in a·b and as the factor a), so its "
            "gradient has two terms that add up."),
    Mistake("1 - t instead of 1 - t**2", chain_one_minus_t,
            "tanh'(u) = 1 - tanh(u)², not 1 - tanh(u): square t in the local derivative."),
    Mistake("1 - u**2 instead of 1 - t**2", chain_one_minus_u2,
            "the local derivative of tanh is 1 - t² with t = tanh(u), its output; 1 - u² uses "
            "its input."),
    Mistake("tanh's derivative left out", chain_no_tanh_derivative,
            "the local derivative of tanh is missing: on the way through t = tanh(u) multiply "
            "by dt/du = 1 - t²."),
    Mistake("a list of two", chain_two_values,
            "your function returned 2 value(s), expected 3: the tuple (df_da, df_db, df_dc) of "
            "three numbers; df_dc is missing."),
]
