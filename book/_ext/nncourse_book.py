"""Sphinx helpers for the nncourse website (loaded through `sphinx.local_extensions`).

Labs are rendered from their stored outputs, as the learner meets them: each exercise cell
shows its stub (``nncourse release``), and the answers come after the lab, folded, in an
"Answers" section at its end: the code of every ``# BEGIN SOLUTION`` block's cell and every
markdown cell tagged ``solution``, each in a collapsed "Answer" dropdown.

Example:
    >>> nb = read_lab('{"cells": [{"cell_type": "markdown", "metadata": {"tags": ["solution"]},'
    ...               ' "source": "42"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}')
    >>> print(nb.cells[0].source.splitlines()[0])
    ## Answers
    >>> print(nb.cells[1].source.splitlines()[0])
    :::::::{admonition} Answer
"""

from __future__ import annotations

import html
import re
from typing import Any

import nbformat

SOLUTION_TAG = "solution"
# Longer than any colon fence a lab's own markdown might use, so the wrapper closes last.
FENCE = ":" * 7


def read_lab(text: str) -> nbformat.NotebookNode:
    """Read an .ipynb for the book, wrapping each markdown solution cell in a dropdown.

    Args:
        text: the notebook's JSON text.

    Returns:
        The notebook (nbformat v4) with solution markdown cells wrapped; other cells untouched.
    """
    from nncourse.grading.release import BEGIN, END, _exercise_for, strip_code

    notebook = nbformat.reads(text, as_version=4)
    kept, answers = [], []
    for index, cell in enumerate(notebook.cells):
        tagged = SOLUTION_TAG in cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and tagged:
            answers.append(_answer_cell("Answer", cell.source))
            continue
        if cell.cell_type == "code" and (tagged or any(BEGIN.match(line)
                                                       for line in cell.source.splitlines())):
            exercise = _exercise_for(notebook.cells, index, "this exercise")
            solved = "\n".join(line for line in cell.source.splitlines()
                               if not (BEGIN.match(line) or END.match(line)))
            answers.append(_answer_cell(f"Answer: {exercise}", f"```python\n{solved}\n```"))
            cell.source = (f'raise NotImplementedError("{exercise}: write your solution here")'
                           if tagged else strip_code(cell.source, exercise, "lab")[0])
            cell.outputs, cell.execution_count = [], None
        kept.append(cell)
    if answers:
        kept.append(nbformat.v4.new_markdown_cell(
            "## Answers\n\nThe answers to this lab's exercises, folded: try "
            "each exercise first, `check()` tells you what is wrong with an attempt."))
        kept += answers
    notebook.cells = kept
    return notebook


def _answer_cell(title: str, body: str) -> nbformat.NotebookNode:
    """A collapsed dropdown holding one answer (markdown)."""
    return nbformat.v4.new_markdown_cell(
        f"{FENCE}{{admonition}} {title}\n:class: dropdown solution-cell\n\n{body}\n{FENCE}\n")


def externalize_page_frames(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                            doctree: Any) -> None:
    """Move a page's precomputed explorer frames out of the HTML into _images/frames/.

    A chapter's first load then fetches one frame per explorer; the rest load when the
    reader moves a slider (see nncourse.widgets.static).
    """
    body = context.get("body", "")
    if FRAME_MARK not in body and FIGURE_MARK not in body:
        return
    from pathlib import Path

    from nncourse.widgets.static import externalize_figures, externalize_frames

    prefix = context["pathto"]("_images/frames/", 1)
    folder = Path(app.outdir) / "_images" / "frames"
    body, _ = externalize_frames(body, folder, prefix)
    context["body"], _ = externalize_figures(body, folder, prefix)


FRAME_MARK = 'class="nncourse-frames"'
FIGURE_MARK = 'class="nncourse-figure"'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*">'
                            r"</script>")


def widget_js_only_with_widgets(app: Any, pagename: str, templatename: str,
                                context: dict[str, Any], doctree: Any) -> None:
    """Leave out the widget manager (3.6 MB) and saved widget state where no widget is shown.

    A chapter's code may create widget models (an explorer's static figure does) without
    displaying one; the page then needs neither the state nor the scripts that render it.
    """
    if WIDGET_VIEW in context.get("body", ""):
        return
    # Sphinx stores a page's script under _static/ (site-js/require.js -> _static/site-js/...).
    widget_files = {f"_static/{name}" for name in app.config.nb_ipywidgets_js}
    widget_files |= set(app.config.nb_ipywidgets_js)
    context["script_files"] = [
        js for js in context.get("script_files", [])
        if str(getattr(js, "filename", js)) not in widget_files
        and getattr(js, "attributes", {}).get("type") != WIDGET_STATE
    ]


def link_lab_to_chapter(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                        doctree: Any) -> None:
    """Under a lab's title, a link back to the chapter it goes with (labNN -> book/NN_*)."""
    match = re.match(r"notebooks/lab(\d\d)_", pagename)
    body = context.get("body", "")
    if not match or "</h1>" not in body:
        return
    chapter = next((d for d in sorted(app.env.found_docs)
                    if d.startswith(f"book/{match.group(1)}_")), None)
    if chapter is None:
        return
    title = app.env.titles[chapter].astext()
    link = (f'<p class="nncourse-lab-chapter">This lab goes with the chapter '
            f'<a href="{context["pathto"](chapter)}">{html.escape(title)}</a>: read it first.</p>')
    context["body"] = body.replace("</h1>", "</h1>\n" + link, 1)


def lazy_images(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                doctree: Any) -> None:
    """Figures load as the reader scrolls to them (a chapter's first load stays light)."""
    body = context.get("body", "")
    if "<img " in body:
        context["body"] = re.sub(r"<img (?![^>]*\bloading=)", '<img loading="lazy" ', body)


def unnumber_labs(app: Any, env: Any) -> list[str]:
    """Labs sit under their chapter in the contents but carry no section numbers of their own.

    The chapters' part is numbered (1., 1.1, ...); a lab, as the chapter's last entry, would
    become "1.13" and its numbered headings "1.13.1. 1. Data". Runs after Sphinx numbers the
    sections, so every place that shows a number (headings, sidebars, Next/Previous) has none.
    """
    from docutils import nodes

    for docname in list(env.toc_secnumbers):
        if docname.startswith("notebooks/lab"):
            env.toc_secnumbers[docname] = {}
            for reference in env.tocs[docname].findall(nodes.reference):
                reference.attributes.pop("secnumber", None)
    return []


def drop_fontawesome_js(app: Any, exception: Exception | None) -> None:
    """Icons come from the theme's icon font (CSS); its 1.5 MB icon script is not loaded."""
    if exception is not None or app.builder.name != "html":
        return
    from pathlib import Path

    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "fontawesome.js" in text:
            page.write_text(FONTAWESOME_JS.sub("", text), encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)


# The three scripts of Sphinx's search that pydata-sphinx-theme's layout puts in every page's
# head, parser-blocking (the search page's own template puts the same three there too).
SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script (?P<defer>defer="defer" )?src="(?:\.\./)*(?:_static/searchtools\.js'
    r'|_static/language_data\.js|searchindex\.js)"></script>\n?')


def search_scripts_where_searched(app: Any, exception: Exception | None) -> None:
    """Sphinx's search index (about 460 kB) and its two scripts load on the search page only.

    pydata-sphinx-theme puts ``searchtools.js``, ``language_data.js`` and ``searchindex.js`` in
    the head of every page, parser-blocking, for its search-as-you-type box. With that box off
    (the theme's default, and this site's), the search field sends its query to search.html
    and no other page uses them, so they are left out there. On the search page (and on every
    page if search-as-you-type is turned on) they are deferred: the page paints before the
    index is read, and searchtools.js holds the query until the index arrives
    (``Search.deferQuery``/``Search.setIndex``).
    """
    if exception is not None or app.builder.name != "html":
        return
    from pathlib import Path

    from sphinx.util import logging

    options = app.config.html_theme_options or {}
    everywhere = str(options.get("search_as_you_type", False)).lower() == "true"
    out = Path(app.outdir)
    search_page = out / "search.html"
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "searchindex.js" not in text and page != search_page:
            continue
        if page == search_page or everywhere:
            changed, count = SEARCH_SCRIPTS.subn(
                lambda m: m.group(0) if m.group("defer")
                else m.group(0).replace("<script src=", '<script defer="defer" src=', 1), text)
        else:
            changed, count = SEARCH_SCRIPTS.subn("", text)
        if page == search_page and count != 3:
            logging.getLogger(__name__).warning(
                "nncourse: found %d of the 3 search script tags in search.html, not 3 (a new "
                "theme version?): the search page may not load or defer its index.", count)
        if changed != text:
            page.write_text(changed, encoding="utf-8")


NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Page not found | {title}</title>
<style>
  :root {{ color-scheme: light dark; --text: #222832; --background: #ffffff; --link: #0a4fa8; }}
  @media (prefers-color-scheme: dark) {{
    :root {{ --text: #ced6dd; --background: #121212; --link: #8fb9ff; }}
  }}
  body {{ margin: 0; font: 1.1rem/1.6 system-ui, sans-serif; color: var(--text);
         background: var(--background); }}
  main {{ max-width: 36rem; margin: 12vh auto; padding: 0 1.25rem; }}
  a {{ color: var(--link); }}
</style>
</head>
<body>
<main>
<h1>Page not found</h1>
<p>This address is not a page of <em>{title}</em>. It may have moved when the course was
reorganised.</p>
<p><a id="home" href="/">Go to the course's first page</a>, or use its search from there.</p>
</main>
<script>
// The site may live in a folder (a project page): the home link points at that folder.
(function () {{
  var parts = location.pathname.split("/").filter(Boolean);
  if (/\\.github\\.io$/.test(location.hostname) && parts.length > 0) {{
    document.getElementById("home").href = "/" + parts[0] + "/";
  }}
}})();
</script>
</body>
</html>
"""


def write_not_found_page(app: Any, exception: Exception | None) -> None:
    """A 404.html that static hosts (GitHub Pages, Netlify) show for a missing address.

    It is self-contained (styles inline, nothing relative), because the host serves it at
    whatever address was asked for, where the site's relative links would not resolve.
    """
    if exception is not None or app.builder.name != "html":
        return
    from pathlib import Path

    page = NOT_FOUND_PAGE.format(title=html.escape(app.config.project or "the course"))
    (Path(app.outdir) / "404.html").write_text(page, encoding="utf-8")


def strip_numbers_from_neighbours(app: Any, pagename: str, templatename: str,
                                  context: dict[str, Any], doctree: Any) -> None:
    """Next/Previous name a page section (a lab) by its title alone, never "1.13. Lab 1".

    A chapter keeps its one-level number ("2. Gradient descent"): it is the chapter's name.
    """
    for side in ("prev", "next"):
        link = context.get(side)
        if link and link.get("title"):
            link["title"] = SECTION_NUMBER.sub("", link["title"])


SECTION_NUMBER = re.compile(r"^\s*(?:<span[^>]*>)?\d+(?:\.\d+)+\.?\s*(?:</span>)?\s*")


# pydata-sphinx-theme's check of which code blocks scroll (each gets tabindex 0): it reads the
# size of every block on the page in one task, at load and after every change to the article.
THEME_TAB_STOPS = re.compile(
    r'document\.querySelectorAll\((\["pre",[^\]]*\]\.join\(", "\))\)\.forEach\(\(?(\w+)\)?=>\{'
    r"\2\.tabIndex=\2\.scrollWidth>\2\.clientWidth\|\|\2\.scrollHeight>\2\.clientHeight\?0:-1\}\)")


def spread_theme_tab_stops(app: Any, exception: Exception | None) -> None:
    """Let the theme's scrollable-block check run in small idle steps (book/_static/nncourse.js).

    In one task it lays out the whole article: over a second of blocked main thread on a slow
    phone for a long chapter. The theme's script is changed in the built site only, to call
    ``window.nncourseTabStops(selector)`` (the same test, spread out) when that exists.
    """
    if exception is not None or app.builder.name != "html":
        return
    from pathlib import Path

    from sphinx.util import logging

    script = Path(app.outdir) / "_static" / "scripts" / "pydata-sphinx-theme.js"
    if not script.is_file():
        return
    text = script.read_text(encoding="utf-8")
    if "nncourseTabStops" in text:
        return

    def call(match: re.Match[str]) -> str:
        selector = match.group(1)
        return (f"(window.nncourseTabStops?window.nncourseTabStops({selector}):"
                f"{match.group(0)})")

    patched, count = THEME_TAB_STOPS.subn(call, text)
    if count != 1:
        logging.getLogger(__name__).warning(
            "nncourse: the theme's tab-stop check was not found in pydata-sphinx-theme.js "
            "(a new theme version?); long chapters then block the main thread at load.")
        return
    script.write_text(patched, encoding="utf-8")


HEADING = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1>", re.DOTALL)
HEADING_CODE = re.compile(r'(<span class="pre">)([^<]+)(</span>)')


def break_names_in_headings(app: Any, pagename: str, templatename: str,
                            context: dict[str, Any], doctree: Any) -> None:
    """Code in a heading may wrap after "." and "_" (``backprop.<wbr>stepper_<wbr>gradient``).

    On a phone a long name is wider than the column; without these points it would break
    between any two letters.
    """
    body = context.get("body", "")
    if "<code" not in body:
        return

    def heading(match: re.Match[str]) -> str:
        return HEADING_CODE.sub(
            lambda m: m.group(1) + re.sub(r"([._])(?=\w)", r"\1<wbr>", m.group(2)) + m.group(3),
            match.group(0))

    context["body"] = HEADING.sub(heading, body)


def setup(app: Any) -> dict[str, Any]:
    """Register the frame mover (the lab reader is named in `nb_custom_formats`)."""
    app.connect("html-page-context", externalize_page_frames)
    app.connect("html-page-context", link_lab_to_chapter)
    app.connect("html-page-context", lazy_images, priority=950)
    app.connect("html-page-context", widget_js_only_with_widgets, priority=900)
    app.connect("html-page-context", strip_numbers_from_neighbours)
    app.connect("html-page-context", break_names_in_headings)
    app.connect("build-finished", drop_fontawesome_js)
    app.connect("build-finished", search_scripts_where_searched)
    app.connect("build-finished", write_not_found_page)
    app.connect("build-finished", spread_theme_tab_stops)
    app.connect("env-get-updated", unnumber_labs, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
