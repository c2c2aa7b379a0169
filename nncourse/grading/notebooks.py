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


def code_cells(path: str | Path) -> list[str]:
    """Sources of the code cells of a notebook (raises ValueError if it is not a notebook)."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many types for broken JSON / schema
        raise ValueError(f"{Path(path).name} is not a readable notebook: {type(exc).__name__}") \
            from None
    return [str(cell.get("source", "")) for cell in notebook.cells
            if cell.get("cell_type") == "code"]


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
            tree = ast.parse(_strip_magics(source))
        except SyntaxError:
            continue
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
