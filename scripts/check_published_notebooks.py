"""Check the notebooks the site publishes for download, Binder and Colab (``_notebooks/``).

Each one must open in nbformat and validate, hold no raw MyST syntax that Jupyter would show as
text (``{exercise}``, ``{glue:md}``, ``{literalinclude}``, ``{doc}``, ...), no solution, and run:
its first code cells (the install cell and the set-up) are executed in a fresh kernel.

Usage:
    python scripts/check_published_notebooks.py _build/html [--cells N]

Example:
    >>> raw_myst("> **Exercise: x**\\n\\nSee {doc}`the lab <lab>`.")
    ['{doc}`']
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

RAW_MYST = re.compile(r"\{[\w:-]+\}`|^\s*(?:`{3,}|:{3,})\{[\w:-]+\}|^\([\w.:-]+\)=\s*$",
                      re.MULTILINE)
SOLUTION = re.compile(r"#+\s*BEGIN SOLUTION", re.IGNORECASE)


def raw_myst(markdown: str) -> list[str]:
    """The MyST roles and directives left in a Markdown cell (Jupyter shows them as text)."""
    return [match.group(0).strip() for match in RAW_MYST.finditer(markdown)]


def notebook_problems(path: Path) -> list[str]:
    """What is wrong with one published notebook, without running it (empty: nothing)."""
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - any reading error is the finding
        return [f"{path.name}: not a valid notebook ({error})"]
    problems = []
    for index, cell in enumerate(notebook.cells):
        where = f"{path.name} cell {index}"
        if cell.cell_type == "markdown":
            problems += [f"{where}: raw MyST {found!r}" for found in raw_myst(cell.source)]
        if SOLUTION.search(cell.source) or "solution" in cell.metadata.get("tags", []):
            problems.append(f"{where}: a solution")
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        problems.append(f"{path.name}: no code cell")
    return problems


def run_first_cells(paths: list[Path], cells: int = 2, timeout: int = 300) -> list[str]:
    """Run the first ``cells`` code cells of each notebook; the errors (empty: all ran).

    One kernel runs them all, one notebook after the other, its variables cleared in between
    (``%reset -f``): a kernel per notebook would cost more than the cells themselves.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    if not paths:
        return []
    combined = nbformat.v4.new_notebook()
    for path in paths:
        notebook = nbformat.read(str(path), as_version=4)
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        for cell in [cell for cell in notebook.cells if cell.cell_type == "code"][:cells]:
            cell.metadata["source_notebook"] = path.name
            combined.cells.append(cell)
    client = NotebookClient(combined, timeout=timeout, kernel_name="python3",
                            allow_errors=True,
                            resources={"metadata": {"path": str(paths[0].parent)}})
    try:
        client.execute()
    except CellExecutionError as error:  # pragma: no cover - allow_errors keeps going
        return [str(error).strip().splitlines()[-1]]
    errors = []
    for cell in combined.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"{cell.metadata.get('source_notebook', '?')}: "
                              f"{output.get('ename')}: {output.get('evalue')}")
    return errors


def main(argv: list[str] | None = None) -> int:
    """Check every notebook in ``<site>/_notebooks``; print the problems, exit 1 if any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (_build/html)")
    parser.add_argument("--cells", type=int, default=2, help="code cells to run in each (2)")
    args = parser.parse_args(argv)
    notebooks = sorted((args.site / "_notebooks").glob("*.ipynb"))
    problems = [] if notebooks else [f"no notebook in {args.site / '_notebooks'}"]
    for path in notebooks:
        problems += notebook_problems(path)
    if args.cells > 0:
        problems += run_first_cells(notebooks, args.cells)
    print(f"{len(notebooks)} notebooks, {len(problems)} problem(s)")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
