"""Automatic mixed precision: run the forward pass in 16-bit floats on a CUDA GPU.

``amp="bf16"`` computes matrix products in bfloat16 (same range as float32, fewer
digits; no scaling needed). ``amp="fp16"`` uses float16, whose small range lets
tiny gradients underflow to zero, so the loss is multiplied by a large factor
before ``backward`` and the gradients divided by it before the step
(``torch.amp.GradScaler``), skipping steps whose gradients overflowed (checking for
an overflow reads a flag from the GPU: one host sync per step). The weights
stay in float32 in every case. Asking for "bf16" or "fp16" without CUDA switches
mixed precision off with a warning.

``amp="auto"`` uses mixed precision only where it pays. Sixteen-bit matrix products
are faster only when the GPU is busy with arithmetic; a small step is bound by kernel
launches, and autocast adds a cast kernel per layer, so it gets slower. On one
H200, bf16 made the 784-128-10 MNIST MLP *slower* at every batch size (74k against
86k samples/s at batch 256) and the 784-4096-4096-10 MLP equal at batch 256, 1.2x
faster at 1024 and 2.8x faster at 4096. The rule (:data:`AUTO_MIN_WORK`): on CUDA,
bf16 (fp16 where bf16 is missing) when ``batch_size x`` (elements of the largest
weight matrix) is at least ``2**33``, else float32; never on the CPU.

:class:`MixedPrecision` bundles the choice, ``autocast`` and the scaler for the
training step: ``precision.backward(loss)`` and ``precision.step(optimizer)``
are ``loss.backward()`` and ``optimizer.step()`` when it is off.

Example:
    >>> precision = MixedPrecision(None, torch.device("cpu"))
    >>> precision.dtype is None
    True
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import torch
from torch import nn

from nncourse._checks import check_choice

__all__ = ["AMP_CHOICES", "AUTO_MIN_WORK", "resolve_amp", "autocast", "make_grad_scaler",
           "MixedPrecision"]

AMP_CHOICES = ("auto", "bf16", "fp16")

#: ``amp="auto"`` turns 16-bit products on when batch_size * (largest weight matrix's
#: elements) reaches this: 1024 x 4096 x 4096 (measured faster) but not 256 x 4096 x 4096
#: (measured equal) nor 1024 x 784 x 128 (measured slower).
AUTO_MIN_WORK = 2**33


def _largest_matrix(model: nn.Module | None) -> int:
    if model is None:
        return 0
    return max((p.numel() for p in model.parameters() if p.dim() >= 2), default=0)


def resolve_amp(amp: str | None | bool, device: torch.device, model: nn.Module | None = None,
                batch_size: int | None = None) -> torch.dtype | None:
    """The 16-bit dtype to autocast to, or None for full precision.

    Args:
        amp: None/False (off), "auto", "bf16" or "fp16".
        device: the training device; mixed precision is used only on CUDA.
        model, batch_size: what "auto" looks at (see :data:`AUTO_MIN_WORK`).

    Returns:
        ``torch.bfloat16``, ``torch.float16`` or None.

    Example:
        >>> resolve_amp(None, torch.device("cpu")) is None
        True
    """
    if amp is None or amp is False:
        return None
    check_choice(amp, "amp", AMP_CHOICES)
    if amp == "auto":
        work = (batch_size or 0) * _largest_matrix(model)
        if device.type != "cuda" or work < AUTO_MIN_WORK:
            return None  # launch-bound (or no GPU): float32 is as fast or faster
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type != "cuda":
        warnings.warn(
            f"amp={amp!r}: mixed precision is only used on CUDA GPUs; training on {device} "
            "in full precision instead (pass amp=None to silence this).",
            UserWarning, stacklevel=4,
        )
        return None
    return torch.bfloat16 if amp == "bf16" else torch.float16


def autocast(device: torch.device, dtype: torch.dtype | None) -> Any:
    """A context manager: autocast to ``dtype`` on ``device``, or do nothing if dtype is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_grad_scaler(dtype: torch.dtype | None, device: torch.device) -> Any:
    """A ``torch.amp.GradScaler`` for float16 training, else None (bf16 and fp32 need none)."""
    if dtype is not torch.float16:
        return None
    return torch.amp.GradScaler(device.type)


class MixedPrecision:
    """The precision hooks of one training step: autocast, backward, clip, step.

    Args:
        amp: None, "auto", "bf16" or "fp16" (see :func:`resolve_amp`).
        device: the training device.
        model, batch_size: what ``amp="auto"`` decides on.

    Attributes:
        dtype: the autocast dtype, or None (full precision).
        scaler: a GradScaler (float16 only) or None.

    Example:
        >>> precision = MixedPrecision("bf16", torch.device("cuda"))   # doctest: +SKIP
        >>> with precision.autocast():
        ...     loss = loss_fn(model(x), y)
        >>> precision.backward(loss); precision.step(optimizer)
    """

    def __init__(self, amp: str | None | bool, device: torch.device,
                 model: nn.Module | None = None, batch_size: int | None = None) -> None:
        self.device = device
        self.dtype = resolve_amp(amp, device, model, batch_size)
        self.scaler = make_grad_scaler(self.dtype, device)

    def autocast(self) -> Any:
        """Matrix products in 16 bits inside the block (reductions stay in float32)."""
        return autocast(self.device, self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()``; with float16 the loss is scaled first so small gradients live."""
        (loss if self.scaler is None else self.scaler.scale(loss)).backward()

    def clip_grad_norm(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                       max_norm: float) -> None:
        """Rescale the gradients so their global norm is at most ``max_norm`` (true, unscaled)."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)  # clip the true gradients, not scaled ones
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """``optimizer.step()``; with float16 skipped when the gradients overflowed."""
        if self.scaler is None:
            optimizer.step()
            return
        self.scaler.step(optimizer)
        self.scaler.update()

    def __repr__(self) -> str:
        return f"MixedPrecision(dtype={self.dtype}, scaler={self.scaler is not None})"
