"""Chapter pages (MyST Markdown) as real Jupyter notebooks, for download, Binder and Colab.

A chapter page is a MyST notebook: jupytext reads its code cells, but its Markdown is full of
Sphinx syntax that Jupyter shows raw (``{exercise}`` blocks, ``{glue:md}`` prompts,
``{literalinclude}``, ``{doc}`` links, admonitions). This module turns each into what Jupyter
renders:

- ``{exercise}`` and admonitions (``{note}``, ``{admonition} Title``, ...) become quoted blocks
  with a bold title; ``{solution}`` blocks are left out (they are on the answers pages);
- ``{glue:md}`key``` / ``{glue}`key``` become the glued text (from the executed chapter, else
  from the exercise registry for ``prompt-<exercise id>`` keys);
- ``{literalinclude}`` becomes a fenced code block with the file's text (``:pyobject:``,
  ``:lines:``, ``:start-after:`` and ``:end-before:`` honoured);
- ``{doc}`` and ``{ref}`` become links to the published website; ``(label)=`` targets and
  layout directives (``{grid}``) disappear, their content stays;
- code cells tagged ``answer-code`` (the page shows only their output: their code answers a lab
  exercise) keep a comment pointing to the answers page instead of the code;
- a quiz shown as the website's static form (``HTML(quiz(...).static_html())``, whose script
  Jupyter does not run) is shown as the quiz's widgets (``quiz(...)``).

``nncourse_launch`` (book/_ext) calls :func:`chapter_notebook` at the end of each site build.

Usage:
    python scripts/chapter_notebooks.py OUT_DIR [book/01_training_loop.md ...]

Example:
    >>> render_markdown("```{note}\\nRead it.\\n```", {}, lambda target, kind: target)
    '> **Note**\\n>\\n> Read it.'
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ANSWER_TAG = "answer-code"
_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}(?P<arg>[^\n]*)\n",
                    re.MULTILINE)
_OPTION = re.compile(r"^:(?P<key>[\w-]+):(?P<value>[^\n]*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]+)`")
_TARGET = re.compile(r"^\((?P<label>[\w.:-]+)\)=[ \t]*\n", re.MULTILINE)
_STATIC_QUIZ = re.compile(r"HTML\((quiz\([^()]*\))\.static_html\(\)\)")
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
ADMONITIONS = {"note", "tip", "important", "warning", "caution", "attention", "danger", "error",
               "hint", "seealso", "admonition", "exercise", "dropdown"}
LAYOUT = {"grid", "grid-item", "grid-item-card", "card", "div", "container"}


def _find_block(text: str, start: int, fence: str) -> tuple[int, int]:
    """(end of the body, end of the closing fence) of the block opened just before ``start``."""
    closing = re.compile(rf"^{re.escape(fence)}[ \t]*$", re.MULTILINE)
    match = closing.search(text, start)
    if match is None:
        return len(text), len(text)
    return match.start(), min(match.end() + 1, len(text))


def _split_options(body: str) -> tuple[dict[str, str], str]:
    options: dict[str, str] = {}
    lines = body.split("\n")
    index = 0
    if lines and lines[0].strip() == "---":          # YAML-style options block
        end = lines.index("---", 1) if "---" in lines[1:] else 0
        for line in lines[1:end]:
            key, _, value = line.partition(":")
            options[key.strip()] = value.strip()
        index = end + 1
    while index < len(lines):
        match = _OPTION.match(lines[index])
        if not match:
            break
        options[match["key"]] = match["value"].strip()
        index += 1
    return options, "\n".join(lines[index:]).strip("\n")


def _quote(title: str, body: str) -> str:
    quoted = "\n".join(f"> {line}".rstrip() for line in body.split("\n"))
    return f"> **{title}**\n>\n{quoted}" if body.strip() else f"> **{title}**"


def literal_include(path: Path, options: dict[str, str]) -> str:
    """The text a ``{literalinclude}`` shows, as a fenced code block."""
    text = path.read_text(encoding="utf-8")
    if "pyobject" in options:
        tree = ast.parse(text)
        name = options["pyobject"]
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) \
                    and node.name == name.split(".")[-1]:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                text = "\n".join(text.split("\n")[first - 1:node.end_lineno])
                break
        else:
            raise ValueError(f"{path}: no object {name!r} for :pyobject:")
    if "start-after" in options:
        text = text.split(options["start-after"], 1)[-1].split("\n", 1)[-1]
    if "end-before" in options:
        text = text.split(options["end-before"], 1)[0].rsplit("\n", 1)[0]
    if "lines" in options:
        all_lines = text.split("\n")
        chosen: list[str] = []
        for part in options["lines"].split(","):
            low, _, high = part.strip().partition("-")
            chosen += all_lines[int(low) - 1:int(high or low)]
        text = "\n".join(chosen)
    language = options.get("language", "python")
    return f"```{language}\n{text.rstrip()}\n```"


def render_markdown(text: str, glue: dict[str, str], link: Callable[[str, str], str],
                    source_dir: Path = REPO / "book") -> str:
    """A MyST Markdown cell as Markdown that Jupyter renders (see the module docstring).

    Args:
        text: the cell's Markdown.
        glue: glued values by key (``{glue:md}`key```).
        link: ``link(target, kind)`` -> URL for a ``{doc}`` (kind ``"doc"``) or ``{ref}``
            (kind ``"ref"``) target.
        source_dir: the folder of the page (``{literalinclude}`` paths are relative to it).
    """
    out = []
    position = 0
    while True:
        match = _FENCE.search(text, position)
        if match is None:
            out.append(text[position:])
            break
        out.append(text[position:match.start()])
        body_end, block_end = _find_block(text, match.end(), match["fence"])
        options, body = _split_options(text[match.end():body_end])
        name, argument = match["name"], match["arg"].strip()
        if name == "solution":
            pass
        elif name == "literalinclude":
            out.append(literal_include((source_dir / argument).resolve(), options))
        elif name in ("code", "code-block", "sourcecode"):
            out.append(f"```{argument}\n{body}\n```")
        elif name == "math":
            out.append(f"$$\n{body}\n$$")
        elif name in LAYOUT:
            out.append(render_markdown(body, glue, link, source_dir))
        else:
            title = argument if name in ("admonition", "dropdown") else name.capitalize()
            if name == "exercise":
                title = f"Exercise: {argument}" if argument else "Exercise"
            out.append(_quote(title, render_markdown(body, glue, link, source_dir)))
        position = block_end
        if position < len(text) and not out[-1].endswith("\n"):
            out.append("\n")
    return _roles(_TARGET.sub("", "".join(out)), glue, link).strip("\n")


def _roles(text: str, glue: dict[str, str], link: Callable[[str, str], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        role, body = match["role"], match["body"]
        if role.startswith("glue"):
            key = body.split(":")[-1].strip()
            return glue.get(key, "*(shown on the course website)*")
        if role in ("doc", "ref", "numref"):
            explicit = _EXPLICIT.match(body)
            label, target = (explicit["text"], explicit["target"]) if explicit else (body, body)
            return f"[{label}]({link(target.strip(), 'doc' if role == 'doc' else 'ref')})"
        if role in ("math",):
            return f"${body}$"
        return f"`{body}`"

    return _ROLE.sub(replace, text)


def glue_from_executed(executed: Path) -> dict[str, str]:
    """Glued Markdown/text values stored in an executed chapter notebook (myst-nb's glue)."""
    import nbformat

    values: dict[str, str] = {}
    if not executed.is_file():
        return values
    notebook = nbformat.read(str(executed), as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            data = output.get("data", {})
            if name:
                values[name] = str(data.get("text/markdown") or data.get("text/plain", ""))
    return values


def glue_from_registry() -> dict[str, str]:
    """``prompt-<exercise id>`` keys, as the chapters glue them, from the exercise registry."""
    try:
        from nncourse.exercises import list_exercises
    except Exception:  # noqa: BLE001 - then the glue comes from the executed chapter only
        return {}
    return {f"prompt-{exercise.id.replace('.', '-')}": exercise.prompt
            for exercise in list_exercises()}


def label_pages(book: Path = REPO / "book") -> dict[str, str]:
    """Every ``(label)=`` target of the book -> the docname of its page."""
    found = {}
    for page in book.rglob("*.md"):
        docname = str(page.relative_to(book.parent).with_suffix(""))
        for match in _TARGET.finditer(page.read_text(encoding="utf-8")):
            found[match["label"]] = docname
    return found


def site_linker(docname: str, site_url: str,
                labels: dict[str, str]) -> Callable[[str, str], str]:
    """``link(target, kind)`` for the pages of ``docname``: absolute URLs on the website."""
    base = site_url.rstrip("/") + "/"

    def link(target: str, kind: str) -> str:
        if kind == "doc":
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                parts: list[str] = list(Path(docname).parent.parts)
                for piece in target.split("/"):
                    if piece == "..":
                        parts = parts[:-1]
                    elif piece not in (".", ""):
                        parts.append(piece)
                resolved = "/".join(parts)
            return f"{base}{re.sub(r'[.](md|ipynb)$', '', resolved)}.html"
        page = labels.get(target)
        anchor = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
        return f"{base}{page}.html#{anchor}" if page else base

    return link


def chapter_notebook(root: Path, docname: str, site_url: str, glue: dict[str, str] | None = None,
                     labels: dict[str, str] | None = None) -> Any:
    """A chapter page as a notebook Jupyter renders.

    Args:
        root: the repository.
        docname: the page, for example ``"book/01_training_loop"``.
        site_url: the published website (links to other pages go there).
        glue: glued values (default: the exercise registry's prompts).
        labels: ``(label)=`` targets -> docname (default: read from ``book/``).

    Returns:
        An nbformat v4 notebook: Markdown rendered, code cells as on the page.
    """
    import jupytext

    source = (root / docname).with_suffix(".md")
    notebook = jupytext.reads(source.read_text(encoding="utf-8"), fmt="md:myst")
    notebook.metadata.pop("jupytext", None)
    glue = glue_from_registry() if glue is None else glue
    link = site_linker(docname, site_url, label_pages(root / "book") if labels is None else labels)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = render_markdown(cell.source, glue, link, source.parent)
        elif cell.cell_type == "code" and _STATIC_QUIZ.search(cell.source):
            cell.source = _STATIC_QUIZ.sub(r"\1", cell.source)
        elif cell.cell_type == "code" and ANSWER_TAG in cell.metadata.get("tags", []):
            answers = link(f"answers/{Path(docname).name}", "doc")
            cell.source = ("# This cell's code answers a lab exercise: it is on the answers "
                           f"page after the lab,\n# {answers}\n")
    notebook.cells = [cell for cell in notebook.cells
                      if cell.cell_type != "markdown" or cell.source.strip()]
    return notebook


def main(argv: list[str] | None = None) -> int:
    """Write the chapter notebooks named on the command line (default: every chapter)."""
    import nbformat
    import yaml

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.split("Usage:")[1].split("Example:")[0].strip())
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    pages = [Path(p) for p in args[1:]] or sorted((REPO / "book").glob("[0-9][0-9]_*.md"))
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    site_url = config.get("html", {}).get("baseurl") or ""
    for page in pages:
        docname = str(page.resolve().relative_to(REPO).with_suffix(""))
        notebook = chapter_notebook(REPO, docname, site_url)
        nbformat.write(notebook, str(out / f"{page.stem}.ipynb"))
        print(f"wrote {out / (page.stem + '.ipynb')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
