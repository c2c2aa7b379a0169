"""The built website in a real browser: Debian's headless Chromium driven by Playwright.

Every page of the table of contents is opened from a local server, at 1366 px and (for the course
pages) at 390 px. A page passes when it logs no console error, every request to the site succeeds,
no request leaves localhost (the site works offline), every image loads and every internal link
resolves. Then, as a reader would: the menu opens on a phone; a static explorer's slider changes
its figure; a static quiz shows the feedback of the chosen answer only; chapter pages stay within
their weight budget; every launch and download link opens a student notebook; axe-core finds no
serious or critical accessibility problem (light and dark). Screenshots of both widths are saved
in test-artifacts/.

Speed on a slow phone is checked twice. Tests marked ``perf`` time it (frame latency with the CPU
slowed 4x and a slow mobile network, total blocking time): their results depend on the machine and
its load, so only `make site-perf` runs them (tests/conftest.py leaves them out otherwise). The
other tests check, with no clock, what makes those timings hold: every explorer frame is in memory
before the reader's first touch, and no chapter page holds a cause of long tasks.

The site is built first if _build/html is missing (`make book` normally did that).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers_site import (
    ARTIFACTS,
    ASPECT_JS,
    AXE_SCRIPT,
    BAD_ALT_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTRAST_JS,
    CPU_BENCHMARK_JS,
    EARLY_SCRIPTS_JS,
    FRAME_BUDGET_MS,
    FRAME_BYTES_BUDGET,
    FRAME_LATENCY_JS,
    FRAME_SPRITE_JS,
    FRAME_SWEEP_JS,
    LAYOUT_READS_INIT_JS,
    LONG_TASKS_INIT_JS,
    MAX_ASPECT_ERROR,
    MIN_CONTRAST,
    PAGE_BUDGET_GZIP,
    READER_PARTS,
    REMOVED_LAYOUT_READS,
    SLOW_MOBILE,
    TBT_BUDGET_MS,
    broken_internal_links,
    build_site,
    calibrated_slowdown,
    compact_image_problems,
    early_script_problems,
    explorer_sprites,
    gzip_size,
    page_links,
    parser_blocking_problems,
    serve,
    student_notebook_problems,
    toc_pages,
    total_blocking_time,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

playwright_api = pytest.importorskip("playwright.sync_api")

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHAPTERS = [f"book/{name}.html" for name in (
    "01_training_loop", "02_gradient_descent", "03_backpropagation", "04_activation_functions")]
LABS = [f"notebooks/lab{page[5:]}" for page in CHAPTERS]
#: every chapter of the course (the table of contents' book/NN_*.html pages)
ALL_CHAPTERS = [page for page in toc_pages() if re.fullmatch(r"book/\d\d_\w+\.html", page)]
#: the API reference: one autodoc page per module, all made from one template and no script of
#: their own. The browser opens a spread of them (every twentieth, and the last); every one of
#: them is checked without a browser (test_every_reference_page_links_and_loads_offline).
REFERENCE_PAGES = [page for page in toc_pages() if page.startswith("book/reference/")]
REFERENCE_SAMPLE = sorted({*REFERENCE_PAGES[::20], *REFERENCE_PAGES[-1:]})
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOT_PAGES = {"intro": "book/intro.html", "chapter": "book/01_training_loop.html",
                    "lab": "notebooks/lab01_training_loop.html"}


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
    """What happened while one page loaded: console errors, failed or external requests, bytes."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.external: list[str] = []
        self.responses: list[object] = []

    def problems(self) -> list[str]:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"failed request: {text}" for text in self.failed]
            + [f"request outside localhost: {url}" for url in self.external]
        )


def _open(context, base_url: str, path: str, idle: bool = False):
    record = PageRecord()
    page = context.new_page()

    def route(route_request) -> None:
        url = route_request.request.url
        if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            record.external.append(url)
            route_request.abort()
        else:
            route_request.continue_()

    def on_response(response) -> None:
        record.responses.append(response)
        if response.url.startswith(base_url) and response.status >= 400:
            record.failed.append(f"{response.status} {response.url}")

    def on_failed(request) -> None:
        if request.url.startswith(base_url):
            record.failed.append(f"{request.failure} {request.url}")

    def on_console(message) -> None:
        if message.type == "error":
            record.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.route("**/*", route)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: record.console_errors.append(f"uncaught: {error}"))
    page.goto(base_url + path, wait_until="load")
    if path == "index.html":  # a redirect to the introduction
        page.wait_for_url("**/book/intro.html")
        page.wait_for_load_state("load")
    if idle:
        page.wait_for_load_state("networkidle")
    return page, record


@pytest.fixture
def open_page(browser, base_url: str):
    """(path, viewport=DESKTOP, dark=False, idle=True) -> (page, record)."""
    contexts = {}

    def opener(path: str, viewport: dict = DESKTOP, dark: bool = False, idle: bool = True):
        key = (viewport["width"], dark)
        if key not in contexts:
            contexts[key] = browser.new_context(viewport=viewport,
                                                color_scheme="dark" if dark else "light")
        return _open(contexts[key], base_url, path, idle=idle)

    yield opener
    for context in contexts.values():
        context.close()


# --- one concurrent pass over every page ------------------------------------------------------
# Loading ~90 pages one after the other takes minutes on a small machine; the survey opens them
# four at a time (Playwright's async API, in a thread of its own) and records, per page and width,
# everything the tests below assert on.

AXE_PAGES = {("book/01_training_loop.html", False), ("book/01_training_loop.html", True),
             ("notebooks/lab01_training_loop.html", False),
             ("notebooks/lab03_backpropagation.html", True), ("book/intro.html", False)}
AXE_JS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
             v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
CHECKS_JS = """() => ({
    solutions: Array.from(document.querySelectorAll(
            "div.solution.admonition, div.admonition.solution-cell"))
        .filter(b => !b.classList.contains("toggle-hidden"))
        .concat(Array.from(document.querySelectorAll(".cell.tag_solution")).filter(cell => {
            const details = cell.closest("details"); return !details || details.open; }))
        .map(e => e.textContent.trim().slice(0, 60)),
    hrefs: Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href")),
    ids: Array.from(document.querySelectorAll("[id]")).map(e => e.id),
    launch: Array.from(document.querySelectorAll(".dropdown-launch-buttons a[href], "
        + ".dropdown-download-buttons a[href$='.ipynb']")).map(a => a.href),
    width: document.documentElement.scrollWidth,
    theme: document.documentElement.dataset.theme,
    widgets: !!document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]'),
    math: !!document.querySelector(".math"),
    badAlt: Array.from(document.querySelectorAll("article img")).map(i => i.getAttribute("alt"))
        .filter(alt => !alt || /\\.(png|jpe?g|svg|gif)$/i.test(alt)),
})"""
NOT_LOADED_JS = """() => Array.from(document.images)
    .filter(i => !(i.naturalWidth > 0)).map(i => i.currentSrc || i.src)"""
UNTYPESET_JS = """() => Array.from(document.querySelectorAll('span.math, div.math'))
    .filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim().slice(0, 60))"""


async def _survey_page(context, base_url: str, site: Path, path: str, width: int,
                       dark: bool) -> dict:
    record = PageRecord()
    page = await context.new_page()

    async def route(route_request) -> None:
        url = route_request.request.url
        if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            record.external.append(url)
            await route_request.abort()
        else:
            await route_request.continue_()

    sizes: list = []

    def on_response(response) -> None:
        record.responses.append(response)
        if response.url.startswith(base_url) and response.status >= 400:
            record.failed.append(f"{response.status} {response.url}")

    await page.route("**/*", route)
    page.on("response", on_response)
    page.on("requestfailed", lambda r: record.failed.append(f"{r.failure} {r.url}")
            if r.url.startswith(base_url) else None)
    page.on("console", lambda m: record.console_errors.append(
        f"{m.text} ({m.location.get('url', '')})") if m.type == "error" else None)
    page.on("pageerror", lambda error: record.console_errors.append(f"uncaught: {error}"))
    await page.goto(base_url + path, wait_until="load")
    if path == "index.html":  # a redirect to the introduction
        await page.wait_for_url("**/book/intro.html")
        await page.wait_for_load_state("load")
    out: dict = {"path": path, "width": width, "dark": dark}
    if path in ALL_CHAPTERS and width == DESKTOP["width"] and not dark:
        await page.wait_for_load_state("networkidle")
        for response in list(record.responses):
            try:
                sizes.append((gzip_size(await response.body()), response.url))
            except Exception:  # a redirect or aborted request has no body
                continue
        out["weight"] = sizes
    facts = await page.evaluate(CHECKS_JS)
    out.update(facts)
    found: list[str] = []
    full = width == DESKTOP["width"]  # images and formulas are the same at both widths
    if full:
        await page.evaluate("() => document.querySelectorAll('img[loading=lazy]')"
                            ".forEach(i => i.loading = 'eager')")
        await page.wait_for_function(
            "() => Array.from(document.images).every(i => i.complete)", timeout=20_000)
        found += [f"image did not load: {src}" for src in await page.evaluate(NOT_LOADED_JS)]
    if facts["math"] and full:
        # Formulas are typeset when the site is built (scripts/render-math.js); a page that
        # still loads MathJax (saved widgets) typesets the rest in the browser.
        if await page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
            await page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=20_000)
            await page.evaluate("() => MathJax.startup.promise")
        found += [f"formula not typeset: {t}" for t in await page.evaluate(UNTYPESET_JS)]
    if width == DESKTOP["width"] and not dark:
        if path in ALL_CHAPTERS:  # figures made by the chapter's code say what they show
            found += [f"figure without a description: {alt!r}"
                      for alt in await page.evaluate(BAD_ALT_JS)]
        found += [f"solution shown before its toggle: {t}" for t in facts["solutions"]]
        found += [f"broken link: {t}" for t in broken_internal_links(
            site, base_url, page.url, facts["hrefs"], set(facts["ids"]))]
    elif facts["width"] > width:
        found.append(f"page is {facts['width']} px wide on a {width} px screen")
    if (path, dark) in AXE_PAGES and width == DESKTOP["width"] and AXE_SCRIPT.is_file():
        if facts["widgets"]:  # saved widgets render after load; the site then names them
            await page.wait_for_selector(".jupyter-widgets.widget-slider, .widget-image",
                                         state="attached", timeout=20_000)
            await page.wait_for_function(
                "() => Array.from(document.querySelectorAll('img.widget-image, .widget-image img'))"
                ".every(i => i.hasAttribute('alt'))", timeout=10_000)
        # Off-screen sections are laid out when reached (content-visibility); lay them all out,
        # as a reader scrolling through would, so that axe sees what is drawn there.
        await page.add_style_tag(content="* { content-visibility: visible !important; }")
        await page.add_script_tag(path=str(AXE_SCRIPT))
        out["axe"] = await page.evaluate(AXE_JS)
    name = next((k for k, v in SCREENSHOT_PAGES.items() if v == path), None)
    if name is not None and not dark:
        await page.evaluate("() => window.scrollTo(0, 0)")
        await page.screenshot(path=str(ARTIFACTS / f"site-{name}-{width}.png"))
    await page.close()
    out["problems"] = record.problems() + found
    return out


def _survey(site: Path, base_url: str) -> list[dict]:
    from playwright.async_api import async_playwright

    course = ["book/intro.html", "book/setup.html", *CHAPTERS, *LABS]
    browsed = [p for p in toc_pages() if p not in REFERENCE_PAGES or p in REFERENCE_SAMPLE]
    jobs = [(p, DESKTOP["width"], False) for p in
            ["index.html", *browsed, "search.html", "genindex.html", "py-modindex.html"]]
    jobs += [(p, PHONE["width"], False) for p in course]
    jobs += [(p, DESKTOP["width"], True) for p, dark in sorted(AXE_PAGES) if dark]
    ARTIFACTS.mkdir(exist_ok=True)

    async def main() -> list[dict]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                       args=CHROMIUM_ARGS)
            contexts = {}
            for width, dark in {(w, d) for _, w, d in jobs}:
                height = PHONE["height"] if width == PHONE["width"] else DESKTOP["height"]
                contexts[width, dark] = await browser.new_context(
                    viewport={"width": width, "height": height},
                    color_scheme="dark" if dark else "light")
            gate = asyncio.Semaphore(4)

            async def one(path: str, width: int, dark: bool) -> dict:
                async with gate:
                    try:
                        return await _survey_page(contexts[width, dark], base_url, site, path,
                                                  width, dark)
                    except Exception as error:  # a timeout on one page is that page's problem
                        return {"path": path, "width": width, "dark": dark,
                                "problems": [f"{type(error).__name__}: {error}"[:500]]}

            results = await asyncio.gather(*(one(*job) for job in jobs))
            await browser.close()
            return list(results)

    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(results=asyncio.run(main())))
    thread.start()
    thread.join()
    return box["results"]


@pytest.fixture(scope="module")
def survey(site: Path, base_url: str) -> dict[tuple[str, int, bool], dict]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package).")
    return {(r["path"], r["width"], r["dark"]): r for r in _survey(site, base_url)}


def test_toc_reads_chapter_lab_chapter():
    pages = toc_pages()
    assert pages[0] == "book/intro.html"
    order = [p for p in pages if p in CHAPTERS or p in LABS]
    assert order == [page for pair in zip(CHAPTERS, LABS, strict=True) for page in pair]
    for expected in ("book/setup.html", "book/instructor_guide.html", "book/reference.html",
                     "book/reference/nncourse.numpy.layers.html"):
        assert expected in pages


def test_every_page_loads_cleanly(site: Path, survey):
    """No console error, failed or external request, unloaded image, raw formula, open solution,
    broken link (1366 px), or page wider than a phone (390 px). (The reference pages: a spread.)"""
    pages = ["index.html", *toc_pages(), "search.html", "genindex.html", "py-modindex.html"]
    for path in pages:
        assert (site / path).is_file(), f"{path} is in the table of contents but not built"
    problems = {f"{path} at {width} px{' (dark)' if dark else ''}": r["problems"]
                for (path, width, dark), r in sorted(survey.items()) if r["problems"]}
    assert not problems, "\n".join(
        f"{path}:\n  " + "\n  ".join(items) for path, items in problems.items()
    )
    for name in SCREENSHOT_PAGES:
        for width in (390, 1366):
            assert (ARTIFACTS / f"site-{name}-{width}.png").stat().st_size > 10_000


def test_every_reference_page_links_and_loads_offline(site: Path, base_url: str):
    """Each API reference page, read as HTML: its links resolve and it loads nothing off-site.

    The browser opens a spread of these pages (REFERENCE_SAMPLE); they share one template, so
    what a browser alone could find (console errors, layout) is the same on all of them.
    """
    assert len(REFERENCE_PAGES) > 20 and set(REFERENCE_SAMPLE) < set(REFERENCE_PAGES)
    problems = {}
    for path in REFERENCE_PAGES:
        links = page_links(site / path)
        url = f"{base_url}{path}"
        found = broken_internal_links(site, base_url, url, links["hrefs"], links["ids"])
        found += [f"loads {src} from another site" for src in links["loads"]
                  if urlsplit(src).scheme in ("http", "https", "") and urlsplit(src).netloc]
        if found:
            problems[path] = found
    assert not problems, problems


def test_planted_broken_reference_link_is_found(site: Path, base_url: str, tmp_path: Path):
    page = site / REFERENCE_PAGES[0]
    planted = tmp_path / "planted.html"
    planted.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", '<a href="#no-such-anchor">x</a><script src="https://cdn.example/x.js">'
        "</script></article>", 1), encoding="utf-8")
    links = page_links(planted)
    assert "#no-such-anchor" in links["hrefs"]
    assert broken_internal_links(site, base_url, f"{base_url}{REFERENCE_PAGES[0]}",
                                 ["#no-such-anchor"], links["ids"])
    assert "https://cdn.example/x.js" in links["loads"]


@pytest.mark.parametrize("side, link", [("primary", "Lab 1"), ("secondary", "Quiz")])
def test_phone_menus_open(open_page, side: str, link: str):
    page, record = open_page("book/01_training_loop.html", PHONE)
    button = page.locator(f".bd-header-article .{side}-toggle")
    assert button.is_visible()
    button.click()
    dialog = page.locator(f"dialog#pst-{side}-sidebar-modal")
    page.wait_for_function(f"() => document.querySelector('#pst-{side}-sidebar-modal').open",
                           timeout=5_000)
    target = dialog.get_by_role("link", name=link).first
    assert target.is_visible()
    box = target.bounding_box()
    assert box is not None and 0 <= box["x"] < PHONE["width"]
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !document.querySelector('#pst-{side}-sidebar-modal').open")
    assert not record.problems()


def test_desktop_has_no_empty_top_bar(open_page):
    page, _ = open_page("book/01_training_loop.html")
    assert not page.locator("header#pst-header").is_visible()
    top = page.locator("article.bd-article h1").first.bounding_box()
    assert top is not None and top["y"] < 200


def test_static_explorer_slider_changes_the_figure(open_page):
    page, record = open_page("book/01_training_loop.html", PHONE)
    explorer = page.locator("div.nncourse-frames").first
    explorer.scroll_into_view_if_needed()
    image, slider = explorer.locator("img"), explorer.locator("input[type=range]")
    shown = "i => [i.style.left, i.style.top, i.alt]"
    before = image.evaluate(shown)
    width = explorer.locator(".nncourse-frames-view").evaluate(
        "v => v.getBoundingClientRect().width")
    assert width > 300, f"the figure is {width} px wide on a phone"
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    after = image.evaluate(shown)
    assert after[:2] == ["0%", "0%"] and after[:2] != before[:2] and after[2] != before[2]
    assert explorer.locator("output").inner_text().strip() == "0.01"
    assert "runs in the lab" in explorer.inner_text()
    assert not record.problems()


def _shown_feedback(form) -> list[tuple[str, str]]:
    return form.evaluate(
        "f => Array.from(f.querySelectorAll('.nncourse-quiz-feedback'))"
        ".filter(p => !p.hidden && p.offsetParent !== null)"
        ".map(p => [p.getAttribute('data-for'), p.className])")


def test_static_quiz_shows_the_chosen_feedback_only(open_page):
    page, record = open_page("book/01_training_loop.html")
    choice = page.locator("form.nncourse-quiz-question[data-kind=choice]").first
    assert _shown_feedback(choice) == []
    choice.locator("input[type=radio]").nth(0).check()
    choice.locator("button.nncourse-quiz-check").click()
    shown = _shown_feedback(choice)
    assert len(shown) == 1 and shown[0][0] == "0" and "is-wrong" in shown[0][1]
    choice.locator("input[type=radio]").nth(1).check()
    assert _shown_feedback(choice) == []  # a new answer hides the old feedback
    choice.locator("button.nncourse-quiz-check").click()
    shown = _shown_feedback(choice)
    assert len(shown) == 1 and shown[0][0] == "1" and "is-correct" in shown[0][1]

    numeric = page.locator("form.nncourse-quiz-question[data-kind=numeric]").first
    field = numeric.locator("input[type=number]")
    for typed, expected in (("47", "low"), ("49", "high"), ("48", "correct"), ("", "invalid")):
        field.fill(typed)
        numeric.locator("button.nncourse-quiz-check").click()
        assert [key for key, _ in _shown_feedback(numeric)] == [expected], typed
    assert not record.problems()


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_chapter_page_weight_within_budget(survey, path: str):
    sizes = survey[path, DESKTOP["width"], False]["weight"]
    total = sum(size for size, _ in sizes)
    heaviest = ", ".join(f"{url.rsplit('/', 1)[-1][:40]} {size // 1000} kB"
                         for size, url in sorted(sizes, reverse=True)[:5])
    assert total <= PAGE_BUDGET_GZIP, f"{path}: {total / 1e6:.2f} MB gzipped ({heaviest})"
    urls = [url for _, url in sizes]
    assert not any("embed-amd.js" in url for url in urls), \
        f"{path} loads the widget manager but shows no live widget"
    assert not any("fontawesome.js" in url for url in urls)
    assert any("_images/frames/" in url for url in urls) or "frames" not in path


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_chapter_page_with_every_explorer_frame_within_budget(site: Path, survey, path: str):
    """The first load plus the sprites of the explorers it did not reach, gzipped: a reader who
    moves every slider of the chapter still stays within PAGE_BUDGET_GZIP."""
    sizes = survey[path, DESKTOP["width"], False]["weight"]
    loaded = {urlsplit(url).path.rsplit("/", 1)[-1] for _, url in sizes}
    rest = [sprite for sprite in explorer_sprites(site / path) if sprite.name not in loaded]
    total = sum(size for size, _ in sizes) + sum(gzip_size(s.read_bytes()) for s in rest)
    assert total <= PAGE_BUDGET_GZIP, f"{path}: {total / 1e6:.2f} MB gzipped with every frame"


@pytest.mark.parametrize("path", [*CHAPTERS, *LABS])
def test_launch_and_download_links_open_student_notebooks(site: Path, survey, path: str):
    hrefs = survey[path, DESKTOP["width"], False]["launch"]
    services = " ".join(hrefs)
    assert "mybinder.org" in services and "colab.research.google.com" in services
    assert "example.org" not in services  # no placeholder hub: the button needs a real one
    problems = [p for href in hrefs for p in student_notebook_problems(site, href)]
    assert not problems, "\n".join(problems)
    assert any(h.startswith("http://127.0.0.1") for h in hrefs), "no download of the notebook"
    assert not list((site / "_sources" / "notebooks").glob("*.ipynb")), "solved labs published"


def test_binder_environment_installs_nncourse(site: Path):
    requirements = (site / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert "nncourse @ git+https://github.com/" in requirements
    assert "numpy==" in requirements and "ipywidgets==" in requirements


def test_lab_links_to_its_chapter_and_marks_saved_widgets(open_page):
    page, record = open_page("notebooks/lab01_training_loop.html")
    back = page.locator("p.nncourse-lab-chapter a")
    assert back.get_attribute("href").endswith("01_training_loop.html")
    page.wait_for_selector(".widget-slider, .widget-button", state="attached", timeout=20_000)
    notices = page.locator(".nncourse-kernel-notice")
    assert notices.count() >= 1
    # text_content: the notice may sit in a section not yet laid out (content-visibility)
    assert "Needs a running Python kernel" in (notices.first.text_content() or "")
    assert not record.problems()


def test_search_finds_backpropagation(open_page):
    page, record = open_page("search.html?q=backpropagation")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    titles = " ".join(page.locator("#search-results ul.search li").all_inner_texts()).lower()
    assert "backpropagation" in titles
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


@pytest.mark.parametrize("path, dark", sorted(AXE_PAGES))
def test_axe_finds_no_serious_violations(survey, path: str, dark: bool):
    if not AXE_SCRIPT.is_file():
        pytest.skip("axe-core is missing: run `bash scripts/build-widget-js.sh` (npm ci).")
    result = survey[path, DESKTOP["width"], dark]
    assert result["theme"] == ("dark" if dark else "light")
    assert "axe" in result, result["problems"]
    assert not result["axe"], "\n".join(result["axe"])


# --- as a reader sees it: both colour schemes, a phone and a desktop --------------------------
# A handful of representative pages in all four combinations (390 px touch and 1366 px, light
# and dark), every chapter at the combination that failed before (a dark phone): computed
# contrast of every text node the course draws itself, figures in their own shape, outputs that
# never scroll sideways on a desktop.

REPRESENTATIVE = ["book/01_training_loop.html", "book/03_backpropagation.html",
                  "notebooks/lab01_training_loop.html", "notebooks/lab03_backpropagation.html"]
COMBOS = [(PHONE, False), (PHONE, True), (DESKTOP, False), (DESKTOP, True)]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDE_OUTPUTS_JS = """() => Array.from(document.querySelectorAll(
        '.cell_output .output, .cell_output pre, div.highlight-none pre'))
    .filter(e => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim().slice(0, 60))"""


def _phone_or_desktop(browser, viewport: dict, dark: bool, **extra):
    touch = viewport["width"] == PHONE["width"]
    return browser.new_context(viewport=viewport, color_scheme="dark" if dark else "light",
                               is_mobile=touch, has_touch=touch, **extra)


async def _reader_page(browser, base_url: str, path: str, viewport: dict, dark: bool) -> dict:
    touch = viewport["width"] == PHONE["width"]
    context = await browser.new_context(viewport=viewport, is_mobile=touch, has_touch=touch,
                                        color_scheme="dark" if dark else "light")
    page = await context.new_page()
    await page.goto(base_url + path, wait_until="load", timeout=90_000)
    await page.evaluate("() => document.querySelectorAll('img[loading=lazy]')"
                        ".forEach(i => i.loading = 'eager')")
    await page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete)", timeout=60_000)
    if await page.evaluate(f"() => !!document.querySelector('script[type=\"{WIDGET_VIEW}\"]')"):
        await page.wait_for_selector(".jupyter-widgets.widget-slider, .widget-image, "
                                     ".widget-button", state="attached", timeout=30_000)
        # The site's notice and names follow the widgets: wait for them (a state, not a time).
        await page.wait_for_function(
            "() => !!document.querySelector('.nncourse-kernel-notice') && Array.from("
            "document.querySelectorAll('img.widget-image, .widget-image img'))"
            ".every(i => i.hasAttribute('alt'))", timeout=30_000)
    # Sections off screen are laid out only when the reader gets there (content-visibility);
    # lay them all out, as scrolling through would, before measuring what they show.
    await page.add_style_tag(content="* { content-visibility: visible !important; }")
    out = {"theme": await page.evaluate("() => document.documentElement.dataset.theme"),
           "contrast": await page.evaluate(CONTRAST_JS, [READER_PARTS, MIN_CONTRAST]),
           "aspect": await page.evaluate(ASPECT_JS, MAX_ASPECT_ERROR),
           "wide": [] if touch else await page.evaluate(WIDE_OUTPUTS_JS)}
    if path == "book/01_training_loop.html" or (path in REPRESENTATIVE and touch):
        scheme = "dark" if dark else "light"
        quiz = page.locator(".nncourse-quiz").first
        if await quiz.count():
            await quiz.scroll_into_view_if_needed()
            name = f"reader-{Path(path).stem}-{viewport['width']}-{scheme}.png"
            await page.screenshot(path=str(ARTIFACTS / name))
    await context.close()
    return out


@pytest.fixture(scope="module")
def reader_views(site: Path, base_url: str) -> dict[tuple[str, int, bool], dict]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package).")
    from playwright.async_api import async_playwright

    jobs = [(path, viewport, dark) for path in REPRESENTATIVE for viewport, dark in COMBOS]
    jobs += [(path, PHONE, True) for path in ALL_CHAPTERS if path not in REPRESENTATIVE]
    ARTIFACTS.mkdir(exist_ok=True)

    async def main() -> dict:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                       args=CHROMIUM_ARGS)
            gate = asyncio.Semaphore(3)

            async def one(path: str, viewport: dict, dark: bool) -> tuple:
                async with gate:
                    try:
                        view = await _reader_page(browser, base_url, path, viewport, dark)
                    except Exception as error:  # a timeout on one page is that page's problem
                        view = {"error": f"{type(error).__name__}: {error}"[:500]}
                    return (path, viewport["width"], dark), view

            results = await asyncio.gather(*(one(*job) for job in jobs))
            await browser.close()
            return dict(results)

    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(results=asyncio.run(main())))
    thread.start()
    thread.join()
    return box["results"]


def test_reader_views_cover_both_schemes_and_widths(reader_views):
    for path in REPRESENTATIVE:
        for viewport, dark in COMBOS:
            view = reader_views[path, viewport["width"], dark]
            assert "error" not in view, view.get("error")
            assert view["theme"] == ("dark" if dark else "light")
    assert {path for path, _, _ in reader_views} >= set(ALL_CHAPTERS)


def test_every_text_the_course_draws_keeps_contrast(reader_views):
    """Quizzes, explorers and saved widgets: every text node >= 4.5:1, light and dark."""
    failures = {
        f"{path} at {width} px {'dark' if dark else 'light'}": view["contrast"]["failures"][:5]
        for (path, width, dark), view in sorted(reader_views.items())
        if "error" not in view and view["contrast"]["failures"]}
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    assert all(reader_views[page, 390, True]["contrast"]["checked"] > 0 for page in ALL_CHAPTERS)


def test_figures_keep_their_shape(reader_views):
    failures = {f"{path} at {width} px": view["aspect"]
                for (path, width, dark), view in sorted(reader_views.items())
                if "error" not in view and view["aspect"]}
    assert not failures, json.dumps(failures, indent=1)


def test_outputs_do_not_scroll_sideways_on_a_desktop(reader_views):
    failures = {path: view["wide"] for (path, width, dark), view in sorted(reader_views.items())
                if "error" not in view and view["wide"]}
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


# --- a slow phone: explorers answer every frame, the main thread stays free -------------------

_FASTEST_BENCHMARK_MS: list[float] = []


def _cpu_benchmark(context) -> float:
    page = context.new_page()
    elapsed = min(page.evaluate(CPU_BENCHMARK_JS)[0] for _ in range(3))
    page.close()
    _FASTEST_BENCHMARK_MS.append(elapsed)
    return elapsed


def _throttled(context, page, network: bool = False):
    """CPU 4x slower than this machine at its quickest (see the blocking-time test), and, with
    ``network``, a slow mobile connection."""
    if not _FASTEST_BENCHMARK_MS:
        for _ in range(2):
            _cpu_benchmark(context)
    rate = calibrated_slowdown(min(_FASTEST_BENCHMARK_MS), _cpu_benchmark(context))
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    if network:
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_MOBILE)
    return cdp


def _explorer_latencies(page, explorer, moves: int, wait_ready: bool = True) -> list[int]:
    """Milliseconds from a slider move to its frame on screen, per position (one sweep)."""
    explorer.scroll_into_view_if_needed()
    if wait_ready:  # every frame arrives once the explorer is near the screen
        page.wait_for_function("e => e.hasAttribute('data-loaded')",
                               arg=explorer.element_handle(), timeout=120_000)
    return [ms for _, ms in page.evaluate(FRAME_LATENCY_JS, [explorer.element_handle(), moves])]


FRAME_PAGES = ["book/01_training_loop.html", "book/03_backpropagation.html"]


@pytest.mark.perf
@pytest.mark.parametrize("path", FRAME_PAGES)
def test_explorer_frames_show_within_budget_on_a_slow_phone(browser, base_url: str, path: str):
    """CPU slowed 4x, a slow mobile network: each move of a drag shows its frame in 100 ms.

    A second visit (a fresh browser profile, nothing cached) is made only if the first misses:
    a busy shared machine can only add time to a move, never take it away.
    """
    runs = []
    for _ in range(2):
        runs.append(_frame_run(browser, base_url, path))
        if max(runs[-1][2]) <= FRAME_BUDGET_MS:
            break
    frames, ready_s, latencies = min(runs, key=lambda run: max(run[2]))
    print(f"\n{path}: {frames} frames ready {ready_s:.1f} s after scrolling into view; "
          f"latency per move {latencies} ms")
    assert len(latencies) >= 2
    assert max(latencies) <= FRAME_BUDGET_MS, f"{path}: frame latencies {latencies} ms"


def _frame_run(browser, base_url: str, path: str) -> tuple[int, float, list[int]]:
    context = _phone_or_desktop(browser, PHONE, False)
    page = context.new_page()
    _throttled(context, page, network=True)
    page.goto(base_url + path, wait_until="domcontentloaded")
    explorer = page.locator("div.nncourse-frames").first
    frames = len(json.loads(explorer.get_attribute("data-labels")))
    started = time.monotonic()
    explorer.scroll_into_view_if_needed()
    page.wait_for_function("e => e.hasAttribute('data-loaded')", arg=explorer.element_handle(),
                           timeout=120_000)
    ready_s = time.monotonic() - started
    latencies = _explorer_latencies(page, explorer, moves=12)
    context.close()
    return frames, ready_s, latencies


def test_explorers_have_frames_for_a_smooth_drag(site: Path):
    """A slider over a continuous setting has enough frames that a drag looks continuous."""
    counts = {}
    for path in ALL_CHAPTERS:
        text = (site / path).read_text(encoding="utf-8")
        for parameter, labels in re.findall(
                r'<div class="nncourse-frames"[^>]*data-parameter="([^"]+)"[^>]*'
                r'data-labels="([^"]*)"', text):
            counts[f"{path}:{parameter}"] = len(json.loads(labels.replace("&quot;", '"')))
    continuous = {k: v for k, v in counts.items() if k.split(":")[1] in
                  ("lr", "momentum", "l2", "threshold")}
    assert continuous, counts
    assert all(v >= 25 for v in continuous.values()), continuous


def _blocking_time(browser, base_url: str, path: str, init_script: str = "",
                   tries: int = 5) -> tuple[float, list]:
    """Total blocking time of one page load with the CPU slowed 4x, and its long tasks.

    Up to ``tries`` loads, the lowest kept: other work on a shared machine only lengthens
    tasks. Stops at the first load within the budget.
    """
    results = []
    for _ in range(tries):
        results.append(_one_blocking_time(browser, base_url, path, init_script))
        if results[-1][0] <= TBT_BUDGET_MS:
            break
    return min(results, key=lambda result: result[0])


def _one_blocking_time(browser, base_url: str, path: str, init_script: str) -> tuple[float, list]:
    context = _phone_or_desktop(browser, PHONE, False)
    now = _cpu_benchmark(context)
    rate = calibrated_slowdown(min(_FASTEST_BENCHMARK_MS), now)
    context.add_init_script(LONG_TASKS_INIT_JS + init_script)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)  # deferred work after load (widgets, togglebuttons) counts too
    tasks = page.evaluate("() => window.__longTasks")
    first_paint = page.evaluate("() => window.__firstPaint") or 0.0
    context.close()
    return total_blocking_time(tasks, first_paint), sorted(round(t["duration"]) for t in tasks)


@pytest.mark.perf
def test_chapter_pages_do_not_block_the_main_thread(browser, base_url: str):
    """Total blocking time (long tasks beyond 50 ms) <= 300 ms with the CPU slowed 4x.

    4x slower than this machine at its quickest: a benchmark before each load measures how much
    other work on a shared machine already slows it, and the throttling makes up the rest.
    """
    context = _phone_or_desktop(browser, PHONE, False)
    for _ in range(3):
        _cpu_benchmark(context)
    context.close()
    measured = {path: _blocking_time(browser, base_url, path) for path in ALL_CHAPTERS}
    print("\ntotal blocking time, CPU slowed 4x: " + ", ".join(
        f"{Path(p).stem[:2]} {tbt:.0f} ms" for p, (tbt, _) in measured.items()))
    over = {p: f"{tbt:.0f} ms (long tasks {tasks} ms)" for p, (tbt, tasks) in measured.items()
            if tbt > TBT_BUDGET_MS}
    assert not over, json.dumps(over, indent=1)


# --- the same guarantees by construction: what `make test` checks, with no clock ------------
# The measurements above take wall-clock time on a slowed CPU; their results depend on the machine
# and its load, so they run in `make site-perf` only (marked perf). What makes them pass is
# checked here instead, the same way on any machine: every frame of an explorer is in memory
# before the reader's first touch, and no chapter page holds the causes of long tasks (MathJax in
# the browser, a large script before the first paint, the theme's forced layouts at load).

FRAME_MARK = 'class="nncourse-frames"'
# A planted fault: each frame is fetched only when the slider reaches it (the explorer's image
# gets a new address on every input, before the explorer's own script moves it).
FETCH_ON_INPUT_JS = """document.addEventListener("input", event => {
  const explorer = event.target.closest && event.target.closest("div.nncourse-frames");
  if (!explorer) return;
  const image = explorer.querySelector("img");
  image.src = image.src.split("?")[0] + "?frame=" + event.target.value; }, true);"""
# A planted fault: the explorer never learns that it came near the screen, so nothing loads its
# frames ahead of the reader's touch.
PREFETCH_OFF_JS = """window.IntersectionObserver = function () {
  return {observe() {}, unobserve() {}, disconnect() {}}; };"""
# A planted fault: the theme's tab-stop check finds no spread-out version and falls back to
# reading the size of every code block in the load task.
TAB_STOPS_OFF_JS = """Object.defineProperty(window, "nncourseTabStops",
  {configurable: false, get() { return undefined; }, set(value) {}});"""
# A planted fault: no sidebar position is stored, so the theme measures the active link.
SIDEBAR_UNSTORED_JS = """const setItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (key !== "sidebar-scroll-top") setItem.call(this, key, value); };"""


def _logged_page(context, base_url: str, init_script: str = ""):
    """A page whose every request is logged (URL, in order) and kept on this machine."""
    page = context.new_page()
    requests: list[str] = []
    kinds: dict[str, str] = {}

    def route(route_request) -> None:
        url = route_request.request.url
        requests.append(url)
        kinds[url] = route_request.request.resource_type
        if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            route_request.abort()
        else:
            route_request.continue_()

    page.route("**/*", route)
    if init_script:
        page.add_init_script(init_script)
    page.request_kinds = kinds
    return page, requests


def _frame_prefetch_problems(context, base_url: str, path: str, init_script: str = "",
                            wait_ms: int = 60_000) -> list[str]:
    """Why the first explorer of ``path`` would not answer a drag from memory (empty: it would).

    The explorer is scrolled into view and its data-loaded marker awaited (its sprite fetched and
    decoded); then the sprite must hold every frame (FRAME_SPRITE_JS), and a drag across every
    position must request no image and show each position in the task of its input event.
    """
    page, requests = _logged_page(context, base_url, init_script)
    page.goto(base_url + path, wait_until="load")
    explorer = page.locator("div.nncourse-frames").first
    explorer.scroll_into_view_if_needed()
    handle = explorer.element_handle()
    try:  # a wait for a state, however long a busy machine takes; never a time budget
        page.wait_for_function("e => e.hasAttribute('data-loaded')", arg=handle, timeout=wait_ms)
    except playwright_api.TimeoutError:
        page.close()
        return ["its frames never arrived (no data-loaded marker)"]
    problems = [f"sprite: {found}" for found in page.evaluate(FRAME_SPRITE_JS, handle)]
    first_input = len(requests)
    sweep = page.evaluate(FRAME_SWEEP_JS, handle)
    # Whatever the drag asked for has been requested once the last frame shows.
    page.wait_for_function("e => e.querySelector('img').complete", arg=handle, timeout=60_000)
    problems += [f"frame requested after the first input event: {url.rsplit('/', 1)[-1]}"
                 for url in requests[first_input:] if "/_images/frames/" in url]
    problems += [f"position {i} not shown in the task of its input event" for i in sweep["late"]]
    if sweep["moves"] < 2:
        problems.append(f"an explorer with {sweep['moves']} positions")
    page.close()
    return problems


def test_explorer_frames_are_in_memory_before_the_first_touch(browser, base_url: str,
                                                              site: Path):
    """On every chapter page with an explorer: all its frames arrive, decoded, once it is in view,
    and a drag across every position fetches nothing (what makes each move show at once)."""
    pages = [p for p in ALL_CHAPTERS if FRAME_MARK in (site / p).read_text(encoding="utf-8")]
    assert len(pages) >= 2, pages
    context = _phone_or_desktop(browser, PHONE, False)
    problems = {path: _frame_prefetch_problems(context, base_url, path) for path in pages}
    context.close()
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, json.dumps(problems, indent=1)


def test_planted_fetch_on_input_fails_the_frame_check(browser, base_url: str):
    context = _phone_or_desktop(browser, PHONE, False)
    fetching = _frame_prefetch_problems(context, base_url, "book/01_training_loop.html",
                                        FETCH_ON_INPUT_JS)
    # The planted explorer never marks itself loaded: a short wait is enough to see that.
    unloaded = _frame_prefetch_problems(context, base_url, "book/01_training_loop.html",
                                        PREFETCH_OFF_JS, wait_ms=5_000)
    context.close()
    assert any("requested after the first input" in p for p in fetching), fetching
    assert any("not shown in the task of its input event" in p for p in fetching), fetching
    assert unloaded == ["its frames never arrived (no data-loaded marker)"], unloaded


# What a notebook's output area does to images (JupyterLab's rendered-HTML style), for the test
# below: the explorer's own inline style must win.
NOTEBOOK_IMAGE_CSS = ".output img, img { max-width: 100%; height: auto; }"


def test_explorer_works_in_a_bare_page_like_a_notebook(browser):
    """The notebook path: the explorer's HTML alone (sprite as a data: URI, no site styles, a
    notebook's image style) shows one whole frame at its own size and answers a drag at once."""
    from matplotlib.figure import Figure

    from nncourse.widgets.static import frame_explorer

    def figure(slope: float) -> Figure:
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().plot([0, 1], [0, slope])
        return fig

    view = frame_explorer(figure, "slope", [0.5, 1.0, 1.5, 2.0, 2.5], label="slope",
                          alt=lambda v: f"a line of slope {v}", initial=1.5)
    page = browser.new_page(viewport=DESKTOP)
    page.set_content(f"<!doctype html><style>{NOTEBOOK_IMAGE_CSS}</style>"
                     f"<div class='output'>{view.html()}</div>")
    explorer = page.locator("div.nncourse-frames").first
    handle = explorer.element_handle()
    page.wait_for_function("e => e.hasAttribute('data-loaded')", arg=handle, timeout=60_000)
    assert page.evaluate(FRAME_SPRITE_JS, handle) == []
    box = explorer.locator(".nncourse-frames-view").bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == view.size
    sweep = page.evaluate(FRAME_SWEEP_JS, handle)
    assert sweep == {"moves": 5, "late": []}, sweep
    assert explorer.locator("img").get_attribute("alt") == "a line of slope 2.5"
    # A planted fault: without its own max-width, the notebook's style squeezes the whole sprite
    # into the view.
    page.set_content(f"<!doctype html><style>{NOTEBOOK_IMAGE_CSS}</style>"
                     + view.html().replace("max-width:none;", ""))
    handle = page.locator("div.nncourse-frames").first.element_handle()
    page.wait_for_function("e => e.hasAttribute('data-loaded')", arg=handle, timeout=60_000)
    assert any("views of" in p for p in page.evaluate(FRAME_SPRITE_JS, handle))
    page.close()


def test_explorer_frames_are_compact(site: Path):
    """Every chapter's explorers: one sprite each, an 8-bit palette PNG with a cell per frame,
    within FRAME_BYTES_BUDGET a frame; every chapter figure a palette PNG too."""
    problems = {path: compact_image_problems(site / path) for path in ALL_CHAPTERS}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, json.dumps(problems, indent=1) + (
        "\n(outputs from before sprites? delete _build/.jupyter_cache and rebuild)")
    assert sum(len(explorer_sprites(site / path)) for path in ALL_CHAPTERS) >= 10


def test_planted_rgba_sprite_fails_the_compact_check(site: Path, tmp_path: Path):
    """Chapter 5's sprite written as an RGBA PNG again: no palette, and over the byte budget."""
    from PIL import Image

    path = "book/05_optimizers.html"
    (sprite,) = explorer_sprites(site / path)
    (tmp_path / "book").mkdir()
    (tmp_path / path).write_bytes((site / path).read_bytes())
    planted = tmp_path / sprite.relative_to(site)
    planted.parent.mkdir(parents=True)
    Image.open(sprite).convert("RGBA").save(planted, format="png")
    for other in explorer_sprites(site / path)[1:]:
        (tmp_path / other.relative_to(site)).write_bytes(other.read_bytes())
    problems = compact_image_problems(tmp_path / path)
    assert any("is not a palette PNG (colour type 6)" in p for p in problems), problems
    assert any(f"over {FRAME_BYTES_BUDGET} a frame" in p for p in problems), problems


def _main_thread_facts(context, base_url: str, path: str, init_script: str = "",
                       padded: str = "") -> dict:
    """What a chapter page loads and runs before the reader does anything.

    ``padded`` names a script served with 200 kB of comment added (a planted heavy script).
    """
    page, requests = _logged_page(context, base_url, LAYOUT_READS_INIT_JS + init_script)
    if padded:
        def pad(route_request) -> None:
            response = route_request.fetch()
            route_request.fulfill(response=response,
                                  body=response.text() + "/*" + "x" * 200_000 + "*/")
        page.route(f"**/{padded}*", pad)
    scripts: dict[str, int] = {}

    def on_response(response) -> None:
        if response.request.resource_type == "script":
            try:
                scripts[response.url] = len(response.body())
            except Exception:  # a redirect or aborted request has no body
                pass

    page.on("response", on_response)
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    early = page.evaluate(EARLY_SCRIPTS_JS)
    facts = {
        "mathjax": [url for url in requests  # its fonts serve the build-time formulas
                    if "mathjax" in url.lower() and page.request_kinds[url] == "script"]
        + (["window.MathJax"] if page.evaluate("() => 'MathJax' in window") else []),
        "heavy": early_script_problems(early, scripts),
        "early": len(early),
        "layout_reads": sorted({f"{read['name']} of a {read['what']}"
                                for read in page.evaluate("() => window.__layoutReads")
                                if read["what"] in REMOVED_LAYOUT_READS}),
        "tab_stops": page.evaluate("() => typeof window.nncourseTabStops"),
    }
    page.close()
    return facts


def test_chapter_pages_hold_no_cause_of_long_tasks(browser, base_url: str, site: Path):
    """Every chapter page: no MathJax (formulas are typeset when the site is built), no script
    over FIRST_PAINT_SCRIPT_BUDGET that may run before the first paint (the search index loads on
    the search page only), and none of the theme's layout reads at load that the site removed
    (its tab-stop check is spread out, its sidebar position stored; book/_static/nncourse.js)."""
    theme = next((site / "_static" / "scripts").glob("pydata-sphinx-theme.js"))
    assert "window.nncourseTabStops?window.nncourseTabStops(" in theme.read_text(encoding="utf-8")
    context = _phone_or_desktop(browser, PHONE, False)
    facts = {path: _main_thread_facts(context, base_url, path) for path in ALL_CHAPTERS}
    context.close()
    problems = {path: {key: value for key, value in found.items()
                       if key in ("mathjax", "heavy", "layout_reads") and value}
                for path, found in facts.items()}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, json.dumps(problems, indent=1)
    assert all(found["tab_stops"] == "function" and found["early"] > 0
               for found in facts.values()), facts


def test_planted_causes_of_long_tasks_fail_the_check(browser, base_url: str):
    """The theme's whole-page tab-stop check and sidebar measurement at load, and a heavy
    script before the first paint."""
    context = _phone_or_desktop(browser, DESKTOP, False)
    path = "book/03_backpropagation.html"
    unspread = _main_thread_facts(context, base_url, path, TAB_STOPS_OFF_JS)
    unstored = _main_thread_facts(context, base_url, path, SIDEBAR_UNSTORED_JS)
    heavy = _main_thread_facts(context, base_url, path, padded="nncourse.js")
    context.close()
    assert any(read.endswith("of a code block") for read in unspread["layout_reads"]), unspread
    assert any(read.endswith("of a sidebar") for read in unstored["layout_reads"]), unstored
    assert any(p.startswith("nncourse.js") for p in heavy["heavy"]), heavy


def test_no_page_blocks_the_parser_with_a_heavy_script(site: Path):
    """Every page of the site: no script that stops the HTML parser (neither deferred nor async)
    weighs over PARSER_BLOCKING_SCRIPT_BUDGET. Sphinx's search index loads on the search page only,
    deferred (book/_ext/nncourse_book.py), and the widget manager of the labs is deferred."""
    pages = [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]
    assert len(pages) > 50, pages
    problems = parser_blocking_problems(site)
    assert not problems, json.dumps(problems, indent=1)
    search = (site / "search.html").read_text(encoding="utf-8")
    assert re.search(r'<script defer="defer" src="searchindex\.js"', search), \
        "the search page does not load its index"
    chapter = (site / "book" / "01_training_loop.html").read_text(encoding="utf-8")
    assert "searchindex.js" not in chapter


def test_planted_blocking_scripts_fail_the_parser_check(site: Path, tmp_path: Path):
    """The theme's search index in a chapter's head, and the lab's widget manager without defer."""
    manager_file = "_static/site-js/@jupyter-widgets/html-manager/dist/embed-amd.js"
    for folder in ("book", "notebooks", str(Path(manager_file).parent)):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("searchindex.js", manager_file):
        (tmp_path / name).write_bytes((site / name).read_bytes())
    chapter = (site / "book" / "01_training_loop.html").read_text(encoding="utf-8")
    (tmp_path / "book" / "01_training_loop.html").write_text(chapter.replace(
        "</head>", '<script src="../searchindex.js"></script>\n</head>', 1), encoding="utf-8")
    lab = (site / "notebooks" / "lab01_training_loop.html").read_text(encoding="utf-8")
    # (a rebuild into an existing site adds Sphinx's "?v=<checksum>" to the file's address)
    manager = re.search(r'<script defer="defer" (src="[^"]*embed-amd\.js(?:\?v=\w+)?")', lab)
    assert manager, "the lab page holds no deferred widget manager"
    (tmp_path / "notebooks" / "lab01_training_loop.html").write_text(
        lab.replace(manager.group(0), f"<script {manager.group(1)}"), encoding="utf-8")
    problems = parser_blocking_problems(tmp_path)
    assert any(p.startswith("searchindex.js: ") and "bytes" in p
               for p in problems.get("book/01_training_loop.html", [])), problems
    assert any(p.startswith("embed-amd.js: ") and "bytes" in p
               for p in problems.get("notebooks/lab01_training_loop.html", [])), problems


# --- planted faults: each check above fails when its fault is there -----------------------------

def test_planted_invisible_text_fails_the_contrast_check(open_page):
    page, _ = open_page("book/01_training_loop.html", dark=True)
    page.evaluate("""() => { const p = document.createElement('p');
        p.textContent = 'planted words'; p.style.color = 'rgb(206, 214, 221)';
        p.style.background = 'rgb(206, 214, 221)';
        document.querySelector('.nncourse-quiz').appendChild(p); }""")
    result = page.evaluate(CONTRAST_JS, [READER_PARTS, MIN_CONTRAST])
    assert [f["text"] for f in result["failures"]] == ["planted words"]


def test_planted_stretched_image_fails_the_shape_check(open_page):
    page, _ = open_page("book/01_training_loop.html")
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    assert page.evaluate(ASPECT_JS, MAX_ASPECT_ERROR) == []
    image = page.locator("div.nncourse-frames img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    image.evaluate("i => { i.style.height = (2 * i.getBoundingClientRect().height) + 'px'; }")
    stretched = page.evaluate(ASPECT_JS, MAX_ASPECT_ERROR)
    assert len(stretched) == 1 and stretched[0]["error"] > 0.4


@pytest.mark.perf
def test_planted_late_frame_fails_the_latency_check(browser, base_url: str):
    """An explorer that fetches each frame only when the slider reaches it misses the budget."""
    context = _phone_or_desktop(browser, PHONE, False)
    page = context.new_page()
    _throttled(context, page, network=True)
    page.goto(base_url + "book/01_training_loop.html", wait_until="domcontentloaded")
    explorer = page.locator("div.nncourse-frames").first
    explorer.evaluate("""d => {  // the same explorer, without its prefetching script
        const late = d.cloneNode(true);
        late.querySelectorAll('script').forEach(s => s.remove());
        const slider = late.querySelector('input[type=range]'), image = late.querySelector('img');
        const columns = +late.getAttribute('data-columns'), sprite = image.src + '?late=';
        slider.addEventListener('input', () => {  // fetches the image at every move
            const i = +slider.value;
            image.src = sprite + i;
            image.style.left = -100 * (i % columns) + '%';
            image.style.top = -100 * Math.floor(i / columns) + '%'; });
        d.replaceWith(late); }""")
    latencies = _explorer_latencies(page, page.locator("div.nncourse-frames").first, moves=2,
                                    wait_ready=False)
    context.close()
    assert max(latencies) > FRAME_BUDGET_MS, latencies


@pytest.mark.perf
def test_planted_long_task_fails_the_blocking_check(browser, base_url: str):
    busy = ("window.addEventListener('load', () => setTimeout(() => {"
            " const end = performance.now() + 400; while (performance.now() < end) {} }, 0));")
    tbt, tasks = _blocking_time(browser, base_url, "book/intro.html", busy, tries=1)
    assert tbt > TBT_BUDGET_MS, tasks


def test_formulas_are_typeset_when_the_site_is_built(site: Path):
    """Chapters carry typeset formulas and load no MathJax (scripts/render-math.js)."""
    for path in ALL_CHAPTERS:
        text = (site / path).read_text(encoding="utf-8")
        spans = re.findall(r'<(span|div) class="math notranslate nohighlight"[^>]*>(.{0,300})',
                           text, re.DOTALL)
        raw = [body[:60] for _, body in spans if "<mjx-container" not in body]
        assert spans and not raw, f"{path}: formulas left to the browser: {raw[:3]}"
        if "application/vnd.jupyter.widget-state+json" not in text:
            assert "mathjax" not in text.lower().split("</head>")[0].replace(
                "nncourse-math.css", ""), f"{path} still loads MathJax"
        assert "_static/nncourse-math.css" in text
    assert "MJXTEX" in (site / "_static" / "nncourse-math.css").read_text(encoding="utf-8")


def test_not_found_page_is_self_contained(site: Path):
    page = (site / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in page and "prefers-color-scheme: dark" in page
    assert not re.search(r'(src|href)="(?!/|#)[^"]+"', page.replace('href="/"', ""))


def test_quiz_says_choose_first_and_typing_clears_old_feedback(open_page):
    page, record = open_page("book/01_training_loop.html")
    choice = page.locator("form.nncourse-quiz-question[data-kind=choice]").first
    choice.locator("button.nncourse-quiz-check").click()
    hint = choice.locator(".nncourse-quiz-hint")
    assert hint.is_visible() and "Choose an answer first" in hint.inner_text()
    choice.locator("input[type=radio]").nth(0).check()
    assert not hint.is_visible()
    numeric = page.locator("form.nncourse-quiz-question[data-kind=numeric]").first
    field = numeric.locator("input[type=number]")
    field.fill("47")
    numeric.locator("button.nncourse-quiz-check").click()
    assert [key for key, _ in _shown_feedback(numeric)] == ["low"]
    field.press_sequentially("1")  # typing a new number: the old verdict goes
    assert _shown_feedback(numeric) == []
    assert not record.problems()
