"""Layers of a fully connected network, each with a hand-written backward pass.

Every layer is a :class:`~nncourse.numpy.module.Module`: ``forward(x)`` computes
the output and caches what the backward pass needs; ``backward(grad_out)`` takes
dL/d output, writes each ``param.grad`` (overwriting, not accumulating) and
returns dL/d input. Parameter names and layouts follow PyTorch, so a
:class:`Sequential`'s ``state_dict`` has the same keys and shapes as the
equivalent ``torch.nn.Sequential``.

The math of the affine layer is also exposed as pure functions
(:func:`linear_forward`, :func:`linear_backward`) that exercises target.
The activation layers (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax) live beside their
functions in :mod:`nncourse.numpy.activations`, dropout and batch normalisation in
:mod:`nncourse.numpy.normalization`; all of them can still be imported from here.

Example:
    >>> model = Sequential(Linear(784, 128, seed=0), ReLU(), Linear(128, 10, seed=1))
    >>> logits = model(np.zeros((32, 784)))            # (32, 784) -> (32, 10)
    >>> grad_x = model.backward(np.ones_like(logits))  # fills every param.grad
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from nncourse._checks import (
    as_input,
    check_dim,
    check_finite,
    check_float_dtype,
    check_grad_out,
    check_int,
    not_ready,
)

# Older imports (``from nncourse.numpy.layers import ReLU``, ``... import Dropout``) keep
# working; those classes live in, and are documented by, nncourse.numpy.activations and
# nncourse.numpy.normalization, beside the pure functions they call.
from nncourse.numpy.activations import LeakyReLU as LeakyReLU
from nncourse.numpy.activations import ReLU as ReLU
from nncourse.numpy.activations import Sigmoid as Sigmoid
from nncourse.numpy.activations import Softmax as Softmax
from nncourse.numpy.activations import Tanh as Tanh
from nncourse.numpy.init import INITIALIZERS, initialize
from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.normalization import BatchNorm1d as BatchNorm1d
from nncourse.numpy.normalization import Dropout as Dropout
from nncourse.numpy.normalization import batchnorm_backward as batchnorm_backward
from nncourse.numpy.normalization import batchnorm_forward as batchnorm_forward
from nncourse.numpy.normalization import dropout_backward as dropout_backward
from nncourse.numpy.normalization import dropout_forward as dropout_forward
from nncourse.numpy.rng import RandomSource, as_generator

__all__ = ["linear_forward", "linear_backward", "linear_backward_params", "Linear", "Flatten",
           "Sequential", "sequential_backward_params"]


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``x @ weight.T + bias``: the affine map of a fully connected layer.

    Args:
        x: (B, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.

    Returns:
        (B, out_features).

    Example:
        >>> linear_forward(np.ones((2, 3)), np.ones((4, 3)), np.zeros(4)).shape
        (2, 4)
    """
    out = x @ weight.T  # (B, in) @ (in, out) -> (B, out)
    if bias is not None:
        out += bias  # broadcast (out,) over the B rows
    return out


def linear_backward(grad_out: np.ndarray, x: np.ndarray,
                    weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``y = x @ W.T + b`` given ``dL/dy``.

    Args:
        grad_out: dL/dy, (B, out_features).
        x: the forward input, (B, in_features).
        weight: (out_features, in_features).

    Returns:
        ``(grad_x, grad_weight, grad_bias)`` with shapes (B, in), (out, in), (out,).

    Example:
        >>> gx, gW, gb = linear_backward(np.ones((2, 4)), np.ones((2, 3)), np.ones((4, 3)))
        >>> gx.shape, gW.shape, gb.shape
        ((2, 3), (4, 3), (4,))
    """
    grad_x = grad_out @ weight  # (B, out) @ (out, in) -> (B, in)
    grad_weight = grad_out.T @ x  # (out, B) @ (B, in) -> (out, in): summed over the batch
    grad_bias = grad_out.sum(axis=0)  # (B, out) -> (out,)
    return grad_x, grad_weight, grad_bias


def linear_backward_params(grad_out: np.ndarray,
                           x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`linear_backward` without ``grad_x``: the faster path for the first layer.

    When ``x`` is the data, nothing needs dL/dx, and skipping it saves a matmul as
    large as the layer's forward pass (see :func:`sequential_backward_params`).

    Returns:
        ``(grad_weight, grad_bias)`` with shapes (out, in), (out,).

    Example:
        >>> gW, gb = linear_backward_params(np.ones((2, 4)), np.ones((2, 3)))
        >>> gW.shape, gb.shape
        ((4, 3), (4,))
    """
    grad_weight = grad_out.T @ x  # (out, B) @ (B, in) -> (out, in): summed over the batch
    grad_bias = grad_out.sum(axis=0)  # (B, out) -> (out,)
    return grad_weight, grad_bias


class Linear(Module):
    """Fully connected layer: ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: learn an additive bias.
        init: a key of :data:`nncourse.numpy.init.INITIALIZERS`. The default,
            "torch_default", draws like ``torch.nn.Linear``: weight and bias from
            U(-1/sqrt(in_features), 1/sqrt(in_features)). Every other scheme sets the bias to 0.
        rng: a ``np.random.Generator`` (or seed) for the initial values.
        seed: or a seed (give rng or seed, not both; neither gives fresh randomness).
        dtype: floating dtype of the parameters.

    Shapes:
        input (B, in_features) -> output (B, out_features).

    Example:
        >>> layer = Linear(3, 2, seed=0)
        >>> layer(np.ones((5, 3))).shape
        (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str = "torch_default", rng: RandomSource = None,
                 seed: int | None = None, dtype: Any = np.float64) -> None:
        self.in_features = check_int(in_features, "in_features")
        self.out_features = check_int(out_features, "out_features")
        dtype = check_float_dtype(dtype)
        if init not in INITIALIZERS:
            raise ValueError(f"Unknown init {init!r}. Expected one of: "
                             f"{', '.join(map(repr, INITIALIZERS))}.")
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        generator = as_generator(rng if rng is not None else seed)
        shape = (self.out_features, self.in_features)
        self.init = init
        self.weight = Parameter(initialize(shape, init, generator).astype(dtype))
        self.bias: Parameter | None = None
        if bias:
            if init == "torch_default":
                bound = 1.0 / math.sqrt(self.in_features)
                self.bias = Parameter(generator.uniform(-bound, bound, self.out_features)
                                      .astype(dtype))
            else:
                self.bias = Parameter(np.zeros(self.out_features, dtype=dtype))
        self._x: np.ndarray | None = None

    def _name(self) -> str:
        return f"Linear({self.in_features} -> {self.out_features})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = "Check the previous layer's out_features or the data's feature count."
            if x.ndim > 2 and math.prod(x.shape[1:]) == self.in_features:
                hint = "Add a Flatten() layer first."
            elif x.ndim == 1 and x.shape[0] == self.in_features:
                hint = "Add a batch dimension with x[None] or x.reshape(1, -1)."
            raise ValueError(f"{self._name()} expected input of shape (batch, "
                             f"{self.in_features}); got {x.shape}. {hint}")
        self._x = x
        bias = self.bias.data if self.bias is not None else None
        return linear_forward(x, self.weight.data, bias)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Fill ``weight.grad`` and ``bias.grad`` with :func:`linear_backward`; return dL/dx."""
        grad_out = as_input(grad_out, "grad_out")
        x = self._saved_input(grad_out)
        grad_x, grad_weight, grad_bias = linear_backward(grad_out, x, self.weight.data)
        self._store_grads(grad_weight, grad_bias)
        return grad_x

    def backward_params(self, grad_out: np.ndarray) -> None:
        """The faster backward when dL/dx is not needed: :func:`linear_backward_params`."""
        grad_out = as_input(grad_out, "grad_out")
        x = self._saved_input(grad_out)
        grad_weight, grad_bias = linear_backward_params(grad_out, x)
        self._store_grads(grad_weight, grad_bias)

    def _store_grads(self, grad_weight: np.ndarray, grad_bias: np.ndarray) -> None:
        """Set ``.grad`` (overwritten, never accumulated: no zero_grad() needed)."""
        self.weight.grad = grad_weight
        if self.bias is not None:
            self.bias.grad = grad_bias

    def _saved_input(self, grad_out: np.ndarray) -> np.ndarray:
        """The input cached by forward, after checking ``grad_out`` has the output's shape."""
        if self._x is None:
            raise not_ready(self)
        if np.shape(grad_out) != (self._x.shape[0], self.out_features):
            raise ValueError(f"{self._name()}.backward expected grad_out of shape "
                             f"{(self._x.shape[0], self.out_features)} (the output's shape); got "
                             f"{np.shape(grad_out)}.")
        return self._x

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one: (B, 28, 28) -> (B, 784).

    Example:
        >>> Flatten()(np.zeros((2, 28, 28))).shape
        (2, 784)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim = check_int(start_dim, "start_dim", minimum=None)
        self.end_dim = check_int(end_dim, "end_dim", minimum=None)
        self._shape: tuple[int, ...] | None = None
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if x.ndim == 0:
            raise ValueError("Flatten needs an input with a batch axis; got a 0-D value. "
                             "Pass an array of shape (batch, ...).")
        # Out-of-range dims are errors, as in torch; wrapping modulo ndim would flatten the
        # wrong axes (Flatten(start_dim=3) on a 3-D input would swallow the batch axis).
        start = check_dim(self.start_dim, x.ndim, "Flatten start_dim", x.shape)
        end = check_dim(self.end_dim, x.ndim, "Flatten end_dim", x.shape)
        if start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                             f"cannot flatten an input of shape {x.shape}: start_dim comes "
                             f"after end_dim. Swap them.")
        self._shape = x.shape
        new_shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
        self._out_shape = new_shape
        return x.reshape(new_shape)  # a view when x is contiguous

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._shape is None or self._out_shape is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._out_shape, "Flatten.backward")
        return np.reshape(grad_out, self._shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse.

    Children are named "0", "1", ... so ``state_dict()`` keys ("0.weight", ...) equal
    those of the same ``torch.nn.Sequential``.

    Example:
        >>> model = Sequential(Linear(2, 8, seed=0), ReLU(), Linear(8, 1, seed=1))
        >>> len(model), type(model[1]).__name__
        (3, 'ReLU')
    """

    #: False: ``backward`` skips dL/dx of the model input (the data needs none), which is
    #: faster for training; it then returns None. See :func:`sequential_backward_params`.
    input_grad: bool = True

    def __init__(self, *layers: Module) -> None:
        self._layers: list[Module] = []
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        """Add ``layer`` at the end (named by its position); returns self."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential takes Module layers (e.g. Linear(2, 3), ReLU()); got "
                            f"{type(layer).__name__} {layer!r}.")
        setattr(self, str(len(self._layers)), layer)
        self._layers.append(layer)
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        check_finite(x, "Sequential input")
        for layer in self._layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """Run every layer's backward, last layer first; return dL/dx.

        With ``input_grad = False`` the faster :func:`sequential_backward_params` runs
        instead: the same ``param.grad`` values, no dL/dx (returns None).
        """
        if not self.input_grad:
            sequential_backward_params(self._layers, grad_out)
            return None
        for layer in reversed(self._layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]


def sequential_backward_params(layers: list[Module], grad_out: np.ndarray) -> None:
    """Sequential's backward for a training step: every ``param.grad``, but no dL/dx.

    The faster path beside :meth:`Sequential.backward`, chosen by ``model.input_grad =
    False``. Layers before the first one with parameters have nothing to fill, so the loop
    stops there, and that layer (a Linear, or a nested Sequential) fills only its own
    gradients: for a Linear, :func:`linear_backward_params` skips a matmul as large as its
    forward pass. The ``param.grad`` values equal those of the readable path exactly.

    Example:
        >>> model = Sequential(Linear(4, 8, seed=0), ReLU(), Linear(8, 2, seed=1))
        >>> model.input_grad = False
        >>> model.backward(loss_fn.backward()) is None     # after model(x) and the loss
        True
    """
    first = next((i for i, layer in enumerate(layers) if layer.parameters()), len(layers))
    for layer in reversed(layers[first + 1:]):
        grad_out = layer.backward(grad_out)
    if first == len(layers):
        return None
    layer = layers[first]
    if isinstance(layer, Linear):
        layer.backward_params(grad_out)
    elif isinstance(layer, Sequential):
        sequential_backward_params(layer._layers, grad_out)
    else:
        layer.backward(grad_out)  # any other layer: its dL/dx is computed and dropped
    return None
