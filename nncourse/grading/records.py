"""What a grading run produces: per submission-lab results and the whole report.

Example:
    >>> SubmissionResult("ana", "ana/lab03.ipynb", lab="lab03").total
    0.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nncourse.exercises.results import CaseResult, CheckResult


@dataclass
class SubmissionResult:
    """Scores of one submission-lab: one CheckResult per graded exercise, plus notes.

    ``not_graded`` says why the submission has no grade (unreadable, a duplicate, not a lab of
    the course, the grader failed); its gradebook cells stay empty. ``grader_failed`` marks a
    failure on the grader's side: such a result is never reused by a later run.
    """

    student: str
    path: str
    results: dict[str, CheckResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lab: str | None = None
    key: str = ""
    not_graded: str = ""
    grader_failed: bool = False

    @property
    def total(self) -> float:
        return float(sum(result.score for result in self.results.values()))

    def to_dict(self) -> dict:
        return {"student": self.student, "path": self.path, "lab": self.lab, "key": self.key,
                "notes": self.notes, "not_graded": self.not_graded,
                "grader_failed": self.grader_failed,
                "results": {i: r.to_dict() for i, r in self.results.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        results = {}
        for exercise_id, r in data["results"].items():
            cases = [CaseResult(c["name"], bool(c["passed"]), float(c["points"]),
                                float(c["max_points"]), c["message"], c["hint"])
                     for c in r["cases"]]
            results[exercise_id] = CheckResult(r["exercise_id"], r["title"], cases, r["error"])
        return cls(data["student"], data["path"], results, list(data["notes"]), data["lab"],
                   data["key"], str(data.get("not_graded", "")),
                   bool(data.get("grader_failed", False)))


@dataclass
class GradeReport:
    """Everything one grading run produced."""

    exercise_ids: list[str]
    submissions: list[SubmissionResult]
    seed: int
    labs: dict[str | None, list[str]] = field(default_factory=dict)
    carried: int = 0

    @property
    def totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for sub in self.submissions:
            if not sub.not_graded:
                totals[sub.student] = totals.get(sub.student, 0.0) + sub.total
        return totals

    @property
    def not_graded(self) -> list[SubmissionResult]:
        """The submissions that have no grade, each with why."""
        return [sub for sub in self.submissions if sub.not_graded]
