"""Lab 10 (scaling up): it checks every chapter 10 exercise, ships executed, passes from
scratch, and its released (student) version runs up to its stubs.

Executing the lab takes a kernel start, a few seconds of training and a two-process torchrun,
so those tests are marked ``slow``.
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
LAB = ROOT / "notebooks" / "lab10_scaling_up.ipynb"
STUB = "raise NotImplementedError("
REPORT = re.compile(r"^(?P<id>[\w.]+) — .*?: (?P<earned>[\d.]+)/(?P<possible>[\d.]+) points")


def _read() -> nbformat.NotebookNode:
    return nbformat.read(str(LAB), as_version=4)


def _sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_lab_checks_every_chapter_10_exercise_and_answers_with_the_explorer() -> None:
    sources = _sources(_read())
    answered = find_answers(sources)
    expected = {exercise.id for exercise in list_exercises(chapter="ch10")}
    assert expected <= set(answered), sorted(expected - set(answered))
    assert answered["scaling.memory_budget"] == "explorer"
    assert get_exercise("scaling.memory_budget").kind == "widget"
    assert any(s.lstrip().startswith("explorer = MemoryBudgetExplorer(") for s in sources)
    # DDP runs for real: torchrun on the library's script, two processes.
    launch = [s for s in sources if "torch.distributed.run" in s]
    assert launch and '"--nproc_per_node", "2"' in launch[0] and "nncourse.ddp_demo" in launch[0]


def test_stored_lab_is_fully_executed_without_timings() -> None:
    code = [cell for cell in _read().cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert all(o.get("output_type") != "error" for o in cell.outputs), cell.source[:80]
        if "perf_counter" in cell.source:   # timings only where nbval ignores the output
            assert "nbval-ignore-output" in cell.metadata.get("tags", [])
            assert "Illustration only" in cell.source
    reports = [REPORT.match(cell_text(cell)) for cell in code if find_answers([cell.source])]
    assert reports and all(reports)
    assert all(float(r["earned"]) == float(r["possible"]) > 0 for r in reports)
    texts = {cell.source.splitlines()[0]: cell_text(cell) for cell in code}
    assert any("both processes end with the same weights: True" in t for t in texts.values())
    assert any("bit-identical: True" in t for t in texts.values())


@pytest.mark.slow
def test_solution_lab_passes_all_checks(tmp_path: Path) -> None:
    notebook = _read()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lab_client(notebook, tmp_path).execute()
    reports = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for exercise_id in find_answers([cell.source]):
                reports[exercise_id] = cell_text(cell)
    assert set(reports) >= {exercise.id for exercise in list_exercises(chapter="ch10")}
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
    stubs = [i for i, cell in enumerate(released.cells)
             if cell.cell_type == "code" and STUB in cell.source]
    assert len(stubs) >= 6, f"expected a stub per exercise, found {len(stubs)}"
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
    checks = [i for i in range(stubs[0], first_error + 1) if find_answers([sources[i]])]
    assert checks and "not implemented yet" in cell_text(released.cells[checks[0]])
