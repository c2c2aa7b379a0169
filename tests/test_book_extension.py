"""The website's Sphinx helpers (book/_ext/nncourse_book.py) on small pages, without a build."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
nncourse_book = pytest.importorskip("nncourse_book")

THEME_SNIPPET = ('function I(){const e=()=>{document.querySelectorAll(["pre",".cell_output > '
                 '.output"].join(", ")).forEach(e=>{e.tabIndex=e.scrollWidth>e.clientWidth||'
                 'e.scrollHeight>e.clientHeight?0:-1})}}')


def _app(outdir: Path) -> SimpleNamespace:
    return SimpleNamespace(builder=SimpleNamespace(name="html"), outdir=str(outdir),
                           config=SimpleNamespace(project="nncourse <course>"))


def test_names_in_headings_wrap_after_dots_and_underscores_only():
    body = ('<h3 id="x">Exercise (<code class="docutils literal"><span class="pre">'
            'backprop.stepper_gradient</span></code>)</h3><p><span class="pre">a.b_c</span></p>')
    context = {"body": body}
    nncourse_book.break_names_in_headings(None, "page", "page.html", context, None)
    assert "backprop.<wbr>stepper_<wbr>gradient" in context["body"]
    assert context["body"].endswith('<p><span class="pre">a.b_c</span></p>')  # text: unchanged


@pytest.mark.parametrize("title, expected", [
    ("1.13. Lab 1: the loop", "Lab 1: the loop"),
    ('<span class="section-number">2.3. </span>Lab 2', "Lab 2"),
    ('<span class="section-number">2. </span>Gradient descent',
     '<span class="section-number">2. </span>Gradient descent'),
])
def test_next_and_previous_drop_section_numbers_of_sections(title: str, expected: str):
    context = {"prev": {"title": title, "link": "a.html"}, "next": None}
    nncourse_book.strip_numbers_from_neighbours(None, "page", "page.html", context, None)
    assert context["prev"]["title"] == expected


def test_not_found_page_is_written_and_escapes_the_title(tmp_path: Path):
    nncourse_book.write_not_found_page(_app(tmp_path), None)
    page = (tmp_path / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in page and "nncourse &lt;course&gt;" in page
    nncourse_book.write_not_found_page(_app(tmp_path / "failed"), RuntimeError("build failed"))
    assert not (tmp_path / "failed").exists()


def test_theme_tab_stop_check_is_handed_to_the_site_script(tmp_path: Path):
    script = tmp_path / "_static" / "scripts" / "pydata-sphinx-theme.js"
    script.parent.mkdir(parents=True)
    script.write_text(THEME_SNIPPET, encoding="utf-8")
    nncourse_book.spread_theme_tab_stops(_app(tmp_path), None)
    patched = script.read_text(encoding="utf-8")
    assert patched.count("window.nncourseTabStops(") == 1
    assert THEME_SNIPPET.split("{const e=()=>{")[1][:40] in patched  # the original stays
    nncourse_book.spread_theme_tab_stops(_app(tmp_path), None)  # a second run changes nothing
    assert script.read_text(encoding="utf-8") == patched


def _search_scripts(prefix: str) -> str:
    """The three search scripts as pydata-sphinx-theme's layout writes them into a page's head."""
    return (f'    <script src="{prefix}_static/searchtools.js"></script>\n'
            f'    <script src="{prefix}_static/language_data.js"></script>\n'
            f'    <script src="{prefix}searchindex.js"></script>\n')


def _search_site(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "book").mkdir()
    chapter, search = tmp_path / "book" / "chapter.html", tmp_path / "search.html"
    chapter.write_text(f"<head>\n{_search_scripts('../')}</head><p>searchindex.js</p>",
                       encoding="utf-8")
    search.write_text(f"<head>\n{_search_scripts('')}</head>", encoding="utf-8")
    return chapter, search


@pytest.mark.parametrize("as_you_type", [False, True])
def test_search_index_loads_on_the_search_page_only_and_deferred(tmp_path: Path,
                                                                  as_you_type: bool):
    chapter, search = _search_site(tmp_path)
    app = _app(tmp_path)
    app.config.html_theme_options = {"search_as_you_type": as_you_type}
    nncourse_book.search_scripts_where_searched(app, None)
    page = chapter.read_text(encoding="utf-8")
    if as_you_type:  # the theme's search box needs them on every page: deferred there too
        assert page.count('<script defer="defer" src="../') == 3
    else:
        assert "<script" not in page and "<p>searchindex.js</p>" in page  # text stays
    searched = search.read_text(encoding="utf-8")
    assert searched.count('<script defer="defer" src="') == 3
    assert '<script defer="defer" src="searchindex.js"></script>' in searched
    nncourse_book.search_scripts_where_searched(app, None)  # a second run changes nothing
    assert search.read_text(encoding="utf-8") == searched


def test_a_search_page_without_its_scripts_is_reported(tmp_path: Path, caplog):
    """A new theme version that writes the scripts differently fails the build (-W)."""
    _, search = _search_site(tmp_path)
    search.write_text("<head></head>", encoding="utf-8")
    app = _app(tmp_path)
    app.config.html_theme_options = {}
    with caplog.at_level("WARNING"):
        nncourse_book.search_scripts_where_searched(app, None)
    assert "found 0 of the 3 search script tags" in caplog.text
