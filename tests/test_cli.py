"""The ``nncourse`` command: release, grade and validate through ``main(argv)``."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.cli import main
from nncourse.grading import sandbox
from nncourse.grading.collect import MAX_ROW


def _write(path, *cells):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))


@pytest.fixture()
def course(tmp_path):
    solutions = tmp_path / "notebooks"
    _write(solutions / "lab02.ipynb", "from nncourse.exercises import answer",
           "# BEGIN SOLUTION\nrate = 2 / 4.0\n# END SOLUTION",
           'answer("gradients.stability_limit", rate)')
    return tmp_path, solutions


@pytest.mark.skipif(sandbox.sandbox_problem() is not None, reason="bubblewrap cannot run here")
def test_release_grade_validate(course, capsys):
    tmp_path, solutions = course
    assert main(["release", str(solutions), "--out", str(tmp_path / "release")]) == 0
    assert "wrote" in capsys.readouterr().out
    manifest = tmp_path / "release" / "manifest.json"
    assert json.loads(manifest.read_text()) == {"lab02": ["gradients.stability_limit"]}
    subs = tmp_path / "subs"
    _write(subs / "ana" / "lab02.ipynb", "from nncourse.exercises import answer",
           'answer("gradients.stability_limit", 0.5)', 'answer("loop.learning_rate", 0.05)')
    _write(subs / "ben" / "lab02.ipynb", "from nncourse.exercises import answer",
           'answer("gradients.stability_limit", 0.25)')
    out = tmp_path / "grades"
    code = main(["grade", str(subs), "--out", str(out), "--jobs", "2", "--seed", "1",
                 "--manifest", str(manifest), "--results-json", "--feedback", "html",
                 "--timeout", "3"])
    assert code == 0
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert list(rows[0]) == ["student", "gradients.stability_limit", "total"]   # lab02 only
    assert rows[0]["student"] == MAX_ROW and rows[0]["total"] == "1"
    by_name = {r["student"]: r for r in rows}
    assert by_name["ana"]["total"] == "1" and by_name["ben"]["total"] == "0"
    assert json.loads((out / "results" / "ben" / "lab02.json").read_text())["score"] == 0
    assert "1/L" in (out / "feedback" / "ben" / "lab02.html").read_text()
    assert "'ana': 1" in capsys.readouterr().out
    assert main(["validate", str(solutions), "--release", str(tmp_path / "release")]) == 0
    assert capsys.readouterr().out.strip().endswith("ok")


def test_errors_give_exit_status_1(course, capsys, tmp_path):
    _, solutions = course
    _write(solutions / "broken.ipynb", "# BEGIN SOLUTION\nx = 1")
    assert main(["release", str(solutions), "--out", str(tmp_path / "r")]) == 1
    assert "no END SOLUTION" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "g"),
                 "--no-sandbox"]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade"])


def test_missing_bubblewrap_refuses_unless_no_sandbox(course, capsys, tmp_path, monkeypatch):
    tmp_path, solutions = course
    monkeypatch.setenv("NNCOURSE_BWRAP", str(tmp_path / "no-bwrap-here"))
    sandbox.sandbox_problem.cache_clear()
    try:
        args = ["grade", str(solutions / "lab02.ipynb"), "--out", str(tmp_path / "g")]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "bubblewrap" in err and "apt-get install bubblewrap" in err
        assert "--no-sandbox" in err and not (tmp_path / "g").exists()
        assert main([*args, "--no-sandbox"]) == 0
        captured = capsys.readouterr()
        assert "only for notebooks you trust" in captured.err
        assert "'notebooks': 1" in captured.out       # a lab file alone: its folder names it
    finally:
        monkeypatch.delenv("NNCOURSE_BWRAP")
        sandbox.sandbox_problem.cache_clear()
