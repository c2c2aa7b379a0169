"""Activation functions and their backward passes, written out in NumPy.

Each forward function maps an array to an array of the same shape. Each
``*_backward`` takes the upstream gradient ``grad_out`` (dL/d output) and what
the forward pass produced or received, and returns dL/d input by the chain rule.
Sigmoid, tanh and softmax use their *output* (cheaper and exact); ReLU and
leaky ReLU use their *input* (the sign decides the slope).

``ACTIVATIONS`` / :func:`get_activation` give each element-wise activation as a
pair ``(function, derivative)`` where ``derivative(x)`` is f'(x) as a function of
the input, for plotting and for the widgets.

The layers (:class:`ReLU`, :class:`LeakyReLU`, :class:`Sigmoid`, :class:`Tanh`,
:class:`Softmax`) close the module: thin classes whose ``forward``/``backward`` call
the functions above (``nncourse.numpy.layers`` re-exports them).

Example:
    >>> x = np.array([-2.0, 0.5])
    >>> relu(x)
    array([0. , 0.5])
    >>> relu_backward(np.ones(2), x)
    array([0., 1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from nncourse._checks import as_input, check_grad_out, check_int, check_number, not_ready
from nncourse.numpy.module import Module

__all__ = ["relu", "relu_backward", "leaky_relu", "leaky_relu_backward", "sigmoid",
           "sigmoid_backward", "tanh", "tanh_backward", "softmax", "softmax_backward",
           "log_softmax", "identity", "Activation", "ACTIVATIONS", "get_activation", "ReLU",
           "LeakyReLU", "Sigmoid", "Tanh", "Softmax"]


def relu(x: np.ndarray) -> np.ndarray:
    """``max(0, x)`` element-wise. Shape: any -> same.

    Example:
        >>> relu(np.array([-1.0, 2.0]))
        array([0., 2.])
    """
    return np.maximum(x, 0)


def relu_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dL/dx for ReLU: ``grad_out`` where ``x > 0``, else 0 (slope 0 at the kink, as PyTorch).

    Args:
        grad_out: dL/d output, same shape as ``x``.
        x: the forward input.

    Example:
        >>> relu_backward(np.array([5.0, 5.0]), np.array([-1.0, 1.0]))
        array([0., 5.])
    """
    return grad_out * (x > 0)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """``x`` where positive, ``negative_slope * x`` elsewhere. Shape: any -> same.

    Example:
        >>> leaky_relu(np.array([-1.0, 2.0]), 0.1)
        array([-0.1,  2. ])
    """
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(grad_out: np.ndarray, x: np.ndarray,
                        negative_slope: float = 0.01) -> np.ndarray:
    """dL/dx for leaky ReLU: ``grad_out`` times 1 (x > 0) or ``negative_slope``.

    Example:
        >>> leaky_relu_backward(np.ones(2), np.array([-1.0, 1.0]), 0.1)
        array([0.1, 1. ])
    """
    slope = np.where(x > 0, 1.0, negative_slope).astype(np.result_type(grad_out), copy=False)
    return grad_out * slope


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))``, without overflow for large ``|x|``. Shape: any -> same.

    ``exp`` only ever sees ``-|x| <= 0``, so it cannot overflow: for ``x >= 0`` we use
    ``1 / (1 + e)`` and for ``x < 0`` the equal form ``e / (1 + e)`` with ``e = exp(-|x|)``.

    Example:
        >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
        array([0.5, 1. , 0. ])
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_backward(grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
    """dL/dx for sigmoid from its output: ``grad_out * out * (1 - out)``.

    Example:
        >>> sigmoid_backward(np.array([1.0]), np.array([0.5]))
        array([0.25])
    """
    return grad_out * out * (1.0 - out)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, values in (-1, 1). Shape: any -> same.

    Example:
        >>> tanh(np.array([0.0]))
        array([0.])
    """
    return np.tanh(x)


def tanh_backward(grad_out: np.ndarray, out: np.ndarray) -> np.ndarray:
    """dL/dx for tanh from its output: ``grad_out * (1 - out**2)``.

    Example:
        >>> tanh_backward(np.array([1.0]), np.array([0.0]))
        array([1.])
    """
    return grad_out * (1.0 - out * out)


def identity(x: np.ndarray) -> np.ndarray:
    """The linear (identity) activation: returns ``x`` unchanged.

    Example:
        >>> identity(np.array([-1.0]))
        array([-1.])
    """
    return np.asarray(x)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(x) / sum(exp(x))`` along ``axis``; each slice sums to 1. Shape: any -> same.

    Subtracting the maximum first changes nothing mathematically (the factor
    ``exp(-max)`` cancels) and keeps ``exp`` from overflowing.

    Example:
        >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
        array([[0.5, 0.5],
               [1. , 0. ]])
    """
    x = np.asarray(x)
    if x.dtype.kind not in "fc":  # integer or bool scores: compute in float64 (as torch)
        x = x.astype(np.float64)
    shifted = x - np.max(x, axis=axis, keepdims=True)  # a new array, safe to overwrite
    np.exp(shifted, out=shifted)
    shifted /= np.sum(shifted, axis=axis, keepdims=True)
    return shifted


def softmax_backward(grad_out: np.ndarray, out: np.ndarray, axis: int = -1) -> np.ndarray:
    """dL/dx for softmax from its output ``s``: ``s * (g - sum(g * s))`` along ``axis``.

    This is the Jacobian-vector product with ``J = diag(s) - s s^T``, without forming ``J``.

    Example:
        >>> softmax_backward(np.array([[1.0, 1.0]]), np.array([[0.5, 0.5]]))
        array([[0., 0.]])
    """
    dot = np.sum(grad_out * out, axis=axis, keepdims=True)
    return out * (grad_out - dot)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(softmax(x))`` computed as ``x - max - log(sum(exp(x - max)))`` (no log of 0).

    Example:
        >>> np.round(log_softmax(np.array([0.0, 0.0])), 4)
        array([-0.6931, -0.6931])
    """
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Activation(NamedTuple):
    """An element-wise activation and its derivative with respect to its input."""

    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]


def _relu_derivative(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) > 0).astype(np.float64)


def _leaky_relu_derivative(x: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(x) > 0, 1.0, 0.01)


def _sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    s = sigmoid(x)
    return s * (1.0 - s)


def _tanh_derivative(x: np.ndarray) -> np.ndarray:
    t = np.tanh(x)
    return 1.0 - t * t


def _identity_derivative(x: np.ndarray) -> np.ndarray:
    return np.ones_like(np.asarray(x), dtype=np.float64)


#: name -> (function, derivative of the input); leaky_relu uses negative_slope=0.01.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, _relu_derivative),
    "leaky_relu": Activation(leaky_relu, _leaky_relu_derivative),
    "sigmoid": Activation(sigmoid, _sigmoid_derivative),
    "tanh": Activation(tanh, _tanh_derivative),
    "linear": Activation(identity, _identity_derivative),
    "identity": Activation(identity, _identity_derivative),
}


def get_activation(name: str) -> Activation:
    """Look up ``(function, derivative)`` by name.

    Args:
        name: one of ``"relu"``, ``"leaky_relu"``, ``"sigmoid"``, ``"tanh"``,
            ``"linear"`` / ``"identity"`` (case-insensitive).

    Returns:
        an :class:`Activation` (a named pair ``function, derivative``).

    Raises:
        ValueError: unknown name; the message lists the valid ones.

    Example:
        >>> f, df = get_activation("tanh")
        >>> float(df(np.array(0.0)))
        1.0
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}. Expected one of: "
                         f"{', '.join(map(repr, ACTIVATIONS))}.")
    return ACTIVATIONS[key]


# --- the layers: thin classes that call the functions above ----------------

class ReLU(Module):
    """``max(0, x)`` element-wise; backward passes the gradient where the input was positive.

    Example:
        >>> ReLU()(np.array([[-1.0, 2.0]]))
        array([[0., 2.]])
    """

    def __init__(self) -> None:
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = as_input(x)  # kept for backward: d relu / dx is 1 exactly where x > 0
        return relu(self._x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._x.shape, "ReLU.backward")
        return relu_backward(grad_out, self._x)


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Example:
        >>> LeakyReLU(0.1)(np.array([[-1.0, 2.0]]))
        array([[-0.1,  2. ]])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        # Any finite slope, as torch.nn.LeakyReLU (negative ones included).
        self.negative_slope = check_number(negative_slope, "negative_slope")
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = as_input(x)
        return leaky_relu(self._x, self.negative_slope)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._x.shape, "LeakyReLU.backward")
        return leaky_relu_backward(grad_out, self._x, self.negative_slope)

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
        self._out = sigmoid(as_input(x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._out.shape, "Sigmoid.backward")
        return sigmoid_backward(grad_out, self._out)


class Tanh(Module):
    """Hyperbolic tangent.

    Example:
        >>> Tanh()(np.array([[0.0]]))
        array([[0.]])
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = tanh(as_input(x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._out.shape, "Tanh.backward")
        return tanh_backward(grad_out, self._out)


class Softmax(Module):
    """Softmax along ``dim``: turns scores into probabilities that sum to 1.

    For training a classifier prefer raw logits with
    :class:`~nncourse.numpy.losses.CrossEntropyLoss` (softmax is inside it, computed stably).

    Example:
        >>> Softmax()(np.array([[0.0, 0.0]]))
        array([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        self.dim = check_int(dim, "dim", minimum=None)
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if not -x.ndim <= self.dim < max(x.ndim, 1):
            raise ValueError(f"Softmax(dim={self.dim}) got a {x.ndim}-D input of shape "
                             f"{x.shape}; dim must be in [{-x.ndim}, {x.ndim - 1}].")
        self._out = softmax(x, axis=self.dim)
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._out is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._out.shape, "Softmax.backward")
        return softmax_backward(grad_out, self._out, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
