"""Helpers for the website test: find or build the site, serve it, list its pages, check links.

The browser test (tests/test_site_browser.py) uses these; nothing here starts a browser.
"""

from __future__ import annotations

import fcntl
import functools
import gzip
import html
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml

REPO = Path(__file__).resolve().parents[1]
# The English edition; the Portuguese one is _build/html/pt-br (scripts/i18n.py builds both).
SITE = REPO / "_build" / "html" / "en"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("NNCOURSE_CHROMIUM", "/usr/bin/chromium")
# Flags for a headless browser that makes no request of its own (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VENDOR_SCRIPT = SITE / "_static" / "site-js" / "require.js"
# The accessibility checker from the npm registry (site/widgets/package.json), injected by tests.
AXE_SCRIPT = REPO / "site" / "widgets" / "node_modules" / "axe-core" / "axe.min.js"
#: the most a chapter page may transfer on first load, gzipped, frames included
PAGE_BUDGET_GZIP = 1_000_000


def build_site() -> Path:
    """Build the site as `make book` does when it is missing (a fresh clone); return its folder.

    Returns:
        The folder holding index.html.

    Raises:
        RuntimeError: if a build step fails (its output is in the message).
    """
    # Two pytest-xdist workers may both find the site missing: one builds, the other waits.
    lock_path = REPO / "_build" / ".site-build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        steps = []
        if not (SITE / "index.html").exists():
            steps += [
                ["bash", "scripts/build-widget-js.sh"],
                [sys.executable, "scripts/i18n.py", "build"],
            ]
        for edition in (SITE, SITE.parent / "pt-br"):
            if not (edition / "_static" / "site-js" / "require.js").exists():
                steps.append(["bash", "scripts/build-widget-js.sh", "--copy-into", str(edition)])
        for step in steps:
            done = subprocess.run(step, cwd=REPO, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(step)} failed with exit code {done.returncode}:\n"
                    f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
                )
    return SITE


def toc_pages(toc_file: Path = REPO / "_toc.yml") -> list[str]:
    """Return the HTML path of every page in the table of contents, root first.

    Example:
        >>> toc_pages()[0]   # doctest: +SKIP
        'book/intro.html'
    """
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            if "glob" in entry:
                pages.extend(sorted(str(p.relative_to(REPO))[:-3]
                                    for p in REPO.glob(entry["glob"] + ".md")))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    # Module pages have dots in their names (nncourse.numpy.layers): strip only a file suffix.
    return [re.sub(r"\.(md|ipynb)$", "", page) + ".html" for page in pages]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep the test output clean; failures are recorded by the browser instead."""


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free localhost port in a thread; yield the base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


class _Links(_Ids):
    """Ids, link targets and the resources a page loads (scripts, styles, images, frames)."""

    LOADING = {"script": "src", "img": "src", "iframe": "src", "link": "href", "source": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        wanted = self.LOADING.get(tag)
        # A <link> loads something only as a stylesheet, icon or preload (a canonical or
        # alternate URL is an address, never fetched).
        rel = set((values.get("rel") or "").split())
        if tag == "link" and not rel & {"stylesheet", "icon", "preload", "modulepreload",
                                        "prefetch"}:
            return
        if wanted and values.get(wanted):
            self.loads.append(values[wanted] or "")


def page_links(path: Path) -> dict[str, Any]:
    """What a page's HTML links to and loads, read without a browser.

    Returns:
        ``{"hrefs": [...], "ids": {...}, "loads": [...]}``: the ``href`` of every link, every id
        (and anchor name), and the URL of every script, stylesheet, image and frame it loads.
    """
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return {"hrefs": parser.hrefs, "ids": set(parser.ids), "loads": parser.loads}


@functools.lru_cache(maxsize=256)
def page_ids(path: Path) -> frozenset[str]:
    """Every id (and anchor name) in an HTML file."""
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def broken_internal_links(
    site: Path, base_url: str, page_url: str, hrefs: list[str], live_ids: set[str]
) -> list[str]:
    """Return the links of one page whose file or ``#anchor`` does not exist in the site.

    Args:
        site: the folder served at ``base_url``.
        page_url: the page's URL (relative links resolve against it).
        hrefs: the ``href`` attributes found on the page.
        live_ids: ids present in the page's DOM after its scripts ran (anchors on the same page
            may be added by scripts).

    Returns:
        One ``"href -> reason"`` string per broken link.
    """
    broken = []
    for href in hrefs:
        if not href or href.startswith(("mailto:", "javascript:", "data:")):
            continue
        url = urljoin(page_url, href)
        if not url.startswith(base_url):
            continue  # an external link: a plain link, never fetched by the test
        parts = urlsplit(url)
        relative = unquote(parts.path[len(urlsplit(base_url).path):])
        target = site / relative
        if relative == "" or target.is_dir():
            target = target / "index.html"
        if not target.is_file() and (site.parent / relative).is_file():
            continue  # the other language's edition, built beside this one
        if not target.is_file():
            broken.append(f"{href} -> no file {target.relative_to(site)}")
            continue
        fragment = unquote(parts.fragment)
        if not fragment or target.suffix != ".html":
            continue
        same_page = urlsplit(page_url).path == parts.path
        if fragment in page_ids(target) or (same_page and fragment in live_ids):
            continue
        broken.append(f"{href} -> no #{fragment} in {target.relative_to(site)}")
    return broken


def gzip_size(data: bytes) -> int:
    """Bytes ``data`` would take on the wire gzipped (what a web server sends)."""
    return len(gzip.compress(data, compresslevel=6))


def student_notebook_problems(site: Path, href: str) -> list[str]:
    """Why a launch or download link does not open a published student notebook (empty: fine).

    A student notebook lives in the site's ``_notebooks/`` folder, holds no solution (no
    ``BEGIN SOLUTION`` block, no cell tagged ``solution``) and starts with the cell that installs
    nncourse where it is missing.
    """
    match = re.search(r"(?:^|/)(_notebooks/[\w.-]+\.ipynb)$", unquote(urlsplit(href).path)) or \
        re.search(r"(_notebooks/[\w.-]+\.ipynb)", unquote(href))
    if match is None:
        return [f"{href} -> not a notebook in _notebooks/"]
    path = site / match.group(1)
    if not path.is_file():
        return [f"{href} -> {match.group(1)} is not in the site"]
    notebook = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    cells = notebook["cells"]
    if not cells or "nncourse-install" not in cells[0].get("metadata", {}).get("tags", []):
        problems.append(f"{href} -> first cell does not install nncourse")
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if re.search(r"#+\s*BEGIN SOLUTION", source, re.IGNORECASE) or \
                "solution" in cell.get("metadata", {}).get("tags", []):
            problems.append(f"{href} -> holds a solution: {source[:60]!r}")
            break
    return problems


# --- what a reader sees: contrast, figure shapes, explorer frames, main-thread blocking ---------

#: the parts of a page drawn by the course's own code: quizzes, explorers and saved widgets
READER_PARTS = (".nncourse-quiz, div.nncourse-frames, .nncourse-launch-bar, "
                ".cell_output .jupyter-widgets, .cell_output .widget-subarea, "
                ".nncourse-saved-widget")
#: WCAG AA for body text
MIN_CONTRAST = 4.5
#: a figure drawn more than this far from its own width:height ratio is out of shape
MAX_ASPECT_ERROR = 0.02
#: the frame under the finger shows within this many milliseconds of a slider move
FRAME_BUDGET_MS = 100
#: total blocking time of a chapter page with the CPU slowed 4x
TBT_BUDGET_MS = 300
CPU_SLOWDOWN = 4
#: Chrome DevTools' "Slow 4G" profile (formerly "Fast 3G"): 562.5 ms round trip, 1.44 Mbit/s down
SLOW_MOBILE = {"offline": False, "latency": 562.5, "downloadThroughput": 1_440_000 / 8,
               "uploadThroughput": 675_000 / 8}

# Every visible text node under READER_PARTS whose colour has under MIN_CONTRAST against what
# is painted behind it: its ancestors' background colours, composited (alpha included) over the
# page's white or dark canvas. Returns [{text, ratio, color, background}] of failures.
CONTRAST_JS = r"""([selector, minimum]) => {
  const canvas = document.createElement("canvas").getContext("2d");
  function rgba(css) {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    canvas.fillStyle = "#000"; canvas.fillStyle = css;
    const v = canvas.fillStyle;
    if (v.startsWith("#")) return [1, 3, 5].map(i => parseInt(v.slice(i, i + 2), 16)).concat(1);
    return rgba(v);
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat(1);
  }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(element) {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = rgba(getComputedStyle(document.documentElement).backgroundColor);
    if (base[3] < 1) base = document.documentElement.dataset.theme === "dark"
      ? [0, 0, 0, 1] : [255, 255, 255, 1];
    return layers.reverse().reduce((below, layer) => over(layer, below), base);
  }
  function shown(element) {
    if (element.closest("[hidden], script, style, option, mjx-assistive-mml, template"))
      return false;
    const style = getComputedStyle(element);
    if (style.visibility !== "visible" || Number(style.opacity) === 0) return false;
    const box = element.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && element.getClientRects().length > 0;
  }
  const failures = [];
  const roots = Array.from(document.querySelectorAll(selector));
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const element = node.parentElement;
      if (!text || !element || !shown(element)) continue;
      const style = getComputedStyle(element);
      let opacity = 1;
      for (let e = element; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const back = background(element);
      const color = rgba(style.color);
      const front = over([color[0], color[1], color[2], color[3] * opacity], back);
      const [l1, l2] = [luminance(front), luminance(back)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < minimum) failures.push({text: text.slice(0, 50), ratio: +ratio.toFixed(2),
                                          color: style.color,
                                          background: `rgb(${back.slice(0, 3).map(Math.round)})`});
    }
  }
  return {checked: roots.length, failures};
}"""

# Every loaded <img> in the article drawn at a width:height ratio other than its own.
ASPECT_JS = r"""(maxError) => Array.from(document.querySelectorAll("article img"))
  .filter(i => i.complete && i.naturalWidth > 0 && i.getClientRects().length > 0)
  .map(i => {
    const box = i.getBoundingClientRect(), style = getComputedStyle(i);
    const pad = ["Left", "Right", "Top", "Bottom"].map(s =>
      parseFloat(style["padding" + s]) + parseFloat(style["border" + s + "Width"]));
    const w = box.width - pad[0] - pad[1], h = box.height - pad[2] - pad[3];
    return {src: (i.currentSrc || i.src).split("/").pop().slice(0, 60), w: Math.round(w),
            h: Math.round(h), natural: `${i.naturalWidth}x${i.naturalHeight}`,
            error: Math.abs((w / h) / (i.naturalWidth / i.naturalHeight) - 1),
            fit: style.objectFit};
  })
  .filter(r => r.w > 2 && r.h > 2 && r.fit !== "contain" && r.fit !== "cover"
          && r.error > maxError)"""

# Alt texts that do not describe: missing, empty, a file name, or a bare "Figure.".
BAD_ALT_JS = r"""() => Array.from(document.querySelectorAll("article img"))
  .map(i => i.getAttribute("alt"))
  .filter(alt => !alt || !alt.trim() || /\.(png|jpe?g|svg|gif|webp)$/i.test(alt.trim())
          || /^(figure|image|plot)\.?$/i.test(alt.trim()))"""

# Whether an explorer's view shows frame i of its sprite: the sprite loaded, and shifted so that
# frame i (column i % data-columns, row i // data-columns) fills the view. Part of the two scripts
# below.
_SHOWS_FRAME = r"""
const nncourseShows = (explorer, i) => {
  const image = explorer.querySelector("img");
  const columns = +explorer.getAttribute("data-columns");
  return image.complete && image.naturalWidth > 0
    && image.style.left === `${-100 * (i % columns)}%`
    && image.style.top === `${-100 * Math.floor(i / columns)}%`;
};"""

# Moves one explorer's slider to each position in turn (as a drag does) and measures, per move,
# the time from the input event to the first frame painted with that position's frame shown
# (_SHOWS_FRAME). Returns [[position, milliseconds], ...].
FRAME_LATENCY_JS = "async ([explorer, count]) => {\n" + _SHOWS_FRAME + r"""
  const slider = explorer.querySelector("input[type=range]");
  const frames = JSON.parse(explorer.getAttribute("data-labels")).length;
  const frame = () => new Promise(r => requestAnimationFrame(() => r(performance.now())));
  const last = frames - 1;
  const order = [];
  for (let k = 0; k < Math.min(count, frames); k++)
    order.push(Math.round(k * last / Math.max(1, Math.min(count, frames) - 1)));
  if (+slider.value === order[0]) order.reverse();
  const latencies = [];
  for (const i of order) {
    await frame();
    const start = performance.now();
    slider.value = String(i);
    slider.dispatchEvent(new Event("input", {bubbles: true}));
    let now = await frame();
    while (!nncourseShows(explorer, i)) {
      now = await frame();
      if (now - start > 10000) break;
    }
    latencies.push([i, Math.round(now - start)]);
  }
  return latencies;
}"""

# Records long tasks and the first contentful paint from the very start of the page (an init
# script, before any of the page's own).
LONG_TASKS_INIT_JS = """window.__longTasks = []; window.__firstPaint = null;
new PerformanceObserver(list => { for (const e of list.getEntries())
  window.__longTasks.push({start: e.startTime, duration: e.duration}); })
  .observe({type: "longtask", buffered: true});
new PerformanceObserver(list => { for (const e of list.getEntries())
  if (e.name === "first-contentful-paint") window.__firstPaint = e.startTime; })
  .observe({type: "paint", buffered: true});"""


# A fixed piece of work timed in the page: how fast this machine runs JavaScript right now.
CPU_BENCHMARK_JS = """() => { const start = performance.now(); let x = 0;
  for (let i = 1; i < 3e6; i++) { x += Math.sqrt(i) / i; }
  return [performance.now() - start, x]; }"""


def calibrated_slowdown(fastest_ms: float, now_ms: float, slowdown: float = CPU_SLOWDOWN) -> float:
    """The CPU throttling rate that makes this machine ``slowdown`` times slower than its best.

    On a shared machine other work already slows the page by ``now_ms / fastest_ms``; throttling
    by the rest keeps the measurement about the page, not about the machine's other users.

    Example:
        >>> calibrated_slowdown(10.0, 20.0)
        2.0
        >>> calibrated_slowdown(10.0, 80.0)
        1.0
    """
    return max(1.0, min(slowdown, slowdown * fastest_ms / max(now_ms, 1e-9)))


def total_blocking_time(tasks: list[dict], first_paint: float = 0.0) -> float:
    """Total blocking time (as Lighthouse counts it), in milliseconds.

    The part beyond 50 ms of every long task after the first contentful paint, summed; a task
    that began before that paint counts from the paint on.

    Args:
        tasks: long tasks, each with ``start`` and ``duration`` (ms).
        first_paint: the first contentful paint (ms); 0 counts every task whole.

    Example:
        >>> total_blocking_time([{"start": 0, "duration": 120.0}, {"start": 200, "duration": 40.0},
        ...                      {"start": 300, "duration": 51.0}])
        71.0
        >>> total_blocking_time([{"start": 0, "duration": 120.0}], first_paint=100.0)
        0.0
    """
    blocking = 0.0
    for task in tasks:
        start = max(float(task.get("start", 0.0)), first_paint)
        duration = float(task["start"]) + float(task["duration"]) - start \
            if "start" in task else float(task["duration"])
        blocking += max(0.0, duration - 50.0)
    return blocking


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21), the formula CONTRAST_JS uses.

    Example:
        >>> round(contrast_ratio((255, 255, 255), (0, 0, 0)), 1)
        21.0
    """
    def luminance(color: tuple[int, int, int]) -> float:
        channels = [v / 255 for v in color]
        r, g, b = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- the same guarantees by construction: what `make test` checks, with no clock involved -------
# The wall-clock measurements above (frame latency, total blocking time) depend on the machine and
# its load; they run in `make site-perf`. These checks hold or fail the same way on any machine.

#: the most a script that may run before the first paint (parser-blocking or deferred) may weigh,
#: uncompressed: the theme's own scripts fit; MathJax (over 1 MB) or a bundled library would not
FIRST_PAINT_SCRIPT_BUDGET = 100_000
#: the most a parser-blocking script (neither deferred nor async, inline or not) may weigh,
#: uncompressed: the browser stops reading the page, and painting what follows, until it has
#: fetched and run it. The course's and the theme's small scripts fit; the search index (Sphinx's
#: ``searchindex.js``, about 460 kB) or the widget manager (3.6 MB) would not.
PARSER_BLOCKING_SCRIPT_BUDGET = 25_000

# One explorer, already near the screen and marked data-loaded (its sprite decoded): the sprite,
# the one image that holds every frame, is loaded, as large as its markup says, with a cell for
# every frame; the view has one frame's shape and the sprite is drawn at the view's scale.
# Returns what is wrong (empty: nothing).
FRAME_SPRITE_JS = r"""(explorer) => {
  const image = explorer.querySelector("img");
  const view = explorer.querySelector(".nncourse-frames-view");
  const frames = JSON.parse(explorer.getAttribute("data-labels")).length;
  const columns = +explorer.getAttribute("data-columns");
  const problems = [];
  if (!(image.complete && image.naturalWidth > 0)) return ["the sprite is not loaded"];
  const [w, h] = [+image.getAttribute("width"), +image.getAttribute("height")];
  if (image.naturalWidth !== w || image.naturalHeight !== h)
    problems.push(`the sprite is ${image.naturalWidth}x${image.naturalHeight}, not ${w}x${h}`);
  const rows = Math.ceil(frames / columns);
  if (!(columns > 0) || w % columns || h % rows)
    problems.push(`a ${w}x${h} sprite does not hold ${frames} frames in ${columns} columns`);
  const box = view ? view.getBoundingClientRect() : {width: 0, height: 1};
  const ratio = (box.width / box.height) / ((w / columns) / (h / rows));
  if (!view || Math.abs(ratio - 1) > 0.02) problems.push(`the view is ${box.width}x${box.height}`);
  const drawn = image.getBoundingClientRect().width;
  if (Math.abs(drawn - columns * box.width) > 1)  // else the view shows part of another frame
    problems.push(`the sprite is drawn ${drawn} px wide, not ${columns} views of ${box.width} px`);
  return problems;
}"""

# Moves the slider through every position, as a drag does (an input event per position, from the
# far end first), and reports each position not shown (_SHOWS_FRAME) in the very task of its
# input event: a frame held in memory shows at once, one that must still be fetched cannot.
FRAME_SWEEP_JS = "(explorer) => {\n" + _SHOWS_FRAME + r"""
  const slider = explorer.querySelector("input[type=range]");
  const frames = JSON.parse(explorer.getAttribute("data-labels")).length;
  const order = Array.from({length: frames}, (_, i) => i);
  if (+slider.value === 0) order.reverse();
  const late = [];
  for (const i of order) {
    slider.value = String(i);
    slider.dispatchEvent(new Event("input", {bubbles: true}));
    if (!nncourseShows(explorer, i)) late.push(i);
  }
  return {moves: order.length, late};
}"""

# Records, from the very start of a page, every read of a layout-dependent property (which forces
# a layout when styles changed since the last one) made by the theme's script while the page
# parses and in its DOMContentLoaded and load handlers: [{name, what}], ``what`` saying whose size
# was read: "code block" (the theme's tab-stop check: scrollable code and outputs), "sidebar"
# (its scroll to the active link) or "other". An init script: it runs before the page's own.
LAYOUT_READS_INIT_JS = r"""(() => {
  window.__layoutReads = [];
  let loading = true;
  window.addEventListener("load", () => setTimeout(() => { loading = false; }, 0));
  const blocks = "pre, .nboutput > .output_area, .cell_output > .output, "
    + ".jp-RenderedHTMLCommon, .pst-scrollable-table-container";
  const record = (name, element) => {
    if (!loading || !(new Error().stack || "").includes("pydata-sphinx-theme.js")) return;
    const what = element instanceof Element ? (element.matches(blocks) ? "code block"
      : element.closest(".bd-sidebar, .bd-docs-nav") ? "sidebar" : "other") : "other";
    window.__layoutReads.push({name, what});
  };
  const wrap = (proto, name) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d || !d.configurable) return;
    if (d.get) Object.defineProperty(proto, name, {configurable: true, enumerable: d.enumerable,
      set: d.set, get() { record(name, this); return d.get.call(this); }});
    else if (typeof d.value === "function") Object.defineProperty(proto, name, {
      configurable: true, writable: true, enumerable: d.enumerable,
      value(...args) { record(name, this); return d.value.apply(this, args); }});
  };
  for (const name of ["scrollWidth", "scrollHeight", "scrollTop", "scrollLeft", "clientWidth",
                      "clientHeight", "getBoundingClientRect", "getClientRects"])
    wrap(Element.prototype, name);
  for (const name of ["offsetWidth", "offsetHeight", "offsetTop", "offsetLeft", "innerText"])
    wrap(HTMLElement.prototype, name);
})();"""
#: the theme's forced layouts at load that the site removed (book/_static/nncourse.js)
REMOVED_LAYOUT_READS = ("code block", "sidebar")

# Every classic script that may run before the first paint: parser-blocking (no async, no
# defer, not a module) or deferred (runs before DOMContentLoaded). [{src, inline}] for each.
EARLY_SCRIPTS_JS = r"""() => Array.from(document.scripts)
  .filter(s => !s.async && (!s.type || /javascript/i.test(s.type)))
  .map(s => ({src: s.src, inline: s.src ? 0 : s.textContent.length}))"""


def early_script_problems(scripts: list[dict], sizes: dict[str, int],
                          budget: int = FIRST_PAINT_SCRIPT_BUDGET) -> list[str]:
    """Scripts that may run before the first paint and weigh more than their budget.

    Args:
        scripts: what EARLY_SCRIPTS_JS returns for a page (``src``, or ``inline`` length).
        sizes: uncompressed bytes of each fetched script, by URL.
        budget: the most one script may weigh.

    Returns:
        One ``"name: N bytes"`` string per script over the budget, or whose size is unknown.

    Example:
        >>> early_script_problems([{"src": "http://x/a.js", "inline": 0}, {"src": "", "inline": 9}],
        ...                       {"http://x/a.js": 120}, budget=100)
        ['a.js: 120 bytes']
    """
    problems = []
    for script in scripts:
        if not script["src"]:
            size, name = script["inline"], "an inline script"
        else:
            size = sizes.get(script["src"], -1)
            name = script["src"].split("?")[0].rsplit("/", 1)[-1]
            if size < 0:
                problems.append(f"{name}: size unknown (not fetched?)")
                continue
        if size > budget:
            problems.append(f"{name}: {size} bytes")
    return problems


class _Scripts(HTMLParser):
    """The ``<script>`` elements of a page: attributes and the length of inline code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self._inline: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._inline = {"attrs": dict(attrs), "inline": 0}
            self.scripts.append(self._inline)

    def handle_data(self, data: str) -> None:
        if self._inline is not None:
            self._inline["inline"] += len(data.encode("utf-8"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline = None


def parser_blocking_scripts(html_text: str, page: Path) -> list[tuple[str, int]]:
    """Every script of a page that blocks the HTML parser, with its size in bytes.

    A classic script (no ``type``, or a JavaScript one) without ``defer`` or ``async`` stops the
    parser until it is fetched and run; a module, a deferred or async script, and data
    (``application/json``, saved widget state) do not.

    Args:
        html_text: the page's HTML.
        page: the page's file in the built site (a ``src`` resolves against its folder).

    Returns:
        ``(name, bytes)`` per blocking script, in page order: the file name of an external script
        (-1 bytes when its file is missing), ``"inline"`` for code written in the page.

    Example:
        >>> parser_blocking_scripts('<script>var a;</script><script defer src="x.js"></script>'
        ...                         '<script type="application/json">{}</script>', Path("p.html"))
        [('inline', 6)]
    """
    parser = _Scripts()
    parser.feed(html_text)
    blocking = []
    for script in parser.scripts:
        attrs = script["attrs"]
        kind = (attrs.get("type") or "text/javascript").lower()
        if "defer" in attrs or "async" in attrs or "javascript" not in kind:
            continue
        source = attrs.get("src")
        if not source:
            blocking.append(("inline", script["inline"]))
            continue
        if re.match(r"^(https?:)?//", source):
            blocking.append((source, -1))  # the site loads nothing from elsewhere
            continue
        target = page.parent / unquote(urlsplit(source).path)
        blocking.append((target.name, target.stat().st_size if target.is_file() else -1))
    return blocking


def parser_blocking_problems(site: Path, budget: int = PARSER_BLOCKING_SCRIPT_BUDGET
                             ) -> dict[str, list[str]]:
    """Pages of a built site with a parser-blocking script over ``budget`` bytes, or missing.

    Returns:
        ``{page: ["name: N bytes", ...]}`` for each page with such a script (empty: none).
    """
    problems: dict[str, list[str]] = {}
    for page in sorted(site.rglob("*.html")):
        if "_static" in page.relative_to(site).parts:
            continue  # the theme's template snippets, not pages
        found = [f"{name}: {size} bytes" if size >= 0 else f"{name}: not in the site"
                 for name, size in parser_blocking_scripts(page.read_text(encoding="utf-8"), page)
                 if size > budget or size < 0]
        if found:
            problems[str(page.relative_to(site))] = found
    return problems


# --- compact explorer frames: what the built files hold, no browser needed ----------------------

#: the most an explorer's sprite may weigh per frame it holds, in bytes. Chapter 5's damping map,
#: the heaviest, takes about 8 kB a frame; the separate 128-colour PNGs before took 28 kB, and
#: the same sprite as an RGBA PNG (a planted fault) 21 kB.
FRAME_BYTES_BUDGET = 12_000
_EXPLORER_BLOCK = re.compile(r'<div class="nncourse-frames"[^>]*>.*?<!-- /nncourse-frames -->',
                             re.DOTALL)
_FIGURE_IMAGE = re.compile(r'<img class="nncourse-figure"[^>]*>')


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


def png_header(path: Path) -> tuple[int, int, int] | None:
    """(width, height, colour type) of a PNG file; None if it is not one. Colour type 3 is an
    8-bit palette, 2 RGB, 6 RGBA."""
    head = path.read_bytes()[:26] if path.is_file() else b""
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"), head[25]


def explorer_sprites(page: Path) -> list[Path]:
    """The sprite file of every explorer on a built page, in page order."""
    text = page.read_text(encoding="utf-8")
    sources = [_attribute(re.search(r"<img [^>]*>", block).group(0), "src") or ""
               for block in _EXPLORER_BLOCK.findall(text) if "<img " in block]
    return [(page.parent / unquote(src)).resolve() for src in sources]


def compact_image_problems(page: Path, budget: int = FRAME_BYTES_BUDGET) -> list[str]:
    """Why the explorers and figures of a built page are not compact (empty: they are).

    Each explorer shows its frames from one sprite file (``data-columns`` frames per row, one per
    ``data-labels`` entry): an 8-bit palette PNG as large as its ``<img>`` says, with a cell for
    every frame, of at most ``budget`` bytes per frame. Each chapter figure is a palette PNG.
    """
    text = page.read_text(encoding="utf-8")
    problems = []
    for number, block in enumerate(_EXPLORER_BLOCK.findall(text), 1):
        head = block[:block.index(">") + 1]
        frames = len(json.loads(_attribute(head, "data-labels") or "[]"))
        columns = int(_attribute(head, "data-columns") or 0)
        images = re.findall(r"<img [^>]*>", block)
        where = f"explorer {number} ({_attribute(head, 'data-parameter')})"
        if len(images) != 1 or columns < 1 or frames < 2:
            problems.append(f"{where}: {len(images)} images, {columns} columns, {frames} frames")
            continue
        sprite = (page.parent / unquote(_attribute(images[0], "src") or "")).resolve()
        header = png_header(sprite)
        if header is None:
            problems.append(f"{where}: its sprite {sprite.name} is not a PNG file of the site")
            continue
        width, height, colour = header
        rows = -(-frames // columns)
        size = sprite.stat().st_size
        if colour != 3:
            problems.append(f"{where}: {sprite.name} is not a palette PNG (colour type {colour})")
        if (str(width), str(height)) != (_attribute(images[0], "width"),
                                         _attribute(images[0], "height")):
            problems.append(f"{where}: {sprite.name} is {width}x{height}, its <img> says "
                            f"{_attribute(images[0], 'width')}x{_attribute(images[0], 'height')}")
        if width % columns or height % rows:
            problems.append(f"{where}: {width}x{height} is no grid of {frames} frames in "
                            f"{columns} columns")
        if size > budget * frames:
            problems.append(f"{where}: {size} bytes for {frames} frames, over {budget} a frame")
    for tag in _FIGURE_IMAGE.findall(text):
        figure = (page.parent / unquote(_attribute(tag, "src") or "")).resolve()
        header = png_header(figure)
        if header is None or header[2] != 3:
            problems.append(f"figure {figure.name}: not a palette PNG ({header})")
    return problems
