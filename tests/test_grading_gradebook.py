"""The gradebook an instructor can trust: layouts, names, escaping, safe writing, resuming."""

from __future__ import annotations

import csv
import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.grading import grade as grade_module
from nncourse.grading.collect import MAX_ROW, collect_submissions, original_name, safe_name
from nncourse.grading.grade import grade_submissions
from nncourse.grading.notebooks import find_answers
from nncourse.grading.reports import csv_cell, feedback_html, feedback_markdown, md_escape
from nncourse.grading.sandbox import ChildSession, Limits, sandbox_problem

needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None,
                                   reason=f"no sandbox here: {sandbox_problem()}")
LIMITS = Limits(exercise_timeout=5.0, cell_timeout=10.0, submission_timeout=30.0)
RIGHT = ["from nncourse.exercises import answer", 'answer("gradients.stability_limit", 0.5)']
WRONG = ["from nncourse.exercises import answer", 'answer("gradients.stability_limit", 0.25)']


def _write(path, cells):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))
    return path


# ----------------------------------------------------------------------------- layouts and names
def test_layouts_give_student_and_lab(tmp_path):
    _write(tmp_path / "subs" / "ana" / "lab02.ipynb", RIGHT)
    _write(tmp_path / "subs" / "ana" / ".ipynb_checkpoints" / "lab02.ipynb", RIGHT)
    _write(tmp_path / "flat" / "ben.ipynb", RIGHT)
    found = collect_submissions([tmp_path / "subs", tmp_path / "flat"])
    assert [(s.student, s.lab, s.relative) for s in found] == [
        ("ana", "lab02", "ana/lab02.ipynb"), ("ben", None, "ben.ipynb")]
    assert found[0].data == (tmp_path / "subs" / "ana" / "lab02.ipynb").read_bytes()


def test_odd_layouts_are_reported_never_raised(tmp_path):
    _write(tmp_path / "a" / "Ana" / "lab02.ipynb", RIGHT)
    _write(tmp_path / "a" / "ana" / "lab02.ipynb", RIGHT)
    assert [(s.student, s.refused) for s in collect_submissions([tmp_path / "a"])] == [
        ("Ana", ""), ("ana", "")]               # names are kept exactly: two students
    _write(tmp_path / "b" / MAX_ROW / "lab02.ipynb", RIGHT)
    (found,) = collect_submissions([tmp_path / "b"])
    assert "max-points label" in found.refused
    _write(tmp_path / "c" / "ana" / "extra" / "lab02.ipynb", RIGHT)
    (found,) = collect_submissions([tmp_path / "c"])
    assert "expected <student>/<lab>.ipynb" in found.refused and found.relative == \
        "ana/extra/lab02.ipynb"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No submission notebooks"):
        collect_submissions([tmp_path / "empty"])


def test_symlinks_are_refused_never_followed(tmp_path):
    secret = _write(tmp_path / "secret.ipynb", RIGHT)
    _write(tmp_path / "subs" / "ana" / "lab02.ipynb", RIGHT)
    (tmp_path / "subs" / "eve").mkdir()
    (tmp_path / "subs" / "eve" / "lab02.ipynb").symlink_to(secret)
    (tmp_path / "subs" / "zed").symlink_to(tmp_path / "subs" / "ana")
    found = {s.student: s for s in collect_submissions([tmp_path / "subs"])}
    assert found["eve"].data == b"" and "symbolic link" in found["eve"].refused
    assert found["zed"].data == b"" and "symbolic link" in found["zed"].refused
    with pytest.raises(ValueError, match="is a symbolic link"):
        collect_submissions([tmp_path / "subs" / "zed"])


def test_safe_names_and_csv_cells():
    assert safe_name("=SUM(1+1)*cmd") == "%3DSUM%281%2B1%29%2Acmd"
    assert safe_name("../etc") == "%2E.%2Fetc" and safe_name("") == "%00"
    for name in ["=SUM(1+1)*cmd", "../etc", "", "张三", "...", ".dotted", "a b"]:
        assert original_name(safe_name(name)) == name
    assert [csv_cell(v) for v in ["=1+1", "+1", "-1", "@x", "\tx", "ana", "3"]] == \
        ["'=1+1", "'+1", "'-1", "'@x", "'\tx", "ana", "3"]


def test_learner_text_is_inert_in_feedback():
    from nncourse.exercises.results import CaseResult, CheckResult
    from nncourse.grading.records import SubmissionResult

    evil = "<img src=x onerror=alert(1)> [a](http://x) **b**\n# H"
    sub = SubmissionResult("<b>ana</b>", "ana.ipynb", {"e": CheckResult("e", "Title", [
        CaseResult("case", False, 0.0, 1.0, evil)])}, notes=[evil])
    markdown = feedback_markdown(sub, ["e"])
    assert "<img" not in markdown and "<b>" not in markdown
    assert "\\[a\\]" in markdown and "\\*\\*b\\*\\*" in markdown
    assert not any(line.startswith("# H") for line in markdown.splitlines())
    page = feedback_html(sub, ["e"])
    assert "<img" not in page and "&lt;img src=x" in page and "&lt;b&gt;ana" in page
    assert md_escape("a\\b") == "a\\\\b"


def test_find_answers_survives_cells_that_cannot_be_parsed():
    deep = 'check("backprop.softmax", ' + "-" * 200_000 + "1)"
    nested = 'check("backprop.softmax", ' + "(" * 5000 + "1" + ")" * 5000 + ")"
    assert find_answers([deep, nested, 'check("a.b", f)']) == {"a.b": "f"}


# ----------------------------------------------------------------------------- writing --out
@needs_sandbox
def test_out_is_replaced_whole_and_links_in_it_are_not_followed(tmp_path):
    _write(tmp_path / "subs" / "ana" / "lab02.ipynb", RIGHT)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "grades"
    out.mkdir()
    (out / "feedback").write_text("a file where a folder goes", encoding="utf-8")
    (out / "gradebook.csv").symlink_to(victim)
    grade_submissions([tmp_path / "subs"], out, exercise_ids=["gradients.stability_limit"],
                      limits=LIMITS, jobs=1, seed=0)
    assert victim.read_text(encoding="utf-8") == "keep"
    assert (out / "feedback" / "ana" / "lab02.md").is_file()
    assert not (out / "gradebook.csv").is_symlink()
    assert oct(os.stat(out).st_mode & 0o777) == "0o700"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".grades.lock", "grades", "subs",
                                                          "victim.txt"]
    (tmp_path / "file-out").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        grade_submissions([tmp_path / "subs"], tmp_path / "file-out", limits=LIMITS, jobs=1)
    (tmp_path / "link-out").symlink_to(out)
    with pytest.raises(ValueError, match="is a symbolic link"):
        grade_submissions([tmp_path / "subs"], tmp_path / "link-out", limits=LIMITS, jobs=1)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(ValueError, match=r"holds files the grader did not write \(thesis.tex\)"):
        grade_submissions([tmp_path / "subs"], tmp_path / "home", limits=LIMITS, jobs=1)
    assert (tmp_path / "home" / "thesis.tex").exists()
    with pytest.raises(ValueError, match="overlap"):
        grade_submissions([tmp_path / "subs"], tmp_path / "subs" / "grades", limits=LIMITS)


@needs_sandbox
def test_each_lab_is_scored_on_its_own_exercises(tmp_path):
    subs = tmp_path / "subs"
    _write(subs / "ana" / "lab02_gradient_descent.ipynb",
           [*RIGHT, 'answer("loop.learning_rate", 1)'])
    _write(subs / "ana" / "lab03.ipynb", [*RIGHT])       # a lab02 answer in lab03: not counted
    _write(subs / "ben" / "lab03.ipynb", WRONG)
    report = grade_submissions([subs], tmp_path / "out", limits=LIMITS, jobs=2, seed=0,
                               manifest={"lab02_gradient_descent": ["gradients.stability_limit"],
                                         "lab03_backpropagation": ["backprop.softmax"]})
    assert report.labs == {"lab02_gradient_descent": ["gradients.stability_limit"],
                           "lab03_backpropagation": ["backprop.softmax"]}   # lab03 is its lab
    rows = list(csv.reader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    assert rows[0] == ["student", "lab02_gradient_descent/gradients.stability_limit",
                       "lab03_backpropagation/backprop.softmax", "lab02_gradient_descent/total",
                       "lab03_backpropagation/total", "total"]
    assert rows[1] == [MAX_ROW, "1", "2", "1", "2", "3"]
    assert rows[2] == ["ana", "1", "0", "1", "0", "1"]
    assert rows[3] == ["ben", "", "0", "", "0", "0"]      # no lab02 handed in: no lab02 total


@needs_sandbox
def test_a_run_resumes_and_regrades_only_what_changed(tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _write(subs / "ana" / "lab02.ipynb", RIGHT)
    _write(subs / "ben" / "lab02.ipynb", WRONG)
    ids = ["gradients.stability_limit"]
    first = grade_submissions([subs], out, exercise_ids=ids, limits=LIMITS, jobs=1)
    graded = []
    real_job = grade_module._grade_job
    monkeypatch.setattr(grade_module, "_grade_job",
                        lambda args: graded.append(args[0].student) or real_job(args))
    again = grade_submissions([subs], out, exercise_ids=ids, limits=LIMITS, jobs=1)
    assert graded == [] and again.seed == first.seed and again.totals == first.totals
    _write(subs / "ben" / "lab02.ipynb", RIGHT)
    fixed = grade_submissions([subs], out, exercise_ids=ids, limits=LIMITS, jobs=1)
    assert graded == ["ben"] and fixed.totals == {"ana": 1.0, "ben": 1.0}
    # an interrupted run: its journal in a partial folder is picked up, the folder cleaned
    journal = (out / "graded.jsonl").read_text(encoding="utf-8")
    partial = tmp_path / ".out.partial-crashed"
    partial.mkdir()
    (partial / "journal.jsonl").write_text(journal + '{"cut short', encoding="utf-8")
    os.rename(out, tmp_path / "elsewhere")
    grade_submissions([subs], out, exercise_ids=ids, limits=LIMITS, jobs=1)
    assert graded == ["ben"] and not partial.exists()
    assert json.loads((out / "summary.json").read_text())["seed"] == first.seed
    grade_submissions([subs], out, exercise_ids=ids, limits=LIMITS, jobs=1, resume=False)
    assert sorted(graded) == ["ana", "ben", "ben"]


def test_no_sandbox_child_removes_its_folder_on_every_path():
    with ChildSession(["x = 1", "import os\nos._exit(3)"], LIMITS, sandbox=False) as child:
        folder = child.work_dir
        assert os.path.isdir(folder)
        with pytest.raises(Exception, match="ended the Python process"):
            child.run_cells()
    assert not os.path.exists(folder)


@needs_sandbox
def test_a_sandbox_that_fails_to_start_is_not_blamed_on_the_student(tmp_path, monkeypatch):
    from nncourse.grading import sandbox

    fake = tmp_path / "fake-bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: Creating new namespace failed' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sandbox, "bwrap_arguments", lambda *args: [str(fake)])
    path = _write(tmp_path / "subs" / "ana.ipynb", RIGHT)
    report = grade_submissions([path], None, limits=LIMITS, jobs=1, seed=0)
    (sub,) = report.submissions
    assert sub.total == 0
    assert "not the student's fault" in sub.notes[0]
    assert "Creating new namespace failed" in sub.notes[0]
    assert "grader's sandbox failed" in sub.results["gradients.stability_limit"].cases[0].message
