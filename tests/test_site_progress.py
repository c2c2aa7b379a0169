"""Progress that stays on the website: quiz answers kept in the browser, the progress page.

Debian's headless Chromium (Playwright) opens the built site from a local server. A quiz answer
survives a reload (IndexedDB, keyed by question id and content hash); a changed question starts
afresh; the progress page lists the answers per chapter, says that a browser may erase them after
a week without visits, and exports and imports them as a file. A site whose script keeps nothing
fails the same check (a planted fault).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_site import CHROMIUM, CHROMIUM_ARGS, SITE, serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

playwright_api = pytest.importorskip("playwright.sync_api")

CHAPTER = "book/03_backpropagation.html"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
BUILT = (SITE / "book" / "progress.html").is_file() and (SITE / "_static" / "progress.js").is_file()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if not BUILT:
        pytest.skip("the site is not built with the progress page; run `make book` first")
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package).")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _context(browser, viewport: dict = DESKTOP, dark: bool = False, broken: bool = False):
    """A fresh browser profile. ``broken``: progress.js replaced by a script that keeps nothing."""
    context = browser.new_context(viewport=viewport, color_scheme="dark" if dark else "light",
                                  accept_downloads=True)
    if broken:
        context.route("**/_static/progress.js*", lambda route: route.fulfill(
            status=200, content_type="text/javascript",
            body="window.nncourseProgress = {ready: Promise.resolve()};"))
    return context


def _reword_first_question(route) -> None:
    """Serve the chapter with its first quiz prompt changed (a newer course version)."""
    response = route.fetch()
    route.fulfill(response=response,
                  body=response.text().replace("</legend>", " (reworded)</legend>", 1))


def _ready(page) -> None:
    page.wait_for_function("window.nncourseProgress !== undefined")
    page.evaluate("window.nncourseProgress.ready")


def _first_choice_question(page):
    return page.locator("form.nncourse-quiz-question[data-kind=choice]").first


def _answer(form, correct: bool) -> str:
    """Pick a choice whose feedback is right (or wrong) and press Check; return its value."""
    value = form.evaluate(
        "(f, correct) => f.querySelector('.nncourse-quiz-feedback.' + "
        "(correct ? 'is-correct' : 'is-wrong')).getAttribute('data-for')", correct)
    form.locator(f"input[type=radio][value='{value}']").check()
    form.locator("button.nncourse-quiz-check").click()
    return value


def _stored(page) -> list[dict]:
    return page.evaluate("window.nncourseProgress.allRecords()")


def _wait_stored(page, count: int) -> list[dict]:
    page.wait_for_function(
        f"window.nncourseProgress.allRecords().then(r => r.length >= {count})", polling=100)
    return _stored(page)


def answer_survives_reload(browser, base_url: str, **options) -> bool:
    """Answer the chapter's first quiz question, reload: is the answer back, with its feedback?"""
    context = _context(browser, **options)
    try:
        page = context.new_page()
        page.goto(base_url + CHAPTER, wait_until="load")
        _ready(page)
        value = _answer(_first_choice_question(page), correct=False)
        # The write is asynchronous: wait until the site's store holds it, however long a busy
        # machine takes (a planted site that keeps nothing has no store to wait for).
        page.wait_for_function("!window.nncourseProgress.allRecords || "
                               "window.nncourseProgress.allRecords().then(r => r.length >= 1)",
                               polling=100)
        page.reload(wait_until="load")
        _ready(page)
        form = _first_choice_question(page)
        checked = form.locator("input[type=radio]:checked")
        shown = form.locator(".nncourse-quiz-feedback:not([hidden])")
        return (checked.count() == 1 and checked.get_attribute("value") == value
                and shown.count() == 1 and shown.get_attribute("data-for") == value)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_a_quiz_answer_survives_a_reload(browser, base_url: str, viewport: dict):
    assert answer_survives_reload(browser, base_url, viewport=viewport)


def test_a_site_that_keeps_nothing_fails_the_check(browser, base_url: str):
    assert not answer_survives_reload(browser, base_url, broken=True)


def test_a_changed_question_starts_afresh(browser, base_url: str):
    context = _context(browser)
    try:
        page = context.new_page()
        page.goto(base_url + CHAPTER, wait_until="load")
        _ready(page)
        _answer(_first_choice_question(page), correct=True)
        (old,) = _wait_stored(page, 1)
        page.close()
        context.route(f"**/{CHAPTER}", _reword_first_question)
        page = context.new_page()
        page.goto(base_url + CHAPTER, wait_until="load")
        _ready(page)
        form = _first_choice_question(page)
        assert form.locator("input[type=radio]:checked").count() == 0
        page.wait_for_function("window.nncourseProgress.allRecords().then(r => r.length === 0)",
                               polling=100)
        key = form.evaluate("f => window.nncourseProgress.questionKey(f)")
        assert key["id"] == old["id"] and key["hash"] != old["hash"]
    finally:
        context.close()


@pytest.mark.parametrize("viewport, dark", [(PHONE, True), (DESKTOP, False)],
                         ids=["390px-dark", "1366px-light"])
def test_the_progress_page_lists_exports_and_imports(browser, base_url: str, tmp_path: Path,
                                                     viewport: dict, dark: bool):
    context = _context(browser, viewport=viewport, dark=dark)
    try:
        page = context.new_page()
        page.goto(base_url + CHAPTER, wait_until="load")
        _ready(page)
        _answer(_first_choice_question(page), correct=True)
        (record,) = _wait_stored(page, 1)
        assert record["correct"] is True and record["chapter"] == "ch03"

        page.goto(base_url + "book/progress.html", wait_until="load")
        _ready(page)
        text = page.locator("article").inner_text()
        assert "a week without visits" in text and "nncourse progress" in text
        row = page.locator("tr[data-chapter=ch03]")
        row.wait_for()
        assert row.locator(".nncourse-progress-count").inner_text() == "1 / 1"
        assert row.locator("a").get_attribute("href").endswith(record["url"].split("/")[-1])

        with page.expect_download() as download:
            page.locator("button.nncourse-progress-export").click()
        exported = tmp_path / "progress.json"
        download.value.save_as(exported)
        data = json.loads(exported.read_text(encoding="utf-8"))
        assert data["format"] == "nncourse-site-progress" and data["version"] == 1
        assert [r["key"] for r in data["quiz"]] == [record["key"]]

        page.locator("button.nncourse-progress-clear").click()
        page.wait_for_function("window.nncourseProgress.allRecords().then(r => r.length === 0)",
                               polling=100)
        # The table is drawn again after the store is cleared: wait for that state, not a time.
        page.locator("tr[data-chapter=ch03]").wait_for(state="detached")
        assert page.locator("tr[data-chapter=ch03]").count() == 0
        assert page.locator(".nncourse-progress-status").inner_text().startswith("Forgotten")

        page.locator("input.nncourse-progress-import").set_input_files(str(exported))
        page.locator("tr[data-chapter=ch03]").wait_for()
        assert "Imported 1 answer" in page.locator(".nncourse-progress-status").inner_text()

        bad = tmp_path / "bad.json"
        bad.write_text('{"format": "something else"}', encoding="utf-8")
        page.locator("input.nncourse-progress-import").set_input_files(str(bad))
        page.wait_for_function("document.querySelector('.nncourse-progress-status')"
                               ".textContent.startsWith('Nothing imported')")
        assert len(_stored(page)) == 1
    finally:
        context.close()
