"""The learner's progress: the best result of every exercise and quiz question, kept on disk.

Each ``check()`` and each quiz answer in JupyterLab records its result in a small local file,
``~/.nncourse/progress.json`` (``NNCOURSE_PROGRESS`` names another file). The file keeps the
best result per exercise, so a later, worse attempt never loses a pass; ``nncourse progress``
prints it as a table per chapter. Deleting the file starts afresh; a file that cannot be read
is set aside (``progress.json.corrupt-<time>``) with a one-line warning, and recording never
stops a check: a file that cannot be written costs a warning, not the learner's feedback.

The format (version 1)::

    {"version": 1,
     "exercises": {"optim.adam_step": {"score": 5.0, "max_score": 5.0, "attempts": 3,
                                       "first": "2026-...", "updated": "2026-..."}},
     "quiz": {"ch03.linear_shapes": {"correct": true, "attempts": 2, ...}}}

Example:
    >>> import os, tempfile
    >>> os.environ["NNCOURSE_PROGRESS"] = os.path.join(tempfile.mkdtemp(), "progress.json")
    >>> record("optim.adam_step", 3, 5)["score"]
    3.0
    >>> record("optim.adam_step", 2, 5)["score"]     # the best result stays
    3.0
    >>> record_quiz("ch05.bias_correction", True)["correct"]
    True
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..i18n import _

#: environment variable naming the progress file (tests, several courses on one account)
PATH_VARIABLE = "NNCOURSE_PROGRESS"
#: version of the file's format; a file of another version is set aside, never misread
FORMAT_VERSION = 1
_CHAPTER_ID = re.compile(r"^(ch\d\d)\b")


def progress_path() -> Path:
    """Where the progress is kept: ``$NNCOURSE_PROGRESS``, else ``~/.nncourse/progress.json``."""
    named = os.environ.get(PATH_VARIABLE, "").strip()
    return Path(named).expanduser() if named else Path.home() / ".nncourse" / "progress.json"


def _empty() -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "exercises": {}, "quiz": {}}


def _warn(message: str) -> None:
    print(f"nncourse progress: {message}", file=sys.stderr)


def _set_aside(path: Path, why: str) -> None:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        path.replace(target)
        _warn(_("{path} could not be read ({why}); moved to {target}, starting afresh.").format(
            path=path, why=why, target=target.name))
    except OSError as error:
        _warn(_("{path} could not be read ({why}) nor moved aside ({error}); starting "
                "afresh.").format(path=path, why=why, error=error))


def _valid(data: Any) -> bool:
    return (isinstance(data, dict) and data.get("version") == FORMAT_VERSION
            and isinstance(data.get("exercises"), dict) and isinstance(data.get("quiz"), dict))


def load(path: Path | None = None) -> dict[str, Any]:
    """The recorded progress (an empty record when there is none yet).

    Args:
        path: the progress file (default :func:`progress_path`).

    Returns:
        ``{"version": 1, "exercises": {id: entry}, "quiz": {id: entry}}``. A file that is not
        valid JSON of this format is set aside with a one-line warning and an empty record
        returned.
    """
    path = progress_path() if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty()
    except OSError as error:
        _warn(_("{path} could not be read ({error}); showing no progress.").format(
            path=path, error=error))
        return _empty()
    try:
        data = json.loads(text)
    except ValueError as error:
        _set_aside(path, _("not JSON: {error}").format(error=error))
        return _empty()
    if not _valid(data):
        version = data.get("version") if isinstance(data, dict) else None
        _set_aside(path, _("format version {version!r}, expected {expected}").format(
            version=version, expected=FORMAT_VERSION))
        return _empty()
    return data


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Two kernels recording at once take turns (POSIX file lock; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _update(section: str, key: str, result: dict[str, Any], better: Any,
            path: Path | None) -> dict[str, Any]:
    """Merge one result into the file (kept if better); return the entry now on disk."""
    path = progress_path() if path is None else Path(path)
    entry = dict(result, attempts=1, first=_now(), updated=_now())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            data = load(path)
            old = data[section].get(key)
            if isinstance(old, dict):
                kept = result if better(result, old) else {k: old[k] for k in result if k in old}
                entry = dict(old, **kept, attempts=int(old.get("attempts", 0)) + 1,
                             updated=_now())
            data[section][key] = entry
            _write(path, data)
    except OSError as error:
        _warn(_("could not record {key!r} in {path} ({error}); your result is not saved.").format(
            key=key, path=path, error=error))
    return entry


def record(exercise_id: str, score: float, max_score: float, *,
           path: Path | None = None) -> dict[str, Any]:
    """Record an exercise result, keeping the best one per exercise.

    Args:
        exercise_id: the exercise, for example ``"optim.adam_step"``.
        score: points obtained, ``0 <= score <= max_score``.
        max_score: points possible, ``> 0``.
        path: the progress file (default :func:`progress_path`).

    Returns:
        The exercise's entry as kept: ``score``, ``max_score``, ``attempts``, ``first``,
        ``updated``.

    Raises:
        ValueError: for an empty id or scores that are not finite with
            ``0 <= score <= max_score`` and ``max_score > 0``.
    """
    if not isinstance(exercise_id, str) or not exercise_id.strip():
        raise ValueError(f"record() needs the exercise id as a non-empty string, for example "
                         f"'optim.adam_step'; got {exercise_id!r}.")
    try:
        score, max_score = float(score), float(max_score)
    except (TypeError, ValueError):
        raise ValueError(f"record() needs numbers for score and max_score; got {score!r} and "
                         f"{max_score!r}.") from None
    if not (math.isfinite(score) and math.isfinite(max_score) and max_score > 0
            and 0 <= score <= max_score):
        raise ValueError(f"record() needs 0 <= score <= max_score and max_score > 0; got score "
                         f"{score} of {max_score}.")

    def better(new: dict[str, Any], old: dict[str, Any]) -> bool:
        try:
            return new["score"] / new["max_score"] > old["score"] / old["max_score"]
        except (KeyError, TypeError, ZeroDivisionError):
            return True

    return _update("exercises", exercise_id,
                   {"score": score, "max_score": max_score}, better, path)


def record_quiz(question_id: str, correct: bool, *, path: Path | None = None) -> dict[str, Any]:
    """Record a quiz answer; once answered correctly a question stays correct.

    Args:
        question_id: the question, for example ``"ch03.linear_shapes"``.
        correct: whether the answer was right.
        path: the progress file (default :func:`progress_path`).

    Returns:
        The question's entry as kept: ``correct``, ``attempts``, ``first``, ``updated``.

    Raises:
        ValueError: for an empty id.
    """
    if not isinstance(question_id, str) or not question_id.strip():
        raise ValueError(f"record_quiz() needs the question id as a non-empty string, for "
                         f"example 'ch03.linear_shapes'; got {question_id!r}.")
    return _update("quiz", question_id, {"correct": bool(correct)},
                   lambda new, old: bool(new["correct"]) and not old.get("correct"), path)


def table(data: dict[str, Any] | None = None,
          chapter_of: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Progress per chapter: one row per chapter with anything recorded or to do.

    Args:
        data: a loaded record (default: :func:`load`).
        chapter_of: the course's exercises, id -> chapter (``"ch05"``); exercises not in it
            are counted under ``"other"`` (``nncourse progress`` passes the registry's).

    Returns:
        Rows sorted by chapter: ``chapter``, ``passed`` (exercises with full marks),
        ``exercises`` (in the course, or recorded where the course is unknown), ``points``,
        ``max_points`` (of the exercises recorded), ``quiz_correct``, ``quiz_answered``.
    """
    data = load() if data is None else data
    chapter_of = chapter_of or {}
    rows: dict[str, dict[str, Any]] = {}

    def row(chapter: str) -> dict[str, Any]:
        return rows.setdefault(chapter, {"chapter": chapter, "passed": 0, "exercises": 0,
                                         "points": 0.0, "max_points": 0.0, "quiz_correct": 0,
                                         "quiz_answered": 0})

    for chapter in chapter_of.values():
        row(chapter)["exercises"] += 1
    for exercise_id, entry in data.get("exercises", {}).items():
        known = exercise_id in chapter_of
        current = row(chapter_of.get(exercise_id, "other"))
        current["exercises"] += 0 if known else 1
        current["points"] += float(entry.get("score", 0))
        current["max_points"] += float(entry.get("max_score", 0))
        current["passed"] += entry.get("score") == entry.get("max_score")
    for question_id, entry in data.get("quiz", {}).items():
        match = _CHAPTER_ID.match(question_id)
        current = row(match.group(1) if match else "other")
        current["quiz_answered"] += 1
        current["quiz_correct"] += bool(entry.get("correct"))
    return [rows[chapter] for chapter in sorted(rows)]


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`table` as the text ``nncourse progress`` prints (current language).

    Each column is as wide as its heading or its widest entry, so a longer heading in another
    language keeps the columns aligned.
    """
    headings = [_("chapter"), _("exercises passed"), _("points"), _("quiz correct")]
    table_rows = []
    for row in rows:
        chapter = _("other") if row["chapter"] == "other" else row["chapter"]
        passed = _("{passed} of {total}").format(passed=f"{row['passed']:>7}",
                                                 total=f"{row['exercises']:<5}")
        points = (f"{row['points']:g} / {row['max_points']:g}" if row["max_points"] else "-")
        quiz = (f"{row['quiz_correct']} / {row['quiz_answered']}" if row["quiz_answered"]
                else "-")
        table_rows.append([chapter, passed, points, quiz])
    widths = [max([minimum, len(headings[i])] + [len(r[i]) for r in table_rows])
              for i, minimum in enumerate((8, 16, 13, 13))]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return " ".join([f"{first:<{widths[0]}}",
                         *(f"{cell:>{width}}" for cell, width in zip(rest, widths[1:],
                                                                       strict=True))])

    return "\n".join(line(cells) for cells in [headings, *table_rows])
