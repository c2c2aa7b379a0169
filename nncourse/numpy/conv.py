"""Convolution and max pooling for images, each with a hand-written backward pass.

Images are ``(B, C, H, W)`` arrays (batch, channels, height, width), as in PyTorch.
A convolution slides a ``(C_in, kH, kW)`` filter over the padded image; each output
pixel is the dot product of one filter with one patch. Written that way it is a
single matrix product: gather every patch into a row (*im2col*, here with
``sliding_window_view``, which copies nothing until the reshape), multiply by the
flattened filters, fold the result back into an image.

For output position ``(i, j)`` and output channel ``o``::

    y[b, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v] * x_pad[b, c, i*s + u, j*s + v]

Max pooling keeps the largest value of each window. **Ties**: the gradient goes to the
first maximum of the window in row-major order (top row first, left to right), which
is what ``torch.nn.MaxPool2d`` does on the CPU, so the two agree exactly even on
images with repeated values.

Parameter names and layouts follow PyTorch: ``Conv2d.weight`` is
``(C_out, C_in, kH, kW)``, ``Conv2d.bias`` is ``(C_out,)``.

Example:
    >>> conv = Conv2d(1, 8, kernel_size=3, padding=1, seed=0)
    >>> conv(np.zeros((2, 1, 28, 28))).shape
    (2, 8, 28, 28)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nncourse._checks import as_input, check_float_dtype, check_grad_out, check_int, not_ready
from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.rng import RandomSource, as_generator

__all__ = ["conv2d_output_size", "conv2d_forward", "conv2d_backward", "maxpool2d_forward",
           "maxpool2d_backward", "Conv2d", "MaxPool2d"]


def _pair(value: Any, name: str, minimum: int = 1) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width); got {value!r}.")
        return check_int(value[0], name, minimum), check_int(value[1], name, minimum)
    size = check_int(value, name, minimum)
    return size, size


def conv2d_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length along one axis: ``floor((size + 2*padding - kernel) / stride) + 1``.

    Example:
        >>> conv2d_output_size(28, 3, stride=1, padding=1)
        28
    """
    size, kernel = check_int(size, "size"), check_int(kernel, "kernel")
    stride, padding = check_int(stride, "stride"), check_int(padding, "padding", 0)
    if kernel > size + 2 * padding:
        raise ValueError(f"kernel {kernel} is larger than the padded input {size + 2 * padding} "
                         "(size + 2*padding). Use a smaller kernel or more padding.")
    return (size + 2 * padding - kernel) // stride + 1


def _check_image(x: np.ndarray, where: str, channels: int | None,
                 kernel: tuple[int, int], padding: tuple[int, int]) -> None:
    if x.ndim != 4:
        hint = (" Add a batch axis with x[None]." if x.ndim == 3 else
                " Reshape flat rows with x.reshape(-1, 1, 28, 28)." if x.ndim == 2 else "")
        raise ValueError(f"{where} expects images of shape (batch, channels, height, width); "
                         f"got {x.ndim} dimensions {x.shape}.{hint}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where} expects {channels} input channels; got {x.shape[1]} "
                         f"(input shape {x.shape}). Check in_channels or the previous layer's "
                         "out_channels.")
    height, width = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if kernel[0] > height or kernel[1] > width:
        raise ValueError(f"{where}: kernel {kernel} is larger than the padded input "
                         f"({height}, {width}). Use a smaller kernel, more padding or a larger "
                         "image.")


def _windows(x_pad: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Every ``kH x kW`` window, as a view: (B, C, H_out, W_out, kH, kW)."""
    view = sliding_window_view(x_pad, kernel, axis=(2, 3))  # (B, C, Hp-kH+1, Wp-kW+1, kH, kW)
    return view[:, :, ::stride[0], ::stride[1]]  # keep every stride-th: (B, C, Ho, Wo, kH, kW)


def _pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                   stride: int | tuple[int, int] = 1,
                   padding: int | tuple[int, int] = 0) -> np.ndarray:
    """2-D convolution (cross-correlation, as in every deep-learning library) by im2col.

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
        >>> conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), None).shape
        (1, 2, 2, 2)
    """
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding", 0)
    x, weight = as_input(x), as_input(weight, "weight")
    if weight.ndim != 4:
        raise ValueError(f"conv2d_forward expects weight of shape (C_out, C_in, kH, kW); got "
                         f"{weight.ndim} dimensions {weight.shape}.")
    c_out, c_in, kh, kw = weight.shape
    _check_image(x, "conv2d_forward", c_in, (kh, kw), padding)
    batch = x.shape[0]
    windows = _windows(_pad(x, padding), (kh, kw), stride)  # (B, C_in, Ho, Wo, kH, kW)
    h_out, w_out = windows.shape[2], windows.shape[3]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(
        batch * h_out * w_out, c_in * kh * kw)  # (B*Ho*Wo, C_in*kH*kW): one patch per row
    filters = weight.reshape(c_out, c_in * kh * kw)  # (C_out, C_in*kH*kW): one filter per row
    out = cols @ filters.T  # (B*Ho*Wo, C_in*kH*kW) @ (C_in*kH*kW, C_out) -> (B*Ho*Wo, C_out)
    if bias is not None:
        out += bias  # broadcast (C_out,) over the rows
    return out.reshape(batch, h_out, w_out, c_out).transpose(0, 3, 1, 2)  # (B, C_out, Ho, Wo)


def conv2d_backward(grad_out: np.ndarray, x: np.ndarray, weight: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d_forward` given ``dL/dy``.

    With the patches as rows (``cols``) and ``g`` the output gradient as rows, the layer is a
    :func:`~nncourse.numpy.layers.linear_backward`: ``dW = g.T @ cols``, ``db = sum(g)``,
    ``d cols = g @ W``; then *col2im* adds each patch's gradient back where the patch came
    from (overlapping patches add up), and the padding is cut off.

    Args:
        grad_out: dL/dy, (B, C_out, H_out, W_out).
        x: the forward input, (B, C_in, H, W).
        weight: (C_out, C_in, kH, kW).
        stride: as in the forward pass.
        padding: as in the forward pass.

    Returns:
        ``(grad_x, grad_weight, grad_bias)``: (B, C_in, H, W), (C_out, C_in, kH, kW), (C_out,).

    Example:
        >>> gx, gw, gb = conv2d_backward(np.ones((1, 2, 2, 2)), np.ones((1, 1, 4, 4)),
        ...                              np.ones((2, 1, 3, 3)))
        >>> gx.shape, gw.shape, gb.shape
        ((1, 1, 4, 4), (2, 1, 3, 3), (2,))
    """
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding", 0)
    c_out, c_in, kh, kw = weight.shape
    x_pad = _pad(x, padding)
    windows = _windows(x_pad, (kh, kw), stride)  # (B, C_in, Ho, Wo, kH, kW)
    batch, _, h_out, w_out = windows.shape[:4]
    check_grad_out(grad_out, (batch, c_out, h_out, w_out), "conv2d_backward")
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(
        batch * h_out * w_out, c_in * kh * kw)  # (B*Ho*Wo, C_in*kH*kW)
    g = grad_out.transpose(0, 2, 3, 1).reshape(batch * h_out * w_out, c_out)  # (B*Ho*Wo, C_out)
    filters = weight.reshape(c_out, c_in * kh * kw)  # (C_out, C_in*kH*kW)
    grad_weight = (g.T @ cols).reshape(weight.shape)  # (C_out, rows) @ (rows, C_in*kH*kW)
    grad_bias = g.sum(axis=0)  # (B*Ho*Wo, C_out) -> (C_out,)
    grad_cols = (g @ filters).reshape(
        batch, h_out, w_out, c_in, kh, kw)  # (rows, C_out) @ (C_out, C_in*kH*kW), unflattened
    grad_pad = np.zeros_like(x_pad)  # (B, C_in, Hp, Wp)
    sh, sw = stride
    for u in range(kh):  # col2im: kernel offset (u, v) touched x_pad[:, :, u + i*sH, v + j*sW]
        for v in range(kw):
            patch_grad = grad_cols[:, :, :, :, u, v].transpose(0, 3, 1, 2)  # (B, C, Ho, Wo)
            grad_pad[:, :, u:u + sh * h_out:sh, v:v + sw * w_out:sw] += patch_grad
    ph, pw = padding
    grad_x = grad_pad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]  # drop the padding
    return grad_x, grad_weight, grad_bias


def _check_pool_padding(padding: tuple[int, int], kernel: tuple[int, int]) -> tuple[int, int]:
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"maxpool2d: padding {padding} must be at most half the kernel "
                         f"{kernel} (as in torch.nn.MaxPool2d).")
    return padding


def maxpool2d_forward(x: np.ndarray, kernel_size: int | tuple[int, int],
                      stride: int | tuple[int, int] | None = None,
                      padding: int | tuple[int, int] = 0) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling: the largest value of every window, and where it was.

    ``y[b, c, i, j] = max_{u,v} x_pad[b, c, i*s+u, j*s+v]`` (padding with -inf, as torch).
    Ties go to the first maximum in row-major order of the window.

    Args:
        x: (B, C, H, W).
        kernel_size: window size (int or (kH, kW)).
        stride: step between windows (default: kernel_size, windows that do not overlap).
        padding: -inf added on each side; at most half the kernel, as in torch.

    Returns:
        ``(out, argmax)``: (B, C, H_out, W_out) and, for each output, the flat index
        ``u * kW + v`` of the winner inside its window (what the backward pass needs).

    Example:
        >>> out, where = maxpool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)
        >>> out[0, 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else _pair(stride, "stride")
    padding = _check_pool_padding(_pair(padding, "padding", 0), kernel)
    x = as_input(x)
    _check_image(x, "maxpool2d_forward", None, kernel, padding)
    windows = _windows(_pad(x, padding, -np.inf), kernel, stride)  # (B, C, Ho, Wo, kH, kW)
    flat = windows.reshape(*windows.shape[:4], kernel[0] * kernel[1])  # (B, C, Ho, Wo, kH*kW)
    argmax = flat.argmax(axis=-1)  # (B, C, Ho, Wo): np.argmax returns the FIRST maximum
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]  # (B, C, Ho, Wo)
    return out, argmax


def maxpool2d_backward(grad_out: np.ndarray, argmax: np.ndarray, x_shape: tuple[int, ...],
                       kernel_size: int | tuple[int, int],
                       stride: int | tuple[int, int] | None = None,
                       padding: int | tuple[int, int] = 0) -> np.ndarray:
    """Route each output gradient to the input that won its window (zero elsewhere).

    Args:
        grad_out: dL/dy, (B, C, H_out, W_out).
        argmax: the winners from :func:`maxpool2d_forward`, (B, C, H_out, W_out).
        x_shape: the input's shape (B, C, H, W).
        kernel_size: as in the forward pass.
        stride: as in the forward pass.
        padding: as in the forward pass.

    Returns:
        dL/dx, (B, C, H, W); overlapping windows add their contributions.

    Example:
        >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
        >>> out, where = maxpool2d_forward(x, 2)
        >>> maxpool2d_backward(np.ones_like(out), where, x.shape, 2)[0, 0, :2]
        array([[0., 0., 0., 0.],
               [0., 1., 0., 1.]])
    """
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else _pair(stride, "stride")
    (ph, pw), (kh, kw), (sh, sw) = _pair(padding, "padding", 0), kernel, stride
    check_grad_out(grad_out, argmax.shape, "maxpool2d_backward")
    batch, channels, height, width = x_shape
    h_out, w_out = argmax.shape[2], argmax.shape[3]
    grad_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw),
                        dtype=grad_out.dtype)  # (B, C, Hp, Wp)
    for u in range(kh):
        for v in range(kw):
            won = argmax == u * kw + v  # (B, C, Ho, Wo): windows whose winner sat at (u, v)
            grad_pad[:, :, u:u + sh * h_out:sh, v:v + sw * w_out:sw] += grad_out * won
    return grad_pad[:, :, ph:ph + height, pw:pw + width]  # drop the padding


class Conv2d(Module):
    """2-D convolution layer; :func:`conv2d_forward` and :func:`conv2d_backward` do the math.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: filter size (int or (kH, kW)).
        stride, padding: as in :func:`conv2d_forward`.
        bias: learn one bias per output channel.
        rng, seed: where the initial values come from (give one, not both). As in
            ``torch.nn.Conv2d``, weight and bias are drawn from U(-1/sqrt(fan_in),
            1/sqrt(fan_in)) with ``fan_in = in_channels * kH * kW``; the weight first.
        dtype: floating dtype of the parameters.

    Shapes:
        input (B, C_in, H, W) -> output (B, C_out, H_out, W_out).

    Example:
        >>> Conv2d(1, 4, 3, seed=0)(np.zeros((2, 1, 8, 8))).shape
        (2, 4, 6, 6)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 bias: bool = True, rng: RandomSource = None, seed: int | None = None,
                 dtype: Any = np.float64) -> None:
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding", 0)
        if rng is not None and seed is not None:
            raise ValueError("Pass either rng or seed, not both.")
        generator = as_generator(rng if rng is not None else seed)
        dtype = check_float_dtype(dtype)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        self.weight = Parameter(generator.uniform(-bound, bound, shape).astype(dtype))
        self.bias: Parameter | None = None
        if bias:
            self.bias = Parameter(generator.uniform(-bound, bound, self.out_channels)
                                  .astype(dtype))
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        _check_image(x, "Conv2d", self.in_channels, self.kernel_size, self.padding)
        self._x = x
        bias = self.bias.data if self.bias is not None else None
        return conv2d_forward(x, self.weight.data, bias, self.stride, self.padding)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Fill weight.grad and bias.grad (overwriting); return dL/dx."""
        if self._x is None:
            raise not_ready(self)
        grad_x, grad_w, grad_b = conv2d_backward(as_input(grad_out, "grad_out"), self._x,
                                                 self.weight.data, self.stride, self.padding)
        self.weight.grad = grad_w
        if self.bias is not None:
            self.bias.grad = grad_b
        return grad_x

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class MaxPool2d(Module):
    """Max pooling layer; :func:`maxpool2d_forward` and :func:`maxpool2d_backward` do the math.

    Args:
        kernel_size: window size. stride: step (default: kernel_size). padding: -inf border.

    Shapes:
        input (B, C, H, W) -> output (B, C, H_out, W_out).

    Example:
        >>> MaxPool2d(2)(np.zeros((1, 3, 28, 28))).shape
        (1, 3, 14, 14)
    """

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0) -> None:
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride")
        self.padding = _check_pool_padding(_pair(padding, "padding", 0), self.kernel_size)
        self._cache: tuple[np.ndarray, tuple[int, ...]] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_input(x)
        out, argmax = maxpool2d_forward(x, self.kernel_size, self.stride, self.padding)
        self._cache = (argmax, x.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._cache is None:
            raise not_ready(self)
        argmax, x_shape = self._cache
        return maxpool2d_backward(as_input(grad_out, "grad_out"), argmax, x_shape,
                                  self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
