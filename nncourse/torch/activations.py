"""Activation functions on torch tensors, the twins of :mod:`nncourse.numpy.activations`.

The NumPy module pairs each function with a hand-written ``*_backward``; here
autograd derives the backward pass from the forward formula, so only the
forward functions exist. Each is written as the formula (built from torch
operations) so it reads like the NumPy version.

``ACTIVATIONS`` / :func:`get_activation` give each element-wise activation as an
:class:`Activation` pair ``(function, derivative)``, as in the NumPy twin; here the
derivative is computed by autograd from the function itself.

The layers (:class:`ReLU`, :class:`LeakyReLU`, :class:`Sigmoid`, :class:`Tanh`,
:class:`Softmax`) close the module, as in the NumPy twin: thin modules whose
``forward`` calls the functions above.

Example:
    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from nncourse._checks import check_int, check_number

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "identity",
           "Activation", "ACTIVATIONS", "get_activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Softmax"]


def relu(x: torch.Tensor) -> torch.Tensor:
    """``max(0, x)`` element-wise. Shape: any -> same.

    The derivative is 1 where ``x > 0`` and 0 elsewhere, *including at exactly 0* (as the
    NumPy twin and ``torch.nn.ReLU``): zero initialisation, zero pixels and ReLU after ReLU
    all land on the kink. ``torch.clamp(x, min=0)`` would give 1 there, so the formula picks
    0 wherever ``x <= 0`` instead (NaN stays NaN, as in NumPy).

    Example:
        >>> relu(torch.tensor([-1.0, 0.5]))
        tensor([0.0000, 0.5000])
    """
    return torch.where(x <= 0, torch.zeros_like(x), x)


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
    ``exp`` from overflowing. Integer input is computed in the default float dtype.

    Example:
        >>> softmax(torch.tensor([[0.0, 0.0]]))
        tensor([[0.5000, 0.5000]])
    """
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(torch.get_default_dtype())
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


# --- the layers: thin modules that call the functions above -----------------

class ReLU(nn.Module):
    """``max(0, x)`` element-wise. Example: ``ReLU()(torch.tensor([-1.0, 1.0]))`` -> [0, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relu(x)


class LeakyReLU(nn.Module):
    """``x`` if positive else ``negative_slope * x``.

    Args:
        negative_slope: slope for negative inputs (any finite number, as torch.nn).

    Example:
        >>> LeakyReLU(0.1)(torch.tensor([-1.0]))
        tensor([-0.1000])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_number(negative_slope, "negative_slope")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(nn.Module):
    """``1 / (1 + exp(-x))``. Example: ``Sigmoid()(torch.zeros(1))`` -> [0.5]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sigmoid(x)


class Tanh(nn.Module):
    """Hyperbolic tangent. Example: ``Tanh()(torch.zeros(1))`` -> [0.]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return tanh(x)


class Softmax(nn.Module):
    """Softmax along ``dim`` (each slice sums to 1).

    Args:
        dim: the axis to normalize (default the last).

    Example:
        >>> Softmax()(torch.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", minimum=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
