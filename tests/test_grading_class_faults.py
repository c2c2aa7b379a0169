"""What an instructor does to a class's gradebook, and what must never follow: lost or blocked
grades, tracebacks, names that collide, copies that double a maximum.

The notebooks answer one quick value exercise (``gradients.stability_limit``: 0.5 is right, one
point) so each grading run costs a child process per notebook; the bookkeeping tests run
without the sandbox (it is the same bookkeeping), the autograder test with it where available.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nncourse import cli
from nncourse.grading import grade as grade_module
from nncourse.grading.collect import MAX_ROW, original_name, safe_name
from nncourse.grading.grade import grade_submissions, in_shard
from nncourse.grading.merge import merge_outputs
from nncourse.grading.records import GradeReport, SubmissionResult
from nncourse.grading.reports import (
    OutputDir,
    canvas_rows,
    class_report,
    gradebook_rows,
    moodle_rows,
)
from nncourse.grading.sandbox import Limits

LIMITS = Limits(exercise_timeout=10.0, cell_timeout=20.0, submission_timeout=60.0)
LAB = "lab02_gradient_descent"
MANIFEST = {LAB: ["gradients.stability_limit"]}
HEAD = "from nncourse.exercises import answer"
RIGHT = [HEAD, 'answer("gradients.stability_limit", 0.5)']
WRONG = [HEAD, 'answer("gradients.stability_limit", 0.25)']


def _write(path, cells, markdown_first: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    items = ([new_markdown_cell("# Lab")] if markdown_first else []) + \
        [new_code_cell(c) for c in cells]
    nbformat.write(new_notebook(cells=items), str(path))
    return path


@pytest.fixture
def static_answers(monkeypatch):
    """Judge each answer from its literal in the notebook instead of running the notebook.

    The gradebook's bookkeeping is the same either way; a child process per notebook is not.
    """
    import ast

    def judge_statically(cells, answers, pending, limits, result, sandbox, library):
        for exercise, case, private, inputs in pending:
            outcome = {"output": ast.literal_eval(answers[exercise.id])}
            grade_module._add(result, exercise, case, private, inputs, outcome)

    monkeypatch.setattr(grade_module, "_run_pending", judge_statically)


def _grade(paths, out, **kwargs):
    kwargs.setdefault("manifest", MANIFEST)
    return grade_submissions(paths, out, limits=LIMITS, jobs=kwargs.pop("jobs", 1), seed=0,
                             sandbox=False, **kwargs)


def _rows(out):
    return list(csv.reader((out / "gradebook.csv").open(encoding="utf-8")))


def _one_line(error: str) -> bool:
    lines = [line for line in error.strip().splitlines() if not line.startswith("warning:")]
    return len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in error


def _cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------------------------- the gradebook
def test_grading_one_student_into_the_class_out_merges(tmp_path, capsys, static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    for student, cells in [("alice", WRONG), ("bob", RIGHT), ("carol", RIGHT)]:
        _write(subs / student / f"{LAB}.ipynb", cells)
    _grade([subs], out, jobs=1)
    _write(subs / "alice" / f"{LAB}.ipynb", RIGHT)      # alice resubmits; one file is regraded
    code, printed, _ = _cli(capsys, "grade", subs / "alice" / f"{LAB}.ipynb", "--out", out,
                            "--exercises", "gradients.stability_limit", "--no-sandbox",
                            "--seed", 0, "--jobs", 1)
    assert code == 0 and "kept 2 earlier result(s)" in printed, printed
    rows = _rows(out)
    assert [row[0] for row in rows] == ["student", MAX_ROW, "alice", "bob", "carol"]
    assert [row[-1] for row in rows[2:]] == ["1", "1", "1"]
    graded = [json.loads(line)["result"]["student"]
              for line in (out / "graded.jsonl").read_text().splitlines()]
    assert sorted(graded) == ["alice", "bob", "carol"]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["alice", "bob", "carol"]


def test_a_second_grader_on_one_out_is_refused_in_one_line(tmp_path, capsys, static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    _write(subs / "ana" / f"{LAB}.ipynb", RIGHT)
    holder = OutputDir(out, [subs], None)          # a first grader holds the lock
    try:
        code, _, error = _cli(capsys, "grade", subs, "--out", out, "--no-sandbox",
                              "--exercises", "gradients.stability_limit", "--jobs", 1)
        assert code == 1 and "being written by another grader" in error
        assert _one_line(error)
    finally:
        holder.release()
    _grade([subs], out)                          # once released, grading goes ahead
    assert _rows(out)[2] == ["ana", "1", "1"]


def test_stray_copies_and_unknown_labs_never_block_the_class(tmp_path, capsys, static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    _write(subs / "ana" / f"{LAB}.ipynb", RIGHT)
    _write(subs / "ana" / "scratch.ipynb", WRONG)                       # not a lab
    _write(subs / "ben" / f"Copy of {LAB}.ipynb", RIGHT)                # only a copy
    _write(subs / "cat" / "Lab02_Gradient_Descent.ipynb", RIGHT)        # case variant
    _write(subs / "dan" / f"{LAB}.ipynb", RIGHT)
    _write(subs / "dan" / f"{LAB} (1).ipynb", WRONG)                    # a second copy
    _write(subs / "eve" / "lab02.ipynb", RIGHT)                         # the lab by number
    _write(subs / "eve" / f"{LAB}.ipynb", WRONG)
    _write(subs / "fay" / "lab99_unknown.ipynb", RIGHT)
    code, printed, error = _cli(capsys, "grade", subs, "--out", out, "--no-sandbox",
                                "--seed", 0, "--manifest", _manifest(tmp_path), "--jobs", 1)
    assert code == 0, error
    rows = _rows(out)
    assert rows[0] == ["student", "gradients.stability_limit", "total"]
    assert rows[1] == [MAX_ROW, "1", "1"]                              # the maximum is one lab
    assert {row[0]: row[-1] for row in rows[2:]} == {"ana": "1", "ben": "1", "cat": "1",
                                                      "dan": "1", "eve": "0", "fay": ""}
    summary = json.loads((out / "summary.json").read_text())
    skipped = {entry["path"]: entry["why"] for entry in summary["not_graded"]}
    assert set(skipped) == {"ana/scratch.ipynb", f"dan/{LAB} (1).ipynb", "eve/lab02.ipynb",
                            "fay/lab99_unknown.ipynb"}
    assert "not a lab of this course" in skipped["fay/lab99_unknown.ipynb"]
    assert f"a second notebook for {LAB}" in skipped[f"dan/{LAB} (1).ipynb"]
    for path in skipped:
        assert f"not graded: {path!r}" in printed


def _manifest(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST), encoding="utf-8")
    return path


def test_student_names_are_kept_exactly(tmp_path, static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    names = ["张三", "李四", ".dotted", "...", "Ana", "ana"]
    for name in names:
        _write(subs / name / f"{LAB}.ipynb", RIGHT)
    report = _grade([subs], out)
    assert sorted(report.totals) == sorted(names) and set(report.totals.values()) == {1.0}
    assert sorted(row[0] for row in _rows(out)[2:]) == sorted(names)
    folders = {p.name for p in (out / "feedback").iterdir()}
    assert len(folders) == len(names)
    assert {original_name(f) for f in folders} >= {"张三", "李四", ".dotted", "...", "Ana"}
    assert json.loads((out / "summary.json").read_text())["folders"][safe_name("张三")] == "张三"


def test_every_fault_is_one_line_and_loses_nothing(tmp_path, capsys, monkeypatch, static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    _write(subs / "ana" / f"{LAB}.ipynb", RIGHT)
    (subs / "ben").mkdir()
    (subs / "ben" / f"{LAB}.ipynb").write_bytes(b"this is not json")
    args = ["grade", subs, "--out", out, "--no-sandbox", "--seed", 0, "--exercises",
            "gradients.stability_limit", "--jobs", 1]
    assert _cli(capsys, *args)[0] == 0
    summary = json.loads((out / "summary.json").read_text())
    (entry,) = summary["not_graded"]
    assert entry["path"] == f"ben/{LAB}.ipynb" and "not a readable notebook" in entry["why"]
    assert _rows(out)[3] == ["ben", "", ""]                  # no grade, not a zero

    def full_disk(self, relative, text):
        raise OSError(28, "No space left on device", str(self.work / relative))

    monkeypatch.setattr(OutputDir, "_write", full_disk)
    code, _, error = _cli(capsys, *args, "--fresh")
    assert code == 1 and "No space left on device" in error and "Traceback" not in error
    assert _one_line(error)
    assert _rows(out)[2] == ["ana", "1", "1"]              # the earlier gradebook is intact


def test_resume_never_reuses_a_grader_failure_or_other_limits(tmp_path, monkeypatch,
                                                               static_answers):
    subs, out = tmp_path / "subs", tmp_path / "class"
    _write(subs / "ana" / f"{LAB}.ipynb", RIGHT)
    graded = []
    real = grade_module._grade_job

    def failing(args):
        graded.append(args[0].student)
        result = SubmissionResult(args[0].student, args[0].relative, lab=args[0].lab,
                                  key=args[6], grader_failed=True,
                                  not_graded="not graded: the grader's sandbox failed")
        grade_module._mark_not_graded(result, args[1], "not graded")
        return result

    monkeypatch.setattr(grade_module, "_grade_job", failing)
    _grade([subs], out, jobs=1)
    monkeypatch.setattr(grade_module, "_grade_job",
                        lambda args: graded.append(args[0].student) or real(args))
    report = _grade([subs], out, jobs=1)
    assert graded == ["ana", "ana"] and report.totals == {"ana": 1.0}
    _grade([subs], out, jobs=1)
    assert graded == ["ana", "ana"]                           # a real result is reused
    grade_submissions([subs], out, limits=Limits(exercise_timeout=1.0), jobs=1, seed=0,
                      sandbox=False, manifest=MANIFEST)
    assert graded == ["ana", "ana", "ana"]                    # other limits: graded again


def test_headers_and_feedback_carry_no_formula_or_terminal_control(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "class"
    _write(subs / "ana" / "=HYPERLINK(1).ipynb", RIGHT)
    _write(subs / "ana" / "lab02.ipynb", [HEAD, 'raise ValueError("\\x1b[2J\\x1b]0;owned\\x07 '
                                                'red\\x1b[31m")', *RIGHT[1:]])
    grade_submissions([subs], out, exercise_ids=["gradients.stability_limit"], limits=LIMITS,
                      jobs=1, seed=0, sandbox=False)
    header = _rows(out)[0]
    assert header[1].startswith("'=") and not any(cell.startswith("=") for cell in header)
    for path in (out / "feedback").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\x07" not in text
    assert "red" in (out / "feedback" / "ana" / "lab02.md").read_text(encoding="utf-8")


def test_cell_numbers_count_every_cell_the_notebook_shows(tmp_path):
    path = tmp_path / "subs" / "ana" / f"{LAB}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("# Lab"), new_code_cell(HEAD), new_markdown_cell("text"),
        new_markdown_cell("more"), new_code_cell("1 / 0"), new_code_cell(RIGHT[1])]), str(path))
    report = _grade([tmp_path / "subs"], None)
    (sub,) = report.submissions
    assert any(note.startswith("cell 5: ZeroDivisionError") for note in sub.notes), sub.notes


def test_validate_flags_a_deleted_check_and_a_raising_demo_cell(tmp_path):
    from nncourse.grading.validate import validate

    good = [HEAD, 'answer("gradients.stability_limit", 0.5)']
    lab = tmp_path / "lab" / "lab02_gradient_descent.ipynb"
    _write(lab, good)
    problems = validate(lab, sandbox=False)
    assert any("no check() or answer() call for" in p and "gradients.converge_fast" in p
               for p in problems), problems
    _write(lab, [*good, "demo = undefined_name + 1"])
    problems = validate(lab, sandbox=False)
    assert any("NameError" in p for p in problems), problems


# ----------------------------------------------------------------------------- past one machine
def test_shards_split_by_student_and_merge_rebuilds_the_class(tmp_path, capsys, static_answers):
    subs = tmp_path / "subs"
    students = [f"s{n:02d}" for n in range(8)]
    for number, student in enumerate(students):
        _write(subs / student / f"{LAB}.ipynb", RIGHT if number % 2 else WRONG)
    parts = []
    for shard in (1, 2, 3):
        part = tmp_path / f"shard-{shard}"
        code, _, error = _cli(capsys, "grade", subs, "--out", part, "--no-sandbox", "--seed", 3,
                              "--shard", f"{shard}/3", "--exercises",
                              "gradients.stability_limit", "--jobs", 1)
        assert code == 0, error
        parts.append(part)
    owners = [[row[0] for row in _rows(part)[2:]] for part in parts]
    assert sorted(sum(owners, [])) == students                    # each student exactly once
    assert owners == [[s for s in students if in_shard(s, (k, 3))] for k in (1, 2, 3)]
    code, _, error = _cli(capsys, "merge", *parts, "--out", tmp_path / "class")
    assert code == 0, error
    merged = {row[0]: row[-1] for row in _rows(tmp_path / "class")[2:]}
    assert merged == {s: "1" if n % 2 else "0" for n, s in enumerate(students)}
    assert _cli(capsys, "grade", subs, "--out", tmp_path / "x", "--shard", "1/3",
                "--no-sandbox")[0] == 1                           # a shard needs --seed
    other = tmp_path / "other-seed"
    _cli(capsys, "grade", subs / "s00", "--out", other, "--no-sandbox", "--seed", 4,
         "--exercises", "gradients.stability_limit")
    code, _, error = _cli(capsys, "merge", parts[0], other, "--out", tmp_path / "class")
    assert code == 1 and "different seeds" in error


def test_gradescope_autograder_grades_a_submission_laid_out_as_gradescope_does(tmp_path):
    solutions = tmp_path / "solutions"
    _write(solutions / f"{LAB}.ipynb", RIGHT)
    code = cli.main(["release", str(solutions), "--out", str(tmp_path / "release"),
                     "--gradescope"])
    assert code == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(tmp_path / "release" / "gradescope-autograder.zip") as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "manifest.json", "seed.txt"} <= names
        assert "nncourse/grading/grade.py" in names
        archive.extractall(root / "source")
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    _write(root / "submission" / f"Copy of {LAB}.ipynb", WRONG)
    env = {**os.environ, "NNCOURSE_AUTOGRADER_ROOT": str(root), "NNCOURSE_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0.0 and len(results["tests"]) == 1
    (test,) = results["tests"]
    assert test["max_score"] == 1.0 and test["name"].startswith(f"{LAB}: gradients.")


# ----------------------------------------------------------------------------- reports
def test_class_report_counts_named_mistakes_and_exports_for_canvas_and_moodle():
    from nncourse.exercises.registry import get_exercise
    from nncourse.exercises.results import CaseResult, CheckResult

    exercise = get_exercise("backprop.softmax")
    mistake = exercise.mistakes[0]
    named = "Your answer: " + " ".join(mistake.words) + "."

    def submission(student, message):
        cases = [CaseResult("c", message is None, 2.0 if message is None else 0.0, 2.0,
                            message or "")]
        return SubmissionResult(student, f"{student}/lab03.ipynb", {
            exercise.id: CheckResult(exercise.id, exercise.title, cases)}, lab="lab03")

    subs = [submission("a", named), submission("b", named), submission("c", "something odd"),
            submission("d", None)]
    report = GradeReport([exercise.id], subs, 0, {"lab03": [exercise.id]})
    entry = class_report(report)["exercises"][exercise.id]
    assert entry["scores"] == {"0": 3, "2": 1} and entry["full_marks"] == 1
    assert list(entry["mistakes"].items())[0] == (mistake.name, 2)
    assert entry["mistakes"]["other: something odd"] == 1
    rows = gradebook_rows(report)
    canvas = canvas_rows(rows)
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "2"
    assert [row[3] for row in canvas[2:]] == ["a", "b", "c", "d"]
    assert moodle_rows(rows)[0][0] == "Username" and moodle_rows(rows)[-1] == ["d", "2"]


def test_merge_refuses_a_folder_that_is_not_a_finished_run(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(ValueError, match="not the --out of a finished"):
        merge_outputs([tmp_path / "half"], tmp_path / "class")
