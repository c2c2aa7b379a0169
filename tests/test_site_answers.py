"""Answers after the exercise: no answer on a chapter page, in the search or in the sources.

Answers to lab N's exercises live on the answers page after lab N (``book/answers/NN_*.md``,
after the lab in _toc.yml). The built chapter pages (``_build/html/book/NN_*.html``) hold no
solution block and none of the code of an exercise whose reference answer is a library function
(``nncourse.numpy`` or ``nncourse.torch``), folded or not; a page after the exercise's lab in
reading order (chapter N + 1 and on) may show it. The search index (``searchindex.js``) holds no
answers page and no word that a page shows only in a folded block (a solution, a dropdown, a
hidden cell); the page sources are not published (``_sources/``). Each check has a planted-fault
test that shows it fails when it should. Site checks skip when the site has not been built
(``make book``).
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import re
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from docutils import nodes

from nncourse.exercises import list_exercises
from nncourse.grading.solutions import get_solution
from nncourse.numpy.layers import linear_backward

if TYPE_CHECKING:
    from sphinx.search import SearchLanguage

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "_build" / "html" / "en"
sys.path.insert(0, str(REPO / "book" / "_ext"))

import nncourse_answers  # noqa: E402

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
        if self._current() is None and tag != "nav" and (tag == "details"
                                                          or "dropdown" in classes):
            self.folded.append([])
            fold = len(self.folded) - 1
        self.stack.append((tag, fold))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if any(tag == "nav" for tag, _ in self.stack):
            return  # the site's navigation (a collapsed table of contents) is not page text
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
    """What a page shows of library answers, folded or not.

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
                problems += [f"a folded block shows {function.__name__}, the answer to "
                             f"{exercise.id}" for block in folded if line in block]
    return problems


def test_an_answer_is_caught_folded_or_not():
    source = html.escape(inspect.getsource(linear_backward))
    assert answers_shown(f"<div class='highlight'><pre>{source}</pre></div>")
    named = (f"<div class='admonition dropdown'><p>answers backprop.linear_backward</p>"
             f"<pre>{source}</pre></div>")
    assert any("a folded block shows" in p for p in answers_shown(named))
    hidden_cell = f"<details><summary>Show code</summary><pre>{source}</pre></details>"
    assert answers_shown(hidden_cell)


@pytest.mark.skipif(not CHAPTERS, reason="the site is not built (_build/html/book); run "
                                         "`make book` first")
@pytest.mark.parametrize("page_path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_never_shows_a_library_answer(page_path: Path):
    chapter = int(page_path.name.split("_", 1)[0])
    assert answers_shown(page_path.read_text(encoding="utf-8"), chapter) == []


def test_a_later_chapter_may_show_an_earlier_labs_answer():
    source = html.escape(inspect.getsource(linear_backward))       # lab 3's exercise
    page = f"<div class='highlight'><pre>{source}</pre></div>"
    assert answers_shown(page, chapter=3) and answers_shown(page, chapter=4) == []


# ---- solution blocks on chapter pages ------------------------------------------------------


class _Solutions(HTMLParser):
    """Counts the answer blocks of a page: sphinx-exercise solutions and lab "Answer" cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if {"solution", "solution-cell"} & classes or "tag_solution" in classes:
            self.found.append(f"<{tag} class='{' '.join(sorted(classes))}'>")


def solution_blocks(page: str) -> list[str]:
    """The answer blocks in a page's HTML (empty: none)."""
    parser = _Solutions()
    parser.feed(page)
    return parser.found


def test_a_solution_block_is_caught():
    assert solution_blocks("<div class='solution admonition dropdown'><p>x</p></div>")
    assert solution_blocks("<div class='cell tag_solution'>x</div>")
    assert solution_blocks("<div class='exercise admonition'><p>Do it.</p></div>") == []


@pytest.mark.skipif(not CHAPTERS, reason="the site is not built (_build/html/book); run "
                                         "`make book` first")
@pytest.mark.parametrize("page_path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_pages_hold_no_solution_block(page_path: Path):
    assert solution_blocks(page_path.read_text(encoding="utf-8")) == []


# ---- answers pages come after their labs ---------------------------------------------------


def reading_order(toc_file: Path = REPO / "_toc.yml") -> list[str]:
    """Every page of the table of contents in reading order (docnames)."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    order = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                order.append(re.sub(r"\.(md|ipynb)$", "", entry["file"]))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return order


def answers_out_of_order(order: list[str]) -> list[str]:
    """Answers pages missing or placed before their lab (empty: every one after its lab)."""
    problems = []
    for lab in [page for page in order if re.match(r"notebooks/lab\d\d_", page)]:
        number = lab.removeprefix("notebooks/lab")[:2]
        answers = [page for page in order if page.startswith(f"book/answers/{number}_")]
        if not answers:
            problems.append(f"no answers page for {lab}")
        elif order.index(answers[0]) < order.index(lab):
            problems.append(f"{answers[0]} comes before {lab}")
        following = [page for page in order if re.match(rf"book/{int(number) + 1:02d}_", page)]
        if answers and following and order.index(answers[0]) > order.index(following[0]):
            problems.append(f"{answers[0]} comes after the next chapter")
    return problems


def test_every_lab_is_followed_by_its_answers_page():
    order = reading_order()
    assert answers_out_of_order(order) == []
    for page in order:
        if page.startswith("book/answers/"):
            assert (REPO / f"{page}.md").is_file()


def test_an_answers_page_before_its_lab_is_caught():
    order = ["book/01_a", "book/answers/01_a", "notebooks/lab01_a", "book/02_b",
             "notebooks/lab02_b"]
    problems = answers_out_of_order(order)
    assert "book/answers/01_a comes before notebooks/lab01_a" in problems
    assert "no answers page for notebooks/lab02_b" in problems


def test_every_solution_of_the_book_is_on_an_answers_page():
    for page in sorted((REPO / "book").glob("[0-9][0-9]_*.md")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"^[`:]{3,}\{solution\}", text, re.MULTILINE), page.name
        labels = re.findall(r"^:label: (ex-\S+)", text, re.MULTILINE)
        answers = (REPO / "book" / "answers" / page.name).read_text(encoding="utf-8")
        solved = re.findall(r"^[`:]{3,}\{solution\} (\S+)", answers, re.MULTILINE)
        assert set(solved) <= set(labels), page.name
        assert solved, f"{page.name}: its answers page holds no solution"


# ---- the search index ------------------------------------------------------------------------


def load_search_index(site: Path = SITE) -> dict:
    """The data of ``searchindex.js`` (``Search.setIndex({...})``)."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


@functools.cache
def _english_search() -> SearchLanguage:
    from sphinx.search.en import SearchEnglish

    return SearchEnglish({})


@functools.cache
def _stem(word: str) -> str:
    """The index's term for one word (pages repeat their words: each is stemmed once)."""
    return _english_search().stem(word).lower()


def _stemmed_words(text: str) -> set[str]:
    """The terms Sphinx's English indexer makes of ``text``."""
    language = _english_search()
    return {_stem(word) for word in set(language.split(text))
            if language.word_filter(word) and len(word) > 2}


def indexed_terms(index: dict, docname: str) -> set[str]:
    """The terms the search index holds for one page."""
    number = index["docnames"].index(docname)
    return {term for term, docs in index["terms"].items()
            if number == docs or (isinstance(docs, list) and number in docs)}


def _tex_command_words() -> set[str]:
    """Stems of the TeX commands the sources' formulas use (``\\sqrt``, ``\\sigma``, ``\\sum``).

    Formulas are typeset at build time, so the page shows their glyphs while the search index
    holds their TeX: such a word is a formula's, visible on the page, never an answer's.
    """
    sources = [*(REPO / "book").rglob("*.md"), *(REPO / "notebooks").glob("lab*.ipynb")]
    commands = set()
    for source in sources:
        commands |= set(re.findall(r"\\\\?([A-Za-z]+)", source.read_text(encoding="utf-8")))
    return _stemmed_words(" ".join(commands))


def folded_words_indexed(page_html: str, terms: set[str],
                         formula_words: frozenset[str] = frozenset()) -> set[str]:
    """Words a page shows only in folded blocks, yet found by the search (empty: none)."""
    if "<details" not in page_html and "dropdown" not in page_html:
        return set()   # nothing on the page is folded (_Folds would find no block)
    page = _Folds()
    page.feed(page_html)
    visible = _stemmed_words(" ".join(page.visible)) | formula_words
    folded = _stemmed_words(" ".join(" ".join(block) for block in page.folded))
    return (folded - visible) & terms


def test_a_folded_word_in_the_index_is_caught():
    page = ("<p>Gradient descent at the limit.</p><div class='solution admonition dropdown'>"
            "<p>At exactly 0.5 the iterate flips sign forever.</p></div>")
    assert folded_words_indexed(page, {"flip", "forev", "gradient"}) == {"flip", "forev"}
    assert folded_words_indexed(page, {"gradient", "limit"}) == set()


def test_the_indexer_leaves_folded_blocks_and_answers_pages_out():
    document = nodes.document(None, None)
    section = nodes.section()
    section += nodes.paragraph(text="visible words")
    section += nodes.container("", nodes.paragraph(text="folded answer"), classes=["dropdown"])
    cell = nodes.container("", nodes.literal_block(text="# BEGIN SOLUTION\nx = 1"),
                           nb_element="cell_code")
    section += cell
    document += section
    pruned = nncourse_answers.without_folded(document)
    assert pruned.astext() == "visible words"
    assert "folded answer" in document.astext()          # the page itself keeps them
    fed = []
    feed = nncourse_answers._feed_without_answers(lambda self, d, f, t, tree: fed.append(d))
    feed(None, "book/answers/02_gradient_descent", "x", "t", document)
    feed(None, "book/02_gradient_descent", "x", "t", document)
    assert fed == ["book/02_gradient_descent"]


SITE_BUILT = (SITE / "searchindex.js").is_file()


@pytest.mark.skipif(not SITE_BUILT, reason="the site is not built; run `make book` first")
def test_the_search_index_holds_no_answer():
    index = load_search_index()
    assert not [d for d in index["docnames"] if nncourse_answers.is_answers_page(d)]
    problems = {}
    formula_words = frozenset(_tex_command_words())
    for docname in index["docnames"]:
        page = SITE / f"{docname}.html"
        if page.is_file():
            leaked = folded_words_indexed(page.read_text(encoding="utf-8"),
                                          indexed_terms(index, docname), formula_words)
            if leaked:
                problems[docname] = sorted(leaked)[:10]
    assert problems == {}


@pytest.mark.skipif(not SITE_BUILT, reason="the site is not built; run `make book` first")
def test_searching_an_answer_finds_no_page():
    """The issue's example: chapter 2's answer about the stability limit is not found."""
    index = load_search_index()
    terms = [t for t in _stemmed_words("flips sign forever") if t in index["terms"]]
    pages = [set(index["terms"][term]) if isinstance(index["terms"][term], list)
             else {index["terms"][term]} for term in terms]
    found = set.intersection(*pages) if len(terms) == 3 else set()
    assert not found, [index["docnames"][d] for d in found]


# ---- the published sources -----------------------------------------------------------------


def published_sources(site: Path) -> list[str]:
    """Page sources published with the site (empty: none)."""
    folder = site / "_sources"
    return sorted(str(p.relative_to(site)) for p in folder.rglob("*") if p.is_file()) \
        if folder.is_dir() else []


def test_a_published_source_is_caught(tmp_path: Path):
    assert published_sources(tmp_path) == []
    (tmp_path / "_sources" / "book").mkdir(parents=True)
    (tmp_path / "_sources" / "book" / "02_gradient_descent.md").write_text("{solution}")
    assert published_sources(tmp_path) == ["_sources/book/02_gradient_descent.md"]


@pytest.mark.skipif(not SITE_BUILT, reason="the site is not built; run `make book` first")
def test_no_page_source_is_published():
    assert published_sources(SITE) == []
    linking = [p.name for p in SITE.rglob("*.html") if "_sources/" in p.read_text("utf-8")]
    assert linking == []


OPTIMIZER_STEPS = ("sgd_step", "momentum_step", "rmsprop_step", "adam_step", "adamw_step")


def test_chapter_5_shows_the_optimizer_functions_after_the_lab():
    """The pure update functions are the answers of lab 5: on its answers page, not the chapter."""
    answers = (REPO / "book" / "answers" / "05_optimizers.md").read_text(encoding="utf-8")
    chapter = (REPO / "book" / "05_optimizers.md").read_text(encoding="utf-8")
    for name in OPTIMIZER_STEPS:
        assert re.search(rf"^```\{{literalinclude\}} \.\./\.\./nncourse/numpy/optim\.py\n"
                         rf":pyobject: {name}$", answers, re.MULTILINE), name
        assert f":pyobject: {name}" not in chapter and f"def {name}" not in chapter
