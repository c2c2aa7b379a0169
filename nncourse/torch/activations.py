"""Activation functions on torch tensors, the twins of :mod:`nncourse.numpy.activations`.

The NumPy module pairs each function with a hand-written ``*_backward``; here
autograd derives the backward pass from the forward formula, so only the
forward functions exist. Each is written as the formula (built from torch
operations) so it reads like the NumPy version; the layer classes in
:mod:`nncourse.torch.layers` call them.

``ACTIVATIONS`` / :func:`get_activation` give each element-wise activation as an
:class:`Activation` pair ``(function, derivative)``, as in the NumPy twin; here the
derivative is computed by autograd from the function itself.

Example:
    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "identity",
           "Activation", "ACTIVATIONS", "get_activation"]


def relu(x: torch.Tensor) -> torch.Tensor:
    """``max(0, x)`` element-wise. Shape: any -> same.

    Written as "x where x > 0, else 0", so autograd's slope at exactly 0 is 0, as
    ``relu_backward`` in the NumPy twin (``torch.clamp`` would give 1 there).

    Example:
        >>> relu(torch.tensor([-1.0, 0.5]))
        tensor([0.0000, 0.5000])
    """
    return torch.where(x > 0, x, torch.zeros_like(x))


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


def log_softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``log(softmax(x))`` computed as ``x - max - log(sum(exp(x - max)))`` (no log of 0).

    Example:
        >>> log_softmax(torch.zeros(1, 2))
        tensor([[-0.6931, -0.6931]])
    """
    shifted = x - x.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


def identity(x: torch.Tensor) -> torch.Tensor:
    """``x`` unchanged (the "no activation" choice). Shape: any -> same."""
    return x


class Activation(NamedTuple):
    """An element-wise activation and its derivative with respect to its input."""

    function: Callable[[torch.Tensor], torch.Tensor]
    derivative: Callable[[torch.Tensor], torch.Tensor]


def _autograd_derivative(
        function: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """f'(x) element-wise, by autograd: the gradient of ``sum(f(x))`` with respect to ``x``."""

    def derivative(x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x)
        if not torch.is_floating_point(x):
            x = x.to(torch.get_default_dtype())
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(function(x).sum(), x)
        return grad

    return derivative


#: name -> (function, derivative of the input); leaky_relu uses negative_slope=0.01.
ACTIVATIONS: dict[str, Activation] = {
    name: Activation(function, _autograd_derivative(function))
    for name, function in (("relu", relu), ("leaky_relu", leaky_relu), ("sigmoid", sigmoid),
                           ("tanh", tanh), ("linear", identity), ("identity", identity))
}


def get_activation(name: str) -> Activation:
    """Look up ``(function, derivative)`` by name, as the NumPy twin.

    Args:
        name: one of ``"relu"``, ``"leaky_relu"``, ``"sigmoid"``, ``"tanh"``,
            ``"linear"`` / ``"identity"`` (case-insensitive).

    Returns:
        an :class:`Activation` (a named pair ``function, derivative``).

    Raises:
        ValueError: unknown name; the message lists the valid ones.

    Example:
        >>> f, df = get_activation("tanh")
        >>> df(torch.zeros(1))
        tensor([1.])
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}. Expected one of: "
                         f"{', '.join(map(repr, ACTIVATIONS))}.")
    return ACTIVATIONS[key]
