"""Dropout and batch normalisation: layers that behave differently in train and eval mode.

The torch twin, :mod:`nncourse.torch.normalization`, has the same names in the same order.

* Dropout (inverted): in training each unit is kept with probability ``1 - p`` and the kept
  ones are scaled by ``1 / (1 - p)``, so the expected output equals the input and evaluation
  needs no rescaling (it is the identity).
* BatchNorm1d: in training each feature is normalised with the batch mean and the biased
  batch variance; running estimates (the variance unbiased, as PyTorch) are updated with
  ``momentum`` and used in evaluation.

Example:
    >>> bn = BatchNorm1d(3)
    >>> out = bn(np.random.default_rng(0).normal(size=(8, 3)))
    >>> bool(np.allclose(out.mean(axis=0), 0))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse._checks import (
    as_input,
    check_batchnorm_arguments,
    check_float_dtype,
    check_grad_out,
    check_number,
    not_ready,
)
from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.rng import RandomSource, as_generator

__all__ = ["dropout_forward", "dropout_backward", "batchnorm_forward", "batchnorm_backward",
           "Dropout", "BatchNorm1d"]

#: What batchnorm_forward keeps for the backward pass: (x_hat, inv_std, gamma, mean, var).
BatchNormCache = tuple[np.ndarray, np.ndarray, "np.ndarray | None", np.ndarray, np.ndarray]


def _check_p(p: Any) -> float:
    return check_number(p, "Dropout probability p", 0, 1,
                        hint="p is the fraction of units dropped (0.5 drops half).")



def dropout_forward(x: np.ndarray, p: float, rng: RandomSource = None,
                    keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: zero each entry with probability ``p``, scale the rest by 1/(1-p).

    Args:
        x: any shape.
        p: drop probability in [0, 1].
        rng: Generator or seed used to draw the keep mask.
        keep: optional boolean keep mask of ``x``'s shape (then ``rng`` is not used).

    Returns:
        ``(out, scale)``: the output and the per-entry factor ``keep / (1 - p)`` that
        :func:`dropout_backward` multiplies the gradient by.

    Example:
        >>> out, scale = dropout_forward(np.ones((1, 4)), 0.5, keep=np.array([[1, 0, 1, 0]], bool))
        >>> out
        array([[2., 0., 2., 0.]])
    """
    p = _check_p(p)
    x = as_input(x)
    if keep is None:
        keep = as_generator(rng).random(x.shape) >= p  # P(keep) = 1 - p
    elif np.shape(keep) != x.shape:
        raise ValueError(f"keep mask shape {np.shape(keep)} differs from x shape {x.shape}.")
    # p == 1 drops everything (as torch); avoid the division by zero.
    factor = 0.0 if p == 1 else 1.0 / (1.0 - p)
    scale = np.asarray(keep, dtype=x.dtype) * x.dtype.type(factor)
    return x * scale, scale


def dropout_backward(grad_out: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """dL/dx of dropout: the same mask and scale applied to the gradient.

    Example:
        >>> dropout_backward(np.ones(2), np.array([2.0, 0.0]))
        array([2., 0.])
    """
    return grad_out * scale


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray | None, beta: np.ndarray | None,
                      eps: float = 1e-5) -> tuple[np.ndarray, BatchNormCache]:
    """Normalise each feature with batch statistics, then scale and shift.

    ``x_hat = (x - mean) / sqrt(var + eps)`` (biased variance), ``out = gamma * x_hat + beta``.

    Args:
        x: (B, C) with B >= 2.
        gamma: (C,) scale, or None (no affine transform).
        beta: (C,) shift, or None.
        eps: added to the variance for numerical safety.

    Returns:
        ``(out, cache)``; ``cache = (x_hat, inv_std, gamma, mean, var)`` for the backward pass
        (``mean``/``var`` also feed the running statistics).

    Example:
        >>> out, _ = batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1))
        >>> np.round(out, 3)
        array([[-1.],
               [ 1.]])
    """
    mean = x.mean(axis=0)  # (B, C) -> (C,)
    centered = x - mean
    var = np.mean(centered * centered, axis=0)  # biased: divides by B
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centered * inv_std
    out = x_hat
    if gamma is not None:
        out = x_hat * gamma
    if beta is not None:
        out = out + beta
    return out, (x_hat, inv_std, gamma, mean, var)


def batchnorm_backward(grad_out: np.ndarray,
                       cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of training-mode batch norm given ``dL/dout``.

    The mean and variance depend on every row, so dL/dx has two extra terms:
    ``dx = inv_std / B * (B * g - sum(g) - x_hat * sum(g * x_hat))`` with ``g = dL/dx_hat``.

    Returns:
        ``(grad_x, grad_gamma, grad_beta)`` with shapes (B, C), (C,), (C,).

    Example:
        >>> out, cache = batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1))
        >>> grad_x, grad_gamma, grad_beta = batchnorm_backward(np.array([[1.0], [0.0]]), cache)
        >>> grad_gamma, grad_beta
        (array([-0.999995]), array([1.]))
    """
    x_hat, inv_std, gamma, _, _ = cache
    batch = grad_out.shape[0]
    grad_beta = grad_out.sum(axis=0)  # (B, C) -> (C,)
    grad_gamma = np.sum(grad_out * x_hat, axis=0)
    g = grad_out * gamma if gamma is not None else grad_out  # dL/dx_hat
    g_sum = grad_beta * gamma if gamma is not None else grad_beta  # sum over rows of g
    g_dot = grad_gamma * gamma if gamma is not None else grad_gamma  # sum of g * x_hat
    grad_x = (inv_std / batch) * (batch * g - g_sum - x_hat * g_dot)
    return grad_x, grad_gamma, grad_beta


class Dropout(Module):
    """Randomly zero a fraction ``p`` of the inputs in training; identity in evaluation.

    Args:
        p: drop probability in [0, 1].
        rng: Generator or seed for the masks.
        seed: or a seed (give rng or seed, not both).

    Example:
        >>> drop = Dropout(0.5, seed=0)
        >>> out = drop(np.ones((2, 4)))          # entries are 0 or 2
        >>> drop.eval()(np.ones((2, 4)))         # identity in eval mode
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.]])
    """

    def __init__(self, p: float = 0.5, rng: RandomSource = None, seed: int | None = None) -> None:
        self.p = _check_p(p)
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        self.rng = as_generator(rng if rng is not None else seed)
        self._scale: np.ndarray | None = None
        self._identity = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if not self.training or self.p == 0:
            self._identity, self._scale = True, None
            return x
        out, self._scale = dropout_forward(x, self.p, self.rng)
        self._identity = False
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._identity:
            return grad_out
        if self._scale is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._scale.shape, "Dropout.backward")
        return dropout_backward(grad_out, self._scale)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalisation over the feature axis of (B, C) input, with PyTorch's semantics.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: weight of the new batch in the running averages (None: cumulative average).
        affine: learn ``weight`` (gamma, init 1) and ``bias`` (beta, init 0).
        dtype: floating dtype of the parameters and running statistics (as ``Linear``), so a
            float32 model stays float32.

    Buffers (saved in ``state_dict`` like torch): ``running_mean``, ``running_var``,
    ``num_batches_tracked``.

    Example:
        >>> bn = BatchNorm1d(4)
        >>> bn(np.random.default_rng(0).normal(size=(16, 4))).shape
        (16, 4)
    """

    _buffers = ("running_mean", "running_var", "num_batches_tracked")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, dtype: Any = np.float64) -> None:
        self.num_features, self.eps, self.momentum, self.affine = check_batchnorm_arguments(
            num_features, eps, momentum, affine)
        dtype = check_float_dtype(dtype)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self.num_batches_tracked = np.array(0, dtype=np.int64)
        self._cache: tuple[Any, ...] | None = None
        self._eval_scale: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expected input of shape "
                             f"(batch, {self.num_features}); got {x.shape}.")
        gamma = self.weight.data if self.affine else None
        beta = self.bias.data if self.affine else None
        if not self.training:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            scale = inv_std * gamma if gamma is not None else inv_std
            self._cache, self._eval_scale = ((x - self.running_mean) * inv_std, None), scale
            out = (x - self.running_mean) * scale
            return out + beta if beta is not None else out
        batch = x.shape[0]
        if batch < 2:
            raise ValueError(f"BatchNorm1d needs more than 1 sample per batch in training "
                             f"mode (a batch of 1 has no variance); got input shape {x.shape}. "
                             f"Use a larger batch or call model.eval().")
        out, self._cache = batchnorm_forward(x, gamma, beta, self.eps)
        self._eval_scale = None
        # The running statistics need only the batch's mean and biased variance: computed here
        # rather than read from the cache, whose layout is batchnorm_backward's business.
        mean = x.mean(axis=0)  # (B, C) -> (C,)
        var = np.mean((x - mean) * (x - mean), axis=0)  # biased: divides by B
        self.num_batches_tracked += 1
        factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                  else self.momentum)
        # Running variance is unbiased (B - 1), the batch's own normalisation is biased (B).
        self.running_mean *= 1.0 - factor
        self.running_mean += factor * mean
        self.running_var *= 1.0 - factor
        self.running_var += factor * var * (batch / (batch - 1))
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._cache is None:
            raise not_ready(self)
        check_grad_out(grad_out, self._cache[0].shape, "BatchNorm1d.backward")
        if self._eval_scale is not None:  # evaluation: a fixed affine map per feature
            x_hat = self._cache[0]
            grad_x = grad_out * self._eval_scale
            grad_gamma, grad_beta = np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        else:
            grad_x, grad_gamma, grad_beta = batchnorm_backward(grad_out, self._cache)
        if self.affine:
            self.weight.grad = grad_gamma
            self.bias.grad = grad_beta
        return grad_x

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}")
