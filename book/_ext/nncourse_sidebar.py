"""The site's navigation sidebar, resolved once per build instead of once per page.

The theme draws the sidebar on every page from Sphinx's ``toctree()`` template function, which
resolves the whole table of contents again for that page: it copies the contents of every page
it lists (each reference page with an entry per documented function) and then keeps the titles
only. With 149 pages listing about 150 entries each, that was a fifth of an edition's build.

What a page's sidebar holds does not depend on the page when branches are not collapsed (the
theme's setting here): only the links, which are relative to the page, and the ``current``
classes on the page's own entry and its ancestors. So the tree is resolved once, with every link
kept as the name of its target, and each page gets a copy with its links made relative to it
and its branch marked, as Sphinx does (``_toctree_add_classes``). Any other call of
``toctree()`` (collapsed branches, or no depth limit, where Sphinx keeps more of the current
page's ancestors) goes to Sphinx unchanged.

tests/test_sidebar_extension.py compares the result with Sphinx's own for every page of a
small project with nested sections in several folders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.environment.adapters.toctree import global_toctree_for_doc

#: marks a link whose target is still a page name (never the start of a real URI)
UNRESOLVED = "\x00"
#: a page name that is in no table of contents: nothing in the shared tree is current
NO_PAGE = "\x00no page"



@dataclass
class _Build:
    """What one build's pages share: the pages its tables of contents list (once, or more for a
    page listed twice) and the tree resolved for each setting of ``toctree()``."""

    listed: frozenset[str]
    listed_twice: bool
    trees: dict[tuple[bool, int, bool], nodes.Element | None] = field(default_factory=dict)


_BUILDS: WeakKeyDictionary[Any, _Build] = WeakKeyDictionary()


class _LinksByName:
    """The builder, except that a link's URI is its target's page name (after a marker)."""

    def __init__(self, builder: Any) -> None:
        self._builder = builder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._builder, name)

    def get_relative_uri(self, from_: str, to: str, typ: str | None = None) -> str:
        return UNRESOLVED + to


def shared_settings(kwargs: dict[str, Any]) -> tuple[bool, int, bool] | None:
    """(includehidden, maxdepth, titles_only) if a ``toctree(**kwargs)`` call draws the same
    tree on every page (branches not collapsed, a depth limit); None if it does not."""
    if not set(kwargs) <= {"collapse", "includehidden", "maxdepth", "titles_only"}:
        return None
    collapse = kwargs.get("collapse", True)   # Sphinx's defaults for toctree()
    includehidden = kwargs.get("includehidden", False)
    titles_only = kwargs.get("titles_only", False)
    try:
        maxdepth = int(kwargs.get("maxdepth", 0))
    except (TypeError, ValueError):
        return None
    flags = (collapse, includehidden, titles_only)
    if collapse is not False or maxdepth <= 0 or not all(isinstance(f, bool) for f in flags):
        return None
    return includehidden, maxdepth, titles_only


def sidebar_html(builder: Any, pagename: str, settings: tuple[bool, int, bool]) -> str | None:
    """The HTML of ``toctree()`` with these settings on page ``pagename``.

    Returns:
        The HTML, or None where only Sphinx knows it: a page listed in a table of contents but
        not drawn (below the depth limit, or under a hidden table of contents), whose ancestors
        Sphinx marks before cutting the tree, and every page of a site that lists a page twice.
        A page in no table of contents (the home page, the search page) marks nothing.
    """
    build = _BUILDS.get(builder)
    if build is None:
        listed = [name for names in builder.env.toctree_includes.values() for name in names]
        build = _BUILDS[builder] = _Build(frozenset(listed), len(listed) != len(set(listed)))
    if build.listed_twice:
        return None
    if settings not in build.trees:
        includehidden, maxdepth, titles_only = settings
        build.trees[settings] = global_toctree_for_doc(
            builder.env, NO_PAGE, _LinksByName(builder), collapse=False,
            includehidden=includehidden, maxdepth=maxdepth, titles_only=titles_only)
    shared = build.trees[settings]
    if shared is None:
        return builder.render_partial(None)["fragment"]   # no entry at all, as Sphinx draws it
    tree = shared.deepcopy()
    references = [(reference, *_target(reference)) for reference in tree.findall(nodes.reference)
                  if reference.get("refuri", "").startswith(UNRESOLVED)]   # not links out
    own = [reference for reference, target, anchor in references
           if target == pagename and not anchor]
    if not own and pagename in build.listed:
        return None   # listed, but not drawn: Sphinx marks the branch it was cut from
    for reference in own:
        branch: nodes.Element | None = reference
        while branch is not None:   # the page's entry and every entry above it
            branch["classes"].append("current")
            branch = branch.parent
    for reference, target, anchor in references:
        reference["refuri"] = builder.get_relative_uri(pagename, target) + anchor
    return builder.render_partial(tree)["fragment"]


def _target(reference: nodes.Element) -> tuple[str, str]:
    """(page name, anchor) of a link of the shared tree."""
    uri, anchor = reference["refuri"], reference.get("anchorname", "")
    return uri[len(UNRESOLVED):len(uri) - len(anchor)], anchor


def use_shared_sidebar(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                       doctree: Any) -> None:
    """Give the page's templates a ``toctree()`` that copies the shared tree where it can."""
    sphinx_toctree: Callable[..., str] | None = context.get("toctree")
    if sphinx_toctree is None:
        return

    def toctree(**kwargs: Any) -> str:
        settings = shared_settings(kwargs)
        html = None if settings is None else sidebar_html(app.builder, pagename, settings)
        return sphinx_toctree(**kwargs) if html is None else html

    context["toctree"] = toctree


def setup(app: Any) -> dict[str, Any]:
    # Before the theme's handlers: they draw the sidebar while handling this event.
    app.connect("html-page-context", use_shared_sidebar, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
