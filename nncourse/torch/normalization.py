"""Dropout and batch normalisation on torch tensors, twins of :mod:`nncourse.numpy.normalization`.

Same names, arguments and semantics as the NumPy reference; the pure functions
compute the forward pass and autograd differentiates them, so the hand-written
``*_backward`` functions of the NumPy module have no counterpart here.

* Dropout (inverted): in training each unit is kept with probability ``1 - p`` and the kept
  ones are scaled by ``1 / (1 - p)``; evaluation is the identity.
* BatchNorm1d: in training each feature is normalised with the batch mean and the biased
  batch variance; running estimates (the variance unbiased, as PyTorch) are updated with
  ``momentum`` and used in evaluation. Parameter and buffer names are ``torch.nn``'s.

Example:
    >>> bn = BatchNorm1d(3)
    >>> out = bn(torch.randn(8, 3))
    >>> bool(torch.allclose(out.mean(dim=0), torch.zeros(3), atol=1e-6))
    True
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nncourse._checks import check_batchnorm_arguments, check_number

__all__ = ["dropout_forward", "batchnorm_forward", "Dropout", "BatchNorm1d"]

#: What batchnorm_forward keeps for the running statistics: (x_hat, inv_std, gamma, mean, var).
BatchNormCache = tuple[torch.Tensor, torch.Tensor, "torch.Tensor | None", torch.Tensor,
                       torch.Tensor]


def dropout_forward(x: torch.Tensor, p: float, rng: torch.Generator | None = None,
                    keep: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverted dropout: zero each entry with probability ``p``, scale the rest by 1/(1-p).

    Args:
        x: any shape.
        p: drop probability in [0, 1].
        rng: a ``torch.Generator`` on ``x``'s device for the keep mask (None: torch's global one).
        keep: optional boolean keep mask of ``x``'s shape (then ``rng`` is not used).

    Returns:
        ``(out, scale)``: the output and the per-entry factor ``keep / (1 - p)``.

    Example:
        >>> out, scale = dropout_forward(torch.ones(1, 4), 0.5,
        ...                              keep=torch.tensor([[True, False, True, False]]))
        >>> out
        tensor([[2., 0., 2., 0.]])
    """
    if keep is None:
        keep = torch.rand(x.shape, generator=rng, device=x.device) >= p  # P(keep) = 1 - p
    elif keep.shape != x.shape:
        raise ValueError(f"keep mask shape {tuple(keep.shape)} differs from x shape "
                         f"{tuple(x.shape)}.")
    factor = 0.0 if p == 1 else 1.0 / (1.0 - p)  # p == 1 drops everything
    scale = keep.to(x.dtype) * factor
    return x * scale, scale


def batchnorm_forward(x: torch.Tensor, gamma: torch.Tensor | None, beta: torch.Tensor | None,
                      eps: float = 1e-5) -> tuple[torch.Tensor, BatchNormCache]:
    """Normalise each feature with batch statistics, then scale and shift.

    ``x_hat = (x - mean) / sqrt(var + eps)`` (biased variance), ``out = gamma * x_hat + beta``.

    Args:
        x: (B, C) with B >= 2.
        gamma: (C,) scale, or None (no affine transform).
        beta: (C,) shift, or None.
        eps: added to the variance for numerical safety.

    Returns:
        ``(out, cache)``; ``cache = (x_hat, inv_std, gamma, mean, var)`` as in the NumPy
        twin (``mean``/``var`` feed the running statistics).

    Example:
        >>> out, _ = batchnorm_forward(torch.tensor([[1.0], [3.0]]), torch.ones(1),
        ...                            torch.zeros(1))
        >>> out.flatten()
        tensor([-1.0000,  1.0000])
    """
    mean = x.mean(dim=0)  # (B, C) -> (C,)
    centered = x - mean
    var = (centered * centered).mean(dim=0)  # biased: divides by B
    inv_std = 1.0 / torch.sqrt(var + eps)
    x_hat = centered * inv_std
    out = x_hat
    if gamma is not None:
        out = x_hat * gamma
    if beta is not None:
        out = out + beta
    return out, (x_hat, inv_std, gamma, mean, var)


def _torch_generator(rng: object) -> torch.Generator | None:
    """A torch.Generator from a torch or NumPy Generator (or None)."""
    if rng is None or isinstance(rng, torch.Generator):
        return rng
    if isinstance(rng, np.random.Generator):
        # One draw from the NumPy generator seeds a torch one: reproducible either way.
        return torch.Generator().manual_seed(int(rng.integers(2**62)))
    raise TypeError(f"rng must be a torch.Generator or numpy.random.Generator; got "
                    f"{type(rng).__name__}.")


class Dropout(nn.Module):
    """Randomly zero a fraction ``p`` of the inputs in training; identity in evaluation.

    Args:
        p: drop probability in [0, 1] (p = 1 drops everything, as torch.nn.Dropout).
        rng: a ``torch.Generator`` (or NumPy Generator) for the masks (CPU models only).
        seed: or a seed for a private generator (created on the input's device).

    Example:
        >>> drop = Dropout(0.5, seed=0)
        >>> drop.eval()(torch.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, rng: torch.Generator | np.random.Generator | None = None,
                 seed: int | None = None) -> None:
        super().__init__()
        self.p = check_number(p, "Dropout probability p", 0, 1,
                              hint="p is the fraction of units dropped (0.5 drops half).")
        self._seed = seed
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        self._generator = _torch_generator(rng)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Training: ``dropout_forward(x, p)``; evaluation (or p = 0): ``x`` unchanged."""
        if not self.training or self.p == 0:
            return x
        if self._seed is not None and (self._generator is None
                                       or self._generator.device != x.device):
            self._generator = torch.Generator(device=x.device).manual_seed(self._seed)
        out, _ = dropout_forward(x, self.p, self._generator)
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(nn.BatchNorm1d):
    """Batch normalisation over the feature axis of (B, C) input, with PyTorch's semantics.

    A ``torch.nn.BatchNorm1d`` (same parameters, buffers and ``state_dict``) whose
    training-mode forward pass is :func:`batchnorm_forward`.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: weight of the new batch in the running averages (None: cumulative average).
        affine: learn ``weight`` (gamma, init 1) and ``bias`` (beta, init 0).
        device, dtype: where and in which precision to create the parameters.

    Example:
        >>> BatchNorm1d(4)(torch.randn(8, 4)).shape
        torch.Size([8, 4])
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, *, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        # torch.nn.BatchNorm1d itself accepts momentum='a' or eps=-1 until the first batch.
        num_features, eps, momentum, affine = check_batchnorm_arguments(
            num_features, eps, momentum, affine)
        super().__init__(num_features, eps=eps, momentum=momentum, affine=affine, device=device,
                         dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C) -> (B, C): batch statistics in training, running statistics in evaluation."""
        if x.dim() != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}) expects input of shape (batch, "
                f"{self.num_features}); got {tuple(x.shape)}."
            )
        gamma = self.weight if self.affine else None
        beta = self.bias if self.affine else None
        # Statistics in at least float32 (as torch's own batch norm under autocast).
        low_precision = x.dtype in (torch.float16, torch.bfloat16)
        x_stats = x.float() if low_precision else x
        if not self.training:
            assert self.running_mean is not None and self.running_var is not None
            x_hat = (x_stats - self.running_mean) / torch.sqrt(self.running_var + self.eps)
            out = x_hat * gamma if gamma is not None else x_hat
            out = out + beta if beta is not None else out
            return out.to(x.dtype) if low_precision else out
        batch = x.shape[0]
        if batch < 2:
            raise ValueError(f"BatchNorm1d needs more than 1 sample per batch in training "
                             f"mode (a batch of 1 has no variance); got input shape "
                             f"{tuple(x.shape)}. Use a larger batch or call model.eval().")
        out, _ = batchnorm_forward(x_stats, gamma, beta, self.eps)
        # The running statistics need only the batch's mean and biased variance: computed here
        # rather than read from the cache, whose layout is the backward pass's business.
        with torch.no_grad():
            mean = x_stats.mean(dim=0)  # (B, C) -> (C,)
            var = ((x_stats - mean) * (x_stats - mean)).mean(dim=0)  # biased: divides by B
        self._update_running_stats(mean, var, batch)
        return out.to(x.dtype) if low_precision else out

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, var: torch.Tensor, batch: int) -> None:
        """Move the running averages towards this batch (the variance unbiased: B - 1)."""
        assert self.running_mean is not None and self.running_var is not None
        assert self.num_batches_tracked is not None
        self.num_batches_tracked.add_(1)
        factor = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                  else self.momentum)
        self.running_mean.mul_(1.0 - factor).add_(factor * mean)
        self.running_var.mul_(1.0 - factor).add_(factor * var * (batch / (batch - 1)))
