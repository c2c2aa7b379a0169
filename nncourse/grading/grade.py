"""Grade submissions: re-run each notebook in a sandbox, judge every case in the trusted worker.

The trusted process reads every submission once (:mod:`.collect`), decides each lab's exercise
list (release manifest, ``--exercises``, or the chapter of ``labNN``), and hands one
submission-lab to a pool worker. The worker parses the code cells, finds the answers, draws
every case's inputs itself, and asks a sandboxed child (:mod:`.sandbox`) to run the cells and
call each answer on those inputs: the exercise's ``run`` (which calls learner code) is the only
part that runs in the sandbox; ``make_inputs`` and the judges run here. A hung cell is skipped in
a fresh child, at most ``Limits.max_restarts`` times, within ``Limits.submission_timeout`` for
the whole submission-lab. Any failure is caught per submission and per cell.

Example:
    >>> report = grade_submissions(["submissions/"], "grades/")   # doctest: +SKIP
    >>> report.totals["ana"]                                      # doctest: +SKIP
    8.0
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import secrets
import signal
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from nncourse.exercises.checking import judge_case
from nncourse.exercises.registry import Case, Exercise, get_exercise, list_exercises
from nncourse.exercises.results import CaseResult, CheckResult
from nncourse.grading.collect import Submission, collect_submissions, match_labs
from nncourse.grading.notebooks import code_cells_and_numbers, code_cells_from_bytes, find_answers
from nncourse.grading.records import GradeReport, SubmissionResult
from nncourse.grading.reports import OutputDir
from nncourse.grading.sandbox import (
    ChildDied,
    ChildSession,
    Limits,
    exposed,
    font_cache,
    limits_dict,
    require_sandbox,
)
from nncourse.grading.sanitize import SanitizedLibraries


def load_extra_tests(directory: str | Path | None) -> dict[str, list[Case]]:
    """Private cases from ``directory/*.py``; each file defines ``EXTRA_CASES = {id: [Case]}``.

    These files are read by the trusted process only; the sandbox never sees them.
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


def _all_cases(exercise: Exercise, extra: dict[str, list[Case]]) -> list[tuple[Case, bool]]:
    return [(case, False) for case in exercise.cases] + \
        [(case, True) for case in extra.get(exercise.id, [])]


def _label(case: Case, private: bool) -> str:
    return f"{case.name} (private test)" if private else case.name


def grade_submission(sub: Submission, exercise_ids: list[str], limits: Limits, seed: int,
                     extra_tests: str | None = None, sandbox: bool = True,
                     library: str | None = None) -> SubmissionResult:
    """Grade one submission-lab (in a pool worker; the sandboxed child runs the learner code).

    Args:
        sub: the submission, already read into memory.
        exercise_ids: the lab's exercises (the gradebook's columns for it).
        limits: time, memory and process limits of the child.
        seed: base seed of every case's inputs (drawn here, never in the child).
        extra_tests: folder of private test modules, loaded here.
        sandbox: False runs the child without bubblewrap (trusted notebooks only).
        library: the sanitized package the sandbox mounts (:mod:`.sanitize`; built for these
            exercises when None).

    Returns:
        One :class:`CheckResult` per exercise, and notes on cells that failed.

    Example:
        >>> grade_submission(sub, ["backprop.softmax"], Limits(), seed=0).total  # doctest: +SKIP
        3.0
    """
    result = SubmissionResult(sub.student, sub.relative, lab=sub.lab)
    extra = load_extra_tests(extra_tests)
    cells, answers, numbers = [], {}, []
    if sub.refused:
        result.not_graded = sub.refused
    else:
        try:
            cells, numbers = code_cells_and_numbers(sub.data, sub.relative)
            answers = find_answers(cells)
        except ValueError as exc:
            result.not_graded = f"not graded: {exc}"
    if result.not_graded:
        result.notes.append(result.not_graded)
        _mark_not_graded(result, exercise_ids, "not graded")
        return result
    pending: list[tuple[Exercise, Case, bool, dict]] = []
    for exercise_id in exercise_ids:
        exercise = get_exercise(exercise_id)
        result.results[exercise_id] = CheckResult(exercise.id, exercise.title)
        for case, private in _all_cases(exercise, extra):
            if exercise_id not in answers:
                message = f"no check({exercise_id!r}, ...) or answer(...) call in the notebook"
                result.results[exercise_id].cases.append(
                    CaseResult(_label(case, private), False, 0.0, float(case.points), message))
            else:
                pending.append((exercise, case, private, exercise.inputs_for(case, seed)))
    if pending:
        _run_pending(cells, {i: answers[i] for i in exercise_ids if i in answers}, pending,
                     limits, result, sandbox, library)
    result.notes = [_renumber(note, numbers) for note in result.notes]
    if result.grader_failed:
        result.not_graded = next((n for n in result.notes if "grader" in n),
                                 "not graded: the grader failed")
    return result


def _renumber(note: str, numbers: list[int]) -> str:
    """"cell N" (N counting code cells) -> the cell's number as the notebook shows it."""
    match = re.match(r"cell (\d+):", note)
    if match and 0 < int(match.group(1)) <= len(numbers):
        return f"cell {numbers[int(match.group(1)) - 1]}:" + note[match.end():]
    return note


def _mark_not_graded(result: SubmissionResult, exercise_ids: list[str], why: str) -> None:
    for exercise_id in exercise_ids:
        ex = get_exercise(exercise_id)
        result.results[exercise_id] = CheckResult(
            ex.id, ex.title, [CaseResult(c.name, False, 0.0, float(c.points), why)
                              for c in ex.cases], error=why)


def _run_pending(cells, answers, pending, limits: Limits, result, sandbox: bool,
                 library: str | None) -> None:
    skip: set[int] = set()
    stopped: dict[str, str] = {}     # exercise id -> why its remaining cases are not run
    deadline = time.monotonic() + limits.submission_timeout
    index, restarts = 0, 0
    while index < len(pending):
        if restarts > limits.max_restarts:
            why = f"not run: the notebook was restarted {restarts - 1} times (the limit)"
            result.notes.append(why)
            _fail_rest(result, pending[index:], why)
            return
        try:
            child = ChildSession(cells, limits, frozenset(skip), sandbox, deadline,
                                 answers=answers, library=library)
        except ChildDied as exc:
            result.grader_failed = result.grader_failed or exc.grader
            result.notes.append(str(exc) if exc.grader else f"the notebook could not start: {exc}")
            _fail_rest(result, pending[index:], "not graded: the grader's sandbox failed"
                       if exc.grader else "the notebook did not run")
            return
        try:
            try:
                statuses = child.run_cells()
            except ChildDied as exc:
                restarts += 1
                if exc.grader:
                    result.grader_failed = True
                    result.notes.append(f"not graded: {exc}")
                    _fail_rest(result, pending[index:], "not graded: the grader's sandbox failed")
                    return
                if exc.final or exc.cell is None:
                    result.notes.append(f"the notebook {exc}" if exc.final else
                                        f"the notebook could not start: {exc}")
                    _fail_rest(result, pending[index:], f"not run: the notebook {exc}")
                    return
                skip.add(exc.cell)
                result.notes.append(f"cell {exc.cell + 1}: {exc} — the grader skipped it and "
                                    f"ran the rest in a fresh process")
                continue
            for cell, status in sorted(statuses.items()):
                note = f"cell {cell + 1}: {status}"
                if status != "ok" and note not in result.notes:
                    result.notes.append(note)
            while index < len(pending):
                exercise, case, private, inputs = pending[index]
                index += 1
                if exercise.id in stopped:
                    _add(result, exercise, case, private, inputs, {"error": stopped[exercise.id]})
                    continue
                try:
                    outcome = child.call(exercise.call_spec(inputs), answers[exercise.id],
                                         inputs)
                except ChildDied as exc:
                    _add(result, exercise, case, private, inputs, {"error": f"the answer {exc}"})
                    stopped[exercise.id] = f"not run: an earlier case {exc}"
                    restarts += 1
                    if exc.final:
                        _fail_rest(result, pending[index:], f"not run: the notebook {exc}")
                        return
                    break
                _add(result, exercise, case, private, inputs, outcome)
                if "TimeoutError" in str(outcome.get("error", "")):
                    stopped[exercise.id] = "not run: an earlier case timed out"
        finally:
            child.close()
            deadline = child.deadline        # plus the start-up time, which is not the student's


def _fail_rest(result, rest, why: str) -> None:
    for exercise, case, private, inputs in rest:
        _add(result, exercise, case, private, inputs, {"error": why})


def _add(result, exercise, case, private, inputs, outcome) -> None:
    verdict = judge_case(exercise, case, inputs, outcome)
    verdict.name = _label(case, private)
    result.results[exercise.id].cases.append(verdict)


def _grade_job(args: tuple) -> SubmissionResult:
    sub, exercise_ids, limits, seed, extra, sandbox, key, library = args
    try:
        result = grade_submission(sub, exercise_ids, limits, seed, extra, sandbox, library)
    except Exception as exc:  # the grader must survive anything one submission does
        result = SubmissionResult(sub.student, sub.relative, lab=sub.lab, grader_failed=True)
        result.not_graded = (f"not graded: the grader failed on this submission "
                             f"({type(exc).__name__}: {str(exc)[:200]}); this is not the "
                             f"student's fault — please report it")
        result.notes.append(result.not_graded)
        _mark_not_graded(result, exercise_ids, "not graded")
    result.key = key
    return result


def lab_exercises(labs: list[str | None], exercise_ids: list[str] | None,
                  manifest: dict[str, list[str]] | None,
                  single: Submission | None = None) -> dict[str | None, list[str]]:
    """Each lab's exercise list: ``--exercises``, else the manifest, else chapter of ``labNN``.

    A single file of unknown lab falls back to the exercises its notebook checks.
    """
    chosen: dict[str | None, list[str]] = {}
    for lab in labs:
        if exercise_ids is not None:
            ids = list(exercise_ids)
        elif manifest and lab is not None and _manifest_entry(manifest, lab) is not None:
            ids = _manifest_entry(manifest, lab)
        elif lab is not None and (match := re.match(r"lab(\d+)", lab)):
            ids = [ex.id for ex in list_exercises(chapter=f"ch{int(match.group(1)):02d}")]
            if not ids:
                raise ValueError(f"lab {lab!r}: no exercises are registered for chapter "
                                 f"ch{int(match.group(1)):02d}; pass --exercises.")
        elif single is not None and not single.refused:
            try:
                found = set(find_answers(code_cells_from_bytes(single.data, single.relative)))
            except ValueError:
                found = set()
            ids = [ex.id for ex in list_exercises() if ex.id in found]
        else:
            what = "these notebooks" if lab is None else f"lab {lab!r}"
            raise ValueError(f"Cannot tell which exercises {what} should be graded on: name "
                             f"notebooks labNN_*.ipynb (or use <student>/labNN.ipynb folders), "
                             f"pass --manifest release/manifest.json, or --exercises id1,id2.")
        for exercise_id in ids:
            get_exercise(exercise_id)          # unknown ids fail before any child starts
        chosen[lab] = ids
    return chosen


def _manifest_entry(manifest: dict[str, list[str]], lab: str) -> list[str] | None:
    if lab in manifest:
        return list(manifest[lab])
    number = re.match(r"lab(\d+)", lab)
    matches = [ids for name, ids in manifest.items()
               if number and re.match(rf"lab0*{int(number.group(1))}(?!\d)", name)]
    return list(matches[0]) if len(matches) == 1 else None


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """True if ``student`` belongs to shard ``K/N`` (a stable hash of the exact name)."""
    if shard is None:
        return True
    number, count = shard
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest(), 16) % count == number - 1


def limits_key(limits: Limits, sandbox: bool) -> str:
    """A digest of the limits (a result made under other limits is never reused)."""
    text = json.dumps({**limits_dict(limits), "sandbox": sandbox}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _die_with_parent() -> None:
    """Pool workers get SIGKILL when the grader dies (``kill -9`` included)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() == 1:
        os._exit(1)


def grade_submissions(paths: list[str | Path], out_dir: str | Path | None = None,
                      exercise_ids: list[str] | None = None, extra_tests: str | None = None,
                      limits: Limits | None = None, jobs: int = 2, seed: int | None = None,
                      feedback_format: str = "md", results_json: bool = False, *,
                      manifest: dict[str, list[str]] | None = None, sandbox: bool = True,
                      resume: bool = True, shard: tuple[int, int] | None = None,
                      replace: bool = False) -> GradeReport:
    """Grade notebooks in parallel and (if ``out_dir``) write gradebook, feedback, results.

    An ``out_dir`` that already holds a gradebook is merged into, never replaced: students and
    labs not graded in this run keep their rows (``replace=True`` starts a new gradebook). One
    grader at a time may write an ``out_dir`` (a lock beside it).

    Args:
        paths: submission folders or .ipynb files (layouts: see :mod:`.collect`).
        exercise_ids: the exercises of every lab (default: manifest, else chapter of labNN).
        extra_tests: directory of private test modules (trusted side only).
        jobs: worker processes.
        seed: base seed of the drawn inputs (random per run by default; recorded).
        manifest: ``{lab name: [exercise ids]}`` (``release/manifest.json``).
        sandbox: False grades without bubblewrap (trusted notebooks only).
        resume: reuse results already in ``out_dir`` for unchanged submissions graded under the
            same limits (never a result the grader itself failed to make).
        shard: ``(K, N)``: grade only the students of shard K of N (see :func:`in_shard`).
        replace: drop the rows of ``out_dir`` that this run does not grade.

    Raises:
        SandboxUnavailable: ``sandbox`` is True and bubblewrap cannot run here.
        ValueError: bad paths, exercise ids, or ``out_dir`` in use (nothing was graded).
    """
    font_cache()                         # built once here; forked pool workers inherit it
    if sandbox:
        require_sandbox()
        for what, path in [*(("the submissions", p) for p in paths), ("--out", out_dir),
                           ("--extra-tests", extra_tests)]:
            if path is not None and exposed(path):
                raise ValueError(f"{what} {path} lie inside a folder the sandbox shows to "
                                 f"every submission (the Python installation or the nncourse "
                                 f"package); move them elsewhere.")
    subs = [s for s in collect_submissions(paths) if in_shard(s.student, shard)]
    load_extra_tests(extra_tests)        # fail fast on a broken private test module
    single = subs[0] if len(subs) == 1 and subs[0].lab is None else None
    match_labs(subs, list(manifest) if manifest else None, any_name=exercise_ids is not None)
    named = {s.lab for s in subs if s.lab is not None and not s.refused}
    for sub in subs:                     # a refused link to a folder: its lab is the only one
        if sub.refused and sub.lab is None and len(named) == 1:
            sub.lab = next(iter(named))
    labs = sorted({s.lab for s in subs if not s.refused}, key=lambda lab: lab or "")
    ids_by_lab: dict[str | None, list[str]] = {}
    for lab in labs:
        try:
            ids_by_lab.update(lab_exercises([lab], exercise_ids, manifest, single))
        except ValueError as exc:
            if lab is None:
                raise
            for sub in subs:
                if sub.lab == lab and not sub.refused:
                    sub.refused = f"not graded: {str(exc).rstrip('.')}"
    output = OutputDir(out_dir, paths, extra_tests) if out_dir is not None else None
    libraries = SanitizedLibraries() if sandbox else None
    try:
        return _grade_all(subs, ids_by_lab, output, libraries, limits or Limits(), jobs, seed,
                          extra_tests, sandbox, resume, replace, feedback_format, results_json)
    finally:
        if libraries is not None:
            libraries.close()
        if output is not None:
            output.release()


def _grade_all(subs, ids_by_lab, output, libraries, limits: Limits, jobs: int, seed, extra_tests,
               sandbox: bool, resume: bool, replace: bool, feedback_format: str,
               results_json: bool) -> GradeReport:
    previous = output.previous_results(resume) if output else {}
    if seed is None:
        seed = output.previous_seed() if output and resume else None
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    extra_key = output.extra_digest() if output else ""
    limit_key = limits_key(limits, sandbox)
    jobs_args, done = [], []
    for sub in subs:
        if sub.refused:
            done.append(grade_submission(sub, ids_by_lab.get(sub.lab, []), limits, seed))
            continue
        ids = ids_by_lab[sub.lab]
        key = (f"{sub.student}|{sub.lab}|{sub.digest}|{seed}|{','.join(ids)}|{extra_key}|"
               f"{limit_key}")
        if key in previous and not previous[key].grader_failed:
            done.append(previous[key])
        else:
            jobs_args.append((sub, ids, limits, seed, None if extra_tests is None
                              else str(extra_tests), sandbox, key,
                              None if libraries is None else str(libraries.build(ids))))
    graded_now = {(s.student, s.lab) for s in subs if not s.refused}
    carried = [] if output is None or replace else [
        r for r in output.latest_results() if (r.student, r.lab) not in graded_now
        and not r.not_graded]
    if output:
        output.start(seed)
        for result in [*carried, *done]:  # carried over, so the next run can resume them too
            output.record(result)
    results = list(done)
    if jobs <= 1 or len(jobs_args) <= 1:
        for args in jobs_args:
            results.append(_finish(_grade_job(args), output))
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent) as pool:
            futures = [pool.submit(_grade_job, args) for args in jobs_args]
            for future in as_completed(futures):
                results.append(_finish(future.result(), output))
    results += carried
    results.sort(key=lambda r: (r.student, r.lab or "", bool(r.not_graded), r.path))
    labs: dict[str | None, list[str]] = {}
    for result in carried:
        labs.setdefault(result.lab, list(result.results))
    labs.update(ids_by_lab)
    labs = dict(sorted(labs.items(), key=lambda item: item[0] or ""))
    all_ids = [i for lab in labs for i in labs[lab]]
    report = GradeReport(list(dict.fromkeys(all_ids)), results, seed, labs)
    report.carried = len(carried)
    if output:
        output.finish(report, feedback_format=feedback_format, results_json=results_json)
    return report


def _finish(result: SubmissionResult, output) -> SubmissionResult:
    if output:
        output.record(result)
    return result
