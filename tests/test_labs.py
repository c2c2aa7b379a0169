"""Labs 1 to 10: each checks every exercise of its chapter, ships fully executed at full marks,
and its released (student) version runs up to its first unsolved exercise.

One table, ``LABS``, holds what differs between labs (the notebook, the exercise answered with an
explorer, how many stubs the release has); the shared tests are parametrized over it, and the few
facts only one chapter has are small tests at the end.

The solution labs are not executed again here: ``make test`` runs nbval over every lab, which
executes each one from scratch in a fresh kernel and compares every output with the stored one,
including the check() reports that ``test_stored_lab_is_fully_executed`` requires to be at full
marks. The released lab is executed (a kernel start plus some seconds of training, a two-process
torchrun for lab 10), so that test is marked ``slow``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers_labs import cell_text, lab_client
from nbclient.exceptions import CellExecutionError

from nncourse import cli
from nncourse.exercises import get_exercise, get_question, list_exercises, quiz
from nncourse.grading.notebooks import SKIP_IN_GRADING_TAG, code_cells_and_numbers, find_answers

ROOT = Path(__file__).resolve().parents[1]
STUB = "raise NotImplementedError("
REPORT = re.compile(r"^(?P<id>[\w.]+) — .*?: (?P<earned>[\d.]+)/(?P<possible>[\d.]+) points")


@dataclass(frozen=True)
class Lab:
    """What one lab's tests need to know about it.

    Attributes:
        notebook: file name under ``notebooks/``.
        explorer: (exercise id, explorer class, the exercise's kind) for the exercise answered
            with an explorer; ``None`` where the lab has none.
        answer_is_explorer: the explorer object itself is the answer (``explorer = Class(...)``
            in code, so the grader sees its state) rather than a value read off it.
        widget_answer: an exercise answered through ``exercise_widget("<id>")``.
        code_exercises: the least number of function/functions exercises.
        required_kinds: exercise kinds the chapter must have.
        stubs: allowed number of ``raise NotImplementedError(`` stubs in the released lab.
        states_ids: the lab's text names every exercise id it checks (as ``code``).
    """

    notebook: str
    explorer: tuple[str, str, str] | None = None
    answer_is_explorer: bool = True
    widget_answer: str | None = None
    code_exercises: int = 3
    required_kinds: frozenset[str] = frozenset()
    stubs: range = range(4, 100)
    states_ids: bool = True


LABS = {
    "ch01": Lab("lab01_training_loop.ipynb", required_kinds=frozenset({"widget", "function"}),
                stubs=range(1, 100), states_ids=False),
    "ch02": Lab("lab02_gradient_descent.ipynb", code_exercises=2,
                required_kinds=frozenset({"widget", "function"}), stubs=range(1, 100),
                states_ids=False),
    # ch03: the gradients are read off the backprop stepper (a value answer).
    "ch03": Lab("lab03_backpropagation.ipynb",
                explorer=("backprop.stepper_gradient", "BackpropStepper", "value"),
                answer_is_explorer=False),
    "ch04": Lab("lab04_activation_functions.ipynb",
                explorer=("activations.deep_signal", "InitializationExplorer", "widget")),
    "ch05": Lab("lab05_optimizers.ipynb",
                explorer=("optim.critical_momentum", "DampingExplorer", "widget")),
    "ch06": Lab("lab06_initialization_batchnorm.ipynb",
                explorer=("normalization.rescue_naive_init", "InitializationExplorer", "widget")),
    "ch07": Lab("lab07_overfitting.ipynb",
                explorer=("regularization.capacity_choice", "CapacityExplorer", "widget")),
    "ch08": Lab("lab08_evaluation_tuning.ipynb",
                explorer=("evaluation.operating_point", "EvaluationExplorer", "widget")),
    "ch09": Lab("lab09_transfer_learning.ipynb", widget_answer="transfer.label_budget",
                stubs=range(4, 5)),
    "ch10": Lab("lab10_scaling_up.ipynb",
                explorer=("scaling.memory_budget", "MemoryBudgetExplorer", "widget"),
                stubs=range(6, 100)),
}


def _read(chapter: str) -> nbformat.NotebookNode:
    return nbformat.read(str(ROOT / "notebooks" / LABS[chapter].notebook), as_version=4)


def _code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("chapter", sorted(LABS))
def test_lab_checks_every_exercise_of_its_chapter(chapter: str) -> None:
    lab, sources = LABS[chapter], _code_sources(_read(chapter))
    answered = set(find_answers(sources))
    exercises = list_exercises(chapter=chapter)
    expected = {exercise.id for exercise in exercises}
    assert len(expected) >= 4, f"{chapter} has only {sorted(expected)}"
    assert expected <= answered, f"lab for {chapter} never checks {sorted(expected - answered)}"
    kinds = [exercise.kind for exercise in exercises]
    assert sum(kind in ("function", "functions") for kind in kinds) >= lab.code_exercises, kinds
    assert lab.required_kinds <= set(kinds), kinds
    assert len(quiz(chapter).questions) >= 4
    if lab.explorer is not None:
        exercise_id, explorer, kind = lab.explorer
        assert any(f"{explorer}(" in source for source in sources), explorer
        assert get_exercise(exercise_id).kind == kind
        if lab.answer_is_explorer:
            # The explorer itself is the answer (its state, set in code so the grader sees it).
            assert find_answers(sources)[exercise_id] == "explorer"
            assert any(source.lstrip().startswith(f"explorer = {explorer}(")
                       for source in sources), explorer
            assert not any("exercise_widget(" in source for source in sources)
    if lab.widget_answer is not None:
        assert get_exercise(lab.widget_answer).kind == "widget"
        assert any(f'exercise_widget("{lab.widget_answer}")' in s for s in sources)


@pytest.mark.parametrize("chapter", sorted(c for c, lab in LABS.items() if lab.states_ids))
def test_lab_states_every_answer_format_it_asks_for(chapter: str) -> None:
    """Each exercise's id appears in the lab's text next to the check that answers it."""
    notebook = _read(chapter)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for exercise in list_exercises(chapter=chapter):
        assert f"`{exercise.id}`" in text, exercise.id


@pytest.mark.parametrize("chapter", sorted(LABS))
def test_stored_lab_is_fully_executed(chapter: str) -> None:
    """The lab ships with the outputs of one clean top-to-bottom run (what nbval compares)."""
    code = [cell for cell in _read(chapter).cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), counts
    for cell in code:
        assert all(o.get("output_type") != "error" for o in cell.outputs), cell.source[:80]
        ignored = "nbval-ignore-output" in cell.metadata.get("tags", [])
        # Only wall-clock timings escape output comparison, every timing does, and says so.
        if ignored or "perf_counter" in cell.source:
            assert ignored and "perf_counter" in cell.source, cell.source[:80]
            assert "Illustration only" in cell.source, cell.source[:80]
    reports = [(REPORT.match(cell_text(cell)), cell_text(cell))
               for cell in code if find_answers([cell.source])]
    assert reports and all(match for match, _ in reports), "every check() cell must show its report"
    for match, report in reports:
        assert "[FAIL]" not in report and "ERROR" not in report, report
        assert float(match["earned"]) == float(match["possible"]) > 0, report
    # One full-marks report per exercise of the chapter.
    reported = sorted(match["id"] for match, _ in reports)
    assert reported == sorted(exercise.id for exercise in list_exercises(chapter=chapter))


@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(LABS))
def test_released_lab_runs_until_first_unsolved_exercise(chapter: str, tmp_path: Path) -> None:
    """The student version runs cleanly up to its first stub, whose check reports it."""
    path, out = ROOT / "notebooks" / LABS[chapter].notebook, tmp_path / "release"
    # In this process (the CLI's own tests start it as a command): one interpreter start less.
    assert cli.main(["release", str(path), "--out", str(out)]) == 0
    released = nbformat.read(str(out / path.name), as_version=4)
    sources = [cell.source for cell in released.cells]
    assert not any("BEGIN SOLUTION" in source for source in sources)
    assert not any("solution" in cell.metadata.get("tags", []) for cell in released.cells)
    assert all(not cell.get("outputs") for cell in released.cells if cell.cell_type == "code")
    stubs = [i for i, cell in enumerate(released.cells)
             if cell.cell_type == "code" and STUB in cell.source]
    assert len(stubs) in LABS[chapter].stubs, f"expected a stub per exercise, found {len(stubs)}"
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
    # Everything before the first exercise ran cleanly; the stub is what stops the run.
    assert first_error is not None, "the released lab ran to the end: are the stubs missing?"
    assert first_error > function_stubs[0], (first_error, function_stubs[0])
    error_text = cell_text(released.cells[first_error])
    assert "NotImplementedError" in error_text, error_text
    # The check after the first function stub reports "not implemented" instead of crashing.
    check_cells = [i for i in range(function_stubs[0], first_error + 1)
                   if released.cells[i].cell_type == "code" and find_answers([sources[i]])]
    assert check_cells, "no check() call between the first stub and the first error"
    assert "not implemented yet" in cell_text(released.cells[check_cells[0]])


def test_quiz_numeric_answers_follow_from_the_formulas() -> None:
    """Chapters 1 and 2: the quizzes' numeric answers are the formulas' values."""
    # epochs * ceil(N / B): the last, partial batch is an update too
    assert get_question("ch01.iterations").answer == 3 * math.ceil(1000 / 64)
    # the stability limit 2 / L of gradient descent on f = L/2 x^2, here L = f'' = 10
    assert get_question("ch02.stability").answer == pytest.approx(2 / 10)
    # d/dw1 (w1^2 w2) = 2 w1 w2 at (3, 2)
    assert get_question("ch02.partial").answer == 2 * 3 * 2


def test_chapter_9_registered_and_its_answers_after_the_lab() -> None:
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/09_transfer_learning" in toc and "notebooks/lab09_transfer_learning" in toc
    assert toc.index("notebooks/lab09_transfer_learning") < toc.index("book/answers/09_")
    text = (ROOT / "book" / "09_transfer_learning.md").read_text()
    answers = (ROOT / "book" / "answers" / "09_transfer_learning.md").read_text()
    # The library answers to the lab's exercises are on the answers page after the lab only.
    for answer_line in ("def freeze", "def replace_head", "def param_groups"):
        assert answer_line not in text and answers.count(answer_line) == 1, answer_line
    assert "frame_explorer(" in text and ":tags: [explorer]" in text
    assert "(ch09-pitfalls)=" in text and "(ch09-summary)=" in text and 'quiz("ch09")' in text


def test_lab_10_runs_ddp_for_real() -> None:
    """DDP runs for real: torchrun on the library's script, two processes, same weights."""
    notebook = _read("ch10")
    launch = [s for s in _code_sources(notebook) if "torch.distributed.run" in s]
    assert launch and '"--nproc_per_node", "2"' in launch[0] and "nncourse.ddp_demo" in launch[0]
    texts = [cell_text(cell) for cell in notebook.cells if cell.cell_type == "code"]
    assert any("both processes end with the same weights: True" in t for t in texts)
    assert any("bit-identical: True" in t for t in texts)


def test_cells_skipped_in_grading_keep_their_numbers_and_hold_no_answer() -> None:
    tagged = 0
    for path in sorted((ROOT / "notebooks").glob("lab*.ipynb")):
        data = path.read_bytes()
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        sources, numbers = code_cells_and_numbers(data, path.name)
        assert len(sources) == len(numbers) == len(code)
        for cell, source in zip(code, sources, strict=True):
            if SKIP_IN_GRADING_TAG in cell.metadata.get("tags", []):
                tagged += 1
                assert source == "", f"{path.name}: a skipped cell still runs in grading"
                assert not find_answers([cell.source]), f"{path.name}: a skipped cell answers"
            else:
                assert source == cell.source
    assert tagged >= 3  # lab 5's optimizer race, lab 10's torchrun cell and the one reading it
