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
from nncourse.grading.notebooks import code_cells, find_answers
from nncourse.grading.release import leaked_lines, notebook_text, release_notebook
from nncourse.grading.sandbox import Limits


def validate(notebooks: str | Path, release_dir: str | Path | None = None,
             extra_tests: str | Path | None = None, limits: Limits | None = None,
             jobs: int = 2, sandbox: bool = True) -> list[str]:
    """Return a list of problems (empty when everything is in order).

    Checks: every solution notebook scores full marks on every exercise it checks (graded in
    the sandbox, with the private tests if given), checks every exercise of its chapter
    (a course lab, ``labNN_topic``) and of the release manifest (a deleted ``check()`` call
    would drop the exercise from the next release), and runs every cell without an error; each
    released notebook contains no solution text; the release directory contains no file of the
    private tests. The solutions run in the grading sandbox (``sandbox=False``: as plain child
    processes).
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
        expected = _expected_ids(path, release_dir)
        try:
            checked = set(find_answers(code_cells(path)))
        except ValueError as exc:
            problems.append(str(exc))
            continue
        for submission in report.submissions:
            missing = [i for i in expected if i not in checked]
            if missing:
                problems.append(f"{path.name}: no check() or answer() call for "
                                f"{', '.join(missing)} (the release manifest would drop "
                                f"{'it' if len(missing) == 1 else 'them'})")
            for note in submission.notes:
                problems.append(f"{path.name}: {note}")
            for exercise_id, result in submission.results.items():
                if result.score < result.max_score and exercise_id in checked:
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


def _expected_ids(path: Path, release_dir: str | Path | None) -> list[str]:
    """The exercises a solution notebook must check: its chapter's, and the manifest's."""
    from nncourse.exercises.registry import list_exercises
    from nncourse.grading.collect import LAB_NUMBER
    from nncourse.grading.release import MANIFEST, read_manifest

    ids: list[str] = []
    number = LAB_NUMBER.match(path.stem)
    if number and "_" in path.stem[number.end():][:1]:    # a course lab: labNN_topic
        ids += [ex.id for ex in list_exercises(chapter=f"ch{int(number.group(1)):02d}")]
    manifest = Path(release_dir) / MANIFEST if release_dir is not None else None
    if manifest is not None and manifest.is_file():
        ids += read_manifest(manifest).get(path.stem, [])
    return list(dict.fromkeys(ids))
