"""Kernel-free explorers (nncourse.widgets.static): frames, their sprite, markup, and moving
images to files."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from nncourse.widgets import _frame_images as frame_images
from nncourse.widgets._frame_images import compact_png, frame_sprite, is_palette_png
from nncourse.widgets.static import (
    _SCRIPT,
    FRAME_CLASS,
    VIEW_CLASS,
    _demo_png,
    externalize_figures,
    externalize_frames,
    figure_alt,
    figure_html,
    frame_explorer,
    frame_png,
    frame_values,
    math_html,
)


def _figure(value: float) -> Figure:
    fig = Figure(figsize=(2, 1.5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, value])
    ax.set_ylim(0, 3)
    return fig


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parse(markup: str) -> dict[str, list[dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(markup)
    by_tag: dict[str, list[dict[str, str | None]]] = {}
    for tag, attrs in parser.tags:
        by_tag.setdefault(tag, []).append(attrs)
    return by_tag


def test_one_frame_per_value_each_different_and_same_size():
    view = frame_explorer(_figure, "slope", [0.5, 1.0, 2.0], label="slope $a$",
                          alt=lambda v: f"A line of slope {v}", initial=1.0)
    assert len(view.frames) == 3 and len(set(view.frames)) == 3
    assert view.initial == 1
    assert view.alts == ["A line of slope 0.5", "A line of slope 1.0", "A line of slope 2.0"]
    assert view.size[0] > 50 and view.size[1] > 50
    for png in view.frames:
        assert png.startswith(b"\x89PNG")


def test_markup_has_slider_initial_frame_alt_note_and_script():
    view = frame_explorer(_figure, "slope", [0.5, 1.0, 2.0], label="slope", alt="a line",
                          initial=2.0, readout="{:.1f}")
    tags = _parse(view._repr_html_())
    (slider,) = tags["input"]
    assert slider["type"] == "range" and slider["min"] == "0" and slider["max"] == "2"
    assert slider["value"] == "2" and slider["aria-valuetext"] == "2.0"
    (img,) = tags["img"]
    assert img["alt"] == "a line" and img["loading"] == "lazy"
    assert img["src"] == "data:image/png;base64," + base64.b64encode(view.sprite.png).decode()
    (block,) = [d for d in tags["div"] if d.get("class") == FRAME_CLASS]
    assert json.loads(block["data-labels"]) == ["0.5", "1.0", "2.0"]
    assert block["data-columns"] == "3" and "data-frames" not in block
    # The window shows frame 2 of the row of 3: the sprite, 3 windows wide, shifted 2 left.
    (window,) = [d for d in tags["div"] if d.get("class") == VIEW_CLASS]
    width, height = view.size
    assert f"max-width:{width}px" in window["style"]
    assert f"aspect-ratio:{width}/{height}" in window["style"]
    assert "width:300%" in img["style"] and "left:-200%" in img["style"]
    assert "top:0%" in img["style"]
    assert (img["width"], img["height"]) == (str(3 * width), str(height))
    assert "runs in the lab" in view.html()
    assert f"<script>{_SCRIPT}</script>" in view.html()


def _on_white(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, image).convert("RGB")).astype(int)


def test_sprite_holds_every_frame_in_its_place_as_a_palette_png():
    view = frame_explorer(_figure, "slope", [0.5, 1.0, 1.5, 2.0], label="slope", alt="a line")
    sprite = view.sprite
    assert is_palette_png(sprite.png) and (sprite.columns, sprite.rows) == (4, 1)
    sheet = np.asarray(Image.open(io.BytesIO(sprite.png)).convert("RGB")).astype(int)
    width, height = sprite.frame_size
    assert sheet.shape == (height, 4 * width, 3)
    for index, png in enumerate(view.frames):
        cell = sheet[:, index * width:(index + 1) * width]
        drawn = _on_white(png)
        # Dithering moves single pixels; what the eye averages stays the colour drawn.
        assert np.abs(cell - drawn).mean() < 2.0, index
        others = [np.abs(cell - _on_white(o)).mean() for o in view.frames if o is not png]
        assert min(others) > np.abs(cell - drawn).mean(), index


def _png(width: int, height: int, color: tuple[int, ...], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, format="png")
    return buffer.getvalue()


def test_sprite_wraps_wide_rows_and_centres_smaller_frames(monkeypatch):
    monkeypatch.setattr(frame_images, "MAX_SPRITE_WIDTH", 25)
    frames = [_png(10, 6, (0, 114, 178)) for _ in range(4)] + [_png(4, 2, (0, 0, 0))]
    sprite = frame_sprite(frames)
    assert (sprite.columns, sprite.rows, sprite.frame_size) == (2, 3, (10, 6))
    sheet = np.asarray(Image.open(io.BytesIO(sprite.png)).convert("RGB"))
    last = sheet[12:18, 0:10]  # frame 4: row 2, column 0, a 4x2 frame centred on white
    assert (last[2:4, 3:7] == 0).all() and (last[0, :] == 255).all()
    assert (sheet[12:18, 10:20] == 255).all()  # the empty cell stays white
    with pytest.raises(ValueError, match="at least one frame"):
        frame_sprite([])


def test_transparent_images_become_palette_pngs_on_white():
    clear = _png(3, 3, (0, 0, 0, 0), mode="RGBA")
    compact = compact_png(clear)
    assert is_palette_png(compact) and not is_palette_png(clear)
    assert (np.asarray(Image.open(io.BytesIO(compact)).convert("RGB")) == 255).all()
    assert compact_png(compact) == compact  # a palette PNG is kept as it is


def test_module_needs_no_ipywidgets():
    code = ("import sys, nncourse.widgets.static; "
            "assert 'ipywidgets' not in sys.modules, 'imported ipywidgets'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_png_bytes_pass_through_unchanged():
    png = _demo_png()
    view = frame_explorer(lambda v: png, "v", [1, 2], label="v", alt="a square")
    assert view.frames == [png, png] and view.size == (4, 4)
    assert view.sprite.frame_size == (4, 4) and view.sprite.columns == 2


@pytest.mark.parametrize("values", [[], [1], list(range(41))])
def test_frame_count_outside_limits_is_refused(values):
    with pytest.raises(ValueError, match="values for the slider"):
        frame_explorer(lambda v: _demo_png(), "v", values, label="v", alt="x")


def test_initial_must_be_one_of_the_values():
    with pytest.raises(ValueError, match="not one of the values"):
        frame_explorer(lambda v: _demo_png(), "v", [1, 2], label="v", alt="x", initial=3)


def test_empty_alt_text_is_refused():
    with pytest.raises(ValueError, match="alt text"):
        frame_explorer(lambda v: _demo_png(), "v", [1, 2], label="v", alt=" ")


def test_render_returning_something_else_is_refused():
    with pytest.raises(TypeError, match="Figure or PNG"):
        frame_explorer(lambda v: [1, 2], "v", [1, 2], label="v", alt="x")
    with pytest.raises(TypeError, match="PNG signature"):
        frame_png(b"GIF89a....")


def test_externalize_moves_the_sprite_to_a_file_and_keeps_other_data_uris(tmp_path):
    view = frame_explorer(_figure, "slope", [0.5, 1.0], label="slope", alt="a line")
    other = '<img src="data:image/png;base64,' + base64.b64encode(_demo_png()).decode() + '">'
    page = other + view.html() + other
    out, written = externalize_frames(page, tmp_path / "frames", "../_frames/")
    assert out.count("data:image/png") == 2  # the two images outside the explorer stay
    assert [p.read_bytes() for p in written] == [view.sprite.png]
    assert re.search(r'<img class="nncourse-frames-image" src="\.\./_frames/[0-9a-f]{16}\.png"',
                     out)
    assert out.count("../_frames/") == 1 and 'data-columns="2"' in out


def _older_block(frames: list[bytes], value: int) -> str:
    """An explorer as the version before sprites wrote it: one data: URI per frame."""
    urls = ["data:image/png;base64," + base64.b64encode(f).decode() for f in frames]
    quoted = json.dumps(urls).replace('"', "&quot;")
    return (f'<div class="{FRAME_CLASS}" id="nnx-old" data-parameter="v" data-frames="{quoted}" '
            f'data-alts="[&quot;a&quot;, &quot;b &amp; c&quot;]" '
            f'data-labels="[&quot;1&quot;, &quot;2&quot;]">\n<div class="nncourse-frames-controls">'
            f'<label for="s">v</label><input type="range" id="s" min="0" max="1" step="1" '
            f'value="{value}" aria-valuetext="2"><output for="s">2</output></div>\n'
            f'<img class="nncourse-frames-image" src="{urls[value]}" alt="b &amp; c" width="4" '
            f'height="4" loading="lazy" decoding="async">\n<p class="nncourse-frames-note">n</p>\n'
            f'<script>(function(){{var ds=document.body;/* older */}})();</script>\n'
            f'</div><!-- /{FRAME_CLASS} -->')


def test_externalize_packs_an_older_explorer_into_a_sprite(tmp_path):
    """A page built from an older cached output shows today's explorer (sprite and script)."""
    frames = [_png(4, 4, (0, 114, 178)), _png(4, 4, (213, 94, 0))]
    out, written = externalize_frames("<p>x</p>" + _older_block(frames, 1), tmp_path, "f/")
    assert "data:image" not in out and "data-frames" not in out and "older" not in out
    assert len(written) == 1 and is_palette_png(written[0].read_bytes())
    tags = _parse(out)
    (block,) = [d for d in tags["div"] if d.get("class") == FRAME_CLASS]
    assert block["data-columns"] == "2"
    (img,) = tags["img"]
    assert img["alt"] == "b & c" and "left:-100%" in img["style"]
    assert img["src"] == f"f/{written[0].name}" and out.count(_SCRIPT) == 1
    sheet = np.asarray(Image.open(written[0]).convert("RGB"))
    assert tuple(sheet[0, 0]) == (0, 114, 178) and tuple(sheet[0, 4]) == (213, 94, 0)


def test_frame_values_linear_and_log():
    assert frame_values(0.0, 1.0, 3) == [0.0, 0.5, 1.0]
    assert frame_values(0.001, 1.0, 4, log=True) == [0.001, 0.01, 0.1, 1.0]


def test_label_math_is_marked_for_mathjax_and_text_is_escaped():
    assert math_html("start $w_1$ < 2") == (
        'start <span class="math notranslate nohighlight">\\(w_1\\)</span> &lt; 2')
    assert math_html("no math") == "no math"
    view = frame_explorer(lambda v: _demo_png(), "v", [1, 2], label="rate $\\eta$", alt="x")
    assert '<span class="math notranslate nohighlight">\\(\\eta\\)</span>' in view.html()


def test_figure_alt_names_panels_axes_scales_and_curves():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    left.plot([1, 2], label="train")
    left.plot([2, 1], label="validation")
    left.legend()
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.set_yscale("log")
    right.set_title("accuracy")
    fig.suptitle("Training curves")
    assert figure_alt(fig) == (
        "Training curves with 2 panels. Panel 1: x: epoch, y: loss (log scale), curves: train, "
        "validation. Panel 2: accuracy.").replace("Training curves", "Figure: Training curves")
    fig.nncourse_alt = "Loss falls for both splits."
    assert figure_alt(fig) == "Loss falls for both splits."
    assert figure_alt(Figure()) == "Figure."


def test_figure_html_is_a_lazy_image_with_alt_and_moves_to_a_file(tmp_path):
    fig = _figure(1.0)
    fig.axes[0].set_title("a line")
    markup = figure_html(fig)
    tags = _parse(markup)
    (img,) = tags["img"]
    assert img["alt"] == "Figure: a line." and img["loading"] == "lazy"
    assert is_palette_png(base64.b64decode(img["src"].split(",", 1)[1]))
    out, written = externalize_figures("<p>x</p>" + markup, tmp_path, "../_images/frames/")
    assert "data:image" not in out and len(written) == 1 and out.startswith("<p>x</p>")
    assert 'src="../_images/frames/' in out and 'alt="Figure: a line."' in out
    # A figure from an older cached output (matplotlib's RGBA PNG) is written as a palette PNG.
    rgba = _png(5, 3, (0, 114, 178, 255), mode="RGBA")
    older = (f'<img class="nncourse-figure" src="data:image/png;base64,'
             f'{base64.b64encode(rgba).decode()}" alt="x" width="5" height="3">')
    _, (path,) = externalize_figures(older, tmp_path / "older", "f/")
    assert is_palette_png(path.read_bytes())


def test_alt_text_reads_tex_as_words():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("gradient descent, $\\eta = 0.1$")
    ax.set_xlabel("$w_{1}$")
    assert figure_alt(fig) == "Figure: gradient descent, eta = 0.1, x: w_1."


def test_externalize_gives_every_explorer_the_current_script(tmp_path):
    """A page built from an older cached output runs this version's script (prefetching)."""
    view = frame_explorer(_figure, "slope", [0.5, 1.0], label="slope", alt="a line")
    old = view.html().replace(_SCRIPT, "(function(){var ds=document.body;/* older */})();")
    out, _ = externalize_frames(old + old, tmp_path / "frames", "../_frames/")
    assert "older" not in out and out.count(_SCRIPT) == 2
    assert "IntersectionObserver" in _SCRIPT and "data-loaded" in _SCRIPT


def test_figure_without_axes_is_described_by_its_labels():
    fig = Figure()
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0, 0, "w = 0.8\ngrad 1.5")
    ax.text(1, 0, "   ")
    assert figure_alt(fig) == "Figure: diagram labelled w = 0.8 grad 1.5."
    empty = Figure()
    empty.add_subplot().axis("off")
    assert figure_alt(empty) == "Figure."


def test_backprop_graph_figure_says_what_each_node_holds():
    pytest.importorskip("ipywidgets")
    from nncourse.widgets.backprop_stepper import BackpropStepper

    figure = BackpropStepper("squared_error", step=3).static()
    alt = figure_alt(figure)
    assert alt.startswith("Computation graph of squared_error") and "step 3 of" in alt
    assert alt != "Figure."


def test_figure_only_draws_the_figure_once_and_the_same_figure():
    """figure_only skips the widget's PNG; the saved figure is the one the widget path saves."""
    from PIL import Image

    from nncourse.widgets._base import figure_only
    from nncourse.widgets.gradient_descent import GradientDescentExplorer

    def pixels(figure) -> np.ndarray:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=72)
        return np.asarray(Image.open(buffer).convert("RGB"), dtype=float)

    shown = GradientDescentExplorer(lr=0.05, steps=20)
    assert len(shown.image.value) > 0                      # a live explorer shows its PNG
    with figure_only():
        saved = GradientDescentExplorer(lr=0.05, steps=20)
    assert len(saved.image.value) == 0                     # never drawn for the widget
    assert shown.status_text == saved.status_text          # computed all the same
    widget_path, figure_path = pixels(shown.static()), pixels(saved.static())
    assert widget_path.shape == figure_path.shape
    # The same drawing; anti-aliased edges may differ by a pixel's shade.
    assert np.mean(np.abs(widget_path - figure_path) > 32) < 0.002
    later = GradientDescentExplorer(steps=5)               # outside the block: drawn again
    assert len(later.image.value) > 0


def test_described_figures_are_drawn_once_as_html_with_alt_text():
    """In a kernel, a figure's output is its alt-texted image only (no second PNG to draw)."""
    from IPython.core.interactiveshell import InteractiveShell

    from nncourse.widgets.static import describe_figures

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("%matplotlib inline")
        describe_figures()
        # The inline backend configures itself again (a new %matplotlib): its PNG printer
        # comes back, and the next cell's start takes it away again.
        shell.run_cell("%matplotlib inline")
        result = shell.run_cell("from nncourse.plots.style import new_figure\n"
                                "fig, ax = new_figure(width=2, height=1.5)\n"
                                "ax.set_title('a line'); fig")
        data, _ = shell.display_formatter.format(result.result)
        assert set(data) == {"text/html", "text/plain"}
        (img,) = _parse(data["text/html"])["img"]
        assert img["alt"] == "Figure: a line."
    finally:
        InteractiveShell.clear_instance()
