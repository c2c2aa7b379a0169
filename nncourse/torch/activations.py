"""Activation functions on torch tensors, the twins of :mod:`nncourse.numpy.activations`.

The NumPy module pairs each function with a hand-written ``*_backward``; here
autograd derives the backward pass from the forward formula, so only the
forward functions exist. Each is written as the formula (built from torch
operations) so it reads like the NumPy version; the layer classes in
:mod:`nncourse.torch.layers` call them.

Example:
    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

import torch

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax"]


def relu(x: torch.Tensor) -> torch.Tensor:
    """``max(0, x)`` element-wise. Shape: any -> same.

    Example:
        >>> relu(torch.tensor([-1.0, 0.5]))
        tensor([0.0000, 0.5000])
    """
    return torch.clamp(x, min=0.0)


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere. Shape: any -> same.

    Example:
        >>> leaky_relu(torch.tensor([-1.0, 2.0]), 0.1)
        tensor([-0.1000,  2.0000])
    """
    return torch.where(x > 0, x, negative_slope * x)


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``1 / (1 + exp(-x))``, computed without overflow for large ``|x|``. Shape: any -> same.

    Example:
        >>> sigmoid(torch.tensor([0.0]))
        tensor([0.5000])
    """
    # torch.sigmoid uses the stable form (exp of a non-positive number only).
    return torch.sigmoid(x)


def tanh(x: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent, values in (-1, 1). Shape: any -> same.

    Example:
        >>> tanh(torch.tensor([0.0]))
        tensor([0.])
    """
    return torch.tanh(x)


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; each slice sums to 1. Shape: any -> same.

    Subtracting the maximum first changes nothing mathematically and keeps
    ``exp`` from overflowing.

    Example:
        >>> softmax(torch.tensor([[0.0, 0.0]]))
        tensor([[0.5000, 0.5000]])
    """
    shifted = x - x.amax(dim=dim, keepdim=True)
    exp = torch.exp(shifted)
    return exp / exp.sum(dim=dim, keepdim=True)
