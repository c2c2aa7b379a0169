"""The ``nncourse`` command: ``release``, ``grade``, ``merge`` and ``validate`` for instructors.

What a learner reads comes out in the current language (:mod:`nncourse.i18n`): ``nncourse
progress`` (its help, its table and its notes) and the one-line errors every command ends with.
The instructors' commands and their help stay English, the language of the grading tools.

Example:
    $ nncourse release notebooks/ --out release/
    $ nncourse grade submissions/ --out grades/ --manifest release/manifest.json \
          --extra-tests private_tests/ --jobs 4
    $ nncourse grade submissions/ --out shard-1/ --shard 1/8 --seed 7   # one of 8 machines
    $ nncourse merge shard-*/ --out grades/
    $ nncourse validate notebooks/ --release release/ --extra-tests private_tests/
    $ nncourse progress          # for learners: the best result of each exercise, per chapter
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nncourse.grading.sandbox import Limits
from nncourse.i18n import _

#: The limits a submission runs under, for ``nncourse grade --help``.
GRADE_LIMITS = """\
Each submission-lab runs in a bubblewrap sandbox (no network, no host files, its own PID
namespace, seccomp) under these limits:
  time     --cell-timeout per cell, --timeout per test case, --submission-timeout for the
           whole submission-lab; the clocks start once the sandbox has started (the grader's own
           start-up is never charged to the student); a cell past its limit is skipped and the
           notebook re-run without it, at most 3 times
  memory   --memory-mb for each process's address space, and for all the submission's
           processes together (memfd and /tmp pages included) where the grader can create a
           memory cgroup (root, or a delegated cgroup); otherwise per process only
  other    32 processes, 256 open files, 16 MiB per file, a 64 MiB /tmp, 120 s of CPU,
           20000 characters of output; messages from the sandbox of at most 64 MiB, 100000
           lists/objects and 64 levels deep, checked before they are decoded
An existing --out is merged into (students and labs not graded now keep their rows); one grader
at a time may write it. Notebooks that are not a lab of the course, duplicates and unreadable
files are listed as not graded, never stop the class.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nncourse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="student notebooks from solution notebooks")
    release.add_argument("source", help="a solution notebook or a directory of them")
    release.add_argument("--out", required=True, help="directory for the student versions")
    release.add_argument("--gradescope", action="store_true",
                         help="also write gradescope-autograder.zip (setup.sh, run_autograder)")

    grade = commands.add_parser(
        "grade", help="grade submissions in a sandbox", description=GRADE_LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.add_argument("submissions", nargs="+",
                       help="folders (<student>/<lab>.ipynb or <student>.ipynb) or .ipynb files")
    grade.add_argument("--out", required=True, help="directory for gradebook.csv and feedback")
    grade.add_argument("--manifest", help="release/manifest.json: each lab's exercise list")
    grade.add_argument("--extra-tests", help="directory of private test modules (EXTRA_CASES)")
    grade.add_argument("--exercises", help="comma-separated exercise ids for every lab "
                                           "(default: the manifest, else the chapter of labNN)")
    grade.add_argument("--jobs", type=int, default=2, help="parallel submissions (default 2)")
    grade.add_argument("--timeout", type=float, default=10.0, help="seconds per exercise case")
    grade.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell")
    grade.add_argument("--submission-timeout", type=float, default=300.0,
                       help="seconds for one submission-lab, restarts included")
    grade.add_argument("--memory-mb", type=int, default=2048,
                       help="memory of one submission: each process's address space and, "
                            "where a memory cgroup can be made, all its processes together")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run without bubblewrap: ONLY for notebooks you trust (your own)")
    grade.add_argument("--fresh", action="store_true",
                       help="grade everything again instead of reusing results in --out")
    grade.add_argument("--seed", type=int, help="base seed of the test inputs (default random)")
    grade.add_argument("--feedback", choices=("md", "html"), default="md")
    grade.add_argument("--results-json", action="store_true",
                       help="also write Gradescope results/<student>.json")
    grade.add_argument("--shard", help="K/N: grade only the students of shard K of N (a stable "
                                       "split by student id; needs --seed)")
    grade.add_argument("--replace", action="store_true",
                       help="start a new gradebook in --out (default: merge into it)")

    merge = commands.add_parser("merge", help="combine the --out folders of several grade runs")
    merge.add_argument("parts", nargs="+", help="--out folders of `nncourse grade` (e.g. shards)")
    merge.add_argument("--out", required=True, help="the combined gradebook (merged into)")

    validate = commands.add_parser("validate", help="solutions pass; releases hold no solutions")
    validate.add_argument("notebooks", help="solution notebooks (file or directory)")
    validate.add_argument("--release", help="released notebooks to inspect")
    validate.add_argument("--extra-tests", help="private tests (must pass, must not ship)")
    validate.add_argument("--no-sandbox", action="store_true",
                          help="run the solutions without bubblewrap (they are yours)")

    progress = commands.add_parser("progress",
                                   help=_("your exercise and quiz results per chapter"))
    progress.add_argument("--file", help=_("the progress file (default $NNCOURSE_PROGRESS, else "
                                           "~/.nncourse/progress.json)"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nncourse`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(_("error: interrupted; run the same command again to resume"), file=sys.stderr)
        return 130
    except OSError as exc:          # a read-only or full disk, a missing folder ...
        where = f" ({exc.filename})" if exc.filename else ""
        print(_("error: {problem}; nothing already saved was lost — fix it and run the same "
                "command again").format(problem=f"{exc.strerror or exc}{where}"),
              file=sys.stderr)
        return 1
    except Exception as exc:  # one line, never a traceback
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        print(_("error: {problem}").format(problem=problem), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "release":
        from nncourse.grading.release import ReleaseError, release_notebooks

        try:
            written = release_notebooks(args.source, args.out)
            if args.gradescope:
                from nncourse.grading.gradescope import build_autograder

                written.append(build_autograder(args.source, args.out))
        except ReleaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0
    if args.command == "grade":
        return _grade(args)
    if args.command == "merge":
        return _merge(args)
    if args.command == "progress":
        from nncourse.exercises import list_exercises, progress

        path = progress.progress_path() if args.file is None else Path(args.file)
        chapters = {exercise.id: str(exercise.chapter) for exercise in list_exercises()}
        print(progress.format_table(progress.table(progress.load(path), chapters)))
        print(_("(kept in {path}; delete it to start afresh)").format(path=path))
        return 0
    from nncourse.grading.sandbox import SandboxUnavailable
    from nncourse.grading.validate import validate

    try:
        problems = validate(args.notebooks, release_dir=args.release,
                            extra_tests=args.extra_tests, sandbox=not args.no_sandbox)
    except SandboxUnavailable as exc:
        print(f"error: {exc}.", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"problem: {problem}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        number, count = (int(part) for part in text.split("/"))
    except ValueError:
        number = count = 0
    if not 1 <= number <= count:
        raise ValueError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. --shard 2/8.")
    return number, count


def _grade(args: argparse.Namespace) -> int:
    from nncourse.grading.grade import grade_submissions
    from nncourse.grading.release import read_manifest
    from nncourse.grading.reports import plain_text
    from nncourse.grading.sandbox import SandboxUnavailable

    limits = Limits(exercise_timeout=args.timeout, cell_timeout=args.cell_timeout,
                    submission_timeout=args.submission_timeout,
                    memory_bytes=args.memory_mb << 20)
    ids = [e.strip() for e in args.exercises.split(",") if e.strip()] if args.exercises else None
    if args.no_sandbox:
        print("warning: --no-sandbox: submissions run with your permissions; use it only for "
              "notebooks you trust", file=sys.stderr)
    else:
        from nncourse.grading.cgroup import memory_cap_problem

        if memory_cap_problem():
            print(f"note: {memory_cap_problem()}; --memory-mb caps each process only, not a "
                  f"submission's processes together", file=sys.stderr)
    try:
        shard = _shard(args.shard)
        if shard is not None and args.seed is None:
            raise ValueError("--shard needs --seed: every shard must draw the same test inputs "
                             "(pass the same --seed to all of them).")
        manifest = read_manifest(args.manifest) if args.manifest else None
        report = grade_submissions(args.submissions, args.out, exercise_ids=ids,
                                   extra_tests=args.extra_tests, limits=limits,
                                   jobs=args.jobs, seed=args.seed,
                                   feedback_format=args.feedback,
                                   results_json=args.results_json, manifest=manifest,
                                   sandbox=not args.no_sandbox, resume=not args.fresh,
                                   shard=shard, replace=args.replace)
    except SandboxUnavailable as exc:
        print(f"error: cannot grade safely: {exc}.", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:
        print(f"error: {str(exc).strip(chr(34) + chr(39))}", file=sys.stderr)
        return 1
    for student, total in sorted(report.totals.items()):
        print(f"{student!r}: {total:g}")
    for sub in report.not_graded:
        print(f"not graded: {plain_text(sub.path)!r}: "
              f"{plain_text(sub.not_graded).removeprefix('not graded: ')}")
    if report.carried:
        print(f"kept {report.carried} earlier result(s) of students and labs not graded in this "
              f"run (--replace starts a new gradebook)")
    print(f"wrote {args.out}/gradebook.csv (seed {report.seed})")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from nncourse.grading.merge import merge_outputs

    try:
        report = merge_outputs(args.parts, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"merged {len(args.parts)} folder(s): {len(report.totals)} students; wrote "
          f"{args.out}/gradebook.csv (seed {report.seed})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
