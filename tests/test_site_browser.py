"""The built website in a real browser: Debian's headless Chromium driven by Playwright.

Every page of the table of contents is opened from a local server. A page passes when it logs no
console error, every request to the site succeeds, no request leaves localhost (the site must
work offline: widget JavaScript and MathJax are served with it), every image loads and every
internal link (with its #anchor) resolves. Then: search finds "backpropagation", the saved widget
on the introduction renders, and a solution toggle opens and closes. Screenshots of three pages
are saved in test-artifacts/.

The site is built first if _build/html is missing (`make book` normally did that).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers_site import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    broken_internal_links,
    build_site,
    serve,
    toc_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

playwright_api = pytest.importorskip("playwright.sync_api")

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SCREENSHOT_PAGES = {
    "intro": "book/intro.html",
    "chapter": "book/03_backpropagation.html",
    "lab": "notebooks/lab01_training_loop.html",
}


@pytest.fixture(scope="module")
def site() -> Path:
    return build_site()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package).")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageRecord:
    """What went wrong while one page loaded: console errors, failed or external requests."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.external: list[str] = []

    def problems(self) -> list[str]:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"failed request: {text}" for text in self.failed]
            + [f"request outside localhost: {url}" for url in self.external]
        )


@pytest.fixture
def open_page(browser, base_url: str):
    """Return a function (path) -> (page, record) that opens a site page, watching every request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def opener(path: str):
        record = PageRecord()
        page = context.new_page()

        def route(route_request) -> None:
            url = route_request.request.url
            external = urlsplit(url).hostname not in LOCAL_HOSTS
            if url.startswith(("http://", "https://")) and external:
                record.external.append(url)
                route_request.abort()
            else:
                route_request.continue_()

        def on_response(response) -> None:
            if response.url.startswith(base_url) and response.status >= 400:
                record.failed.append(f"{response.status} {response.url}")

        def on_failed(request) -> None:
            if request.url.startswith(base_url):
                record.failed.append(f"{request.failure} {request.url}")

        def on_console(message) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                record.console_errors.append(f"{message.text} ({where})")

        page.route("**/*", route)
        page.on("response", on_response)
        page.on("requestfailed", on_failed)
        page.on("console", on_console)
        page.on("pageerror", lambda error: record.console_errors.append(f"uncaught: {error}"))
        page.goto(base_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        return page, record

    yield opener
    context.close()


def images_not_loaded(page) -> list[str]:
    """Return the src of every <img> that did not load (lazy images are loaded first)."""
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete)", timeout=15_000
    )
    return page.evaluate(
        "() => Array.from(document.images)"
        ".filter(i => !(i.naturalWidth > 0)).map(i => i.currentSrc || i.src)"
    )


def untypeset_math(page) -> list[str]:
    """Wait for MathJax (served with the site) and return formulas it did not typeset."""
    page.wait_for_function(
        "() => !document.querySelector('.math') || (window.MathJax && MathJax.startup"
        " && MathJax.startup.promise)", timeout=15_000
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('span.math, div.math'))"
        ".filter(m => !m.querySelector('mjx-container'))"
        ".map(m => m.textContent.trim().slice(0, 60))"
    )


def visible_solutions(page) -> list[str]:
    """Return the first words of every solution that is visible when the page has loaded."""
    return page.evaluate(
        """() => {
            const open = [];
            const blocks = document.querySelectorAll(
                "div.solution.admonition, div.admonition.solution-cell");
            blocks.forEach(b => { if (!b.classList.contains("toggle-hidden")) open.push(b); });
            document.querySelectorAll(".cell.tag_solution").forEach(cell => {
                const details = cell.closest("details");
                if (!details || details.open) open.push(cell);
            });
            return open.map(e => e.textContent.trim().slice(0, 60));
        }"""
    )


def test_toc_lists_the_course_pages():
    pages = toc_pages()
    assert pages[0] == "book/intro.html"
    for expected in ("book/setup.html", "book/instructor_guide.html", "book/reference.html",
                     "book/03_backpropagation.html", "notebooks/lab04_activation_functions.html"):
        assert expected in pages


def test_every_page_loads_cleanly(site: Path, base_url: str, open_page):
    problems: dict[str, list[str]] = {}
    pages = ["index.html", *toc_pages(), "search.html", "genindex.html", "py-modindex.html"]
    for path in pages:
        assert (site / path).is_file(), f"{path} is in the table of contents but was not built"
        page, record = open_page(path)
        found = record.problems()
        found += [f"image did not load: {src}" for src in images_not_loaded(page)]
        found += [f"solution shown before its toggle: {text}" for text in visible_solutions(page)]
        found += [f"formula not typeset: {text}" for text in untypeset_math(page)]
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
        live_ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        found += [f"broken link: {text}" for text in
                  broken_internal_links(site, base_url, page.url, hrefs, live_ids)]
        name = next((key for key, value in SCREENSHOT_PAGES.items() if value == path), None)
        if name is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"), full_page=False)
        page.close()
        if found:
            problems[path] = found
    assert not problems, "\n".join(
        f"{path}:\n  " + "\n  ".join(items) for path, items in problems.items()
    )
    for name in SCREENSHOT_PAGES:
        assert (ARTIFACTS / f"site-{name}.png").stat().st_size > 10_000


def test_search_finds_backpropagation(open_page):
    page, record = open_page("search.html?q=backpropagation")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    results = page.locator("#search-results ul.search li")
    assert results.count() >= 1
    titles = " ".join(results.all_inner_texts()).lower()
    assert "backpropagation" in titles
    assert not record.problems()


def test_saved_widget_renders_offline(open_page):
    page, record = open_page("book/intro.html")
    # The html-manager replaces the saved view's <script> with live DOM built from the state.
    page.wait_for_selector(".nncourse-saved-widget .widget-slider", timeout=20_000)
    widget = page.locator(".nncourse-saved-widget")
    assert widget.is_visible()
    assert "learning rate" in widget.inner_text()
    readout = page.locator(".nncourse-saved-widget .widget-readout").first
    assert readout.inner_text().strip() == "0.1000"
    assert not record.problems()


def test_solution_is_hidden_until_toggled(open_page):
    page, record = open_page("book/setup.html")
    solution = page.locator("div.solution.admonition").first
    body = solution.locator("section, p:not(.admonition-title)").first
    page.wait_for_selector("div.solution.admonition .toggle-button", timeout=10_000)
    assert "toggle-hidden" in (solution.get_attribute("class") or "")
    assert not body.is_visible()
    toggle = solution.locator(".toggle-button")
    toggle.click()
    page.wait_for_function(
        "() => !document.querySelector('div.solution.admonition').classList"
        ".contains('toggle-hidden')"
    )
    assert body.is_visible()
    toggle.click()
    page.wait_for_function(
        "() => document.querySelector('div.solution.admonition').classList"
        ".contains('toggle-hidden')"
    )
    assert not body.is_visible()
    assert not record.problems()


def launch_hrefs(page) -> list[str]:
    return page.eval_on_selector_all(
        ".dropdown-launch-buttons a[href]", "els => els.map(a => a.getAttribute('href'))"
    )


def test_lab_has_binder_colab_and_jupyterhub_buttons(open_page):
    page, _ = open_page("notebooks/lab01_training_loop.html")
    hrefs = launch_hrefs(page)
    assert any(h.startswith("https://mybinder.org/v2/gh/nncourse/nncourse/") for h in hrefs)
    assert any(
        "colab.research.google.com/github/nncourse/nncourse/blob/main/notebooks/"
        "lab01_training_loop.ipynb" in h for h in hrefs
    )
    assert any("/hub/user-redirect/git-pull?repo=" in h and "nncourse" in h for h in hrefs)


def test_chapter_explorers_offer_a_launch(open_page):
    page, record = open_page("book/03_backpropagation.html")
    hrefs = launch_hrefs(page)
    assert any(h.startswith("https://mybinder.org/") and h.endswith(".md") for h in hrefs)
    # Colab cannot open a MyST Markdown page, so the chapter does not offer it.
    assert not any("colab.research.google.com" in h for h in hrefs)
    explorers = page.locator(".cell.tag_explorer").count()
    assert explorers >= 1, "chapter 3 tags its stepper figure as an explorer"
    bars = page.locator(".cell.tag_explorer + .nncourse-launch-bar a.nncourse-launch[href]")
    assert bars.count() >= explorers * 2  # Binder and JupyterHub under each static figure
    assert not record.problems()
