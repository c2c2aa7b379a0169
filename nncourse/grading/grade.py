"""Grade submissions: re-run each notebook in a sandbox, judge every case in the trusted parent.

For each submission the parent reads the code cells (nbformat, never pickle), finds the
answers (:func:`find_answers`), draws every case's inputs itself, and asks a sandboxed child
to run the cells and then call each answer on those inputs. Only plain data comes back; the
comparison happens here. A timeout or crash costs one exercise: the child is killed and a
fresh one (skipping a cell that hung) serves the remaining exercises. Submissions are graded
in parallel in a process pool.

Example:
    >>> report = grade_submissions(["alice.ipynb"], "grades/")   # doctest: +SKIP
    >>> report.totals["alice"]                                   # doctest: +SKIP
    42.0
"""

from __future__ import annotations

import importlib.util
import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.exercises.checking import judge_case
from nncourse.exercises.registry import Case, Exercise, get_exercise, list_exercises
from nncourse.exercises.results import CaseResult, CheckResult
from nncourse.grading.notebooks import code_cells, find_answers
from nncourse.grading.sandbox import ChildDied, ChildSession, Limits


@dataclass
class SubmissionResult:
    """Scores of one submission: one CheckResult per graded exercise, plus notes."""

    student: str
    path: str
    results: dict[str, CheckResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(result.score for result in self.results.values()))


def load_extra_tests(directory: str | Path | None) -> dict[str, list[Case]]:
    """Private cases from ``directory/*.py``; each file defines ``EXTRA_CASES = {id: [Case]}``.

    These files are read by the trusted parent only; the sandbox never sees them.
    """
    extra: dict[str, list[Case]] = {}
    if directory is None:
        return extra
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"--extra-tests must be a directory of .py files; got {directory}.")
    for number, path in enumerate(sorted(directory.glob("*.py"))):
        spec = importlib.util.spec_from_file_location(f"_nncourse_extra_{number}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for exercise_id, cases in getattr(module, "EXTRA_CASES", {}).items():
            get_exercise(exercise_id)   # unknown ids fail loudly, at load time
            extra.setdefault(exercise_id, []).extend(cases)
    return extra


def student_name(path: Path, taken: set[str]) -> str:
    """The notebook's stem, prefixed by its folder when two submissions share a stem."""
    name = path.stem
    if name in taken:
        name = f"{path.parent.name}-{path.stem}"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _all_cases(exercise: Exercise, extra: dict[str, list[Case]]) -> list[tuple[Case, bool]]:
    return [(case, False) for case in exercise.cases] + \
        [(case, True) for case in extra.get(exercise.id, [])]


def grade_notebook(path: str, student: str, exercise_ids: list[str], limits: Limits,
                   seed: int, extra_tests: str | None = None) -> SubmissionResult:
    """Grade one notebook (runs in a pool worker; the sandboxed child runs the learner code)."""
    result = SubmissionResult(student, str(path))
    extra = load_extra_tests(extra_tests)
    try:
        cells = code_cells(path)
    except ValueError as exc:
        cells, answers = [], {}
        result.notes.append(str(exc))
    else:
        answers = find_answers(cells)
    pending: list[tuple[Exercise, Case, bool, dict]] = []
    for exercise_id in exercise_ids:
        exercise = get_exercise(exercise_id)
        result.results[exercise_id] = CheckResult(exercise.id, exercise.title)
        for case, private in _all_cases(exercise, extra):
            if exercise_id not in answers:
                message = f"no check({exercise_id!r}, ...) or answer(...) call in the notebook"
                result.results[exercise_id].cases.append(
                    CaseResult(_label(case, private), False, 0.0, case.points, message))
            else:
                inputs = exercise.inputs_for(case, seed)
                pending.append((exercise, case, private, inputs))
    if pending:
        _run_pending(cells, answers, pending, limits, result)
    return result


def _label(case: Case, private: bool) -> str:
    return f"{case.name} (private test)" if private else case.name


def _run_pending(cells, answers, pending, limits, result) -> None:
    skip: set[int] = set()
    timed_out: dict[str, str] = {}     # exercise id -> why its remaining cases are not run
    index, restarts = 0, 0
    while index < len(pending) and restarts <= len(cells) + len(pending) + 1:
        child = ChildSession(cells, limits, frozenset(skip))
        try:
            try:
                statuses = child.run_cells()
            except ChildDied as exc:
                restarts += 1
                bad = getattr(exc, "cell", None)
                if bad is not None:
                    skip.add(bad)
                    result.notes.append(f"cell {bad + 1}: {exc} — skipped it and ran the rest")
                    continue
                result.notes.append(f"the notebook could not start: {exc}")
                bad_start = True
            else:
                bad_start = False
                for cell, status in sorted(statuses.items()):
                    note = f"cell {cell + 1}: {status}"
                    if status != "ok" and note not in result.notes:
                        result.notes.append(note)
            while index < len(pending):
                exercise, case, private, inputs = pending[index]
                index += 1
                if bad_start:
                    outcome = {"error": "the notebook did not run"}
                elif exercise.id in timed_out:
                    outcome = {"error": timed_out[exercise.id]}
                else:
                    try:
                        outcome = child.call(exercise.id, answers[exercise.id], inputs)
                    except ChildDied as exc:
                        outcome = {"error": f"the answer {exc}"}
                        timed_out[exercise.id] = f"not run: an earlier case {exc}"
                        _add(result, exercise, case, private, inputs, outcome)
                        restarts += 1
                        break
                _add(result, exercise, case, private, inputs, outcome)
        finally:
            child.close()


def _add(result, exercise, case, private, inputs, outcome) -> None:
    verdict = judge_case(exercise, case, inputs, outcome)
    verdict.name = _label(case, private)
    result.results[exercise.id].cases.append(verdict)


@dataclass
class GradeReport:
    """Everything one grading run produced."""

    exercise_ids: list[str]
    submissions: list[SubmissionResult]
    seed: int

    @property
    def totals(self) -> dict[str, float]:
        return {s.student: s.total for s in self.submissions}


def _grade_job(args: tuple) -> SubmissionResult:
    path, student, exercise_ids, limits, seed, extra = args
    try:
        return grade_notebook(path, student, exercise_ids, limits, seed, extra)
    except Exception as exc:  # the grader must survive anything one submission does
        failed = SubmissionResult(student, path)
        failed.notes.append(f"grading failed: {type(exc).__name__}: {exc}")
        for exercise_id in exercise_ids:
            ex = get_exercise(exercise_id)
            failed.results[exercise_id] = CheckResult(ex.id, ex.title, error="not graded")
        return failed


def grade_submissions(paths: list[str | Path], out_dir: str | Path | None = None,
                      exercise_ids: list[str] | None = None, extra_tests: str | None = None,
                      limits: Limits | None = None, jobs: int = 2, seed: int | None = None,
                      feedback_format: str = "md", results_json: bool = False) -> GradeReport:
    """Grade notebooks in parallel and (if ``out_dir``) write gradebook, feedback, results.

    Args:
        paths: submission notebooks (directories are searched for ``*.ipynb``).
        exercise_ids: columns of the gradebook; default: every id any submission checks.
        extra_tests: directory of private test modules (parent side only).
        jobs: worker processes.
        seed: base seed of the drawn inputs (random per run by default; recorded).
    """
    from nncourse.grading.reports import write_reports

    files: list[Path] = []
    for item in map(Path, paths):
        if not item.exists():
            raise ValueError(f"Submission path {item} does not exist; pass .ipynb files or "
                             f"directories that contain them.")
        files.extend(sorted(item.rglob("*.ipynb")) if item.is_dir() else [item])
    files = [f for f in files if ".ipynb_checkpoints" not in f.parts]
    if not files:
        raise ValueError("No submission notebooks found; pass .ipynb files or directories.")
    load_extra_tests(extra_tests)        # fail fast on a broken private test module
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    if exercise_ids is None:
        found: set[str] = set()
        for path in files:
            try:
                found.update(find_answers(code_cells(path)))
            except ValueError:
                continue
        known = [ex.id for ex in list_exercises()]
        exercise_ids = [eid for eid in known if eid in found]
    limits = limits or Limits()
    taken: set[str] = set()
    jobs_args = [(str(f), student_name(f, taken), exercise_ids, limits, seed,
                  None if extra_tests is None else str(extra_tests)) for f in files]
    if jobs <= 1 or len(jobs_args) == 1:
        submissions = [_grade_job(a) for a in jobs_args]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            submissions = list(pool.map(_grade_job, jobs_args))
    report = GradeReport(exercise_ids, submissions, seed)
    if out_dir is not None:
        write_reports(report, out_dir, feedback_format=feedback_format, results_json=results_json)
    return report
