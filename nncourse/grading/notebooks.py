"""Reading submissions: code cells from the notebook source only, and the answers they check.

A notebook is parsed with nbformat (JSON); outputs, attachments and metadata are ignored.
Answers are found statically: every ``check("<id>", <expr>)`` or ``answer("<id>", <expr>)``
call (also ``exercises.check`` / ``nncourse.exercises.check``) with a string-literal id.

Example:
    >>> find_answers(['check("backprop.softmax", softmax)'])
    {'backprop.softmax': 'softmax'}
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

ANSWER_FUNCTIONS = ("check", "answer")

#: A code cell with this tag is not run by the grader (nor by ``validate``): a demonstration that
#: needs what the sandbox withholds (a network socket, a second process group, a GPU). The cell
#: keeps its number, and nothing in it counts as an answer.
SKIP_IN_GRADING_TAG = "skip-in-grading"


def code_cells(path: str | Path) -> list[str]:
    """Sources of the code cells of a notebook (raises ValueError if it is not a notebook)."""
    return code_cells_from_bytes(Path(path).read_bytes(), Path(path).name)


def code_cells_from_bytes(data: bytes, name: str) -> list[str]:
    """Sources of the code cells of the notebook in ``data`` (ValueError if it is not one).

    Outputs, attachments and metadata are dropped; a cell whose source is not text is empty.
    """
    return code_cells_and_numbers(data, name)[0]


def code_cells_and_numbers(data: bytes, name: str) -> tuple[list[str], list[int]]:
    """Code cell sources, and each one's number as the notebook shows it.

    Number 1 is the first cell of any kind, so "cell N" in feedback is the N-th cell the
    learner sees. A cell tagged ``skip-in-grading`` has an empty source.
    """
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        cells = notebook.cells
        numbers = [n for n, cell in enumerate(cells, 1) if cell.get("cell_type") == "code"]
        sources = [cell.get("source", "") if not _skipped(cell) else ""
                   for cell in cells if cell.get("cell_type") == "code"]
    except Exception as exc:  # nbformat raises many types for broken JSON / schema
        raise ValueError(f"{Path(name).name} is not a readable notebook ({type(exc).__name__}); "
                         f"re-save it from Jupyter and submit again") from None
    return [s if isinstance(s, str) else "".join(map(str, s)) if isinstance(s, list) else ""
            for s in sources], numbers


def _skipped(cell: dict) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return isinstance(tags, list) and SKIP_IN_GRADING_TAG in tags


def _strip_magics(source: str) -> str:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def find_answers(cells: list[str]) -> dict[str, str]:
    """Map exercise id -> source of the answer expression (the last call in the notebook wins)."""
    found: dict[str, str] = {}
    for source in cells:
        try:
            found.update(_answers_in(source))
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            continue          # a cell that cannot be parsed has no answer the grader can see
    return found


def _answers_in(source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    tree = ast.parse(_strip_magics(source))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        first = node.args[0]
        if name in ANSWER_FUNCTIONS and isinstance(first, ast.Constant) \
                and isinstance(first.value, str):
            found[first.value] = ast.unparse(node.args[1])
    return found
