"""Layers of a fully connected network, each with a hand-written backward pass.

Every layer is a :class:`~nncourse.numpy.module.Module`: ``forward(x)`` computes
the output and caches what the backward pass needs; ``backward(grad_out)`` takes
dL/d output, writes each ``param.grad`` (overwriting, not accumulating) and
returns dL/d input. Parameter names and layouts follow PyTorch, so a
:class:`Sequential`'s ``state_dict`` has the same keys and shapes as the
equivalent ``torch.nn.Sequential``.

The math of the affine layer is also exposed as pure functions
(:func:`linear_forward`, :func:`linear_backward`) that exercises target.
Dropout and batch normalisation live in :mod:`nncourse.numpy.normalization`.

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

from nncourse._checks import as_float_array
from nncourse.numpy import activations as A
from nncourse.numpy.init import INITIALIZERS, initialize
from nncourse.numpy.module import Module, Parameter

# Older imports (``from nncourse.numpy.layers import Dropout``) keep working; the classes
# and their pure functions live in, and are documented by, nncourse.numpy.normalization.
from nncourse.numpy.normalization import BatchNorm1d as BatchNorm1d
from nncourse.numpy.normalization import Dropout as Dropout
from nncourse.numpy.normalization import batchnorm_backward as batchnorm_backward
from nncourse.numpy.normalization import batchnorm_forward as batchnorm_forward
from nncourse.numpy.normalization import dropout_backward as dropout_backward
from nncourse.numpy.normalization import dropout_forward as dropout_forward
from nncourse.numpy.rng import RandomSource, as_generator

__all__ = ["linear_forward", "linear_backward", "Linear", "ReLU", "LeakyReLU", "Sigmoid",
           "Tanh", "Softmax", "Flatten", "Sequential"]


def as_input(x: Any, name: str = "x") -> np.ndarray:
    """``x`` unchanged if it is already a floating array (no copy, no scan), else converted.

    Strings, objects and complex numbers raise TypeError (via ``as_float_array``).
    NaN is not scanned for here: :class:`Sequential` checks the model input once.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    return as_float_array(x, name, allow_nan=True)


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise ValueError if ``x`` has NaN/inf; one cheap sum first, a full scan only if needed."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = x.sum()
    # inf - inf and NaN both make the sum non-finite; a finite sum means every value is finite
    # except in the (rare) overflow case, which the exact scan below settles.
    if not np.isfinite(total):
        as_float_array(x, name)


def not_ready(layer: Module) -> RuntimeError:
    return RuntimeError(f"{type(layer).__name__}.backward was called before forward. "
                        f"Run the forward pass (out = layer(x)) first, then backward(grad_out).")


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``x @ weight.T + bias``: the affine map of a fully connected layer.

    Args:
        x: (B, in_features). weight: (out_features, in_features). bias: (out_features,) or None.

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


def _check_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    return int(value)


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
        self.in_features = _check_size(in_features, "in_features")
        self.out_features = _check_size(out_features, "out_features")
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

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Fill weight.grad and bias.grad; return dL/dx (None if ``need_input_grad`` is False).

        Skipping dL/dx saves one matmul as large as the forward pass when ``x`` is the data.
        """
        x = self._x
        if x is None:
            raise not_ready(self)
        grad_out = as_input(grad_out, "grad_out")
        if grad_out.shape != (x.shape[0], self.out_features):
            raise ValueError(f"{self._name()}.backward expected grad_out of shape "
                             f"{(x.shape[0], self.out_features)} (the output's shape); got "
                             f"{grad_out.shape}.")
        weight = self.weight
        # Write into the existing .grad arrays: no allocation, and optimizers that hold a
        # reference to p.grad see the new values.
        if weight.grad.shape == weight.data.shape:
            np.matmul(grad_out.T, x, out=weight.grad)  # (out, B) @ (B, in) -> (out, in)
        else:
            weight.grad = grad_out.T @ x
        if self.bias is not None:
            if self.bias.grad.shape == self.bias.data.shape:
                np.sum(grad_out, axis=0, out=self.bias.grad)  # (B, out) -> (out,)
            else:
                self.bias.grad = grad_out.sum(axis=0)
        if not need_input_grad:
            return None
        return grad_out @ weight.data  # (B, out) @ (out, in) -> (B, in)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """``max(0, x)`` element-wise; the backward pass reuses a cached boolean mask.

    Example:
        >>> ReLU()(np.array([[-1.0, 2.0]]))
        array([[0., 2.]])
    """

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        self._mask = x > 0  # kept for backward: d relu / dx is 1 exactly where x > 0
        return np.maximum(x, 0)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._mask is None:
            raise not_ready(self)
        return grad_out * self._mask


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Example:
        >>> LeakyReLU(0.1)(np.array([[-1.0, 2.0]]))
        array([[-0.1,  2. ]])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(f"negative_slope must be a number; got {negative_slope!r}.")
        self.negative_slope = float(negative_slope)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = as_input(x)
        return A.leaky_relu(self._x, self.negative_slope)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise not_ready(self)
        return A.leaky_relu_backward(grad_out, self._x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    Example:
        >>> Sigmoid()(np.array([[0.0]]))
        array([[0.5]])
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = A.sigmoid(as_input(x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        return A.sigmoid_backward(grad_out, self._out)


class Tanh(Module):
    """Hyperbolic tangent.

    Example:
        >>> Tanh()(np.array([[0.0]]))
        array([[0.]])
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = A.tanh(as_input(x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        return A.tanh_backward(grad_out, self._out)


class Softmax(Module):
    """Softmax along ``dim``: turns scores into probabilities that sum to 1.

    For training a classifier prefer raw logits with
    :class:`~nncourse.numpy.losses.CrossEntropyLoss` (softmax is inside it, computed stably).

    Example:
        >>> Softmax()(np.array([[0.0, 0.0]]))
        array([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"dim must be an integer; got {dim!r}.")
        self.dim = int(dim)
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if not -x.ndim <= self.dim < max(x.ndim, 1):
            raise ValueError(f"Softmax(dim={self.dim}) got a {x.ndim}-D input of shape "
                             f"{x.shape}; dim must be in [{-x.ndim}, {x.ndim - 1}].")
        self._out = A.softmax(x, axis=self.dim)
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        return A.softmax_backward(grad_out, self._out, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one: (B, 28, 28) -> (B, 784).

    Example:
        >>> Flatten()(np.zeros((2, 28, 28))).shape
        (2, 784)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        start = self.start_dim % max(x.ndim, 1)
        end = self.end_dim % max(x.ndim, 1)
        if x.ndim == 0 or start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) "
                             f"cannot flatten an input of shape {x.shape}.")
        self._shape = x.shape
        new_shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
        return x.reshape(new_shape)  # a view when x is contiguous

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._shape is None:
            raise not_ready(self)
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

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Run every layer's backward in reverse; return dL/dx.

        With ``need_input_grad=False`` (a training step, where x is data) the loop stops at
        the first layer that has parameters and skips its dL/dx (returns None): the layers
        before it have no gradients to fill.
        """
        stop = 0
        if not need_input_grad:
            stop = next((i for i, layer in enumerate(self._layers) if layer.parameters()), 0)
        for i in range(len(self._layers) - 1, stop - 1, -1):
            layer = self._layers[i]
            if i == stop and not need_input_grad and isinstance(layer, (Linear, Sequential)):
                return layer.backward(grad_out, need_input_grad=False)
            grad_out = layer.backward(grad_out)
        return grad_out if need_input_grad else None

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]
