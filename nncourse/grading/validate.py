"""``nncourse validate``: solutions pass their own checks; releases hold no solutions or tests.

Example:
    >>> problems = validate("notebooks/", release_dir="release/")   # doctest: +SKIP
    >>> problems
    []
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from nncourse.grading.grade import grade_submissions
from nncourse.grading.release import leaked_lines, notebook_text, release_notebook
from nncourse.grading.sandbox import Limits


def validate(notebooks: str | Path, release_dir: str | Path | None = None,
             extra_tests: str | Path | None = None, limits: Limits | None = None,
             jobs: int = 2, sandbox: bool = True) -> list[str]:
    """Return a list of problems (empty when everything is in order).

    Checks: every solution notebook scores full marks on every exercise it checks (graded in
    the sandbox, with the private tests if given); each released notebook contains no
    solution text; the release directory contains no file of the private tests. The
    solutions run in the grading sandbox (``sandbox=False``: as plain child processes).
    """
    problems: list[str] = []
    source = Path(notebooks)
    files = sorted(source.rglob("*.ipynb")) if source.is_dir() else [source]
    files = [f for f in files if ".ipynb_checkpoints" not in f.parts]
    if not files:
        return [f"no notebooks found in {source}"]
    for path in files:
        report = grade_submissions([path], None, extra_tests=None if extra_tests is None
                                   else str(extra_tests), limits=limits, jobs=1, seed=0,
                                   sandbox=sandbox)
        for submission in report.submissions:
            for exercise_id, result in submission.results.items():
                if result.score < result.max_score:
                    failed = [f"{c.name}: {c.message}" for c in result.cases if not c.passed]
                    problems.append(f"{path.name}: {exercise_id} scores {result.score:g}/"
                                    f"{result.max_score:g} ({'; '.join(failed)[:300]})")
        if release_dir is not None:
            relative = path.relative_to(source) if source.is_dir() else Path(path.name)
            released = Path(release_dir) / relative
            if not released.exists():
                problems.append(f"{relative}: missing from the release {release_dir}")
                continue
            _, removed = release_notebook(path)
            student = nbformat.read(str(released), as_version=4)
            leaks = leaked_lines(notebook_text(student), removed)
            tagged = [c for c in student.cells
                      if "solution" in c.get("metadata", {}).get("tags", [])]
            if leaks or tagged:
                problems.append(f"{relative}: the release contains solution text "
                                f"({(leaks or ['a cell tagged solution'])[:3]})")
    if release_dir is not None and extra_tests is not None:
        private = {p.read_text(encoding="utf-8", errors="replace").strip()
                   for p in Path(extra_tests).glob("*.py")}
        names = {p.name for p in Path(extra_tests).glob("*.py")}
        for path in Path(release_dir).rglob("*"):
            if path.is_file() and (path.name in names or path.read_text(
                    encoding="utf-8", errors="replace").strip() in private):
                problems.append(f"{path}: a private test file is in the release")
    return problems
