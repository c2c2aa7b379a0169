"""One place for the course's look: the colour-blind-safe palette and matplotlib style.

The palette is Okabe & Ito's eight colours, distinguishable under the common
forms of colour blindness. Every figure in :mod:`nncourse.plots` and
:mod:`nncourse.widgets` takes its colours from here.

Example:
    >>> from nncourse.plots import use_style, PALETTE
    >>> use_style()
    >>> PALETTE["blue"]
    '#0072B2'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib as mpl
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

__all__ = ["styled", "PALETTE", "COLORS", "CLASS_COLORS", "STYLE", "use_style", "new_figure",
           "CourseCanvas", "class_colormap", "diverging_colormap", "SEQUENTIAL_CMAP"]

#: Okabe-Ito colours by name.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: The order lines are drawn in (yellow last: weak contrast on white).
COLORS: list[str] = [PALETTE[k] for k in
                     ("blue", "orange", "green", "vermillion", "sky", "purple", "black", "yellow")]

#: Colours for class labels 0, 1, 2, ... in scatter plots and decision regions.
CLASS_COLORS: list[str] = [PALETTE[k] for k in
                           ("blue", "orange", "green", "purple", "vermillion", "sky", "black",
                            "yellow")]

#: A perceptually uniform, colour-blind-safe sequential colormap name (for images/heat maps).
SEQUENTIAL_CMAP = "cividis"

STYLE: dict[Any, Any] = {  # rcParams names; matplotlib types them as a Literal
    "axes.prop_cycle": cycler(color=COLORS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.dpi": 100,
    "image.cmap": SEQUENTIAL_CMAP,
    "lines.linewidth": 1.8,
}


F = TypeVar("F", bound=Callable[..., Any])


def styled(function: F) -> F:
    """Decorator: run a plotting function inside the course style (without changing globals)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def use_style() -> None:
    """Apply the course style to matplotlib globally (palette, grid, fonts).

    Example:
        >>> use_style()   # once at the top of a notebook
    """
    mpl.rcParams.update(STYLE)


#: the one mathtext parser of every course figure (see CourseCanvas)
_MATHTEXT_PARSER = MathTextParser("path")


class CourseCanvas(FigureCanvasAgg):
    """The Agg canvas of the course's figures: its renderers share one mathtext parser.

    Matplotlib keeps the formulas it has laid out (a log axis's ``$10^{-2}$`` tick labels, a
    label such as ``$w_1$``) in a cache keyed by the parser, and every new renderer brings a new
    parser. A course figure is drawn once or twice, so that cache never hit: an explorer's 40
    frames parsed the same tick labels 40 times, a fifth of the time to draw one. With one
    parser for all figures they are parsed once; the pixels are the same.
    """

    def get_renderer(self) -> Any:
        renderer = super().get_renderer()
        renderer.mathtext_parser = _MATHTEXT_PARSER
        return renderer


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.5, height: float = 3.4,
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """A Figure (not tied to pyplot, so nothing leaks or displays twice) and its axes.

    Args:
        ncols, nrows: the grid of panels.
        width, height: inches per panel.

    Returns:
        (figure, axes) -- axes is a single Axes for a 1x1 grid, else a NumPy array of Axes.
    """
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
        CourseCanvas(fig)  # so savefig/draw work without pyplot
        axes = fig.subplots(nrows, ncols, squeeze=True, subplot_kw=subplot_kw or None)
    return fig, axes


def class_colormap(n_classes: int) -> ListedColormap:
    """A discrete colormap with one palette colour per class."""
    return ListedColormap(CLASS_COLORS[: max(1, n_classes)])


def diverging_colormap() -> LinearSegmentedColormap:
    """Blue - white - orange: colour-blind-safe colours for signed values (e.g. p(class 1))."""
    return LinearSegmentedColormap.from_list(
        "blue_orange", [PALETTE["blue"], "#FFFFFF", PALETTE["orange"]])
