"""The two editions of the website: English (_build/html/en) and Portuguese (_build/html/pt-br).

Every page of the table of contents exists in both editions, carries the right ``<html lang>``,
and links to the same page in the other edition. In Debian's headless Chromium (Playwright), at
390 px and at 1366 px, the language link is visible and opens the same page in the other
language; the Portuguese pages really are in Portuguese (the translated notebooks rendered, their
code unchanged), and the root address opens the English edition. The translation glossary is in
both editions, marked as Portuguese.

Run time (one thread): about 20 s with the site built (`make book`); it is built first if missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers_site import CHROMIUM, CHROMIUM_ARGS, SITE, build_site, serve, toc_pages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROOT = SITE.parent  # _build/html: both editions and the redirecting index.html
REPO = Path(__file__).resolve().parents[1]
EDITIONS = {"en": ("en", "pt-br", "pt-BR"), "pt-br": ("pt-BR", "en", "en")}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: pages opened in the browser, in both editions (the rest are checked in the HTML files)
BROWSER_PAGES = ["book/intro.html", "book/01_training_loop.html",
                 "notebooks/lab01_training_loop.html", "book/reference/nncourse.numpy.layers.html"]
#: text that only the Portuguese page has (the translation was applied), per page
PORTUGUESE = {
    "book/intro.html": "redes neurais",
    "notebooks/lab01_training_loop.html": "Laboratório 1: o laço de treinamento",
    "book/reference/nncourse.numpy.layers.html": "A referência da API",
}
#: pages written in one language in both editions (the translation glossary)
SINGLE_LANGUAGE = {"locales/pt_BR/glossary.html": "pt-BR"}
LANG = re.compile(r"<html[^>]*\blang=\"([^\"]+)\"")
LINK = re.compile(r'<a class="nncourse-language-link" href="([^"]+)" hreflang="([^"]+)"')


@pytest.fixture(scope="module")
def site() -> Path:
    build_site()
    if not (ROOT / "pt-br" / "index.html").exists() and not (ROOT / "pt-br" / "book").is_dir():
        pytest.skip("the Portuguese edition is not built: run `make book`")
    return ROOT


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_page_has_its_language_and_a_link_to_the_same_page(site, edition):
    lang, other, other_lang = EDITIONS[edition]
    problems = []
    for page in toc_pages():
        html = _read(site / edition / page)
        found = LANG.search(html)
        if not found or found.group(1) != SINGLE_LANGUAGE.get(page, lang):
            problems.append(f"{edition}/{page}: <html lang> is {found and found.group(1)!r}")
        link = LINK.search(html)
        if not link:
            problems.append(f"{edition}/{page}: no language link")
            continue
        target = (site / edition / page).parent / link.group(1)
        if link.group(2) != other_lang:
            problems.append(f"{edition}/{page}: hreflang {link.group(2)!r}")
        if target.resolve() != (site / other / page).resolve() or not target.is_file():
            problems.append(f"{edition}/{page}: language link goes to {link.group(1)}")
    assert not problems, "\n".join(problems[:30])


def test_the_glossary_is_in_both_editions_in_portuguese(site):
    for edition in EDITIONS:
        html = _read(site / edition / "locales" / "pt_BR" / "glossary.html")
        assert "taxa de aprendizado" in html and 'lang="pt-BR"' in html, edition


def test_translated_pages_and_notebooks_render_in_portuguese_with_the_same_code(site):
    for page, text in PORTUGUESE.items():
        assert text in _read(site / "pt-br" / page), f"pt-br/{page} lacks {text!r}"
        assert text not in _read(site / "en" / page), f"en/{page} has {text!r}"
    # a translated lab keeps its code cells, and an output wherever the English lab has one
    english = _read(site / "en" / "notebooks" / "lab01_training_loop.html")
    portuguese = _read(site / "pt-br" / "notebooks" / "lab01_training_loop.html")
    for needle in ("iterate_minibatches", "perceptron_fit", "cell_output"):
        assert english.count(needle) == portuguese.count(needle), needle


def test_exercise_titles_speak_the_editions_language(site):
    """sphinx-exercise's own words ("Exercise 1", "Solution to") follow the edition."""
    english = {page: _read(site / "en" / page) for page in toc_pages()}
    titled = [page for page, html in english.items() if 'class="admonition-title"' in html
              and re.search(r">\s*(Exercise \d+|Solution to)\b", html)]
    assert titled, "no exercise or solution title in the English edition"
    problems = []
    for page in titled:
        html = _read(site / "pt-br" / page)
        problems += [f"pt-br/{page}: {word!r}" for word in
                     re.findall(r">\s*(Exercise \d+|Solution to)\b", html)]
        if not re.search(r"(Exercício \d+|Solução do)", html):
            problems.append(f"pt-br/{page}: no Portuguese exercise title")
    assert not problems, "\n".join(problems[:20])


QUIZ_LEGEND = re.compile(r"<legend>(.*?)</legend>", re.S)


def _quiz_questions(html: str) -> list[str]:
    """The questions of the static quizzes on a page, as plain text."""
    return [" ".join(re.sub(r"<[^>]+>", " ", legend).split())
            for legend in QUIZ_LEGEND.findall(html)]


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_chapter_outputs_speak_the_editions_language(site, edition):
    """What the chapters' code shows through the library (here: each chapter's quiz) comes out
    in the edition's language: each edition runs the chapters in its own language."""
    from nncourse.exercises import quiz
    from nncourse.i18n import set_language

    language = "pt_BR" if edition == "pt-br" else "en"
    problems = []
    chapters = [page for page in toc_pages() if re.fullmatch(r"book/\d\d_\w+\.html", page)]
    for page in chapters:
        chapter = f"ch{Path(page).name[:2]}"
        set_language(language)
        try:
            expected = _quiz_questions(quiz(chapter).static_html())
        finally:
            set_language(None)
        shown = _quiz_questions(_read(site / edition / page))
        if not shown or shown != expected:
            problems.append(f"{edition}/{page}: quiz shows {shown[:1]}, expected {expected[:1]}")
    assert len(chapters) >= 10 and not problems, "\n".join(problems)


def test_planted_english_quiz_on_a_portuguese_page_is_found():
    from nncourse.exercises import quiz
    from nncourse.i18n import set_language

    set_language("en")
    try:
        english = _quiz_questions(quiz("ch01").static_html())
    finally:
        set_language(None)
    set_language("pt_BR")
    try:
        portuguese = _quiz_questions(quiz("ch01").static_html())
    finally:
        set_language(None)
    assert english and portuguese and english != portuguese


def test_lab_pages_offer_the_notebook_in_their_language(site):
    """A pt-BR lab page downloads and launches the translated student lab; chapters and English
    pages the English one."""
    for edition, folder in (("en", ""), ("pt-br", "pt-br/")):
        html = _read(site / edition / "notebooks" / "lab01_training_loop.html")
        published = f"_notebooks/{folder}lab01_training_loop.ipynb"
        download = re.search(r'href="(\.\./[^"]*_notebooks/[^"]*lab01_training_loop\.ipynb)"', html)
        assert download and download.group(1).endswith(published)
        assert (site / edition / "notebooks" / download.group(1)).resolve().is_file()
        assert f"tree/{published}" in html      # Binder
        notebook = json.loads(_read(site / edition / published))
        markdown = " ".join("".join(cell["source"]) for cell in notebook["cells"]
                            if cell["cell_type"] == "markdown")
        assert ("você" in markdown) == (edition == "pt-br"), edition
        assert "BEGIN SOLUTION" not in json.dumps(notebook)


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package).")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_language_link_opens_the_same_page_in_the_browser(browser, base_url, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        for edition, (lang, other, other_lang) in EDITIONS.items():
            for path in BROWSER_PAGES:
                page.goto(f"{base_url}{edition}/{path}")
                assert page.evaluate("document.documentElement.lang") == lang
                link = page.locator("a.nncourse-language-link")
                assert link.count() == 1 and link.is_visible(), f"{edition}/{path} at {viewport}"
                box = link.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= \
                    viewport["width"], f"{edition}/{path}: the link leaves the screen"
                link.click()
                page.wait_for_load_state()
                assert page.url.split("#")[0] == f"{base_url}{other}/{path}"
                assert page.evaluate("document.documentElement.lang") == other_lang
    finally:
        context.close()


def test_root_address_opens_the_english_edition(browser, base_url):
    page = browser.new_page()
    try:
        page.goto(base_url)
        page.wait_for_url(f"{base_url}en/**")
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        page.close()


def build_machine_paths(folder: Path, checkout: Path) -> list[str]:
    """Pages under ``folder`` that show an absolute path of the checkout the site was built in."""
    return [str(page.relative_to(folder)) for page in sorted(folder.rglob("*.html"))
            if str(checkout) in _read(page)]


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_no_page_shows_where_the_site_was_built(site, edition):
    """A constant or a default argument shows as written, not as this machine's path."""
    checkout = Path(__file__).resolve().parents[1]
    assert not build_machine_paths(site / edition, checkout)


def test_planted_build_path_is_found(tmp_path: Path):
    checkout = Path(__file__).resolve().parents[1]
    (tmp_path / "clean.html").write_text("<p>PRETRAINED_DIR</p>", encoding="utf-8")
    (tmp_path / "leaky.html").write_text(f"<p>PosixPath('{checkout}/nncourse')</p>",
                                         encoding="utf-8")
    assert build_machine_paths(tmp_path, checkout) == ["leaky.html"]


def test_each_edition_keeps_its_executed_chapters_outside_the_site(site):
    """The editions build side by side: each writes its executed chapters (MyST-NB's output
    folder) into its own folder under _build/, none into the published site."""
    executed = site.parent / "jupyter_execute"
    for edition in sorted(EDITIONS):
        chapters = sorted((executed / edition / "book").glob("[0-9][0-9]_*.ipynb"))
        assert len(chapters) >= 10, f"{edition}: {len(chapters)} executed chapters"
    assert not (site / "jupyter_execute").exists()


SAY_CALL = re.compile(r'say\(\s*"((?:[^"\\]|\\.)*)"(?:\s*\+\s*"((?:[^"\\]|\\.)*)")?')
TOC_CAPTION = re.compile(r'caption-text">([^<]+)<')


def test_the_sidebar_captions_speak_the_editions_language(site):
    """The sidebar's section captions (_toc.yml) on every page: English in /en/, translated in
    /pt-br/ (they reach the root page after Sphinx translated it; nncourse_i18n does it)."""
    english = {part["caption"] for part in yaml.safe_load(
        (REPO / "_toc.yml").read_text(encoding="utf-8"))["parts"]}
    problems = []
    for page in toc_pages():
        shown = {edition: set(TOC_CAPTION.findall(_read(site / edition / page)))
                 for edition in ("en", "pt-br")}
        if shown["en"] != english:
            problems.append(f"en/{page}: captions {sorted(shown['en'])}")
        if len(shown["pt-br"]) != len(english) or shown["pt-br"] & english:
            problems.append(f"pt-br/{page}: captions {sorted(shown['pt-br'])}")
    assert not problems, "\n".join(problems[:10])


def test_every_sentence_of_the_site_script_has_a_portuguese_version():
    """book/_static/nncourse.js says everything through say(); each sentence has a pt-BR entry."""
    script = (REPO / "book" / "_static" / "nncourse.js").read_text(encoding="utf-8")
    said = {first + (second or "") for first, second in SAY_CALL.findall(script)}
    table = script[script.index('"pt-BR": {'):script.index("function say(")]
    translated = set(re.findall(r'^\s*"((?:[^"\\]|\\.)*)":', table, re.M))
    assert len(said) >= 8 and said <= translated, sorted(said - translated)
    assert not re.search(r'textContent = "[A-Z]|"aria-label", "[A-Z]|bar\("[A-Z]', script)


def test_portuguese_notices_in_the_browser(browser, base_url):
    """The launch bar under an explorer and its links, on a pt-BR chapter page."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        for edition, words in {"pt-br": ("O explorador completo", "Abrir no "),
                               "en": ("The full explorer", "Open in ")}.items():
            page.goto(f"{base_url}{edition}/book/01_training_loop.html")
            bar = page.locator(".nncourse-explorer-launch").first
            bar.wait_for(state="attached")
            assert bar.inner_text().startswith(words[0]), bar.inner_text()
            assert bar.locator("a").first.inner_text().startswith(words[1])
    finally:
        context.close()
