"""Explorers without a kernel: figures rendered ahead of time for a grid of settings.

A static page cannot run Python, so :func:`frame_explorer` calls a render function once per
setting (10–40 of them) when the page is built and returns HTML that shows the frame for the
slider's position. All frames sit in one image, a sprite (``nncourse/widgets/_frame_images.py``:
one request, one decode, a third of the bytes of separate frames); the page shows one frame of
it, and a short script moves the sprite behind that window as the slider moves. The sprite is
fetched and decoded as the explorer comes near the screen, so every position answers at once.
The page says plainly that the full explorer runs in the lab.

In a notebook the sprite is an inline ``data:`` URI. On the website, :func:`externalize_frames`
(called by the book's Sphinx extension) moves it into its own file, so a page's first load
carries no frame of an explorer far down the page.

Nothing here imports ipywidgets: a render function calls a ``compute_*`` function and a plot.

Example:
    >>> from nncourse.widgets.gradient_descent import static_figure
    >>> view = frame_explorer(lambda lr: static_figure(lr=lr), "lr", [0.01, 0.05, 0.1],
    ...                       label="learning rate",
    ...                       alt=lambda lr: f"Gradient descent path with learning rate {lr}")
    >>> "<input type=\\"range\\"" in view._repr_html_()
    True
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nncourse.i18n import _
from nncourse.widgets._frame_images import PNG_SIGNATURE, FrameSprite, compact_png, frame_sprite
from nncourse.widgets._frame_layout import frames_in_one_layout

__all__ = ["FrameExplorer", "frame_explorer", "frame_png", "externalize_frames", "figure_alt",
           "figure_html", "describe_figures", "externalize_figures", "plain_math",
           "math_html", "frame_values", "default_note", "FRAME_CLASS", "VIEW_CLASS",
           "MIN_FRAMES", "MAX_FRAMES"]

FRAME_CLASS = "nncourse-frames"
#: the window that shows one frame of the sprite
VIEW_CLASS = "nncourse-frames-view"
MIN_FRAMES, MAX_FRAMES = 2, 40


def default_note() -> str:
    """The line under an explorer saying where the full one runs, in the current language."""
    return _("Precomputed frames: move the slider to see the figure for each setting. The full "
             "explorer, with every control, runs in the lab (it needs a running Python kernel).")

# Shows the frame for the slider position: moves the sprite (the view's <img>) so that frame i,
# at column i % data-columns and row i // data-columns, fills the view; sets its alt text
# (data-alts) and readout (data-labels). Runs once per explorer (idempotent), in a notebook as
# on the website. The sprite is fetched and decoded as soon as the explorer comes near the
# screen (600 px ahead), so every frame is in memory when the slider moves; the explorer then
# carries data-loaded. Explorers far down the page cost nothing on first load.
_SCRIPT = """(function(){var ds=document.querySelectorAll('div.nncourse-frames:not([data-ready])');
function load(d){if(d.nnSprite)return;var im=d.nnSprite=d.querySelector('img');
function done(){d.setAttribute('data-loaded','1');}im.loading='eager';
(im.decode?im.decode():Promise.resolve()).then(done,done);}
var io=window.IntersectionObserver?new IntersectionObserver(function(es){es.forEach(function(e){
if(e.isIntersecting){io.unobserve(e.target);load(e.target);}});},{rootMargin:'600px 0px'}):null;
ds.forEach(function(d){d.setAttribute('data-ready','1');var s=d.querySelector('input[type=range]'),
im=d.querySelector('img'),o=d.querySelector('output'),c=+d.getAttribute('data-columns'),
a=JSON.parse(d.getAttribute('data-alts')),t=JSON.parse(d.getAttribute('data-labels'));
function show(){var i=+s.value;im.style.left=-100*(i%c)+'%';im.style.top=-100*Math.floor(i/c)+'%';
im.alt=a[i];o.textContent=t[i];s.setAttribute('aria-valuetext',t[i]);}
s.addEventListener('input',show);s.addEventListener('change',show);
s.addEventListener('pointerdown',function(){load(d);});s.addEventListener('focus',function(){load(d);});
if(io)io.observe(d);else load(d);});})();"""


def frame_png(frame: Any, dpi: int = 72) -> bytes:
    """One frame as PNG bytes, as drawn (the explorer packs its frames into one compact sprite).

    Args:
        frame: a matplotlib Figure (rendered, then closed) or PNG bytes (kept as they are).
        dpi: resolution for a Figure.

    Returns:
        PNG bytes.

    Raises:
        TypeError: if ``frame`` is neither a Figure nor PNG bytes.
    """
    if isinstance(frame, bytes | bytearray):
        if not bytes(frame[:8]) == PNG_SIGNATURE:
            raise TypeError("Expected PNG bytes (starting with the PNG signature) from the "
                            "render function; got other bytes. Return a Figure or PNG bytes.")
        return bytes(frame)
    if not hasattr(frame, "savefig"):
        raise TypeError(f"Expected the render function to return a matplotlib Figure or PNG "
                        f"bytes; got {type(frame).__name__}. Return the Figure it draws.")
    buffer = io.BytesIO()
    frame.savefig(buffer, format="png", dpi=dpi)
    _close(frame)
    return buffer.getvalue()


def _close(figure: Any) -> None:
    """Free a Figure's memory (pyplot figures must be closed through pyplot)."""
    try:
        import matplotlib.pyplot as plt

        plt.close(figure)
    except Exception:  # pragma: no cover - a Figure not known to pyplot needs nothing
        pass


@dataclass
class FrameExplorer:
    """A slider over precomputed frames; displays as HTML in a notebook and on the website.

    Attributes:
        parameter: the setting the slider moves (for example ``"lr"``).
        label: the slider's visible label (may hold ``$...$`` math).
        values: the settings, one per frame.
        frames: PNG bytes, one per value, as drawn.
        alts: alt text, one per frame.
        labels: the readout shown beside the slider, one per frame.
        initial: index of the frame shown first.
        note: the line under the explorer; None: :func:`default_note`, in the language
            current when the explorer is shown.
        size: (width, height) in pixels of the frames.
        sprite: every frame in one compact image (made from ``frames`` when left out).
    """

    parameter: str
    label: str
    values: list[Any]
    frames: list[bytes]
    alts: list[str]
    labels: list[str]
    initial: int = 0
    note: str | None = None
    size: tuple[int, int] = (0, 0)
    uid: str = field(default="")
    sprite: FrameSprite | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (f"FrameExplorer({self.parameter!r}, {len(self.frames)} frames, "
                f"initial={self.values[self.initial]!r})")

    def _repr_html_(self) -> str:
        return self.html()

    def html(self) -> str:
        """The explorer as one self-contained HTML block (the sprite as a data: URI)."""
        sprite = self.sprite or frame_sprite(self.frames)
        i = self.initial
        attr = html.escape
        slider_id = f"{self.uid}-slider"
        note = default_note() if self.note is None else self.note
        return (
            f'<div class="{FRAME_CLASS}" id="{self.uid}" data-parameter="{attr(self.parameter)}" '
            f'data-columns="{sprite.columns}" data-alts="{attr(json.dumps(self.alts))}" '
            f'data-labels="{attr(json.dumps(self.labels))}">\n'
            f'<div class="nncourse-frames-controls">'
            f'<label for="{slider_id}">{math_html(self.label)}</label>'
            f'<input type="range" id="{slider_id}" min="0" max="{len(self.frames) - 1}" '
            f'step="1" value="{i}" aria-valuetext="{attr(self.labels[i])}">'
            f'<output for="{slider_id}" aria-live="polite">{html.escape(self.labels[i])}</output>'
            f'</div>\n'
            f'{_view_html(_data_uri(sprite.png), sprite, i, self.alts[i])}\n'
            f'<p class="nncourse-frames-note">{html.escape(note)}</p>\n'
            f'<script>{_SCRIPT}</script>\n'
            f'</div><!-- /{FRAME_CLASS} -->'
        )


def _view_html(source: str, sprite: FrameSprite, index: int, alt: str) -> str:
    """The window on frame ``index``: a box of one frame's shape holding the whole sprite.

    Styled inline, so that it works in a notebook too: the sprite is ``columns`` times as wide
    as the box, which scales with the column (never wider than a frame's own width), and is
    shifted so that the frame fills it. Frames are drawn on white, in dark mode as well.
    """
    width, height = sprite.frame_size
    column, row = index % sprite.columns, index // sprite.columns
    return (f'<div class="{VIEW_CLASS}" style="position:relative;overflow:hidden;width:100%;'
            f'max-width:{width}px;aspect-ratio:{width}/{height};background:#fff">'
            f'<img class="nncourse-frames-image" src="{source}" alt="{html.escape(alt)}" '
            f'width="{width * sprite.columns}" height="{height * sprite.rows}" loading="lazy" '
            f'decoding="async" style="position:absolute;max-width:none;'
            f'width:{100 * sprite.columns}%;height:auto;left:{-100 * column}%;top:{-100 * row}%">'
            f'</div>')


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def frame_explorer(render: Callable[[Any], Any], parameter: str, values: Iterable[Any], *,
                   label: str, alt: str | Callable[[Any], str], initial: Any = None,
                   readout: Callable[[Any], str] | str = "{}", note: str | None = None,
                   dpi: int = 72) -> FrameExplorer:
    """Render ``render(value)`` for every value now; return a slider that shows each frame.

    Args:
        render: value -> matplotlib Figure (closed after rendering) or PNG bytes. Every
            frame should have the same size, so the page does not jump as the slider moves.
            Frames after the first are drawn in the first frame's layout wherever their labels
            fit in it, so the axes stay put too (``nncourse/widgets/_frame_layout.py``).
        parameter: the name of the setting (for the page's markup and tests).
        values: 2–40 settings (10–30 keeps a page light and the slider fine-grained).
        label: the slider's label, for example ``"learning rate $\\eta$"``.
        alt: the alt text of every frame, or value -> alt text. Say what the figure shows.
        initial: the value shown first (default: the first); must be one of ``values``.
        readout: format string (``"{:.3g}"``) or value -> text for the readout.
        note: the plain line under the explorer (default: :func:`default_note`).
        dpi: resolution of Figure frames.

    Returns:
        A :class:`FrameExplorer`; the last expression of a cell displays it.

    Raises:
        ValueError: too few or too many values, or ``initial`` not among them.
        TypeError: ``render`` returned something that is not a Figure or PNG bytes.

    Example:
        >>> view = frame_explorer(lambda v: _demo_png(), "v", [1, 2], label="v", alt="a dot")
        >>> len(view.frames), view.labels
        (2, ['1', '2'])
    """
    values = list(values)
    if not MIN_FRAMES <= len(values) <= MAX_FRAMES:
        raise ValueError(f"Expected {MIN_FRAMES} to {MAX_FRAMES} values for the slider; got "
                         f"{len(values)}. Pick 10-30 settings that show the behaviour.")
    if initial is None:
        start = 0
    elif initial in values:
        start = values.index(initial)
    else:
        raise ValueError(f"initial={initial!r} is not one of the values {values}; pass one of "
                         f"them (or None for the first).")
    fmt = readout.format if isinstance(readout, str) else readout
    alt_of = (lambda _v: alt) if isinstance(alt, str) else alt
    # One layout for all frames (the axes stay put as the slider moves; _frame_layout.py).
    frames = frames_in_one_layout((render(v) for v in values), dpi=dpi, close=_close,
                                  draw_alone=lambda frame: frame_png(frame, dpi=dpi))
    alts = [str(alt_of(v)) for v in values]
    if not all(a.strip() for a in alts):
        raise ValueError("Expected a non-empty alt text for every frame; say what the figure "
                         "shows (for example 'Loss curve diverging at learning rate 0.5').")
    digest = hashlib.sha1(b"".join(frames) + parameter.encode()).hexdigest()[:10]
    sprite = frame_sprite(frames)
    return FrameExplorer(parameter=parameter, label=label, values=values, frames=frames,
                         alts=alts, labels=[fmt(v) for v in values], initial=start, note=note,
                         size=sprite.frame_size, uid=f"nnx-{digest}", sprite=sprite)


_MATH = re.compile(r"\$([^$]+)\$")


def math_html(text: str) -> str:
    """Escape ``text`` for HTML, marking each ``$...$`` as inline math for MathJax.

    Example:
        >>> print(math_html("start $w_1$ < 2"))
        start <span class="math notranslate nohighlight">\\(w_1\\)</span> &lt; 2
    """
    parts = _MATH.split(text)
    return "".join(html.escape(part) if i % 2 == 0 else
                   f'<span class="math notranslate nohighlight">\\({html.escape(part)}\\)</span>'
                   for i, part in enumerate(parts))


def _demo_png() -> bytes:
    """A 4x4 PNG (for examples and tests)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 114, 178)).save(buffer, format="png")
    return buffer.getvalue()


_BLOCK = re.compile(rf'<div class="{FRAME_CLASS}".*?<!-- /{FRAME_CLASS} -->', re.DOTALL)
_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
_INLINE_SCRIPT = re.compile(r"<script>\(function\(\)\{var ds=.*?</script>", re.DOTALL)
# An explorer made by an earlier version of this module: one data: URI per frame.
_FRAME_LIST = re.compile(r' data-frames="([^"]*)"')
_FRAME_IMAGE = re.compile(r'<img class="nncourse-frames-image"[^>]*>')
_SLIDER_VALUE = re.compile(r'<input type="range"[^>]*? value="(\d+)"')
_ALT = re.compile(r' alt="([^"]*)"')


def externalize_frames(page: str, folder: Path, url_prefix: str) -> tuple[str, list[Path]]:
    """Move the sprite of every explorer on a page from a data: URI into its own file.

    Files are named by content hash, so identical images are stored once and can be cached.
    An explorer from an older cached output (one data: URI per frame) gets today's markup, a
    sprite and script first; any image that is not a palette PNG is made one
    (``compact_png`` in ``_frame_images.py``).

    Args:
        page: the page's HTML.
        folder: where to write the PNG files (created if missing).
        url_prefix: the URL of ``folder`` as seen from the page (for example ``"../_frames/"``).

    Returns:
        The page with file URLs in place of data: URIs inside explorer blocks, and the files
        written. HTML outside explorer blocks is left as it is.
    """
    written: list[Path] = []

    def to_file(match: re.Match[str]) -> str:
        data = compact_png(base64.b64decode(match.group(1)))
        name = hashlib.sha1(data).hexdigest()[:16] + ".png"
        path = folder / name
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        written.append(path)
        return url_prefix + name

    def block(match: re.Match[str]) -> str:
        # The page's explorers run this version's script, whatever an older cached output held.
        current = _INLINE_SCRIPT.sub(lambda _old: f"<script>{_SCRIPT}</script>",
                                     match.group(0))
        return _DATA_URI.sub(to_file, _with_sprite(current))

    return _BLOCK.sub(block, page), written


def _with_sprite(block: str) -> str:
    """An explorer block with one data: URI per frame (an older version's) in today's markup."""
    found = _FRAME_LIST.search(block)
    image = _FRAME_IMAGE.search(block)
    if found is None or image is None:
        return block
    urls = json.loads(html.unescape(found.group(1)))
    frames = [base64.b64decode(m.group(1)) for m in map(_DATA_URI.fullmatch, urls) if m]
    if not frames or len(frames) != len(urls):
        return block  # its frames are files already: nothing to pack
    sprite = frame_sprite(frames)
    value = _SLIDER_VALUE.search(block)
    alt = _ALT.search(image.group(0))
    view = _view_html(_data_uri(sprite.png), sprite, int(value.group(1)) if value else 0,
                      html.unescape(alt.group(1)) if alt else "")
    return (block[:found.start()] + f' data-columns="{sprite.columns}"'
            + block[found.end():image.start()] + view + block[image.end():])


def figure_alt(figure: Any) -> str:
    """Alt text for a matplotlib Figure, written from what the code put in it.

    An explicit ``figure.nncourse_alt`` wins; otherwise the text names each panel's title,
    axis labels (with log scales) and legend entries, which is what the figure shows.

    Example:
        >>> from matplotlib.figure import Figure
        >>> fig = Figure(); ax = fig.add_subplot()
        >>> _ = ax.set_title("loss"), ax.set_xlabel("epoch")
        >>> figure_alt(fig)
        'Figure: loss, x: epoch.'
    """
    explicit = getattr(figure, "nncourse_alt", None)
    if explicit:
        return str(explicit)
    panels = []
    for ax in figure.get_axes():
        if not ax.get_visible() or not ax.axison and not ax.get_title():
            continue
        parts = [t for t in (ax.get_title(),) if t]
        for name, label, scale in (("x", ax.get_xlabel(), ax.get_xscale()),
                                   ("y", ax.get_ylabel(), ax.get_yscale())):
            if label:
                parts.append(f"{name}: {label}" + (" " + _("(log scale)") if scale == "log"
                                                   else ""))
        legend = ax.get_legend()
        if legend is not None:
            entries = [t.get_text() for t in legend.get_texts() if t.get_text()]
            if entries:
                parts.append(_("curves: {entries}").format(entries=", ".join(entries)))
        if parts:
            panels.append(", ".join(parts))
    title = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else ""
    head = _("Figure: {title}").format(title=title) if title else _("Figure")
    if not panels:
        # A diagram without axes (a graph of boxes): its text labels are what it shows.
        labels = [" ".join(t.get_text().split()) for ax in figure.get_axes()
                  for t in ax.texts if t.get_visible() and t.get_text().strip()]
        text = _("{head}: diagram labelled {labels}.").format(
            head=head, labels="; ".join(labels)) if labels else head + "."
    elif len(panels) == 1:
        text = f"{head}: {panels[0]}."
    else:
        text = _("{head} with {count} panels.").format(head=head, count=len(panels)) + " " + \
            " ".join(_("Panel {number}: {panel}.").format(number=i, panel=part)
                     for i, part in enumerate(panels, 1))
    return plain_math(text)


def plain_math(text: str) -> str:
    """``$\\eta = 0.1$`` -> ``eta = 0.1``: labels' TeX read aloud as words, not symbols.

    Example:
        >>> plain_math(r"$-\\nabla f$ and $w_{1}$")
        '-nabla f and w_1'
    """
    def words(match: re.Match[str]) -> str:
        return re.sub(r"\\([A-Za-z]+)", r"\1", match.group(1)).replace("{", "").replace("}", "")

    return _MATH.sub(words, text)


def figure_html(figure: Any, dpi: int = 100) -> str:
    """A Figure as an ``<img>`` with alt text from :func:`figure_alt` (loads lazily).

    The image is a palette PNG (``compact_png`` in ``_frame_images.py``), a third of
    the bytes of matplotlib's RGBA PNG; figures are drawn on white, in dark mode as well.
    """
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    png = compact_png(buffer.getvalue())
    width, height = Image.open(io.BytesIO(png)).size
    data = base64.b64encode(png).decode("ascii")
    return (f'<img class="nncourse-figure" src="data:image/png;base64,{data}" '
            f'alt="{html.escape(figure_alt(figure))}" width="{width}" height="{height}" '
            f'loading="lazy" decoding="async">')


def describe_figures() -> None:
    """In a running IPython: show every matplotlib Figure as an image with real alt text.

    The figure is drawn once, as :func:`figure_html`; no other image of it is kept in the
    notebook. Call once at the top of a page (the book's chapters and the labs do). Outside
    IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    def register(*_: Any) -> None:
        # matplotlib's inline backend drops every Figure printer when it (re)configures
        # itself, and adds its own PNG printer, so the printers are set before each cell runs.
        # The image with alt text is the figure's one rendering: every front end (JupyterLab,
        # Notebook, the site) shows HTML before PNG, and a second, PNG copy would be drawn
        # again for nobody and double the notebook's size.
        formatters = shell.display_formatter.formatters
        formatters["text/html"].for_type(Figure, figure_html)
        for mime, formatter in formatters.items():
            if mime not in ("text/html", "text/plain"):
                formatter.pop(Figure, None)

    import matplotlib.pyplot as plt

    plt.close(plt.figure())  # lets the inline backend configure itself now, not mid-cell
    register()
    shell.events.register("pre_run_cell", register)


_FIGURE = re.compile(r'<img class="nncourse-figure"[^>]*>')


def externalize_figures(page: str, folder: Path, url_prefix: str) -> tuple[str, list[Path]]:
    """Like :func:`externalize_frames`, for the figures made by :func:`figure_html`."""
    written: list[Path] = []

    def one(match: re.Match[str]) -> str:
        out, files = externalize_frames(
            f'<div class="{FRAME_CLASS}">{match.group(0)}<!-- /{FRAME_CLASS} -->', folder,
            url_prefix)
        written.extend(files)
        return out[len(f'<div class="{FRAME_CLASS}">'):-len(f"<!-- /{FRAME_CLASS} -->")]

    return _FIGURE.sub(one, page), written


def frame_values(start: float, stop: float, count: int, log: bool = False) -> Sequence[float]:
    """``count`` evenly (or log-evenly) spaced settings, rounded to 3 significant digits."""
    import numpy as np

    grid = np.geomspace(start, stop, count) if log else np.linspace(start, stop, count)
    return [float(f"{v:.3g}") for v in grid]
