"""Release: stubs replace solutions, leaks are refused; release -> fill in -> grade round trip."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nncourse.grading.grade import grade_submissions
from nncourse.grading.release import (
    ReleaseError,
    read_manifest,
    release_notebook,
    release_notebooks,
)
from nncourse.grading.sandbox import Limits, sandbox_problem
from nncourse.grading.validate import validate

LIMITS = Limits(exercise_timeout=5.0, cell_timeout=10.0)
needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None,
                                   reason=f"no sandbox here: {sandbox_problem()}")


def solution_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# Lab 3"),
        new_code_cell("import numpy as np\nfrom nncourse.exercises import check, answer"),
        new_code_cell("def linear_backward(grad_out, x, weight):\n"
                      "    # BEGIN SOLUTION\n"
                      "    grad_x = grad_out @ weight\n"
                      "    grad_weight = grad_out.T @ x\n"
                      "    grad_bias = grad_out.sum(axis=0)\n"
                      "    # END SOLUTION\n"
                      "    return grad_x, grad_weight, grad_bias"),
        new_code_cell('check("backprop.linear_backward", linear_backward)'),
        new_markdown_cell("The stable form subtracts the maximum: exp(z - max z).",
                          metadata={"tags": ["solution"]}),
        new_code_cell("def softmax(logits):\n"
                      "    ### BEGIN SOLUTION backprop.softmax\n"
                      "    shifted = logits - logits.max(axis=-1, keepdims=True)\n"
                      "    exps = np.exp(shifted)\n"
                      "    return exps / exps.sum(axis=-1, keepdims=True)\n"
                      "    ### END SOLUTION"),
        new_code_cell('check("backprop.softmax", softmax)'),
        new_code_cell("# BEGIN SOLUTION\nlimit = 2 / 4.0\n# END SOLUTION"),
        new_code_cell('answer("gradients.stability_limit", limit)'),
    ]
    cells[3].outputs = [new_output("stream", name="stdout", text="4/4 points")]
    cells[3].execution_count = 3
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"state": {}}
    return nb


@pytest.fixture()
def lab(tmp_path):
    source = tmp_path / "solutions"
    source.mkdir()
    nbformat.write(solution_notebook(), str(source / "lab03.ipynb"))
    return source


def test_release_replaces_solutions_with_stubs(lab, tmp_path):
    written = release_notebooks(lab, tmp_path / "release")
    assert [p.name for p in written] == ["lab03.ipynb", "manifest.json"]
    assert read_manifest(written[1]) == {"lab03": ["gradients.stability_limit",
                                                   "backprop.linear_backward",
                                                   "backprop.softmax"]}
    nb = nbformat.read(str(written[0]), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert 'raise NotImplementedError("backprop.linear_backward: write your solution here")' \
        in text
    assert 'raise NotImplementedError("backprop.softmax: write your solution here")' in text
    assert 'NotImplementedError("gradients.stability_limit' in text
    assert "grad_out.T @ x" not in text and "SOLUTION" not in text
    assert "subtracts the maximum" not in text
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")
    assert "widgets" not in nb.metadata
    assert "    raise NotImplementedError" in nb.cells[2].source   # indentation kept


def test_release_refuses_leaks_and_unbalanced_markers(tmp_path):
    nb = solution_notebook()
    nb.cells.append(new_code_cell("# a copy left behind\ngrad_weight = grad_out.T @ x"))
    nbformat.write(nb, str(tmp_path / "leaky.ipynb"))
    with pytest.raises(ReleaseError, match="still contain solution text"):
        release_notebooks(tmp_path / "leaky.ipynb", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    nb = solution_notebook()
    nb.cells[2].source = nb.cells[2].source.replace("    # END SOLUTION\n", "")
    nbformat.write(nb, str(tmp_path / "open.ipynb"))
    with pytest.raises(ReleaseError, match="has no END SOLUTION"):
        release_notebook(tmp_path / "open.ipynb")


def _fill_in(solution: nbformat.NotebookNode, released: nbformat.NotebookNode) -> None:
    """Put the solution lines back where the stubs are (what a learner would do)."""
    answers = [c for c in solution.cells if c.cell_type == "code"]
    for student_cell, solved in zip([c for c in released.cells if c.cell_type == "code"],
                                    answers, strict=True):
        if "NotImplementedError" in student_cell.source:
            student_cell.source = "\n".join(line for line in solved.source.splitlines()
                                            if "SOLUTION" not in line)


@needs_sandbox
def test_round_trip_release_fill_in_grade(lab, tmp_path):
    released_path = release_notebooks(lab, tmp_path / "release")[0]
    stub_report = grade_submissions([released_path], tmp_path / "grades_stub", limits=LIMITS,
                                    jobs=1, seed=3, manifest=read_manifest(
                                        tmp_path / "release" / "manifest.json"))
    (stub,) = stub_report.submissions
    assert stub_report.exercise_ids == ["gradients.stability_limit", "backprop.linear_backward",
                                        "backprop.softmax"]
    assert stub.total == 0
    assert all("grader failed" not in note for note in stub.notes)
    feedback = (tmp_path / "grades_stub" / "feedback" / "release" / "lab03.md").read_text(
        encoding="utf-8")
    assert "not implemented yet" in feedback and "NotImplementedError" in feedback

    released = nbformat.read(str(released_path), as_version=4)
    _fill_in(solution_notebook(), released)
    filled = tmp_path / "filled" / "student.ipynb"
    filled.parent.mkdir()
    nbformat.write(released, str(filled))
    (full,) = grade_submissions([filled], tmp_path / "grades_full", limits=LIMITS, jobs=1,
                                seed=3).submissions
    assert full.total == 4 + 2 + 1, full.results


@needs_sandbox
def test_validate_passes_for_good_solutions_and_catches_leaks(lab, tmp_path):
    release = tmp_path / "release"
    release_notebooks(lab, release)
    private = tmp_path / "private"
    private.mkdir()
    (private / "extra_softmax.py").write_text("EXTRA_CASES = {}\n", encoding="utf-8")
    assert validate(lab, release_dir=release, extra_tests=private, limits=LIMITS) == []
    # a release that ships solution text and a private test file
    nbformat.write(solution_notebook(), str(release / "lab03.ipynb"))
    (release / "extra_softmax.py").write_text("EXTRA_CASES = {}\n", encoding="utf-8")
    problems = validate(lab, release_dir=release, extra_tests=private, limits=LIMITS)
    assert any("solution text" in p for p in problems)
    assert any("private test file" in p for p in problems)


@needs_sandbox
def test_validate_reports_a_wrong_solution(tmp_path):
    nb = solution_notebook()
    nb.cells[7].source = "# BEGIN SOLUTION\nlimit = 1 / 4.0\n# END SOLUTION"
    nbformat.write(nb, str(tmp_path / "wrong.ipynb"))
    problems = validate(tmp_path / "wrong.ipynb", limits=LIMITS)
    assert len(problems) == 1 and "gradients.stability_limit scores 0/1" in problems[0]


def test_read_manifest_names_what_is_wrong(tmp_path):
    (tmp_path / "m.json").write_text('{"lab03": "backprop.softmax"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"expected \{lab name: \[exercise ids\]\}"):
        read_manifest(tmp_path / "m.json")
    with pytest.raises(ValueError, match="cannot read it as JSON"):
        read_manifest(tmp_path / "missing.json")
