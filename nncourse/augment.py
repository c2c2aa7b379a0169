"""Data augmentation for small grey-scale images, written in NumPy: shifts, rotations, noise.

Each transform takes a batch ``(N, H, W)`` (or flattened ``(N, H*W)`` with ``image_shape``) and
returns a new array of the same shape; nothing is changed in place. Randomness comes from the
generator passed in, so an augmented epoch is reproducible. Augmentation creates plausible new
training examples (a digit moved by a pixel is the same digit), which regularises a model
trained on few examples.

Example:
    >>> images = np.zeros((1, 5, 5)); images[0, 2, 2] = 1.0
    >>> shift_images(images, dx=np.array([1]), dy=np.array([0]))[0, 2].tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse._checks import as_float_array, check_int, check_positive

__all__ = ["shift_images", "rotate_images", "add_noise", "random_augment"]


def _batch(images: Any, image_shape: tuple[int, int] | None) -> tuple[np.ndarray, tuple]:
    """(N, H, W) view of the input and the shape to return."""
    x = as_float_array(images, "images", ndim=(2, 3))
    if x.ndim == 2:
        if image_shape is None:
            side = int(round(np.sqrt(x.shape[1])))
            if side * side != x.shape[1]:
                raise ValueError(f"images of shape {x.shape} are flattened but not square; pass "
                                 f"image_shape=(H, W).")
            image_shape = (side, side)
        if image_shape[0] * image_shape[1] != x.shape[1]:
            raise ValueError(f"image_shape {image_shape} does not match {x.shape[1]} pixels.")
        return x.reshape(len(x), *image_shape), x.shape      # (N, H*W) -> (N, H, W)
    return x, x.shape


def _per_image(value: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numbers (one per image or one for all); got dtype "
                        f"{arr.dtype}.")
    if arr.shape not in ((), (1,), (n,)):
        raise ValueError(f"{name} must be one number or one per image, shape ({n},); got "
                         f"shape {arr.shape}.")
    arr = np.broadcast_to(arr, (n,))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite numbers (one per image or one for all).")
    return arr


def _check_generator(rng: Any) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}. "
                        "Create one with np.random.default_rng(seed).")


def shift_images(images: np.ndarray, dx: Any, dy: Any,
                 image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Move each image by whole pixels (``dx`` right, ``dy`` down), filling with 0.

    Args:
        images: (N, H, W), or (N, H*W) with ``image_shape``.
        dx: pixels to the right (negative: left), one integer per image or one for all.
        dy: pixels down (negative: up), one integer per image or one for all.
        image_shape: (H, W) of flattened images (default: square).

    Returns:
        The shifted images, same shape as ``images``.
    """
    x, shape = _batch(images, image_shape)
    n, height, width = x.shape
    dx, dy = _per_image(dx, n, "dx"), _per_image(dy, n, "dy")
    if np.any(dx != np.round(dx)) or np.any(dy != np.round(dy)):
        raise ValueError(f"dx and dy are whole pixels; got dx={dx.tolist()}, dy={dy.tolist()}. "
                         "Round them, or use rotate_images for sub-pixel moves.")
    dx, dy = dx.astype(int), dy.astype(int)
    rows = np.arange(height)[None, :, None] - dy[:, None, None]     # source row, (N, H, 1)
    cols = np.arange(width)[None, None, :] - dx[:, None, None]      # source column, (N, 1, W)
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)   # (N, H, W)
    out = x[np.arange(n)[:, None, None], rows.clip(0, height - 1), cols.clip(0, width - 1)]
    return (out * inside).reshape(shape)


def rotate_images(images: np.ndarray, degrees: Any,
                  image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Rotate each image about its centre (counter-clockwise as displayed, bilinear, 0 outside).

    Each output pixel (r, c) takes the value at the source point found by rotating (r, c) back:
    ``[r', c'] = R(theta) [r - centre, c - centre] + centre`` with ``theta = -angle`` in
    (row, column) coordinates, interpolated between the four neighbouring pixels, a pixel
    outside the picture counting as 0. This is, on the whole image, borders included,
    ``scipy.ndimage.rotate(image, angle, reshape=False, order=1, mode="grid-constant")``;
    scipy's default ``mode="constant"`` differs along the borders (it does not interpolate
    against the zeros outside).

    Args:
        images: (N, H, W), or (N, H*W) with ``image_shape``.
        degrees: angles, one per image or one for all.
        image_shape: (H, W) of flattened images (default: square).

    Returns:
        The rotated images, same shape as ``images``.
    """
    x, shape = _batch(images, image_shape)
    n, height, width = x.shape
    # rows point down, so turning the picture counter-clockwise by a is, in (row, column)
    # coordinates, a rotation by -a: theta = -a maps an output pixel back to its source
    theta = -np.deg2rad(_per_image(degrees, n, "degrees"))[:, None, None]   # (N, 1, 1)
    r, c = np.meshgrid(np.arange(height) - (height - 1) / 2, np.arange(width) - (width - 1) / 2,
                       indexing="ij")                                         # (H, W) each
    # inverse rotation: where each output pixel comes from
    src_r = np.cos(theta) * r - np.sin(theta) * c + (height - 1) / 2        # (N, H, W)
    src_c = np.sin(theta) * r + np.cos(theta) * c + (width - 1) / 2
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    fr, fc = src_r - r0, src_c - c0
    index = np.arange(n)[:, None, None]
    out = np.zeros_like(x)
    for dr, dc, weight in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                           (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        rr, cc = r0 + dr, c0 + dc
        inside = (rr >= 0) & (rr < height) & (cc >= 0) & (cc < width)
        out += weight * inside * x[index, rr.clip(0, height - 1), cc.clip(0, width - 1)]
    return out.reshape(shape)


def add_noise(images: np.ndarray, std: float, rng: np.random.Generator,
              clip: tuple[float, float] | None = (0.0, 1.0)) -> np.ndarray:
    """Add Gaussian pixel noise of standard deviation ``std`` (then clip to ``clip``).

    Example:
        >>> noisy = add_noise(np.full((2, 4), 0.5), 0.1, np.random.default_rng(0))
        >>> noisy.shape, bool(np.all((noisy >= 0) & (noisy <= 1)))
        ((2, 4), True)
    """
    x = as_float_array(images, "images")
    std = check_positive(std, "std", allow_zero=True)
    _check_generator(rng)
    out = x + rng.normal(0.0, std, size=x.shape)
    return np.clip(out, *clip) if clip is not None else out


def random_augment(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2,
                   max_degrees: float = 10.0, noise_std: float = 0.05,
                   image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """A random shift (up to ``max_shift`` pixels), rotation (±``max_degrees``) and noise each.

    Example:
        >>> batch = np.random.default_rng(0).random((3, 8, 8))
        >>> random_augment(batch, np.random.default_rng(1)).shape
        (3, 8, 8)
    """
    x, shape = _batch(images, image_shape)
    _check_generator(rng)
    max_shift = check_int(max_shift, "max_shift", minimum=0)
    n = len(x)
    shifted = shift_images(x, rng.integers(-max_shift, max_shift + 1, n),
                           rng.integers(-max_shift, max_shift + 1, n))
    rotated = rotate_images(shifted, rng.uniform(-max_degrees, max_degrees, n))
    return add_noise(rotated, noise_std, rng).reshape(shape)
