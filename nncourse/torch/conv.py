"""Convolution and max pooling on torch tensors, the twin of :mod:`nncourse.numpy.conv`.

The same im2col formulation, line for line: gather every patch into a row
(``Tensor.unfold``, a view like NumPy's ``sliding_window_view``), one matrix product
with the flattened filters, fold back into an image. There are no ``*_backward``
functions: autograd differentiates the forward code (the NumPy twin writes them out).

Ties in max pooling go to the first maximum of the window in row-major order, as in
the NumPy reference and ``torch.nn.MaxPool2d``. Parameter names, layouts and the
initial values for a given seed are those of the NumPy twin: ``weight`` is
``(C_out, C_in, kH, kW)``, ``bias`` is ``(C_out,)``.

Example:
    >>> conv = Conv2d(1, 8, kernel_size=3, padding=1, seed=0)
    >>> conv(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 8, 28, 28])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nncourse._checks import check_int
from nncourse.numpy.conv import conv2d_output_size
from nncourse.torch.rng import RandomSource, as_generator

__all__ = ["conv2d_output_size", "conv2d_forward", "maxpool2d_forward", "Conv2d", "MaxPool2d"]


def _pair(value: Any, name: str, minimum: int = 1) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width); got {value!r}.")
        return check_int(value[0], name, minimum), check_int(value[1], name, minimum)
    size = check_int(value, name, minimum)
    return size, size


def _check_image(x: Any, where: str, channels: int | None, kernel: tuple[int, int],
                 padding: tuple[int, int]) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where} expects a torch.Tensor; got {type(x).__name__}. Convert it "
                        "with torch.as_tensor(x, dtype=torch.float32).")
    if x.dim() != 4:
        hint = (" Add a batch axis with x[None]." if x.dim() == 3 else
                " Reshape flat rows with x.reshape(-1, 1, 28, 28)." if x.dim() == 2 else "")
        raise ValueError(f"{where} expects images of shape (batch, channels, height, width); "
                         f"got {x.dim()} dimensions {tuple(x.shape)}.{hint}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where} expects {channels} input channels; got {x.shape[1]} "
                         f"(input shape {tuple(x.shape)}). Check in_channels or the previous "
                         "layer's out_channels.")
    height, width = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if kernel[0] > height or kernel[1] > width:
        raise ValueError(f"{where}: kernel {kernel} is larger than the padded input "
                         f"({height}, {width}). Use a smaller kernel, more padding or a larger "
                         "image.")


def _windows(x_pad: torch.Tensor, kernel: tuple[int, int],
             stride: tuple[int, int]) -> torch.Tensor:
    """Every ``kH x kW`` window, as a view: (B, C, H_out, W_out, kH, kW)."""
    return x_pad.unfold(2, kernel[0], stride[0]).unfold(3, kernel[1], stride[1])


def _pad(x: torch.Tensor, padding: tuple[int, int], value: float = 0.0) -> torch.Tensor:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw, pw, ph, ph), value=value)  # (left, right, top, bottom)


def conv2d_forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                   stride: int | tuple[int, int] = 1,
                   padding: int | tuple[int, int] = 0) -> torch.Tensor:
    """2-D convolution (cross-correlation) by im2col; autograd gives the backward pass.

    ``y[b, o, i, j] = bias[o] + sum_{c,u,v} weight[o, c, u, v] * x_pad[b, c, i*s+u, j*s+v]``

    Args:
        x: (B, C_in, H, W).
        weight: (C_out, C_in, kH, kW).
        bias: (C_out,) or None.
        stride: step between windows (int or (sH, sW)).
        padding: zeros added on each side (int or (pH, pW)).

    Returns:
        (B, C_out, H_out, W_out) with ``H_out = (H + 2*pH - kH) // sH + 1`` (same for W).

    Example:
        >>> conv2d_forward(torch.ones(1, 1, 4, 4), torch.ones(2, 1, 3, 3), None).shape
        torch.Size([1, 2, 2, 2])
    """
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding", 0)
    c_out, c_in, kh, kw = weight.shape
    _check_image(x, "conv2d_forward", c_in, (kh, kw), padding)
    batch = x.shape[0]
    windows = _windows(_pad(x, padding), (kh, kw), stride)  # (B, C_in, Ho, Wo, kH, kW)
    h_out, w_out = windows.shape[2], windows.shape[3]
    cols = windows.permute(0, 2, 3, 1, 4, 5).reshape(
        batch * h_out * w_out, c_in * kh * kw)  # (B*Ho*Wo, C_in*kH*kW): one patch per row
    filters = weight.reshape(c_out, c_in * kh * kw)  # (C_out, C_in*kH*kW): one filter per row
    out = cols @ filters.T  # (B*Ho*Wo, C_in*kH*kW) @ (C_in*kH*kW, C_out) -> (B*Ho*Wo, C_out)
    if bias is not None:
        out = out + bias  # broadcast (C_out,) over the rows
    return out.reshape(batch, h_out, w_out, c_out).permute(0, 3, 1, 2)  # (B, C_out, Ho, Wo)


def maxpool2d_forward(x: torch.Tensor, kernel_size: int | tuple[int, int],
                      stride: int | tuple[int, int] | None = None,
                      padding: int | tuple[int, int] = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Max pooling: the largest value of every window, and where it was.

    ``y[b, c, i, j] = max_{u,v} x_pad[b, c, i*s+u, j*s+v]`` (padding with -inf).
    Ties go to the first maximum in row-major order of the window; autograd sends the
    gradient there through ``gather``.

    Args:
        x: (B, C, H, W).
        kernel_size: window size.
        stride: step (default: kernel_size).
        padding: -inf added on each side; at most half the kernel.

    Returns:
        ``(out, argmax)``: (B, C, H_out, W_out) and the flat index ``u * kW + v`` of each winner.

    Example:
        >>> out, where = maxpool2d_forward(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
        >>> out[0, 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else _pair(stride, "stride")
    padding = _pair(padding, "padding", 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"maxpool2d: padding {padding} must be at most half the kernel "
                         f"{kernel} (as in torch.nn.MaxPool2d).")
    _check_image(x, "maxpool2d_forward", None, kernel, padding)
    windows = _windows(_pad(x, padding, -math.inf), kernel, stride)  # (B, C, Ho, Wo, kH, kW)
    flat = windows.reshape(*windows.shape[:4], kernel[0] * kernel[1])  # (B, C, Ho, Wo, kH*kW)
    argmax = flat.argmax(dim=-1)  # (B, C, Ho, Wo): torch.argmax returns the FIRST maximum
    out = flat.gather(-1, argmax.unsqueeze(-1)).squeeze(-1)  # (B, C, Ho, Wo)
    return out, argmax


class Conv2d(nn.Module):
    """2-D convolution layer calling :func:`conv2d_forward`; the twin of the NumPy ``Conv2d``.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: filter size (int or (kH, kW)).
        stride, padding: as in :func:`conv2d_forward`.
        bias: learn one bias per output channel.
        rng, seed: the initial values, drawn exactly as the NumPy twin draws them
            (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weight first); with neither, from
            torch's global generator.
        device, dtype: where and in which precision to create the parameters.

    Shapes:
        input (B, C_in, H, W) -> output (B, C_out, H_out, W_out).

    Example:
        >>> Conv2d(1, 4, 3, seed=0)(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 4, 6, 6])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 bias: bool = True, rng: RandomSource = None, seed: int | None = None, *,
                 device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding", 0)
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        generator = as_generator(rng if rng is not None else seed)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        dtype = dtype or torch.get_default_dtype()
        weight = np.asarray(generator.uniform(-bound, bound, shape))
        self.weight = nn.Parameter(torch.as_tensor(weight, dtype=dtype, device=device))
        self.bias: nn.Parameter | None = None
        if bias:
            values = np.asarray(generator.uniform(-bound, bound, self.out_channels))
            self.bias = nn.Parameter(torch.as_tensor(values, dtype=dtype, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, "Conv2d", self.in_channels, self.kernel_size, self.padding)
        if x.dtype != self.weight.dtype:
            raise TypeError(f"Conv2d has {self.weight.dtype} weights but got a {x.dtype} input. "
                            f"Convert the input with x.to({self.weight.dtype}) (or the model "
                            f"with model.to({x.dtype})).")
        return conv2d_forward(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class MaxPool2d(nn.Module):
    """Max pooling layer calling :func:`maxpool2d_forward`; the twin of the NumPy ``MaxPool2d``.

    Args:
        kernel_size: window size. stride: step (default: kernel_size). padding: -inf border.

    Shapes:
        input (B, C, H, W) -> output (B, C, H_out, W_out).

    Example:
        >>> MaxPool2d(2)(torch.zeros(1, 3, 28, 28)).shape
        torch.Size([1, 3, 14, 14])
    """

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride")
        self.padding = _pair(padding, "padding", 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return maxpool2d_forward(x, self.kernel_size, self.stride, self.padding)[0]

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
