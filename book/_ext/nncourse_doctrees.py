"""Keep each page's pickled doctree to that page alone.

Sphinx pickles every page's doctree after reading it (``_build/doctrees/``) and unpickles all of
them again to number figures and to write the HTML. Nodes made outside the page's own parse keep
a reference to the throw-away document they were parsed in: autodoc's signatures and docstrings
on the reference pages, and every translated paragraph of the Portuguese edition (Sphinx parses
each translated message as a small document of its own). That document's settings carry the
whole build environment, and with it the saved widget state and explorer frames of every
chapter read so far, so each reference page's doctree weighed about 29 MB (3 GB for one edition)
and most of a build was spent pickling and unpickling them.

After the page is read, each node that points at another document is pointed back at its own
page (docutils then finds the document through the node's parent), so a doctree holds its page
and nothing else.

Example:
    >>> from docutils.utils import new_document
    >>> from docutils.frontend import get_default_settings
    >>> from docutils.parsers.rst import Parser
    >>> from docutils import nodes
    >>> page = new_document("page", get_default_settings(Parser))
    >>> elsewhere = new_document("message", get_default_settings(Parser))
    >>> text = nodes.Text("translated"); text.document = elsewhere
    >>> page += nodes.paragraph("", "", text)
    >>> forget_foreign_documents(None, page)
    >>> text.document is page
    True
"""

from __future__ import annotations

from typing import Any

from docutils import nodes


def forget_foreign_documents(app: Any, doctree: nodes.document) -> None:
    """Point every node that names another document back at ``doctree`` (its own page).

    Args:
        app: the Sphinx application (unused; the ``doctree-read`` event passes it).
        doctree: the page just read, before Sphinx pickles it.
    """
    for node in doctree.findall(include_self=False):
        foreign = getattr(node, "_document", None)
        if foreign is not None and foreign is not doctree:
            # None, not doctree: docutils' ``Node.document`` falls back to the parent's.
            node._document = None


def setup(app: Any) -> dict[str, Any]:
    """Run last among the ``doctree-read`` handlers, after every node is in place."""
    app.connect("doctree-read", forget_foreign_documents, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
