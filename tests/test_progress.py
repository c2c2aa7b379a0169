"""The learner's progress file (nncourse/exercises/progress.py) and ``nncourse progress``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nncourse.cli import main
from nncourse.exercises import list_exercises, progress


@pytest.fixture
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home" / ".nncourse" / "progress.json"
    monkeypatch.setenv(progress.PATH_VARIABLE, str(path))
    return path


def test_the_path_comes_from_the_variable_else_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(progress.PATH_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_path() == tmp_path / ".nncourse" / "progress.json"
    monkeypatch.setenv(progress.PATH_VARIABLE, str(tmp_path / "x.json"))
    assert progress.progress_path() == tmp_path / "x.json"


def test_the_best_result_stays_and_attempts_count(progress_file: Path):
    assert not progress_file.exists()
    progress.record("optim.adam_step", 3, 5)
    progress.record("optim.adam_step", 1, 5)          # worse: the 3 stays
    entry = progress.record("optim.adam_step", 0, 5)
    assert (entry["score"], entry["max_score"], entry["attempts"]) == (3.0, 5.0, 3)
    entry = progress.record("optim.adam_step", 5, 5)  # better: replaces it
    assert (entry["score"], entry["attempts"]) == (5.0, 4)
    data = json.loads(progress_file.read_text(encoding="utf-8"))
    assert data["version"] == progress.FORMAT_VERSION
    assert data["exercises"]["optim.adam_step"]["score"] == 5.0


def test_a_tie_and_a_zero_score_are_kept(progress_file: Path):
    assert progress.record("loop.fit_epochs", 0, 4)["score"] == 0.0
    assert progress.record("loop.fit_epochs", 0, 4)["attempts"] == 2
    assert progress.load()["exercises"]["loop.fit_epochs"]["score"] == 0.0


def test_a_quiz_question_once_right_stays_right(progress_file: Path):
    assert progress.record_quiz("ch03.linear_shapes", False)["correct"] is False
    assert progress.record_quiz("ch03.linear_shapes", True)["correct"] is True
    entry = progress.record_quiz("ch03.linear_shapes", False)
    assert entry["correct"] is True and entry["attempts"] == 3


@pytest.mark.parametrize("args", [("", 1, 2), ("x", 3, 2), ("x", -1, 2), ("x", 1, 0),
                                  ("x", math.nan, 2), ("x", "one", 2), (None, 1, 1)])
def test_bad_results_are_refused_with_a_sentence(progress_file: Path, args):
    with pytest.raises(ValueError, match="record\\(\\) needs"):
        progress.record(*args)
    assert not progress_file.exists()


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 99, "exercises": {}}', ""])
def test_a_corrupt_file_is_set_aside_with_one_line(progress_file: Path, capsys, content):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(content, encoding="utf-8")
    entry = progress.record("optim.sgd_step", 2, 2)       # never raises
    assert entry["score"] == 2.0
    warning = capsys.readouterr().err.strip()
    assert warning.count("\n") == 0 and "moved to progress.json.corrupt-" in warning
    aside = list(progress_file.parent.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content
    assert progress.load()["exercises"]["optim.sgd_step"]["score"] == 2.0


def test_an_unwritable_place_costs_a_warning_not_the_check(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(progress.PATH_VARIABLE, str(blocker / "progress.json"))
    assert progress.record("optim.sgd_step", 1, 2)["score"] == 1.0
    assert "not saved" in capsys.readouterr().err


def test_writes_are_atomic_and_leave_no_temporary_file(progress_file: Path):
    for score in range(5):
        progress.record(f"ex.{score}", score, 4)
    names = sorted(p.name for p in progress_file.parent.iterdir())
    assert names == ["progress.json", "progress.json.lock"]


def test_deleting_the_file_starts_afresh(progress_file: Path):
    progress.record("optim.sgd_step", 1, 2)
    progress_file.unlink()
    assert progress.load() == {"version": 1, "exercises": {}, "quiz": {}}


def test_the_table_groups_by_chapter(progress_file: Path, capsys):
    progress.record("optim.adam_step", 5, 5)
    progress.record("optim.rmsprop_step", 2, 5)
    progress.record("someone.elses_exercise", 1, 1)
    progress.record_quiz("ch05.bias", True)
    progress.record_quiz("ch05.lr", False)
    chapters = {exercise.id: exercise.chapter for exercise in list_exercises()}
    rows = {row["chapter"]: row for row in progress.table(chapter_of=chapters)}
    ch05 = rows["ch05"]
    assert (ch05["passed"], ch05["points"], ch05["max_points"]) == (1, 7.0, 10.0)
    assert ch05["exercises"] >= 4 and (ch05["quiz_correct"], ch05["quiz_answered"]) == (1, 2)
    assert rows["other"]["passed"] == 1 and rows["other"]["exercises"] == 1
    assert rows["ch01"]["passed"] == 0
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    line = next(text for text in out.splitlines() if text.startswith("ch05"))
    assert "1 of" in line and "7 / 10" in line and "1 / 2" in line
    assert str(progress_file) in out


def test_a_quiz_widget_check_records_the_answer(progress_file: Path):
    from nncourse.exercises.quiz import Choice, MultipleChoice

    question = MultipleChoice("ch02.sign", "Which way?", [Choice("up"), Choice("down", True)])
    box = question.widget()
    box.control.index = 1
    box.check_button.click()
    assert progress.load()["quiz"]["ch02.sign"]["correct"] is True
