"""Chapter 3 answers written only from lab 3's words (not from the library or the reference)."""

from __future__ import annotations

import math

import numpy as np


def chain_rule(a, b, c):
    """Lab: u = ab + c, t = tanh u, f = t a; d tanh/du = 1 - tanh² u; a appears twice."""
    u = a * b + c
    t = math.tanh(u)
    df_dt = a
    df_du = df_dt * (1 - t * t)
    return df_du * b + t, df_du * a, df_du


def linear_backward(grad_out, x, weight):
    """Lab: dL/dX = G W, dL/dW = G^T X, dL/db = sum_i G_i."""
    grad_x = np.dot(grad_out, weight)        # (B, out) @ (out, in) -> (B, in)
    grad_weight = np.dot(grad_out.T, x)      # (out, B) @ (B, in) -> (out, in)
    grad_bias = np.sum(grad_out, axis=0)     # (out,)
    return grad_x, grad_weight, grad_bias


def relu_backward(grad_out, x):
    """Lab: dL/dx = dL/dy * 1[x > 0] (0 at exactly x = 0)."""
    return np.where(x > 0, grad_out, 0.0)


def softmax(logits):
    """Lab: p_k = e^{z_k} / sum_j e^{z_j} over the last axis, each row's maximum subtracted."""
    z = logits - np.max(logits, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_cross_entropy_backward(logits, targets):
    """Lab: dL/dz_{ik} = (p_{ik} - 1[k = y_i]) / B, with the softmax of exercise 5."""
    p = softmax(logits)
    one_hot = np.zeros_like(p)
    one_hot[np.arange(len(targets)), targets] = 1.0
    return (p - one_hot) / logits.shape[0]


#: Lab exercise 1: what the stepper shows at the last step (4 significant digits).
READ_GRADIENTS = {"neuron": {"w1": 0.3614, "w2": -0.1807, "b": 0.1807},
                  "shared_input": {"b": 3.0}}

ANSWERS = {"backprop.chain_rule": chain_rule,
           "backprop.linear_backward": linear_backward,
           "backprop.relu_backward": relu_backward,
           "backprop.softmax": softmax,
           "backprop.softmax_cross_entropy_backward": softmax_cross_entropy_backward,
           "backprop.stepper_gradient": READ_GRADIENTS}
