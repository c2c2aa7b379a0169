"""Labs 5 and 6 (optimizers; initialization and batch normalization).

The solution labs must pass every check of their chapter when executed from scratch; the
released (student) versions made by ``nncourse release`` must run without error up to their
first unsolved exercise, where the stub's NotImplementedError stops them (a value answer's stub
stops only its own cell). Executing a lab
takes a kernel start plus some seconds of training, so those tests are marked ``slow``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers_labs import cell_text, lab_client
from nbclient.exceptions import CellExecutionError

from nncourse.exercises import get_exercise, list_exercises
from nncourse.grading.notebooks import find_answers

ROOT = Path(__file__).resolve().parents[1]
LABS = {
    "ch05": ROOT / "notebooks" / "lab05_optimizers.ipynb",
    "ch06": ROOT / "notebooks" / "lab06_initialization_batchnorm.ipynb",
}
STUB = "raise NotImplementedError("
#: chapter -> (exercise answered with an explorer, the explorer class the lab shows)
EXPLORER_ANSWERS = {"ch05": ("optim.critical_momentum", "DampingExplorer"),
                    "ch06": ("normalization.rescue_naive_init", "InitializationExplorer")}
REPORT = re.compile(r"^(?P<id>[\w.]+) — .*?: (?P<earned>[\d.]+)/(?P<possible>[\d.]+) points")


def _code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("chapter", sorted(LABS))
def test_lab_checks_every_exercise_of_its_chapter(chapter: str) -> None:
    notebook = nbformat.read(str(LABS[chapter]), as_version=4)
    answered = set(find_answers(_code_sources(notebook)))
    exercises = list_exercises(chapter=chapter)
    expected = {exercise.id for exercise in exercises}
    assert len(expected) >= 4, f"{chapter} has only {sorted(expected)}"
    assert expected <= answered, f"lab for {chapter} never checks {sorted(expected - answered)}"
    # At least three auto-graded code exercises and one driven by an explorer.
    kinds = [exercise.kind for exercise in exercises]
    assert sum(kind in ("function", "functions") for kind in kinds) >= 3, kinds
    # The explorer itself is the answer (its state, set in code so the grader sees it).
    exercise_id, explorer = EXPLORER_ANSWERS[chapter]
    sources = _code_sources(notebook)
    assert any(source.lstrip().startswith(f"explorer = {explorer}(") for source in sources)
    assert get_exercise(exercise_id).kind in ("value", "widget")
    assert find_answers(sources)[exercise_id] == "explorer"


@pytest.mark.parametrize("chapter", sorted(LABS))
def test_stored_lab_is_fully_executed(chapter: str) -> None:
    """The lab ships with the outputs of one clean top-to-bottom run (what nbval compares)."""
    notebook = nbformat.read(str(LABS[chapter]), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), counts
    for cell in code:
        assert all(o.get("output_type") != "error" for o in cell.outputs), cell.source[:80]
        tags = cell.metadata.get("tags", [])
        # Only wall-clock timings may escape output comparison, and the cell must say so.
        if "nbval-ignore-output" in tags:
            assert "perf_counter" in cell.source and "Illustration only" in cell.source
    reports = [REPORT.match(cell_text(cell)) for cell in code if find_answers([cell.source])]
    assert reports and all(reports), "every check() cell must show its report"
    assert all(float(r["earned"]) == float(r["possible"]) > 0 for r in reports)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(LABS))
def test_solution_lab_passes_all_checks(chapter: str, tmp_path: Path) -> None:
    notebook = nbformat.read(str(LABS[chapter]), as_version=4)
    for cell in notebook.cells:  # run from scratch: no stale output can pass for a result
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lab_client(notebook, tmp_path).execute()       # raises CellExecutionError on any error
    reports = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for exercise_id in find_answers([cell.source]):
                reports[exercise_id] = cell_text(cell)
    assert set(reports) >= {exercise.id for exercise in list_exercises(chapter=chapter)}
    for exercise_id, report in reports.items():
        match = REPORT.match(report)
        assert match and match["id"] == exercise_id, f"no check report for {exercise_id}"
        assert "[FAIL]" not in report and "ERROR" not in report, report
        assert float(match["earned"]) == float(match["possible"]) > 0, report


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(LABS))
def test_released_lab_runs_until_first_unsolved_exercise(chapter: str, tmp_path: Path) -> None:
    out = tmp_path / "release"
    subprocess.run([sys.executable, "-m", "nncourse.cli", "release", str(LABS[chapter]),
                    "--out", str(out)], check=True, capture_output=True, text=True, cwd=ROOT)
    released = nbformat.read(str(out / LABS[chapter].name), as_version=4)
    sources = [cell.source for cell in released.cells]
    assert not any("BEGIN SOLUTION" in source for source in sources)
    assert not any("solution" in cell.metadata.get("tags", []) for cell in released.cells)
    assert all(not cell.get("outputs") for cell in released.cells if cell.cell_type == "code")
    stubs = [i for i, cell in enumerate(released.cells)
             if cell.cell_type == "code" and STUB in cell.source]
    assert len(stubs) >= 4, f"expected a stub per exercise, found {len(stubs)}"
    # A value answer's stub is top-level code before its answer(...): it stops that cell only.
    value_stubs = {i for i in stubs if find_answers([sources[i]])
                   and any(line.startswith(STUB) for line in sources[i].splitlines())}
    function_stubs = [i for i in stubs if i not in value_stubs]

    client = lab_client(released, tmp_path)
    first_error, stopped = None, []
    with client.setup_kernel():
        for index, cell in enumerate(released.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:
                if index in value_stubs:
                    stopped.append(index)
                    continue
                first_error = index
                break
    for index in stopped:   # stopped by its own stub, which names the exercise
        (exercise_id,) = find_answers([sources[index]])
        assert f"NotImplementedError: {exercise_id}" in cell_text(released.cells[index])
    assert first_error is not None, "the released lab ran to the end: are the stubs missing?"
    assert first_error > function_stubs[0], (first_error, function_stubs[0])
    error_text = cell_text(released.cells[first_error])
    assert "NotImplementedError" in error_text, error_text
    # The check after the first function stub reports "not implemented" instead of crashing.
    check_cells = [i for i in range(function_stubs[0], first_error + 1)
                   if released.cells[i].cell_type == "code" and find_answers([sources[i]])]
    assert check_cells, "no check() call between the first stub and the first error"
    assert "not implemented yet" in cell_text(released.cells[check_cells[0]])
