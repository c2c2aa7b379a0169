"""Make student notebooks from solution notebooks.

Code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes a stub raising
``NotImplementedError`` that names the exercise; markdown cells tagged ``solution`` are
removed (code cells tagged ``solution`` become a stub); outputs, execution counts and widget
state are cleared. A release that still contains solution text is refused. Beside the student
notebooks goes ``manifest.json``: each lab's exercise list, which the grader scores it against.

Example:
    >>> release_notebooks("notebooks/", "release/")   # doctest: +SKIP
    [PosixPath('release/lab03_backpropagation.ipynb'), PosixPath('release/manifest.json')]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from nncourse.grading.notebooks import find_answers

BEGIN = re.compile(r"^(?P<indent>\s*)#+\s*BEGIN SOLUTION\b\s*(?P<id>[\w.]*)", re.IGNORECASE)
END = re.compile(r"^\s*#+\s*END SOLUTION\b", re.IGNORECASE)
SOLUTION_TAG = "solution"


class ReleaseError(ValueError):
    """The solution notebook cannot be released safely (unbalanced markers, leaked text)."""


def _stub(indent: str, exercise_id: str) -> str:
    return f'{indent}raise NotImplementedError("{exercise_id}: write your solution here")'


def strip_code(source: str, exercise_id: str, where: str) -> tuple[str, list[str]]:
    """Replace solution blocks by stubs; return (new source, removed solution lines)."""
    out, removed, inside = [], [], None
    for number, line in enumerate(source.splitlines(), 1):
        begin = BEGIN.match(line)
        if inside is None and begin:
            inside = number
            out.append(_stub(begin.group("indent"), begin.group("id") or exercise_id))
        elif inside is not None and END.match(line):
            inside = None
        elif inside is not None:
            if BEGIN.match(line):
                raise ReleaseError(f"{where}: nested BEGIN SOLUTION at line {number}.")
            removed.append(line)
        else:
            if END.match(line):
                raise ReleaseError(f"{where}: END SOLUTION at line {number} without BEGIN.")
            out.append(line)
    if inside is not None:
        raise ReleaseError(f"{where}: BEGIN SOLUTION at line {inside} has no END SOLUTION.")
    return "\n".join(out), removed


def _exercise_for(cells: list, index: int, fallback: str) -> str:
    """The id of the nearest check()/answer() call at or after code cell ``index``."""
    for cell in cells[index:]:
        if cell.cell_type == "code":
            found = find_answers([cell.source])
            if found:
                return next(iter(found))
    return fallback


def release_notebook(source_path: str | Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The student version of one notebook and the solution texts it removed."""
    notebook = nbformat.read(str(source_path), as_version=4)
    name = Path(source_path).stem
    removed: list[str] = []
    cells = []
    for index, cell in enumerate(notebook.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        where = f"{Path(source_path).name} cell {index + 1}"
        if SOLUTION_TAG in tags and cell.cell_type != "code":
            removed.extend(cell.source.splitlines())
            continue
        if cell.cell_type == "code":
            exercise_id = _exercise_for(notebook.cells, index, name)
            if SOLUTION_TAG in tags:
                removed.extend(cell.source.splitlines())
                cell.source = _stub("", exercise_id)
            else:
                cell.source, lines = strip_code(cell.source, exercise_id, where)
                removed.extend(lines)
            cell.outputs, cell.execution_count = [], None
        cell.metadata = {"tags": [t for t in tags if t != SOLUTION_TAG]} if tags else {}
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata.pop("widgets", None)
    return notebook, removed


def _meaningful(line: str) -> str | None:
    text = line.strip()
    if len(text) < 6 or text.startswith("#") or text in ("return", "pass", "else:", "try:"):
        return None
    return text


def leaked_lines(released_text: str, removed: list[str]) -> list[str]:
    """Removed solution lines (non-trivial ones) that still occur in the released text."""
    present = {line.strip() for line in released_text.splitlines()}
    leaks = [text for text in map(_meaningful, removed) if text and text in present]
    if BEGIN.search(released_text) or re.search(r"#+\s*BEGIN SOLUTION", released_text):
        leaks.append("BEGIN SOLUTION marker")
    return leaks


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """All cell sources joined (what a learner can read)."""
    return "\n".join(cell.source for cell in notebook.cells)


def release_notebooks(source: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the student version of every notebook under ``source`` into ``out_dir``.

    Raises:
        ReleaseError: a notebook would still contain solution text; nothing is written.
    """
    source = Path(source)
    files = sorted(source.rglob("*.ipynb")) if source.is_dir() else [source]
    files = [f for f in files if ".ipynb_checkpoints" not in f.parts]
    if not files:
        raise ReleaseError(f"No notebooks found in {source}.")
    prepared = []
    for path in files:
        notebook, removed = release_notebook(path)
        leaks = leaked_lines(notebook_text(notebook), removed)
        if leaks:
            raise ReleaseError(f"{path.name}: the release would still contain solution text "
                               f"({leaks[:3]}); refusing to write it.")
        relative = path.relative_to(source) if source.is_dir() else Path(path.name)
        prepared.append((Path(out_dir) / relative, notebook))
    written = []
    for target, notebook in prepared:
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(target))
        written.append(target)
    manifest = {path.stem: lab_exercise_ids(path) for path in files}
    target = Path(out_dir) / MANIFEST
    target.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return [*written, target]


#: The file :func:`release_notebooks` writes next to the student notebooks:
#: ``{lab name: [exercise ids it grades]}``, read by ``nncourse grade --manifest``.
MANIFEST = "manifest.json"


def lab_exercise_ids(path: str | Path) -> list[str]:
    """The registered exercises a solution notebook checks, in registry order."""
    from nncourse.exercises.registry import list_exercises

    cells = [cell.source for cell in nbformat.read(str(path), as_version=4).cells
             if cell.cell_type == "code"]
    found = set(find_answers(cells))
    return [ex.id for ex in list_exercises() if ex.id in found]


def read_manifest(path: str | Path) -> dict[str, list[str]]:
    """A release manifest as ``{lab: [exercise ids]}`` (ValueError naming what is wrong)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"--manifest {path}: cannot read it as JSON ({exc}); pass the "
                         f"{MANIFEST} that `nncourse release` wrote.") from None
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
            for k, v in data.items()):
        raise ValueError(f"--manifest {path}: expected {{lab name: [exercise ids]}}.")
    return data
