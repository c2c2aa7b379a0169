"""Check results: a per-case report that renders as HTML in Jupyter and as text in a terminal.

Example:
    >>> r = CheckResult("demo", "Demo", [CaseResult("shapes", True, 1.0, 1.0)])
    >>> r.passed, r.score
    (True, 1.0)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class CaseResult:
    """Outcome of one case: name, passed, points earned / possible, what differed, a hint."""

    name: str
    passed: bool
    points: float
    max_points: float
    message: str = ""
    hint: str = ""

    def to_dict(self) -> dict:
        """Plain dict (for JSON feedback and results.json)."""
        return dict(name=self.name, passed=self.passed, points=self.points,
                    max_points=self.max_points, message=self.message, hint=self.hint)


@dataclass
class CheckResult:
    """All case results of one ``check`` call.

    Attributes:
        exercise_id, title: which exercise.
        cases: one :class:`CaseResult` per case, in order.
        error: set when the answer could not be checked at all (e.g. not callable).
    """

    exercise_id: str
    title: str
    cases: list[CaseResult] = field(default_factory=list)
    error: str = ""

    @property
    def score(self) -> float:
        return float(sum(case.points for case in self.cases))

    @property
    def max_score(self) -> float:
        return float(sum(case.max_points for case in self.cases))

    @property
    def passed(self) -> bool:
        return not self.error and all(case.passed for case in self.cases)

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict:
        return dict(exercise_id=self.exercise_id, title=self.title, score=self.score,
                    max_score=self.max_score, error=self.error,
                    cases=[case.to_dict() for case in self.cases])

    def __str__(self) -> str:
        head = f"{self.exercise_id} — {self.title}: {self.score:g}/{self.max_score:g} points"
        lines = [head]
        if self.error:
            lines.append(f"  ERROR {self.error}")
        for case in self.cases:
            mark = "PASS" if case.passed else "FAIL"
            lines.append(f"  [{mark}] {case.name} ({case.points:g}/{case.max_points:g})")
            if not case.passed and case.message:
                lines.append(f"         {case.message}")
            if not case.passed and case.hint:
                lines.append(f"         hint: {case.hint}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b42318"
        rows = []
        for case in self.cases:
            mark = "&#10004;" if case.passed else "&#10008;"
            detail = ""
            if not case.passed:
                detail = html.escape(case.message)
                if case.hint:
                    detail += f"<br><em>hint: {html.escape(case.hint)}</em>"
            rows.append(f"<tr><td>{mark}</td><td>{html.escape(case.name)}</td>"
                        f"<td>{case.points:g}/{case.max_points:g}</td><td>{detail}</td></tr>")
        error = f"<p><strong>{html.escape(self.error)}</strong></p>" if self.error else ""
        return (f"<div class='nncourse-check'><p style='color:{color}'><strong>"
                f"{html.escape(self.exercise_id)} — {html.escape(self.title)}: "
                f"{self.score:g}/{self.max_score:g} points</strong></p>{error}"
                f"<table><tr><th></th><th>case</th><th>points</th><th>what differed</th></tr>"
                f"{''.join(rows)}</table></div>")
