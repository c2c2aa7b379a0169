"""No answer before its exercise: chapter pages show a library answer only in a folded block.

For every registered exercise whose reference answer is a library function (``nncourse.numpy``
or ``nncourse.torch``), the built chapter pages (``_build/html/book/*.html``) must not contain
the lines of its body outside a folded block (a ``dropdown`` admonition or solution, or a
``<details>`` toggle of a hidden cell), and every folded block that contains them must name the
lab exercise (its id). A page after the exercise's lab in reading order (chapter N + 1 and on, for
an exercise of lab N) may show it. Skips when the site has not been built (``make book``).
"""

from __future__ import annotations

import html
import inspect
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nncourse.exercises import list_exercises
from nncourse.grading.solutions import get_solution
from nncourse.numpy.layers import linear_backward

SITE = Path(__file__).resolve().parents[1] / "_build" / "html" / "en"
CHAPTERS = sorted((SITE / "book").glob("[0-9][0-9]_*.html")) if SITE.is_dir() else []
CONTROL = {"if", "elif", "else", "for", "while", "try", "except", "finally", "def", "raise",
           "with", "import", "from", "pass"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def library_functions(answer) -> list:
    """The library functions an answer consists of (empty if it is not the library's)."""
    items = answer if isinstance(answer, tuple) else (answer,)
    found = [item for item in items if callable(item)
             and getattr(item, "__module__", "").startswith(("nncourse.numpy", "nncourse.torch"))]
    return found if len(found) == len(items) else []


def body_lines(function) -> list[str]:
    """The distinctive code lines of a function's body (statements that compute, not checks)."""
    source = textwrap.dedent(inspect.getsource(function))
    body = source.split(":\n", 1)[1] if source.startswith("def ") else source
    doc = inspect.getdoc(function) or ""
    lines = []
    in_doc = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(('"""', "'''")):
            in_doc = not (stripped.count('"""') + stripped.count("'''") >= 2) and not in_doc
            continue
        if in_doc or not stripped or stripped.startswith("#") or (doc and stripped in doc):
            continue
        first = re.split(r"\W", stripped, maxsplit=1)[0]
        if first in CONTROL or stripped.startswith((")", '"', "'", "f\"")):
            continue             # control lines and message text are not the answer's content
        if len(_squash(stripped)) >= 14:
            lines.append(_squash(stripped))
    return lines


class _Folds(HTMLParser):
    """Splits a page's text into what is visible and what sits in each folded block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int | None]] = []   # (tag, index of the folded block)
        self.visible: list[str] = []
        self.folded: list[list[str]] = []

    def _current(self) -> int | None:
        for _, fold in reversed(self.stack):
            if fold is not None:
                return fold
        return None

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        fold = None
        if self._current() is None and (tag == "details" or "dropdown" in classes):
            self.folded.append([])
            fold = len(self.folded) - 1
        self.stack.append((tag, fold))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        fold = self._current()
        (self.visible if fold is None else self.folded[fold]).append(data)


def _library_exercises():
    found = []
    for exercise in list_exercises():
        functions = library_functions(get_solution(exercise.id))
        if functions:
            found.append((exercise, functions))
    return found


LIBRARY_EXERCISES = _library_exercises()


def test_library_answers_are_found():
    ids = {exercise.id for exercise, _ in LIBRARY_EXERCISES}
    assert {"loop.iterate_minibatches", "gradients.numerical_gradient",
            "backprop.linear_backward", "backprop.relu_backward",
            "backprop.softmax_cross_entropy_backward", "activations.sigmoid_backward",
            "activations.tanh_backward", "activations.leaky_relu"} <= ids
    for _, functions in LIBRARY_EXERCISES:
        assert all(body_lines(function) for function in functions)


def test_the_parser_tells_folded_from_visible():
    page = _Folds()
    page.feed("<p>seen</p><div class='admonition dropdown'><p>hidden <b>x</b></p></div>"
              "<details><summary>s</summary>also</details><p>after</p>")
    assert _squash("".join(page.visible)) == "seenafter"
    assert ["".join(block) for block in page.folded] == ["hidden x", "salso"]


def answers_shown(html: str, chapter: int = 0) -> list[str]:
    """What a page shows of library answers: unfolded lines, or folded ones without the id.

    Args:
        html: the page. chapter: the page's chapter number; exercises of earlier labs, which
            the reader has already done, are not answers any more (0: check every exercise).
    """
    page = _Folds()
    page.feed(html)
    visible = _squash("".join(page.visible))
    folded = [_squash("".join(block)) for block in page.folded]
    problems = []
    for exercise, functions in LIBRARY_EXERCISES:
        if chapter and int(exercise.chapter.removeprefix("ch")) < chapter:
            continue
        for function in functions:
            for line in body_lines(function):
                if line in visible:
                    problems.append(f"`{line}` of {function.__name__}, the answer to "
                                    f"{exercise.id}, outside a folded block")
                problems += [f"a folded block shows {function.__name__} without naming "
                             f"{exercise.id}" for block in folded
                             if line in block and _squash(exercise.id) not in block]
    return problems


def test_an_unfolded_or_unnamed_answer_is_caught():
    source = html.escape(inspect.getsource(linear_backward))
    assert answers_shown(f"<div class='highlight'><pre>{source}</pre></div>")
    unnamed = f"<div class='admonition dropdown'><p>The library</p><pre>{source}</pre></div>"
    assert any("without naming" in p for p in answers_shown(unnamed))
    named = (f"<div class='admonition dropdown'><p>answers backprop.linear_backward</p>"
             f"<pre>{source}</pre></div>")
    assert answers_shown(named) == []


@pytest.mark.skipif(not CHAPTERS, reason="the site is not built (_build/html/book); run "
                                         "`make book` first")
@pytest.mark.parametrize("page_path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_never_shows_a_library_answer_unfolded(page_path: Path):
    chapter = int(page_path.name.split("_", 1)[0])
    assert answers_shown(page_path.read_text(encoding="utf-8"), chapter) == []


def test_a_later_chapter_may_show_an_earlier_labs_answer():
    source = html.escape(inspect.getsource(linear_backward))       # lab 3's exercise
    page = f"<div class='highlight'><pre>{source}</pre></div>"
    assert answers_shown(page, chapter=3) and answers_shown(page, chapter=4) == []
