"""The ``nncourse`` command: ``release``, ``grade`` and ``validate`` for instructors.

Example:
    $ nncourse release notebooks/ --out release/
    $ nncourse grade submissions/ --out grades/ --manifest release/manifest.json \
          --extra-tests private_tests/ --jobs 4
    $ nncourse validate notebooks/ --release release/ --extra-tests private_tests/
    $ nncourse progress          # for learners: the best result of each exercise, per chapter
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nncourse.grading.sandbox import Limits


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nncourse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="student notebooks from solution notebooks")
    release.add_argument("source", help="a solution notebook or a directory of them")
    release.add_argument("--out", required=True, help="directory for the student versions")

    grade = commands.add_parser("grade", help="grade submissions in a sandbox")
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
    grade.add_argument("--memory-mb", type=int, default=2048, help="address-space limit")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run without bubblewrap: ONLY for notebooks you trust (your own)")
    grade.add_argument("--fresh", action="store_true",
                       help="grade everything again instead of reusing results in --out")
    grade.add_argument("--seed", type=int, help="base seed of the test inputs (default random)")
    grade.add_argument("--feedback", choices=("md", "html"), default="md")
    grade.add_argument("--results-json", action="store_true",
                       help="also write Gradescope results/<student>.json")

    validate = commands.add_parser("validate", help="solutions pass; releases hold no solutions")
    validate.add_argument("notebooks", help="solution notebooks (file or directory)")
    validate.add_argument("--release", help="released notebooks to inspect")
    validate.add_argument("--extra-tests", help="private tests (must pass, must not ship)")
    validate.add_argument("--no-sandbox", action="store_true",
                          help="run the solutions without bubblewrap (they are yours)")

    progress = commands.add_parser("progress", help="your exercise and quiz results per chapter")
    progress.add_argument("--file", help="the progress file (default $NNCOURSE_PROGRESS, else "
                                         "~/.nncourse/progress.json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nncourse`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "release":
        from nncourse.grading.release import ReleaseError, release_notebooks

        try:
            written = release_notebooks(args.source, args.out)
        except ReleaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0
    if args.command == "grade":
        return _grade(args)
    if args.command == "progress":
        from nncourse.exercises import list_exercises, progress

        path = progress.progress_path() if args.file is None else Path(args.file)
        chapters = {exercise.id: str(exercise.chapter) for exercise in list_exercises()}
        print(progress.format_table(progress.table(progress.load(path), chapters)))
        print(f"(kept in {path}; delete it to start afresh)")
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


def _grade(args: argparse.Namespace) -> int:
    from nncourse.grading.grade import grade_submissions
    from nncourse.grading.release import read_manifest
    from nncourse.grading.sandbox import SandboxUnavailable

    limits = Limits(exercise_timeout=args.timeout, cell_timeout=args.cell_timeout,
                    submission_timeout=args.submission_timeout,
                    memory_bytes=args.memory_mb << 20)
    ids = [e.strip() for e in args.exercises.split(",") if e.strip()] if args.exercises else None
    if args.no_sandbox:
        print("warning: --no-sandbox: submissions run with your permissions; use it only for "
              "notebooks you trust", file=sys.stderr)
    try:
        manifest = read_manifest(args.manifest) if args.manifest else None
        report = grade_submissions(args.submissions, args.out, exercise_ids=ids,
                                   extra_tests=args.extra_tests, limits=limits,
                                   jobs=args.jobs, seed=args.seed,
                                   feedback_format=args.feedback,
                                   results_json=args.results_json, manifest=manifest,
                                   sandbox=not args.no_sandbox, resume=not args.fresh)
    except SandboxUnavailable as exc:
        print(f"error: cannot grade safely: {exc}.", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:
        print(f"error: {str(exc).strip(chr(34) + chr(39))}", file=sys.stderr)
        return 1
    for student, total in sorted(report.totals.items()):
        print(f"{student!r}: {total:g}")
    print(f"wrote {args.out}/gradebook.csv (seed {report.seed})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
