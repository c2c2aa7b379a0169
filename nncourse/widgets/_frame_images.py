"""Compact images for pages without a kernel: an explorer's frames in one sprite, figures.

A kernel-free explorer (:mod:`nncourse.widgets.static`) shows one of 10-40 precomputed frames.
Its frames differ only where the setting changes the figure (a marker, a path, one curve); the
axes, labels and a heat map are the same in all of them. :func:`frame_sprite` lays the frames
side by side in one image, so the PNG compressor stores what they share once: each row of a
frame repeats the row of its left neighbour, a match a few hundred bytes back. One palette of
256 colours serves all frames, and Floyd-Steinberg dithering keeps smooth colour maps smooth
(a palette without dithering bands them).

Measured on the course's explorers (248 frames in 13 explorers, Pillow 13): one 128-colour
PNG per frame, 3.8 MB in all (chapter 5's 39 frames: 1.09 MB); one sprite per explorer,
1.3 MB (chapter 5: 317 kB), decoded in half the time. Lossless sprites were larger (RGB PNG:
chapter 5 835 kB; lossless WebP: 1.15 MB at its fast settings, 485 kB after 28 s of encoding).

Example:
    >>> from nncourse.widgets.static import _demo_png
    >>> sprite = frame_sprite([_demo_png(), _demo_png(), _demo_png()])
    >>> sprite.columns, sprite.rows, sprite.frame_size, is_palette_png(sprite.png)
    (3, 1, (4, 4), True)
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FrameSprite", "frame_sprite", "compact_png", "is_palette_png", "PNG_SIGNATURE",
           "MAX_SPRITE_WIDTH", "PALETTE_COLORS"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: the widest sprite, in pixels: frames wrap into rows beyond it (an image this size decodes
#: on any phone; wider rows would save a few more bytes per explorer)
MAX_SPRITE_WIDTH = 8192
#: colours of the shared palette (the most an 8-bit palette PNG holds)
PALETTE_COLORS = 256


@dataclass(frozen=True)
class FrameSprite:
    """Frames of equal size in one palette PNG, row by row: frame ``i`` sits at column
    ``i % columns``, row ``i // columns``.

    Attributes:
        png: the sprite as an 8-bit palette PNG.
        columns: frames per row.
        rows: rows of frames.
        frame_size: (width, height) of one frame in pixels.
    """

    png: bytes
    columns: int
    rows: int
    frame_size: tuple[int, int]


def frame_sprite(frames: Sequence[bytes]) -> FrameSprite:
    """Lay PNG frames side by side (wrapping at MAX_SPRITE_WIDTH) in one compact palette PNG.

    Args:
        frames: one PNG per frame; a smaller frame is centred on white in the largest one's
            size, and transparency is composited on white (frames are shown on white).

    Returns:
        The sprite and its layout.

    Raises:
        ValueError: if ``frames`` is empty.
    """
    if not frames:
        raise ValueError("Expected at least one frame for the sprite; got none.")
    from PIL import Image

    images = [_on_white(png) for png in frames]
    width = max(image.width for image in images)
    height = max(image.height for image in images)
    per_row = max(1, min(len(images), MAX_SPRITE_WIDTH // width))
    rows = math.ceil(len(images) / per_row)
    columns = math.ceil(len(images) / rows)  # as many frames in each row as the count allows
    sheet = Image.new("RGB", (width * columns, height * rows), (255, 255, 255))
    for index, image in enumerate(images):
        left = (index % columns) * width + (width - image.width) // 2
        top = (index // columns) * height + (height - image.height) // 2
        sheet.paste(image, (left, top))
    return FrameSprite(png=_palette_png(sheet), columns=columns, rows=rows,
                       frame_size=(width, height))


def compact_png(png: bytes) -> bytes:
    """One image (a chapter's figure) as a palette PNG, dithered like a sprite; an image that
    already has a palette is kept as it is.

    Example:
        >>> from nncourse.widgets.static import _demo_png
        >>> is_palette_png(_demo_png()), is_palette_png(compact_png(_demo_png()))
        (False, True)
    """
    if is_palette_png(png):
        return png
    return _palette_png(_on_white(png))


def is_palette_png(data: bytes) -> bool:
    """Whether ``data`` is a PNG with an 8-bit (or smaller) palette (colour type 3)."""
    return data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) > 25 \
        and data[25] == 3


def _on_white(png: bytes) -> Any:
    """A PNG decoded to RGB, transparent parts composited on white."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _palette_png(image: Any) -> bytes:
    """An RGB image as an 8-bit palette PNG: octree palette, Floyd-Steinberg dithering.

    Measured on chapter 5's damping map (7,365 colours per frame): the octree palette with
    dithering keeps the colour bar's whole range (median cut without dithering lost its dark
    end and banded the map, the 128-colour frames before did both).
    """
    from PIL import Image

    palette = image.quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE)
    dithered = image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    out = io.BytesIO()
    dithered.save(out, format="png", optimize=True)
    return out.getvalue()
