"""Check results: a per-case report that renders as HTML in Jupyter and as text in a terminal.

Example:
    >>> r = CheckResult("demo", "Demo", [CaseResult("shapes", True, 1.0, 1.0)])
    >>> r.passed, r.score
    (True, 1.0)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..i18n import _


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
        lines = [self._heading()]
        if self.error:
            lines.append(_("  ERROR {error}").format(error=self.error))
        for case in self.cases:
            mark = _("PASS") if case.passed else _("FAIL")
            lines.append(f"  [{mark}] {_(case.name)} ({case.points:g}/{case.max_points:g})")
            if not case.passed and case.message:
                lines.append(f"         {case.message}")
            if not case.passed and case.hint:
                lines.append("         " + _("hint: {hint}").format(hint=case.hint))
        return "\n".join(lines)

    __repr__ = __str__

    def _heading(self) -> str:
        """``id — title: score/max points`` in the current language."""
        return _("{id} — {title}: {score}/{max_score} points").format(
            id=self.exercise_id, title=self.title, score=f"{self.score:g}",
            max_score=f"{self.max_score:g}")

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b42318"
        rows = []
        for case in self.cases:
            mark = "&#10004;" if case.passed else "&#10008;"
            detail = ""
            if not case.passed:
                detail = html.escape(case.message)
                if case.hint:
                    hint = _("hint: {hint}").format(hint=case.hint)
                    detail += f"<br><em>{html.escape(hint)}</em>"
            rows.append(f"<tr><td>{mark}</td><td>{html.escape(_(case.name))}</td>"
                        f"<td>{case.points:g}/{case.max_points:g}</td><td>{detail}</td></tr>")
        error = f"<p><strong>{html.escape(self.error)}</strong></p>" if self.error else ""
        case, points, differed = _("case"), _("points"), _("what differed")
        return (f"<div class='nncourse-check'><p style='color:{color}'><strong>"
                f"{html.escape(self._heading())}</strong></p>{error}"
                f"<table><tr><th></th><th>{case}</th><th>{points}</th>"
                f"<th>{differed}</th></tr>"
                f"{''.join(rows)}</table></div>")
