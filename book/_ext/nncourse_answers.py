"""Answers stay out of the site's search: answers pages and folded blocks are not indexed.

Each lab is followed by its answers page (``book/answers/NN_*.md``, placed after the lab in
_toc.yml). This extension

- leaves the answers pages out of the search index (``searchindex.js``);
- leaves every folded block of the other pages out of it too: ``{solution}`` blocks, dropdown
  admonitions (a lab's "Answer" cells), cells tagged ``solution``, ``hide-input``, ``hide-cell``
  or ``hide-output``, and lab code cells holding a ``# BEGIN SOLUTION`` block;
- gives answers pages no section number, like the labs (book/_ext/nncourse_book.py).

The sources are not published (``html_copy_source: false`` in _config.yml), and
book/_static/search-answers.js keeps folded blocks out of the search result snippets, which the
browser cuts from the page itself.

Example:
    >>> is_answers_page("book/answers/02_gradient_descent")
    True
"""

from __future__ import annotations

import functools
import re
from typing import Any

from docutils import nodes

ANSWERS_PREFIX = "book/answers/"
FOLDED_CLASSES = {"dropdown", "toggle", "solution", "tag_solution", "tag_hide-input",
                  "tag_hide-cell", "tag_hide-output", "solution-cell"}
SOLUTION_CODE = re.compile(r"#+\s*BEGIN SOLUTION", re.IGNORECASE)


def is_answers_page(docname: str) -> bool:
    """Whether a page is one of the answers pages (``book/answers/...``)."""
    return docname.startswith(ANSWERS_PREFIX)


def is_folded(node: nodes.Node) -> bool:
    """Whether a doctree node is a block the reader opens on purpose (an answer or hidden code)."""
    if not isinstance(node, nodes.Element):
        return False
    if type(node).__name__ == "solution_node":
        return True
    if FOLDED_CLASSES & set(node.get("classes", [])):
        return True
    # A lab's code cell whose source holds a solution (folded in the browser by nncourse.js).
    return (node.get("nb_element") == "cell_code"
            and any(SOLUTION_CODE.search(block.astext())
                    for block in node.findall(nodes.literal_block)))


def without_folded(doctree: nodes.document) -> nodes.document:
    """A copy of a doctree with its folded blocks removed (the page itself keeps them)."""
    copy = doctree.deepcopy()
    for node in list(copy.findall(is_folded)):
        if node.parent is not None:
            node.parent.remove(node)
    return copy


def _feed_without_answers(feed: Any) -> Any:
    @functools.wraps(feed)
    def wrapped(self: Any, docname: str, filename: str, title: str,
                doctree: nodes.document) -> None:
        if is_answers_page(docname):
            return None
        return feed(self, docname, filename, title, without_folded(doctree))

    wrapped.nncourse_answers = True  # type: ignore[attr-defined]
    return wrapped


def unnumber_answers(app: Any, env: Any) -> list[str]:
    """Answers pages, like labs, carry no section number of their own ("1.14. Answers")."""
    for docname in list(env.toc_secnumbers):
        if is_answers_page(docname):
            env.toc_secnumbers[docname] = {}
            for reference in env.tocs[docname].findall(nodes.reference):
                reference.attributes.pop("secnumber", None)
    return []


def no_source_downloads(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                        doctree: Any) -> None:
    """Drop the theme's "download the page's source" buttons: the sources are not published."""
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"] = [button for button in group.get("buttons", [])
                                if "_sources" not in str(button.get("url", ""))]


def setup(app: Any) -> dict[str, Any]:
    """Wrap the search indexer and register the numbering fix."""
    from sphinx.search import IndexBuilder

    if not getattr(IndexBuilder.feed, "nncourse_answers", False):
        IndexBuilder.feed = _feed_without_answers(IndexBuilder.feed)  # type: ignore[method-assign]
    app.connect("env-get-updated", unnumber_answers, priority=900)
    app.connect("html-page-context", no_source_downloads, priority=650)
    app.add_js_file("search-answers.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
