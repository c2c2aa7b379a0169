"""Layers as ``torch.nn.Module`` objects, the twins of :mod:`nncourse.numpy.layers`.

Same class names, constructor arguments, parameter names and layouts as the
NumPy reference (``Linear.weight`` is ``(out_features, in_features)``; a
:class:`Sequential` names its children ``"0"``, ``"1"``, ...), so
:func:`nncourse.torch.from_numpy_model` copies weights across without a
transpose. The difference is the backward pass: there is no ``backward``
method here; ``loss.backward()`` lets autograd differentiate the forward code.

Example:
    >>> model = Sequential(Linear(784, 128, seed=0), ReLU(), Linear(128, 10, seed=1))
    >>> logits = model(torch.randn(32, 784))          # (32, 784) -> (32, 10)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from nncourse._checks import check_positive
from nncourse.torch import activations as A
from nncourse.torch.init import INITIALIZERS, initialize_

# Older imports (``from nncourse.torch.layers import Dropout``) keep working; the classes
# live in, and are documented by, nncourse.torch.normalization (as in the NumPy twin).
from nncourse.torch.normalization import BatchNorm1d as BatchNorm1d
from nncourse.torch.normalization import Dropout as Dropout
from nncourse.torch.rng import RandomSource, as_generator

__all__ = ["linear_forward", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
           "Flatten", "Sequential"]


def linear_forward(x: torch.Tensor, weight: torch.Tensor,
                   bias: torch.Tensor | None) -> torch.Tensor:
    """``x @ weight.T + bias``: the affine map of a fully connected layer.

    Args:
        x: (B, in_features). weight: (out_features, in_features). bias: (out_features,) or None.

    Returns:
        (B, out_features).

    Example:
        >>> linear_forward(torch.ones(2, 3), torch.ones(4, 3), torch.zeros(4)).shape
        torch.Size([2, 4])
    """
    out = x @ weight.T  # (B, in) @ (in, out) -> (B, out)
    return out + bias if bias is not None else out


class Linear(nn.Module):
    """Fully connected layer: ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: learn an additive bias.
        init: a key of :data:`nncourse.torch.init.INITIALIZERS`. The default,
            "torch_default", draws like ``torch.nn.Linear``: weight and bias from
            U(-1/sqrt(in_features), 1/sqrt(in_features)). Every other scheme sets the bias to 0.
        rng: a seed, ``np.random.Generator`` or ``torch.Generator`` for the initial values.
        seed: or a seed (give rng or seed, not both). With the same seed the weights
            equal those of ``nncourse.numpy.layers.Linear`` exactly; with neither,
            they come from torch's global generator (``torch.manual_seed`` rules).
        device, dtype: where and in which precision to create the parameters.

    Shapes:
        input (B, in_features) -> output (B, out_features).

    Example:
        >>> layer = Linear(3, 2, seed=0)
        >>> layer(torch.ones(5, 3)).shape
        torch.Size([5, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str = "torch_default", rng: RandomSource = None, seed: int | None = None, *,
                 device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        if init not in INITIALIZERS:
            raise ValueError(f"Unknown init {init!r}. Expected one of: "
                             f"{', '.join(map(repr, INITIALIZERS))}.")
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        self.in_features, self.out_features, self.init = int(in_features), int(out_features), init
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features, **factory))
        self.bias = nn.Parameter(torch.zeros(self.out_features, **factory)) if bias else None
        # Draw exactly as the NumPy Linear does (same generator, same order of draws).
        generator = as_generator(rng if rng is not None else seed)
        initialize_(self.weight, init, generator)
        if self.bias is not None and init == "torch_default":
            bound = 1.0 / math.sqrt(self.in_features)
            with torch.no_grad():
                values = generator.uniform(-bound, bound, self.out_features)
                self.bias.copy_(torch.from_numpy(values))

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{self._name()} expects a torch.Tensor; got {type(x).__name__}. "
                            f"Convert it with torch.as_tensor(x, dtype=torch.float32).")
        if x.dim() < 1 or x.shape[-1] != self.in_features:
            hint = "Check the previous layer's out_features or the data's feature count."
            if x.dim() > 2 and int(np.prod(x.shape[1:])) == self.in_features:
                hint = "Add Flatten() before this layer to turn each sample into one row."
            raise ValueError(
                f"{self._name()} expects input of shape (batch, {self.in_features}); got "
                f"{tuple(x.shape)}. {hint}"
            )
        if x.device != self.weight.device:
            raise ValueError(
                f"{self._name()} is on {self.weight.device} but its input is on {x.device}. "
                f"Move the input with x.to('{self.weight.device}') (or the model with "
                f"model.to('{x.device}'))."
            )
        if x.dtype != self.weight.dtype:
            raise TypeError(
                f"{self._name()} has {self.weight.dtype} weights but got a {x.dtype} input. "
                f"Convert the input with x.to({self.weight.dtype}) (or the model with "
                f"model.to({x.dtype}))."
            )

    def _name(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_features) -> (B, out_features)."""
        self._check_input(x)
        return linear_forward(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(nn.Module):
    """``max(0, x)`` element-wise. Example: ``ReLU()(torch.tensor([-1.0, 1.0]))`` -> [0, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return A.relu(x)


class LeakyReLU(nn.Module):
    """``x`` if positive else ``negative_slope * x``.

    Args:
        negative_slope: slope for negative inputs (>= 0).

    Example:
        >>> LeakyReLU(0.1)(torch.tensor([-1.0]))
        tensor([-0.1000])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_positive(negative_slope, "negative_slope", allow_zero=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return A.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(nn.Module):
    """``1 / (1 + exp(-x))``. Example: ``Sigmoid()(torch.zeros(1))`` -> [0.5]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return A.sigmoid(x)


class Tanh(nn.Module):
    """Hyperbolic tangent. Example: ``Tanh()(torch.zeros(1))`` -> [0.]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return A.tanh(x)


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
        self.dim = int(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return A.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Flatten(nn.Flatten):
    """Merge dimensions ``start_dim..end_dim`` into one: (B, 28, 28) -> (B, 784).

    Example:
        >>> Flatten()(torch.zeros(2, 28, 28)).shape
        torch.Size([2, 784])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__(start_dim=int(start_dim), end_dim=int(end_dim))


class Sequential(nn.Sequential):
    """Layers applied in order; children are named "0", "1", ... (as the NumPy twin).

    Example:
        >>> model = Sequential(Linear(2, 8, seed=0), Tanh(), Linear(8, 1, seed=1))
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers: nn.Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, nn.Module):
                where = type(layer).__module__
                hint = (" It is a NumPy layer: use the class of the same name from "
                        "nncourse.torch.layers, or convert a whole model with "
                        "nncourse.torch.from_numpy_model(model).") if "numpy" in where else ""
                raise TypeError(f"Sequential layer {i} is a {type(layer).__name__}, not a "
                                f"torch.nn.Module.{hint}")
        super().__init__(*layers)
