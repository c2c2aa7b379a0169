"""Helpers for the website test: find or build the site, serve it, list its pages, check links.

The browser test (tests/test_site_browser.py) uses these; nothing here starts a browser.
"""

from __future__ import annotations

import fcntl
import functools
import gzip
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
