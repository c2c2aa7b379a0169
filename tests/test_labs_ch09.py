"""Lab 9 (transfer learning) and the chapter's quiz.

The solution lab must pass every check of chapter 9 when executed from scratch; the released
(student) version made by ``nncourse release`` must run without error up to its first unsolved
exercise, where the stub's NotImplementedError stops it (the value answer's stub stops only its
own cell). Executing the lab takes a kernel start plus some seconds of training, so those tests
are marked ``slow``.
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

from nncourse.exercises import get_exercise, list_exercises, quiz
from nncourse.grading.notebooks import find_answers

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "notebooks" / "lab09_transfer_learning.ipynb"
CHAPTER = ROOT / "book" / "09_transfer_learning.md"
STUB = "raise NotImplementedError("
REPORT = re.compile(r"^(?P<id>[\w.]+) — .*?: (?P<earned>[\d.]+)/(?P<possible>[\d.]+) points")


def _code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_lab_checks_every_exercise_of_its_chapter() -> None:
    notebook = nbformat.read(str(LAB), as_version=4)
    answered = set(find_answers(_code_sources(notebook)))
    exercises = list_exercises(chapter="ch09")
    expected = {exercise.id for exercise in exercises}
    assert len(expected) >= 4 and expected <= answered, sorted(expected - answered)
    kinds = [exercise.kind for exercise in exercises]
    assert sum(kind in ("function", "functions") for kind in kinds) >= 3, kinds
    assert get_exercise("transfer.label_budget").kind == "widget"
    assert any('exercise_widget("transfer.label_budget")' in s for s in _code_sources(notebook))
    assert len(quiz("ch09").questions) >= 4


def test_stored_lab_is_fully_executed() -> None:
    notebook = nbformat.read(str(LAB), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert all(o.get("output_type") != "error" for o in cell.outputs), cell.source[:80]
    reports = [REPORT.match(cell_text(cell)) for cell in code if find_answers([cell.source])]
    assert len(reports) == 4 and all(reports), "every check() cell must show its report"
    assert all(float(r["earned"]) == float(r["possible"]) > 0 for r in reports)


def test_chapter_registered_and_folds_the_lab_answers() -> None:
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/09_transfer_learning" in toc and "notebooks/lab09_transfer_learning" in toc
    text = CHAPTER.read_text()
    # The library answers to the lab's exercises appear only inside a folded admonition.
    fold = text.index(":class: dropdown")
    for answer_line in ("p.requires_grad_(False)", "def replace_head", "def param_groups"):
        assert text.index(answer_line) > fold, answer_line
    assert text.count("def replace_head") == 1 and text.count("def param_groups") == 1
    assert "frame_explorer(" in text and ":tags: [explorer]" in text
    assert "(ch09-pitfalls)=" in text and "(ch09-summary)=" in text and 'quiz("ch09")' in text


@pytest.mark.slow
def test_solution_lab_passes_all_checks(tmp_path: Path) -> None:
    notebook = nbformat.read(str(LAB), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lab_client(notebook, tmp_path).execute()
    reports = {i: cell_text(cell) for cell in notebook.cells if cell.cell_type == "code"
               for i in find_answers([cell.source])}
    assert set(reports) >= {exercise.id for exercise in list_exercises(chapter="ch09")}
    for exercise_id, report in reports.items():
        match = REPORT.match(report)
        assert match and match["id"] == exercise_id, report
        assert float(match["earned"]) == float(match["possible"]) > 0, report


@pytest.mark.slow
def test_released_lab_runs_until_first_unsolved_exercise(tmp_path: Path) -> None:
    out = tmp_path / "release"
    subprocess.run([sys.executable, "-m", "nncourse.cli", "release", str(LAB), "--out",
                    str(out)], check=True, capture_output=True, text=True, cwd=ROOT)
    released = nbformat.read(str(out / LAB.name), as_version=4)
    sources = [cell.source for cell in released.cells]
    assert not any("BEGIN SOLUTION" in source for source in sources)
    assert not any("solution" in cell.metadata.get("tags", []) for cell in released.cells)
    stubs = [i for i, cell in enumerate(released.cells)
             if cell.cell_type == "code" and STUB in cell.source]
    assert len(stubs) == 4, stubs
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
    assert first_error is not None, "the released lab ran to the end: are the stubs missing?"
    assert first_error > stubs[0]
    assert "NotImplementedError" in cell_text(released.cells[first_error])
    check_cells = [i for i in range(stubs[0], first_error + 1)
                   if released.cells[i].cell_type == "code" and find_answers([sources[i]])]
    assert check_cells and "not implemented yet" in cell_text(released.cells[check_cells[0]])
