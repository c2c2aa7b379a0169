"""Labs 1 and 2: the solutions pass every check, the released versions run up to the first
unsolved exercise, and the chapter quizzes are well formed.

The notebook tests execute in a fresh ``python3`` kernel with nbclient (a few seconds of
training each), so they are marked ``slow``.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers_labs import cell_text, lab_client
from nbclient.exceptions import CellExecutionError

from nncourse.exercises import list_exercises
from nncourse.grading.notebooks import find_answers

ROOT = Path(__file__).resolve().parents[1]
LABS = {
    "ch01": ROOT / "notebooks" / "lab01_training_loop.ipynb",
    "ch02": ROOT / "notebooks" / "lab02_gradient_descent.ipynb",
}
STUB = "raise NotImplementedError("


@pytest.mark.parametrize("chapter", sorted(LABS))
def test_lab_answers_every_exercise_of_its_chapter(chapter: str) -> None:
    notebook = nbformat.read(str(LABS[chapter]), as_version=4)
    answered = set(find_answers([c.source for c in notebook.cells if c.cell_type == "code"]))
    expected = {exercise.id for exercise in list_exercises(chapter=chapter)}
    assert expected, f"no exercises registered for {chapter}"
    assert expected <= answered, f"lab for {chapter} never checks {sorted(expected - answered)}"
    kinds = {exercise.kind for exercise in list_exercises(chapter=chapter)}
    assert "widget" in kinds and "function" in kinds


def test_quiz_numeric_answers_follow_from_the_formulas() -> None:
    from nncourse.exercises import get_question

    # epochs * ceil(N / B): the last, partial batch is an update too
    assert get_question("ch01.iterations").answer == 3 * math.ceil(1000 / 64)
    # the stability limit 2 / L of gradient descent on f = L/2 x^2, here L = f'' = 10
    assert get_question("ch02.stability").answer == pytest.approx(2 / 10)
    # d/dw1 (w1^2 w2) = 2 w1 w2 at (3, 2)
    assert get_question("ch02.partial").answer == 2 * 3 * 2


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(LABS))
def test_solution_lab_passes_all_checks(chapter: str, tmp_path: Path) -> None:
    notebook = nbformat.read(str(LABS[chapter]), as_version=4)
    lab_client(notebook, tmp_path).execute()       # raises CellExecutionError on any error
    reports = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for exercise_id in find_answers([cell.source]):
            reports[exercise_id] = cell_text(cell)
    assert reports, "the lab contains no check()/answer() calls"
    for exercise_id, report in reports.items():
        assert report.startswith(f"{exercise_id} — "), f"no check report for {exercise_id}"
        assert "[FAIL]" not in report and "ERROR" not in report, report
        earned, possible = report.split(": ", 1)[1].split(" points")[0].split("/")
        assert float(earned) == float(possible) > 0, report


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(LABS))
def test_released_lab_runs_until_first_unsolved_exercise(chapter: str, tmp_path: Path) -> None:
    out = tmp_path / "release"
    subprocess.run([sys.executable, "-m", "nncourse.cli", "release", str(LABS[chapter]),
                    "--out", str(out)], check=True, capture_output=True, text=True, cwd=ROOT)
    released_path = out / LABS[chapter].name
    released = nbformat.read(str(released_path), as_version=4)
    sources = [cell.source for cell in released.cells]
    assert not any("BEGIN SOLUTION" in source for source in sources)
    assert not any("solution" in cell.metadata.get("tags", []) for cell in released.cells)
    first_stub = next(i for i, cell in enumerate(released.cells)
                      if cell.cell_type == "code" and STUB in cell.source)

    client = lab_client(released, tmp_path)
    first_error = None
    with client.setup_kernel():
        for index, cell in enumerate(released.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:
                first_error = index
                break
    # Everything before the first exercise ran cleanly; the stub is what stops the run.
    assert first_error is not None, "the released lab ran to the end: are the stubs missing?"
    assert first_error > first_stub, (first_error, first_stub)
    error_text = cell_text(released.cells[first_error])
    assert "NotImplementedError" in error_text, error_text
    # The check right after the first stub reports "not implemented" instead of crashing.
    check_cells = [i for i in range(first_stub, first_error + 1)
                   if find_answers([sources[i]]) and released.cells[i].cell_type == "code"]
    assert check_cells, "no check() call between the first stub and the first error"
    assert "not implemented yet" in cell_text(released.cells[check_cells[0]])
