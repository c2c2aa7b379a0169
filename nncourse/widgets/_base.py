"""What every explorer shares: controls -> compute -> draw, a status line, a PNG view.

An explorer owns one matplotlib Figure, redraws it after each change and shows it as a
PNG in an ``ipywidgets.Image`` (no pyplot state, works the same headless and in a
notebook). Drawing axes, ticks and labels is what costs time, so the static part is drawn
once and cached (blitting); each update redraws only the artists listed in ``self.dynamic``
(created with ``animated=True``). A subclass calls :meth:`invalidate` when the static part
changes (new contours, new axis limits).

Numerically bad settings become a message in the status line, never a traceback.
``state`` is a plain dict of the current control values, so exercises can check what a
learner chose.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import STYLE, new_figure
from nncourse.widgets._threads import single_threaded_blas

#: a status line that starts with one of these is shown as a warning (English and Portuguese)
WARNING_STARTS = ("diverged", "warning", "divergiu", "atenção")

__all__ = ["Explorer", "figure_only", "figure_png", "single_threaded_blas"]

#: False while explorers are built for their figure alone (a book page's static figure, the
#: frames of a slider): nobody sees their widget image, so it is not drawn.
_SHOW_WIDGET_IMAGE: ContextVar[bool] = ContextVar("nncourse_show_widget_image", default=True)


@contextmanager
def figure_only() -> Iterator[None]:
    """Build explorers for their Figure alone: they set the figure's artists but do not render
    the widget's PNG (:meth:`Explorer.render`), so saving the figure draws it once, not twice.

    Example:
        >>> from nncourse.widgets.gradient_descent import GradientDescentExplorer
        >>> with figure_only():
        ...     figure = GradientDescentExplorer(steps=5).static()
        >>> len(figure.axes)
        2
    """
    token = _SHOW_WIDGET_IMAGE.set(False)
    try:
        yield
    finally:
        _SHOW_WIDGET_IMAGE.reset(token)


def figure_png(fig: Figure, dpi: int = 72) -> bytes:
    """Render a Figure to PNG bytes (the costly part of a redraw; keep dpi modest)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def rgba_png(rgba: Any) -> bytes:
    """Encode an (H, W, 4) uint8 buffer as PNG quickly (light compression)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba)[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Explorer:
    """Base class: subclasses fill ``self.controls`` and implement ``compute`` and ``draw``.

    Attributes:
        controls: name -> ipywidgets control; ``state`` reads their values.
        status: an HTML line with the latest message ("ok", "diverged at step 12", ...).
        image: the rendered figure.
        figure: the matplotlib Figure drawn into.
        result: what the last successful ``compute`` returned.
    """

    figure_size: tuple[int, int] = (1, 1)  # (ncols, nrows) of panels
    panel_size: tuple[float, float] = (4.2, 3.4)
    dpi: int = 80

    def __init__(self) -> None:
        self.controls: dict[str, widgets.Widget] = {}
        self.status = widgets.HTML(value="")
        self.image = widgets.Image(format="png")
        ncols, nrows = self.figure_size
        self.figure, axes = new_figure(ncols=ncols, nrows=nrows, width=self.panel_size[0],
                                       height=self.panel_size[1])
        self.axes = axes
        self.figure.set_dpi(self.dpi)
        self.dynamic: list[Any] = []
        #: set by draw() to the few dynamic artists that changed (None: redraw all of them)
        self.changed: list[Any] | None = None
        self._extents: dict[int, Any] = {}
        self._background: Any = None
        self.result: Any = None
        self.status_text = ""
        self._widget: widgets.Widget | None = None

    # --- to implement ------------------------------------------------------
    def compute(self, **state: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, result: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def message(self, result: Any) -> str:
        """The status line after a successful compute (override to explain the result)."""
        return _("ok")

    # --- shared machinery --------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        """The current settings as a plain dict (what compute receives)."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def value(self) -> dict[str, Any]:
        """Alias of :attr:`state` (ipywidgets convention)."""
        return self.state

    def set_state(self, **values: Any) -> None:
        """Set several controls, then update once."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"Unknown setting(s) {sorted(unknown)}; expected some of "
                             f"{sorted(self.controls)}.")
        for name, value in values.items():   # a plain message instead of a traitlets error
            options = getattr(self.controls[name], "options", None)
            if options is not None:
                labels = [option[1] if isinstance(option, tuple) else option for option in options]
                if value not in labels:
                    raise ValueError(f"Unknown {name} {value!r}; expected one of {labels}.")
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
        self.update()

    def hold(self) -> _Hold:
        """Context manager that suspends updates (to change several controls at once)."""
        return _Hold(self)

    def _observe_controls(self) -> None:
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, change: Any = None) -> None:
        if not getattr(self, "_held", False):
            self.update()

    def set_status(self, text: str, level: str = "info") -> None:
        color = {"info": "#000000", "warning": "#D55E00", "error": "#D55E00"}[level]
        self.status_text = text
        self.status.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def update(self) -> None:
        """Compute with the current state and redraw; errors go to the status line."""
        try:
            with single_threaded_blas():
                result = self.compute(**self.state)
        except (ValueError, TypeError, FloatingPointError, OverflowError, ZeroDivisionError) as e:
            self.set_status(_("Cannot compute with these settings: {error}").format(error=e),
                            "error")
            return
        self.result = result
        with mpl.rc_context(STYLE):
            self.draw(result)
        self.render()
        text = self.message(result)
        self.set_status(text, "warning" if text.lower().startswith(WARNING_STARTS) else "info")

    def invalidate(self) -> None:
        """The static part changed: redraw everything on the next render."""
        self._background = None

    def render(self) -> None:
        """Draw (static part from cache, then the dynamic artists) and push the PNG.

        If ``draw`` listed the artists that changed in ``self.changed``, only their regions
        are restored and redrawn (text-heavy figures redraw a few boxes, not all of them).
        Inside :func:`figure_only` nothing is drawn: the figure is saved later, drawn once then.
        """
        if not _SHOW_WIDGET_IMAGE.get():
            return
        canvas = self.figure.canvas
        changed, self.changed = self.changed, None
        if self._background is None:
            canvas.draw()  # animated artists are skipped here and drawn below
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._extents = {}
            changed = None
        renderer = canvas.get_renderer()
        if changed is not None and all(id(a) in self._extents for a in changed):
            height = self.figure.bbox.height
            for artist in changed:
                # Wipe the old and the new footprint (padding covers text boxes and strokes).
                old, new = self._extents[id(artist)], artist.get_window_extent(renderer)
                x0, y0 = min(old.x0, new.x0) - 12, min(old.y0, new.y0) - 12
                x1, y1 = max(old.x1, new.x1) + 12, max(old.y1, new.y1) + 12
                # Agg wants buffer rows (top-down) and xy = the saved region's origin.
                top, bottom = max(0, height - y1), min(height, height - y0)
                canvas.restore_region(self._background, bbox=(max(0, x0), top, x1, bottom),
                                      xy=(0, 0))
            to_draw = changed
        else:
            canvas.restore_region(self._background)
            to_draw = self.dynamic
        for artist in to_draw:
            if artist.get_figure() is not None:
                self.figure.draw_artist(artist)
                self._extents[id(artist)] = artist.get_window_extent(renderer)
        self.image.value = rgba_png(canvas.buffer_rgba())

    def static(self) -> Figure:
        """The current figure as an ordinary static Figure (for the book)."""
        for artist in self.dynamic:
            artist.set_animated(False)
        self.dynamic = []
        self.invalidate()
        return self.figure

    def layout(self) -> widgets.Widget:
        """The widget tree (controls on the left, figure and status on the right)."""
        controls = widgets.VBox(list(self.controls.values()),
                                layout=widgets.Layout(min_width="300px"))
        return widgets.HBox([controls, widgets.VBox([self.image, self.status])])

    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            self._widget = self.layout()
        return self._widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class _Hold:
    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer

    def __enter__(self) -> _Hold:
        self.explorer._held = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self.explorer._held = False


def slider_style() -> dict[str, Any]:
    """Common keyword arguments so labels are readable."""
    return {"style": {"description_width": "110px"}, "continuous_update": False,
            "layout": widgets.Layout(width="320px")}
