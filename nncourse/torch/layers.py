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

from nncourse._checks import check_dim, check_int

# Older imports (``from nncourse.torch.layers import ReLU``, ``... import Dropout``) keep
# working; those classes live in nncourse.torch.activations and nncourse.torch.normalization,
# beside the functions they call (as in the NumPy twin).
from nncourse.torch.activations import LeakyReLU as LeakyReLU
from nncourse.torch.activations import ReLU as ReLU
from nncourse.torch.activations import Sigmoid as Sigmoid
from nncourse.torch.activations import Softmax as Softmax
from nncourse.torch.activations import Tanh as Tanh
from nncourse.torch.init import INITIALIZERS, initialize_
from nncourse.torch.normalization import BatchNorm1d as BatchNorm1d
from nncourse.torch.normalization import Dropout as Dropout
from nncourse.torch.rng import RandomSource, as_generator

__all__ = ["linear_forward", "Linear", "Flatten", "Sequential"]


def linear_forward(x: torch.Tensor, weight: torch.Tensor,
                   bias: torch.Tensor | None) -> torch.Tensor:
    """``x @ weight.T + bias``: the affine map of a fully connected layer.

    Args:
        x: (B, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.

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
        in_features = check_int(in_features, "in_features")
        out_features = check_int(out_features, "out_features")
        if dtype is not None and (not isinstance(dtype, torch.dtype)
                                  or not dtype.is_floating_point):
            raise TypeError(f"dtype must be a floating torch dtype such as torch.float32; got "
                            f"{dtype!r}. Parameters hold real numbers that gradients update.")
        if init not in INITIALIZERS:
            raise ValueError(f"Unknown init {init!r}. Expected one of: "
                             f"{', '.join(map(repr, INITIALIZERS))}.")
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        self.in_features, self.out_features, self.init = int(in_features), int(out_features), init
        self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features,
                                               device=device, dtype=dtype))
        self.bias = (nn.Parameter(torch.zeros(self.out_features, device=device, dtype=dtype))
                     if bias else None)
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
        # Under autocast a 16-bit input is expected (a bias-free Linear's output stays 16-bit).
        if x.dtype != self.weight.dtype and not torch.is_autocast_enabled(x.device.type):
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


class Flatten(nn.Flatten):
    """Merge dimensions ``start_dim..end_dim`` into one: (B, 28, 28) -> (B, 784).

    Example:
        >>> Flatten()(torch.zeros(2, 28, 28)).shape
        torch.Size([2, 784])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__(start_dim=check_int(start_dim, "start_dim", minimum=None),
                         end_dim=check_int(end_dim, "end_dim", minimum=None))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Checks the dims against ``x`` (as the NumPy twin), then ``torch.flatten``."""
        if x.dim() == 0:
            raise ValueError("Flatten needs an input with a batch axis; got a 0-D tensor. "
                             "Pass a tensor of shape (batch, ...).")
        shape = tuple(x.shape)
        start = check_dim(self.start_dim, x.dim(), "Flatten start_dim", shape)
        end = check_dim(self.end_dim, x.dim(), "Flatten end_dim", shape)
        if start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                             f"cannot flatten an input of shape {shape}: start_dim comes "
                             f"after end_dim. Swap them.")
        return super().forward(x)


class Sequential(nn.Sequential):
    """Layers applied in order; children are named "0", "1", ... (as the NumPy twin).

    Example:
        >>> model = Sequential(Linear(2, 8, seed=0), Tanh(), Linear(8, 1, seed=1))
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers: nn.Module) -> None:
        if len(layers) == 1 and isinstance(layers[0], dict):
            # nn.Sequential's slicing (model[:-1]) rebuilds the class from an OrderedDict.
            layers = tuple(layers[0].values())
        for i, layer in enumerate(layers):
            if not isinstance(layer, nn.Module):
                where = type(layer).__module__
                hint = (" It is a NumPy layer: use the class of the same name from "
                        "nncourse.torch.layers, or convert a whole model with "
                        "nncourse.torch.from_numpy_model(model).") if "numpy" in where else ""
                raise TypeError(f"Sequential layer {i} is a {type(layer).__name__}, not a "
                                f"torch.nn.Module.{hint}")
        super().__init__(*layers)
