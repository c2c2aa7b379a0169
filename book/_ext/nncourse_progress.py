"""The reader's progress on the website: book/_static/progress.js on every page.

The script keeps each static quiz answer in the browser (IndexedDB, keyed by the question's id
and a hash of its content) and fills the progress page (book/progress.md): a table per
chapter, export to and import from a file. Nothing is sent anywhere.
"""

from __future__ import annotations

from typing import Any


def setup(app: Any) -> dict[str, Any]:
    """Load progress.js (deferred, so it runs before MathJax typesets the quiz prompts)."""
    app.add_js_file("progress.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
