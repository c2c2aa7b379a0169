"""The shared sidebar (book/_ext/nncourse_sidebar.py) is Sphinx's own, page by page.

A small project with nested tables of contents in several folders, a hidden one, a caption,
sections, documented functions (entries the sidebar must drop with titles_only) and a link out of
the site is built in this process. On every page, the shared ``toctree()`` must give the HTML that
Sphinx's ``toctree()`` gives, for the theme's settings and for others.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import nncourse_sidebar  # noqa: E402

SETTINGS = [
    {"collapse": False, "includehidden": True, "maxdepth": 4, "titles_only": True},  # the theme's
    {"collapse": False, "includehidden": False, "maxdepth": 2, "titles_only": False},
    {"collapse": False, "includehidden": True, "maxdepth": 1, "titles_only": True},
]
PAGES = {
    "index.rst": """Home
====

.. toctree::
   :caption: Part one

   one/intro
   one/deeper/leaf
   Outside <https://example.org/>

.. toctree::
   :hidden:

   two/reference
""",
    "one/intro.rst": """Introduction
============

First section
-------------

.. toctree::

   nested
""",
    "one/nested.rst": "Nested page\n===========\n\nA section\n---------\n\ntext\n",
    "one/deeper/leaf.rst": "Leaf\n====\n\nSee :doc:`../intro`.\n",
    "two/reference.rst": """Reference
=========

.. py:function:: forward(x)

   The forward pass.

.. py:function:: backward(gradient)

   The backward pass.

Classes
-------

.. py:class:: Layer

   .. py:method:: step()
""",
}


def _build(source: Path, pages: dict[str, str]) -> dict[str, object]:
    """Build ``pages`` in this process; per page, the shared and Sphinx's ``toctree()`` HTML for
    each of SETTINGS, and under "shared" whether the theme's call used the shared tree."""
    from sphinx.application import Sphinx

    for name, text in pages.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")
    (source / "conf.py").write_text(
        "extensions = ['nncourse_sidebar', 'record_toctrees']\nhtml_theme = 'basic'\n",
        encoding="utf-8")
    (source / "record_toctrees.py").write_text('''
import nncourse_sidebar

SETTINGS = None
FOUND = {}
SHARED = {}

def record(app, pagename, templatename, context, doctree):
    FOUND[pagename] = [(context["toctree"](**kwargs),
                        app.builder._get_local_toctree(pagename, **kwargs))
                       for kwargs in SETTINGS]
    SHARED[pagename] = nncourse_sidebar.sidebar_html(
        app.builder, pagename, nncourse_sidebar.shared_settings(SETTINGS[0])) is not None

def setup(app):
    app.connect("html-page-context", record, priority=900)
''', encoding="utf-8")
    sys.path.insert(0, str(source))
    try:
        import record_toctrees

        record_toctrees.SETTINGS = [dict(kwargs) for kwargs in SETTINGS]
        app = Sphinx(str(source), str(source), str(source / "_build"),
                     str(source / "_doctrees"), "html", status=io.StringIO(),
                     warning=io.StringIO(), freshenv=True)
        app.build()
        return {**record_toctrees.FOUND, "shared": record_toctrees.SHARED}
    finally:
        sys.path.remove(str(source))
        sys.modules.pop("record_toctrees", None)


@pytest.fixture(scope="module")
def toctrees(tmp_path_factory) -> dict[str, object]:
    return _build(tmp_path_factory.mktemp("project"), PAGES)


def test_every_page_gets_sphinxs_own_sidebar(toctrees):
    pages = set(toctrees) - {"shared"}   # with the index and search pages, in no toctree
    assert {name[:-4] for name in PAGES} | {"genindex", "search"} <= pages, sorted(pages)
    for page in pages:
        for kwargs, (shared, sphinx) in zip(SETTINGS, toctrees[page], strict=True):
            assert shared == sphinx, (page, kwargs)


def test_with_the_themes_settings_every_page_copies_the_shared_tree(toctrees):
    """(So the comparison above compares the shared tree, not Sphinx with itself.)"""
    assert toctrees["shared"] == dict.fromkeys(toctrees["shared"], True)
    assert set(toctrees["shared"]) >= {name[:-4] for name in PAGES} | {"genindex", "search"}


def test_the_sidebar_marks_the_page_and_links_relative_to_it(toctrees):
    theirs, _ = toctrees["one/deeper/leaf"][0]
    assert 'class="current reference internal" href="#"' in theirs
    assert 'href="../intro.html"' in theirs and 'href="../../two/reference.html"' in theirs
    assert 'href="https://example.org/"' in theirs
    assert "forward" not in theirs   # titles only: no entry per documented function
    intro, _ = toctrees["one/intro"][0]
    assert 'class="toctree-l1 current"' in intro and 'href="nested.html"' in intro


@pytest.mark.parametrize("kwargs", [{"collapse": True, "maxdepth": 4},
                                    {"collapse": False, "maxdepth": 0},
                                    {"collapse": False},
                                    {"collapse": False, "maxdepth": "x"},
                                    {"collapse": False, "maxdepth": 3, "extra": 1}])
def test_calls_that_depend_on_the_page_are_left_to_sphinx(kwargs):
    assert nncourse_sidebar.shared_settings(kwargs) is None


def test_the_themes_call_is_shared():
    assert nncourse_sidebar.shared_settings(SETTINGS[0]) == (True, 4, True)


def test_a_site_listing_a_page_twice_is_left_to_sphinx(tmp_path: Path):
    pages = {**PAGES, "index.rst": PAGES["index.rst"] + "\n.. toctree::\n\n   one/nested\n"}
    found = _build(tmp_path, pages)
    assert not any(found.pop("shared").values())
    for page, results in found.items():
        for kwargs, (shared, sphinx) in zip(SETTINGS, results, strict=True):
            assert shared == sphinx, (page, kwargs)
