"""Automatic mixed precision: run the forward pass in 16-bit floats on a CUDA GPU.

``amp="bf16"`` computes matrix products in bfloat16 (same range as float32, fewer
digits; no scaling needed). ``amp="fp16"`` uses float16, whose small range lets
tiny gradients underflow to zero, so the loss is multiplied by a large factor
before ``backward`` and the gradients divided by it before the step
(``torch.amp.GradScaler``), skipping steps whose gradients overflowed.
``amp="auto"`` picks bf16 when the GPU supports it, else fp16. The weights stay
in float32 in every case. Without CUDA, mixed precision is switched off with a
warning and training runs in full precision.

Example:
    >>> dtype = resolve_amp("bf16", torch.device("cpu"))   # warns, returns None
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import torch

from nncourse._checks import check_choice

__all__ = ["AMP_CHOICES", "resolve_amp", "autocast", "make_grad_scaler"]

AMP_CHOICES = ("auto", "bf16", "fp16")


def resolve_amp(amp: str | None | bool, device: torch.device) -> torch.dtype | None:
    """The 16-bit dtype to autocast to, or None for full precision.

    Args:
        amp: None/False (off), "auto", "bf16" or "fp16".
        device: the training device; mixed precision is used only on CUDA.

    Returns:
        ``torch.bfloat16``, ``torch.float16`` or None.

    Example:
        >>> resolve_amp(None, torch.device("cpu")) is None
        True
    """
    if amp is None or amp is False:
        return None
    check_choice(amp, "amp", AMP_CHOICES)
    if device.type != "cuda":
        warnings.warn(
            f"amp={amp!r}: mixed precision is only used on CUDA GPUs; training on {device} "
            "in full precision instead (pass amp=None to silence this).",
            UserWarning, stacklevel=3,
        )
        return None
    if amp == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
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
