"""Chapter 6 mistake catalogue: plausible wrong initialisers, statistics and batch norms.

Example:
    >>> from nncourse.exercises import check
    >>> check("normalization.batchnorm", batchnorm("constant_stats")).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.normalization import batchnorm_backward, batchnorm_forward


def uniform(numerator: float):
    """A mistake model's Xavier uniform draw with limit sqrt(numerator / (fan_in + fan_out))."""
    def draw(shape, rng):
        limit = np.sqrt(numerator / sum(shape))
        return rng.uniform(-limit, limit, shape)
    return draw


def forward_stats(kind: str):
    """A forward_with_stats with one mistake: "ddof", "input", "entries" or "linear_only"."""
    def forward_with_stats(model, x):
        rows, h = [], x
        for layer in model:
            before, h = h, layer.forward(h)
            seen = before if kind == "input" else h
            std = np.std(seen, ddof=1) if kind == "ddof" else np.std(seen)
            dead = np.mean(seen == 0) if kind == "entries" else np.mean(np.all(seen == 0, axis=0))
            if kind == "linear_only" and type(layer).__name__ != "Linear":
                continue
            rows.append((np.mean(seen), std, dead))
        return rows
    return forward_with_stats


def batchnorm(kind: str):
    """A (forward, backward) pair with one mistake.

    The mistakes: "ddof", "constant_stats", "gamma_sum" or "gamma_unsummed".
    """
    def forward(x, gamma, beta, eps):
        if kind == "ddof":
            mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma * x_hat + beta, (x_hat, 1 / np.sqrt(var + eps), gamma, mean, var)
        return batchnorm_forward(x, gamma, beta, eps)

    def backward(grad_out, cache):
        grad_x, grad_gamma, grad_beta = batchnorm_backward(grad_out, cache)
        x_hat, inv_std, gamma = cache[0], cache[1], cache[2]
        if kind == "constant_stats":
            grad_x = grad_out * gamma * inv_std
        elif kind == "gamma_sum":
            grad_gamma = grad_out.sum(axis=0)
        elif kind == "gamma_unsummed":
            grad_gamma = grad_out * x_hat
        return grad_x, grad_gamma, grad_beta
    return forward, backward


def normal(std):
    """A mistake model's He draw: N(0, std(shape)^2) for a std computed from the shape."""
    def draw(shape, rng):
        return rng.normal(0.0, std(shape), shape)
    return draw
