"""One layout for every frame of a slider: the axes stay put while the slider moves.

The course's figures are laid out by matplotlib's constrained layout, which measures every
tick label, axis label and title to place the axes. Run again for each frame of a kernel-free
explorer (:mod:`nncourse.widgets.static`) it took a third of the time to draw a frame, and the
axes shifted by a pixel whenever a tick label changed width, so a drag made the plot jitter.

:func:`frames_in_one_layout` lays out the first frame with constrained layout and draws each
later frame with the same axes positions, provided that frame's decorations fit in the room the
first one left: on every side of every axes, its ticks, labels and title reach no further than
the first frame's did (their extents are measured after the frame is drawn, from the draw's own
text measurements). A frame that needs more room (a longer tick label, a second line in a title)
is laid out on its own, as before, so nothing is clipped or overlaps. Figures without
constrained layout, and frames given as PNG bytes, are drawn as they are.

Example:
    >>> from nncourse.plots import new_figure
    >>> def render(top):
    ...     figure, axes = new_figure()
    ...     axes.plot([0, 1], [0, top])
    ...     return figure
    >>> frames = frames_in_one_layout([render(1.0), render(2.0)], dpi=40, draw_alone=bytes)
    >>> [png[:4] for png in frames]
    [b'\\x89PNG', b'\\x89PNG']
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["SharedLayout", "frames_in_one_layout", "decoration_margins"]

#: how far (pixels) a frame's decorations may reach beyond the first frame's: rounding only
TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class SharedLayout:
    """The layout of a slider's first frame, kept for the frames after it.

    Attributes:
        size: the figure's size in inches (a frame of another size is laid out on its own).
        positions: each axes' position in figure coordinates (``Bbox``), in ``figure.axes``
            order, as constrained layout placed it.
        margins: per axes, how far its decorations reach beyond it in pixels at the frames'
            dpi, as (left, right, bottom, top) (:func:`decoration_margins`).
    """

    size: tuple[float, float]
    positions: list[Any]
    margins: list[tuple[float, float, float, float]]

    def fits(self, margins: list[tuple[float, float, float, float]]) -> bool:
        """True if decorations with these ``margins`` fit in the room this layout leaves."""
        return len(margins) == len(self.margins) and all(
            needed <= room + TOLERANCE_PX
            for frame, first in zip(margins, self.margins, strict=True)
            for needed, room in zip(frame, first, strict=True))


def decoration_margins(figure: Any, renderer: Any) -> list[tuple[float, float, float, float]]:
    """How far each axes' ticks, labels and title reach beyond the axes, in pixels.

    Args:
        figure: a drawn matplotlib Figure.
        renderer: the renderer that drew it (its text measurements are reused).

    Returns:
        One (left, right, bottom, top) per axes of ``figure.axes``; 0 for an invisible axes.
    """
    margins = []
    for axes in figure.axes:
        tight = axes.get_tightbbox(renderer, for_layout_only=True)
        box = axes.get_position(original=True).transformed(figure.transFigure)
        if tight is None:   # an invisible axes has no decorations
            margins.append((0.0, 0.0, 0.0, 0.0))
            continue
        margins.append((box.x0 - tight.x0, tight.x1 - box.x1, box.y0 - tight.y0,
                        tight.y1 - box.y1))
    return margins


def frames_in_one_layout(frames: Iterable[Any], dpi: int, draw_alone: Callable[[Any], bytes],
                         close: Callable[[Any], None] = lambda figure: None) -> list[bytes]:
    """PNG bytes of each frame, later frames drawn in the first frame's layout where they fit.

    Args:
        frames: one per slider position, usually matplotlib Figures; an iterator is consumed
            one frame at a time, so only one Figure is alive at once.
        dpi: resolution of the PNGs.
        draw_alone: draws a frame this function does not lay out (PNG bytes, a Figure without
            constrained layout or with figure-level text) and frees it.
        close: called with each Figure drawn here once it is drawn (to free its memory).

    Returns:
        One PNG per frame, in order.
    """
    layout: SharedLayout | None = None
    pngs = []
    for frame in frames:
        if not _can_share_layout(frame):
            pngs.append(draw_alone(frame))
            continue
        png, first = _draw_in_layout(frame, dpi, layout)
        layout = layout or first
        pngs.append(png)
        close(frame)
    return pngs


def _can_share_layout(frame: Any) -> bool:
    """True for a Figure whose axes constrained layout places, with nothing at figure level
    (a suptitle, a figure legend or text, subfigures) that a shared layout would not measure.
    """
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if not isinstance(frame, Figure) or not frame.axes:
        return False
    if not isinstance(frame.get_layout_engine(), ConstrainedLayoutEngine):
        return False
    figure_level = [frame.texts, frame.legends, frame.subfigs,
                    [getattr(frame, name, None) for name in ("_suptitle", "_supxlabel",
                                                             "_supylabel")]]
    return not any(artist is not None for group in figure_level for artist in group)


def _draw_in_layout(figure: Any, dpi: int,
                    layout: SharedLayout | None) -> tuple[bytes, SharedLayout | None]:
    """Draw ``figure`` in ``layout`` if its decorations fit, else with its own layout.

    Returns:
        The PNG, and the layout this frame was given by constrained layout (None if it was
        drawn in ``layout``).
    """
    figure.set_dpi(dpi)
    size = tuple(float(inches) for inches in figure.get_size_inches())
    if layout is not None and layout.size == size and len(figure.axes) == len(layout.positions):
        engine = figure.get_layout_engine()
        started = [(axes.get_position(original=True).frozen(), axes.get_in_layout())
                   for axes in figure.axes]
        figure.set_layout_engine("none")
        for axes, position in zip(figure.axes, layout.positions, strict=True):
            axes.set_position(position)
        renderer = _draw(figure)
        if layout.fits(decoration_margins(figure, renderer)):
            return _png(figure, dpi), None
        # It needs more room: its own layout, as before, from where its axes started (moving
        # an axes by hand takes it out of constrained layout: put it back).
        for axes, (position, in_layout) in zip(figure.axes, started, strict=True):
            axes.set_position(position)
            axes.set_in_layout(in_layout)
        figure.set_layout_engine(engine)
    renderer = _draw(figure)   # constrained layout runs inside the draw, with its renderer
    own = SharedLayout(size=size,
                       positions=[axes.get_position(original=True).frozen()
                                  for axes in figure.axes],
                       margins=decoration_margins(figure, renderer))
    return _png(figure, dpi), own


def _draw(figure: Any) -> Any:
    """Draw ``figure`` on its Agg canvas; return the renderer that drew it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def _png(figure: Any, dpi: int) -> bytes:
    """The figure's drawn pixels as PNG, as ``savefig`` would write them."""
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, figure.canvas.buffer_rgba(), format="png", dpi=dpi)
    return buffer.getvalue()
