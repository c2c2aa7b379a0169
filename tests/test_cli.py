"""The ``nncourse`` command: release, grade and validate through ``main(argv)``."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nncourse.cli import main


def _write(path, *cells):
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), str(path))


@pytest.fixture()
def course(tmp_path):
    solutions = tmp_path / "notebooks"
    solutions.mkdir()
    _write(solutions / "lab02.ipynb", "from nncourse.exercises import answer",
           "# BEGIN SOLUTION\nrate = 2 / 4.0\n# END SOLUTION",
           'answer("gradients.stability_limit", rate)')
    return tmp_path, solutions


def test_release_grade_validate(course, capsys):
    tmp_path, solutions = course
    assert main(["release", str(solutions), "--out", str(tmp_path / "release")]) == 0
    assert "wrote" in capsys.readouterr().out
    subs = tmp_path / "subs"
    subs.mkdir()
    _write(subs / "ana.ipynb", "from nncourse.exercises import answer",
           'answer("gradients.stability_limit", 0.5)')
    _write(subs / "ben.ipynb", "from nncourse.exercises import answer",
           'answer("gradients.stability_limit", 0.25)')
    out = tmp_path / "grades"
    code = main(["grade", str(subs), "--out", str(out), "--jobs", "2", "--seed", "1",
                 "--results-json", "--feedback", "html", "--timeout", "3"])
    assert code == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["ana"]["total"] == "1" and rows["ben"]["total"] == "0"
    assert json.loads((out / "results" / "ben.json").read_text())["score"] == 0
    assert "1/L" in (out / "feedback" / "ben.html").read_text()
    assert "ana: 1" in capsys.readouterr().out
    assert main(["validate", str(solutions), "--release", str(tmp_path / "release")]) == 0
    assert capsys.readouterr().out.strip().endswith("ok")


def test_errors_give_exit_status_1(course, capsys, tmp_path):
    _, solutions = course
    _write(solutions / "broken.ipynb", "# BEGIN SOLUTION\nx = 1")
    assert main(["release", str(solutions), "--out", str(tmp_path / "r")]) == 1
    assert "no END SOLUTION" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "g")]) == 1
    with pytest.raises(SystemExit):
        main(["grade"])
