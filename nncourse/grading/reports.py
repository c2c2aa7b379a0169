"""Grading outputs: gradebook.csv, one feedback file per student, Gradescope results.json.

Feedback shows each case's name, points, what differed and the hint — never test code,
reference solutions or private test sources.

Example:
    >>> write_reports(report, "grades/")   # doctest: +SKIP
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from nncourse.exercises.results import CheckResult


def feedback_markdown(submission, exercise_ids: list[str]) -> str:
    """Markdown feedback for one student."""
    lines = [f"# Feedback for {submission.student}", "",
             f"**Total: {submission.total:g} / "
             f"{sum(submission.results[e].max_score for e in exercise_ids):g} points**", ""]
    for exercise_id in exercise_ids:
        result: CheckResult = submission.results[exercise_id]
        lines.append(f"## {result.exercise_id} — {result.title}: "
                     f"{result.score:g}/{result.max_score:g}")
        if result.error:
            lines.append(f"- {result.error}")
        for case in result.cases:
            mark = "✔" if case.passed else "✘"
            line = f"- {mark} {case.name} ({case.points:g}/{case.max_points:g})"
            if not case.passed:
                line += f": {case.message}"
                if case.hint:
                    line += f" *Hint: {case.hint}*"
            lines.append(line)
        lines.append("")
    if submission.notes:
        lines += ["## Notes from running your notebook", ""]
        lines += [f"- {note}" for note in submission.notes[:30]]
    return "\n".join(lines) + "\n"


def feedback_html(submission, exercise_ids: list[str]) -> str:
    """HTML feedback for one student (the Markdown, escaped, in a page)."""
    body = html.escape(feedback_markdown(submission, exercise_ids))
    return f"<!doctype html><meta charset='utf-8'><title>Feedback</title><pre>{body}</pre>\n"


def gradescope_results(submission, exercise_ids: list[str]) -> dict:
    """The Gradescope autograder ``results.json`` structure for one submission."""
    tests = []
    for exercise_id in exercise_ids:
        result = submission.results[exercise_id]
        output = "\n".join(f"{case.name}: {'passed' if case.passed else case.message}"
                           for case in result.cases)
        tests.append({"name": f"{result.exercise_id} — {result.title}", "score": result.score,
                      "max_score": result.max_score, "output": output, "visibility": "visible"})
    return {"score": submission.total, "tests": tests, "visibility": "visible"}


def write_reports(report, out_dir, feedback_format: str = "md", results_json: bool = False
                  ) -> Path:
    """Write gradebook.csv, feedback/<student>.<md|html> and optionally results/<student>.json."""
    if feedback_format not in ("md", "html"):
        raise ValueError(f"feedback_format must be 'md' or 'html'; got {feedback_format!r}.")
    out = Path(out_dir)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    ids = report.exercise_ids
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *ids, "total"])
        for sub in sorted(report.submissions, key=lambda s: s.student):
            writer.writerow([sub.student, *(f"{sub.results[e].score:g}" for e in ids),
                             f"{sub.total:g}"])
    for sub in report.submissions:
        text = feedback_markdown(sub, ids) if feedback_format == "md" else feedback_html(sub, ids)
        (out / "feedback" / f"{sub.student}.{feedback_format}").write_text(text, encoding="utf-8")
        if results_json:
            (out / "results").mkdir(exist_ok=True)
            (out / "results" / f"{sub.student}.json").write_text(
                json.dumps(gradescope_results(sub, ids), indent=1), encoding="utf-8")
    summary = {"seed": report.seed, "exercises": ids,
               "max_points": {e: report.submissions[0].results[e].max_score for e in ids}
               if report.submissions else {}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return out
