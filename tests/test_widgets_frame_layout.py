"""A slider's frames share the first frame's layout where they fit (widgets/_frame_layout.py).

The oracle is matplotlib itself: a frame drawn by ``savefig`` with its own constrained layout.
Where a later frame's decorations are the first frame's, the shared layout is the one constrained
layout computes, pixel for pixel; where they need more room, the frame gets its own layout.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from PIL import Image

from nncourse.plots import new_figure
from nncourse.widgets._frame_layout import decoration_margins, frames_in_one_layout
from nncourse.widgets.static import frame_explorer, frame_png

matplotlib.use("Agg")
DPI = 60


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _alone(figure) -> bytes:
    """The oracle: savefig, with constrained layout run for this figure alone."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _plot(top: float, slope: float = 1.0, title: str = "loss", panels: int = 2):
    """Panels whose data change with ``slope`` and whose tick labels follow ``top``."""
    figure, axes = new_figure(ncols=panels, width=3.0, height=2.4)
    for axis in np.atleast_1d(axes):
        axis.plot([0, 1, 2], [0, slope * top / 2, top / 3])
        axis.set_ylim(0, top)
        axis.set_title(title)
        axis.set_xlabel("step")
    return figure


def _layout_of(figure) -> list[tuple[float, ...]]:
    return [tuple(np.round(axes.get_position(original=True).bounds, 6)) for axes in figure.axes]


def test_frames_with_the_same_decorations_are_what_constrained_layout_draws():
    slopes = [0.2, 0.5, 0.9, 1.3]
    shared = frames_in_one_layout((_plot(1.0, s) for s in slopes), dpi=DPI, draw_alone=_alone)
    for slope, png in zip(slopes, shared, strict=True):
        np.testing.assert_array_equal(_pixels(png), _pixels(_alone(_plot(1.0, slope))))


def test_a_frame_with_smaller_decorations_keeps_the_first_frames_axes_in_place():
    first, later = _plot(10_000.0), _plot(1.0)   # tick labels "10000" then "0.2"
    frames_in_one_layout([first, later], dpi=DPI, draw_alone=_alone)
    assert _layout_of(later) == _layout_of(first)
    alone = _plot(1.0)
    _alone(alone)
    assert _layout_of(alone) != _layout_of(first), "its own layout would have moved the axes"


@pytest.mark.parametrize("change", ["longer tick labels", "two-line title", "another size"])
def test_a_frame_that_needs_more_room_gets_its_own_layout(change: str):
    later = {"longer tick labels": lambda: _plot(10_000.0),
             "two-line title": lambda: _plot(1.0, title="loss\nper step"),
             "another size": lambda: _plot(1.0, panels=3)}[change]
    pngs = frames_in_one_layout([_plot(1.0), later()], dpi=DPI, draw_alone=_alone)
    np.testing.assert_array_equal(_pixels(pngs[1]), _pixels(_alone(later())))
    figure = later()
    frames_in_one_layout([_plot(1.0), figure], dpi=DPI, draw_alone=_alone)
    renderer = figure.canvas.get_renderer()
    for axes, margins in zip(figure.axes, decoration_margins(figure, renderer), strict=True):
        tight = axes.get_tightbbox(renderer)
        assert tight.x0 >= -0.5 and tight.y0 >= -0.5, change   # nothing clipped
        assert tight.x1 <= figure.bbox.width + 0.5 and tight.y1 <= figure.bbox.height + 0.5
        assert min(margins) >= 0


def test_png_bytes_plain_figures_and_figure_level_text_are_drawn_alone():
    from matplotlib.figure import Figure

    plain = Figure(figsize=(2, 2))
    plain.subplots().plot([0, 1])
    titled = _plot(1.0)
    titled.suptitle("a title the shared layout would not measure")
    png = frame_png(_plot(1.0), dpi=DPI)
    alone: list[object] = []
    frames_in_one_layout([_plot(1.0), png, plain, titled], dpi=DPI,
                         draw_alone=lambda frame: alone.append(frame) or b"")
    assert alone == [png, plain, titled]


def test_explorer_frames_come_out_as_before_where_nothing_moves():
    explorer = frame_explorer(lambda slope: _plot(1.0, slope), "slope", [0.2, 0.7, 1.1],
                              label="slope", alt="a line")
    for slope, png in zip([0.2, 0.7, 1.1], explorer.frames, strict=True):
        np.testing.assert_array_equal(_pixels(png), _pixels(frame_png(_plot(1.0, slope),
                                                                      dpi=72)))


def test_course_figures_share_one_mathtext_parser_and_draw_the_same_pixels():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def log_plot(canvas=None):
        figure, axes = new_figure()
        if canvas is not None:
            canvas(figure)
        axes.semilogy([1, 2, 3], [1e-3, 1e-1, 1e1])
        axes.set_xlabel("$w_1$")
        return figure

    first, second = log_plot(), log_plot()
    assert first.canvas.get_renderer().mathtext_parser is \
        second.canvas.get_renderer().mathtext_parser
    np.testing.assert_array_equal(_pixels(_alone(first)),
                                  _pixels(_alone(log_plot(FigureCanvasAgg))))
