"""Grading outputs: gradebook.csv (and Canvas/Moodle import files), feedback, class report.

Besides the gradebook: feedback per student and lab, a class report, Gradescope results.json.

Everything is written into a fresh private folder next to ``--out`` (created with ``mkdtemp``,
files opened with ``O_EXCL | O_NOFOLLOW``), which replaces ``--out`` by a rename at the end: a
link planted in an old ``--out`` is never followed, and a crash leaves the old gradebook intact.
Each graded submission is appended to ``graded.jsonl`` in that folder as soon as it is done, so
an interrupted run resumes where it stopped; a lock file beside ``--out`` keeps a second grader
out while one runs. Learner text is escaped in feedback (Markdown and
HTML) and CSV cells starting with ``= + - @`` are neutralised. Feedback shows each case's name,
points, what differed and the hint — never test code, reference solutions or private tests.

Example:
    >>> out = OutputDir("grades/", ["submissions/"], None)   # doctest: +SKIP
"""

from __future__ import annotations

import csv
import errno
import fcntl
import hashlib
import html
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from nncourse.grading.collect import MAX_ROW, safe_name
from nncourse.grading.records import SubmissionResult

#: What the grader writes into ``--out``; an existing ``--out`` holding anything else is refused.
OWN_FILES = {"gradebook.csv", "gradebook-canvas.csv", "gradebook-moodle.csv", "summary.json",
             "class_report.md", "class_report.json", "graded.jsonl", "feedback", "results"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|~!])")
#: Terminal control: escape sequences (CSI, OSC, ...) and C0/C1 control characters.
_CONTROL = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)?"
                      r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: object) -> str:
    """``text`` without terminal control sequences or control characters (tabs, newlines kept)."""
    return _CONTROL.sub("", str(text))


def md_escape(text: str, limit: int = 600) -> str:
    """Learner text as inert Markdown: one line, HTML escaped, punctuation backslashed."""
    text = re.sub(r"\s+", " ", plain_text(text))[:limit]
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: a leading ``= + - @`` (or tab/CR) gets a quote."""
    text = plain_text(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _lines(submission, exercise_ids: list[str]) -> list[tuple[str, str, str]]:
    """(kind, trusted text, learner text) rows shared by the Markdown and HTML renderers."""
    rows = [("h1", "Feedback for ", submission.student)]
    if submission.lab:
        rows.append(("p", "Lab: ", submission.lab))
    maximum = sum(submission.results[e].max_score for e in exercise_ids)
    rows.append(("b", f"Total: {submission.total:g} / {maximum:g} points", ""))
    for exercise_id in exercise_ids:
        result = submission.results[exercise_id]
        rows.append(("h2", f"{result.exercise_id} — {result.title}: "
                           f"{result.score:g}/{result.max_score:g}", ""))
        if result.error:
            rows.append(("li", "", result.error))
        for case in result.cases:
            mark = "✔" if case.passed else "✘"
            head = f"{mark} {case.name} ({case.points:g}/{case.max_points:g})"
            if case.passed:
                rows.append(("li", head, ""))
            else:
                rows.append(("li", head + ": ", case.message))
                if case.hint:
                    rows.append(("hint", "Hint: ", case.hint))
    if submission.notes:
        rows.append(("h2", "Notes from running your notebook", ""))
        rows += [("li", "", note) for note in submission.notes[:30]]
    return rows


def feedback_markdown(submission, exercise_ids: list[str]) -> str:
    """Markdown feedback for one student and lab; learner text is escaped."""
    out = []
    for kind, trusted, learner in _lines(submission, exercise_ids):
        text = md_escape(trusted, 2000) + md_escape(learner)
        out.append({"h1": f"# {text}\n", "h2": f"\n## {text}", "b": f"**{text}**\n",
                    "p": f"{text}\n", "li": f"- {text}", "hint": f"  *{text}*"}[kind])
    return "\n".join(out) + "\n"


def feedback_html(submission, exercise_ids: list[str]) -> str:
    """HTML feedback for one student and lab; every piece of text is escaped."""
    out = ["<!doctype html><meta charset='utf-8'><title>Feedback</title>"]
    for kind, trusted, learner in _lines(submission, exercise_ids):
        text = html.escape(trusted + re.sub(r"\s+", " ", plain_text(learner))[:600])
        out.append({"h1": f"<h1>{text}</h1>", "h2": f"<h2>{text}</h2>", "b": f"<p><b>{text}</b>",
                    "p": f"<p>{text}", "li": f"<li>{text}", "hint": f"<br><em>{text}</em>"}[kind])
    return "\n".join(out) + "\n"


def gradescope_results(submission, exercise_ids: list[str]) -> dict:
    """The Gradescope autograder ``results.json`` structure for one submission."""
    tests = []
    for exercise_id in exercise_ids:
        result = submission.results[exercise_id]
        output = "\n".join(f"{case.name}: {'passed' if case.passed else plain_text(case.message)}"
                           for case in result.cases)
        tests.append({"name": f"{result.exercise_id} — {result.title}", "score": result.score,
                      "max_score": result.max_score, "output": output, "visibility": "visible"})
    return {"score": submission.total, "tests": tests, "visibility": "visible"}


def gradebook_rows(report) -> list[list[str]]:
    """Header, the max-points row, then one row per student (all labs side by side)."""
    labs = list(report.labs) or [None]
    single = len(labs) == 1
    columns = [(lab, e) for lab in labs for e in report.labs.get(lab, report.exercise_ids)]
    header = ["student"] + [e if single else f"{lab}/{e}" for lab, e in columns]
    header += ([] if single else [f"{lab}/total" for lab in labs]) + ["total"]
    header = [csv_cell(cell) for cell in header]
    by_student: dict[str, dict] = {}
    maxima: dict = {lab: {e: _exercise_points(e) for e in report.labs.get(lab, [])}
                    for lab in labs}
    for sub in report.submissions:
        if sub.not_graded:            # a row (with empty cells) so the student is not missed
            by_student.setdefault(sub.student, {})
            continue
        by_student.setdefault(sub.student, {})[sub.lab] = sub
        maxima.setdefault(sub.lab, {}).update({e: r.max_score for e, r in sub.results.items()})
    table: list[tuple[str, dict]] = [(MAX_ROW, {lab: maxima.get(lab, {}) for lab in labs})]
    for student in sorted(by_student):
        table.append((student, {lab: {e: r.score for e, r in sub.results.items()}
                                for lab, sub in by_student[student].items()}))
    rows = [header]
    for name, scores in table:
        cells = [_number(scores.get(lab, {}).get(e)) for lab, e in columns]
        lab_totals = [sum(v for v in scores[lab].values() if v is not None)
                      if lab in scores else None for lab in labs]
        graded = [t for t in lab_totals if t is not None]
        rows.append([csv_cell(name), *cells,
                     *([] if single else [_number(t) for t in lab_totals]),
                     _number(sum(graded)) if graded else ""])
    return rows


def _exercise_points(exercise_id: str) -> float | None:
    from nncourse.exercises.registry import get_exercise

    try:
        return get_exercise(exercise_id).points
    except KeyError:
        return None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class OutputDir:
    """The ``--out`` folder: previous results (for resuming), a private work folder, the swap.

    Args:
        out_dir: where the gradebook goes (replaced as a whole at the end of a run).
        inputs: the submission paths (``--out`` may not be inside them).
        extra_tests: the private tests folder (its digest keys the saved results).
    """

    def __init__(self, out_dir, inputs, extra_tests) -> None:
        self.out = Path(os.path.abspath(out_dir))
        if os.path.islink(self.out):
            raise ValueError(f"--out {out_dir} is a symbolic link; pass a real folder.")
        if self.out.exists() and not self.out.is_dir():
            raise ValueError(f"--out {out_dir} exists and is not a folder; pass a new or "
                             f"existing folder for the gradebook.")
        if self.out.is_dir():
            strangers = sorted(set(os.listdir(self.out)) - OWN_FILES)
            if strangers:
                raise ValueError(f"--out {out_dir} holds files the grader did not write "
                                 f"({', '.join(strangers[:5])}); it replaces --out as a whole, "
                                 f"so pass a new folder or an earlier run's --out.")
        for item in inputs:
            root = Path(os.path.abspath(item))
            if self.out == root or root in self.out.parents or self.out in root.parents:
                raise ValueError(f"--out {out_dir} and the submissions {item} overlap; put "
                                 f"the gradebook in a folder of its own.")
        self.extra_tests = extra_tests
        self.work: Path | None = None
        self.journal = None
        self.lock = self._acquire_lock()

    def _acquire_lock(self) -> int:
        """An exclusive lock on ``.<out>.lock`` beside ``--out`` (ValueError if held)."""
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.out.parent / f".{self.out.name}.lock",
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise ValueError(f"--out {self.out}: cannot create it or its lock file "
                             f"({exc.strerror}); pass a folder you can write to.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ValueError(f"--out {self.out} is being written by another grader; wait "
                                 f"for it to finish (or use another --out).") from None
            raise
        return fd

    def release(self) -> None:
        """Give up the lock (the lock file stays; removing it would race a waiting grader)."""
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None
        if self.journal is not None and not self.journal.closed:
            self.journal.close()

    def _partials(self) -> list[Path]:
        if not self.out.parent.is_dir():
            return []
        return sorted(p for p in self.out.parent.glob(f".{self.out.name}.partial-*")
                      if p.is_dir() and not p.is_symlink())

    def _records(self) -> list[dict]:
        records = []
        for folder in [self.out, *self._partials()]:
            for name in ("graded.jsonl", "journal.jsonl"):
                path = folder / name
                if path.is_symlink() or not path.is_file() or folder.is_symlink():
                    continue
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        continue        # a line cut short by a crash
        return records

    def previous_results(self, resume: bool) -> dict:
        """{key: SubmissionResult} saved by earlier runs into this ``--out``."""
        found = {}
        for record in self._records() if resume else []:
            try:
                result = SubmissionResult.from_dict(record["result"])
            except (KeyError, TypeError, ValueError):
                continue
            found[result.key] = result
        return found

    def latest_results(self) -> list[SubmissionResult]:
        """The newest saved result of every student and lab in this ``--out`` (for merging)."""
        latest: dict[tuple, SubmissionResult] = {}
        for record in self._records():
            try:
                result = SubmissionResult.from_dict(record["result"])
            except (KeyError, TypeError, ValueError):
                continue
            latest[(result.student, result.lab)] = result
        return list(latest.values())

    def previous_seed(self) -> int | None:
        """The seed of the run that wrote this ``--out`` (so a resumed run draws the same)."""
        for record in self._records():
            if isinstance(record.get("seed"), int):
                return record["seed"]
        return None

    def extra_digest(self) -> str:
        """A digest of the private tests (results made with other tests are not reused)."""
        digest = hashlib.sha256()
        if self.extra_tests is not None:
            for path in sorted(Path(self.extra_tests).glob("*.py")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]

    def start(self, seed: int) -> None:
        """Create the private work folder and its journal."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-",
                                          dir=self.out.parent))
        self.seed = seed
        self.journal = open(self._create(self.work / "journal.jsonl"), "w", encoding="utf-8")

    def record(self, result) -> None:
        """Append one finished submission to the journal (flushed at once)."""
        self.journal.write(json.dumps({"seed": self.seed, "result": result.to_dict()}) + "\n")
        self.journal.flush()

    def _create(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)

    def _write(self, relative: str, text: str) -> None:
        path = self.work / relative
        for parent in reversed(path.relative_to(self.work).parents[:-1]):
            folder = self.work / parent
            if not folder.exists():
                os.mkdir(folder, 0o700)
        with open(self._create(path), "w", encoding="utf-8", newline="") as handle:
            handle.write(text)

    def finish(self, report, feedback_format: str = "md", results_json: bool = False) -> Path:
        """Write every file into the work folder, then swap it in for ``--out``."""
        if feedback_format not in ("md", "html"):
            raise ValueError(f"feedback_format must be 'md' or 'html'; got {feedback_format!r}.")
        self.journal.close()
        rows = gradebook_rows(report)
        self._write("gradebook.csv", _csv(rows))
        self._write("gradebook-canvas.csv", _csv(canvas_rows(rows)))
        self._write("gradebook-moodle.csv", _csv(moodle_rows(rows)))
        used: set[str] = set()
        for sub in report.submissions:
            ids = list(sub.results)
            name = safe_name(sub.student) + ("" if sub.lab is None else
                                             f"/{safe_name(sub.lab)}")
            if name.lower() in used:    # a duplicate, or a name differing only in case
                name += f".{len(used)}"
            used.add(name.lower())
            text = feedback_markdown(sub, ids) if feedback_format == "md" else \
                feedback_html(sub, ids)
            self._write(f"feedback/{name}.{feedback_format}", text)
            if results_json:
                self._write(f"results/{name}.json",
                            json.dumps(gradescope_results(sub, ids), indent=1))
        summary = {"seed": report.seed, "exercises": report.exercise_ids,
                   "labs": {str(lab): ids for lab, ids in report.labs.items()},
                   "folders": {safe_name(s.student): s.student for s in report.submissions},
                   "not_graded": [{"path": s.path, "student": s.student, "lab": s.lab,
                                   "why": plain_text(s.not_graded)} for s in report.not_graded]}
        self._write("summary.json", json.dumps(summary, indent=1, ensure_ascii=False))
        classes = class_report(report)
        self._write("class_report.json", json.dumps(classes, indent=1, ensure_ascii=False))
        self._write("class_report.md", class_report_markdown(classes))
        os.rename(self.work / "journal.jsonl", self.work / "graded.jsonl")
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            os.rename(self.out, old / "out")
        os.rename(self.work, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        for stale in self._partials():
            shutil.rmtree(stale, ignore_errors=True)
        return self.out


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _lab_totals(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """(lab names, per student: [student, total of each lab]) from the gradebook rows."""
    header = rows[0]
    totals = [i for i, name in enumerate(header) if name.endswith("/total")]
    if not totals:
        totals, names = [len(header) - 1], ["total"]
    else:
        names = [header[i][: -len("/total")] for i in totals]
    return names, [[row[0], *(row[i] for i in totals)] for row in rows[1:]]


def canvas_rows(rows: list[list[str]]) -> list[list[str]]:
    """Canvas gradebook import rows: one column per lab, "Points Possible" first.

    Columns Student, ID, SIS User ID, SIS Login ID, Section as Canvas exports them; the student
    id goes into SIS Login ID, which Canvas matches when ID is empty.
    """
    names, table = _lab_totals(rows)
    out = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names]]
    for student, *totals in table:
        if student == MAX_ROW:
            out.insert(1, ["Points Possible", "", "", "", "", *totals])
        else:
            out.append([csv_cell(student), "", "", csv_cell(student), "", *totals])
    return out


def moodle_rows(rows: list[list[str]]) -> list[list[str]]:
    """Moodle grade import (CSV): a Username column to map users by, one column per lab."""
    names, table = _lab_totals(rows)
    return [["Username", *names]] + [[csv_cell(student), *totals] for student, *totals in table
                                     if student != MAX_ROW]


def mistake_names(exercise_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """(name, words) of each catalogued mistake whose words identify its feedback."""
    from nncourse.exercises.registry import get_exercise

    try:
        mistakes = getattr(get_exercise(exercise_id), "mistakes", []) or []
    except KeyError:
        return []
    named = []
    for mistake in mistakes:
        words = getattr(mistake, "feedback", None) or getattr(mistake, "message", "") or ""
        words = (words,) if isinstance(words, str) else tuple(words)
        named.append((str(getattr(mistake, "name", "")), tuple(w.lower() for w in words if w)))
    return named


def class_report(report) -> dict:
    """Per exercise: how many were graded, the score distribution, the named mistakes seen.

    A failed case's message is counted under the catalogued mistake it names (the mistake whose
    feedback words it contains; its name when the framework records which one matched),
    otherwise under "other: <message>".
    """
    exercises: dict[str, dict] = {}
    for sub in report.submissions:
        if sub.not_graded:
            continue
        for exercise_id, result in sub.results.items():
            entry = exercises.setdefault(exercise_id, {
                "title": result.title, "max_points": result.max_score, "graded": 0,
                "full_marks": 0, "scores": {}, "mistakes": {}})
            entry["graded"] += 1
            entry["full_marks"] += result.score >= result.max_score
            key = f"{result.score:g}"
            entry["scores"][key] = entry["scores"].get(key, 0) + 1
            seen: set[str] = set()
            for case in result.cases:
                if case.passed or not case.message:
                    continue
                name = getattr(case, "mistake", None) or _named_mistake(exercise_id,
                                                                        case.message)
                seen.add(name or "other: " + plain_text(case.message)[:100])
            for name in seen:
                entry["mistakes"][name] = entry["mistakes"].get(name, 0) + 1
    for entry in exercises.values():
        entry["scores"] = dict(sorted(entry["scores"].items(), key=lambda i: float(i[0])))
        entry["mistakes"] = dict(sorted(entry["mistakes"].items(), key=lambda i: (-i[1], i[0])))
    return {"submissions": len(report.submissions), "not_graded": len(report.not_graded),
            "exercises": exercises}


def _named_mistake(exercise_id: str, message: str) -> str | None:
    text = message.lower()
    for name, words in mistake_names(exercise_id):
        if words and all(word in text for word in words):
            return name
    return None


def class_report_markdown(classes: dict) -> str:
    """The class report as Markdown: one section per exercise."""
    lines = ["# Class report", "",
             f"{classes['submissions']} submission-labs, {classes['not_graded']} not graded.", ""]
    for exercise_id, entry in classes["exercises"].items():
        lines += [f"## {exercise_id} — {md_escape(entry['title'])}", "",
                  f"{entry['full_marks']} of {entry['graded']} with full marks "
                  f"({entry['max_points']:g} points).", "",
                  "| points | submissions |", "|---:|---:|"]
        lines += [f"| {score} | {count} |" for score, count in entry["scores"].items()]
        if entry["mistakes"]:
            lines += ["", "Most frequent mistakes:", ""]
            lines += [f"- {count} × {md_escape(name)}"
                      for name, count in list(entry["mistakes"].items())[:8]]
        lines.append("")
    return "\n".join(lines) + "\n"
