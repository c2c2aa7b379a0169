"""The Gradescope autograder: ``nncourse release --gradescope`` builds it, Gradescope runs it.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build its
image, and for every submission copies the student's files into ``/autograder/submission/``,
runs ``/autograder/run_autograder`` and reads ``/autograder/results/results.json``. The zip
holds the package (with its grader), the pinned requirements, the release manifest and a fixed
seed, so every submission of a lab draws the same inputs and a regrade gives the same score.

Each notebook in the submission is graded as one student's lab with the course's own grader:
in the bubblewrap sandbox where the container allows it (``setup.sh`` installs it), otherwise
in a child process of the container Gradescope runs for that one submission (noted in the
output).

Example:
    >>> build_autograder("notebooks/", "release/")     # doctest: +SKIP
    PosixPath('release/gradescope-autograder.zip')
    $ NNCOURSE_AUTOGRADER_ROOT=/tmp/ag python -m nncourse.grading.gradescope
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from nncourse.grading.bwrap import package_dir
from nncourse.grading.release import MANIFEST, lab_exercise_ids

ZIP_NAME = "gradescope-autograder.zip"

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, in /autograder/source, to build the grading image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r /autograder/source/requirements.txt
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this once per submission; it writes $ROOT/results/results.json.
set -uo pipefail
ROOT="${NNCOURSE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${NNCOURSE_PYTHON:-$ROOT/venv/bin/python}"
export PYTHONPATH="$ROOT/source"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
exec "$PYTHON" -m nncourse.grading.gradescope "$ROOT"
"""


def build_autograder(source: str | Path, out_dir: str | Path) -> Path:
    """Write ``out_dir/gradescope-autograder.zip`` for the solution notebooks in ``source``."""
    source = Path(source)
    files = sorted(source.rglob("*.ipynb")) if source.is_dir() else [source]
    files = [f for f in files if ".ipynb_checkpoints" not in f.parts]
    manifest = {path.stem: lab_exercise_ids(path) for path in files}
    target = Path(out_dir) / ZIP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    requirements = package_dir().parent / "requirements.txt"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP)
        _add_text(archive, "run_autograder", RUN)
        _add_text(archive, MANIFEST, json.dumps(manifest, indent=1) + "\n")
        _add_text(archive, "seed.txt", f"{secrets.randbelow(2**31)}\n")
        if requirements.is_file():
            archive.write(requirements, "requirements.txt")
        for path in sorted(package_dir().rglob("*")):
            relative = path.relative_to(package_dir())
            if path.is_file() and "__pycache__" not in relative.parts:
                archive.write(path, str(Path("nncourse") / relative))
    return target


def _add_text(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    archive.writestr(info, text)


def results_json(report, notes: list[str]) -> dict:
    """Gradescope's results.json: one test per exercise, the total score, notes as output."""
    from nncourse.grading.reports import gradescope_results, plain_text

    tests: list[dict] = []
    score = 0.0
    for sub in report.submissions:
        if sub.not_graded:
            notes.append(f"{sub.path}: {sub.not_graded}")
            continue
        part = gradescope_results(sub, list(sub.results))
        for test in part["tests"]:
            test["name"] = f"{sub.lab}: {test['name']}" if sub.lab else test["name"]
        tests += part["tests"]
        score += part["score"]
        notes += [f"{sub.path}: {note}" for note in sub.notes]
    return {"score": score, "tests": tests, "visibility": "visible",
            "output": plain_text("\n".join(notes))[:8000]}


def run(root: str | Path) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; return it."""
    from nncourse.grading.grade import grade_submissions
    from nncourse.grading.release import read_manifest
    from nncourse.grading.sandbox import sandbox_problem

    root = Path(root)
    source, results = root / "source", root / "results"
    results.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="nncourse-gradescope-"))
    try:
        student = work / "submissions" / "submission"
        student.mkdir(parents=True)
        found = [p for p in sorted((root / "submission").rglob("*.ipynb"))
                 if ".ipynb_checkpoints" not in p.parts and not p.is_symlink()]
        for number, path in enumerate(found):
            name = path.name if not (student / path.name).exists() else f"{number}-{path.name}"
            shutil.copyfile(path, student / name)
        if not found:
            data = {"score": 0.0, "tests": [], "visibility": "visible",
                    "output": "No .ipynb notebook was found in the submission; upload the lab "
                              "notebook itself (File > Download in Jupyter)."}
        else:
            sandbox = sandbox_problem() is None
            if not sandbox:
                notes.append("graded in this submission's own container (no bubblewrap here)")
            seed_file = source / "seed.txt"
            report = grade_submissions(
                [work / "submissions"], None, manifest=read_manifest(source / MANIFEST),
                seed=int(seed_file.read_text()) if seed_file.is_file() else 0, jobs=1,
                sandbox=sandbox)
            data = results_json(report, notes)
    except Exception as exc:  # the student must get a result file, never a crashed run
        data = {"score": 0.0, "tests": [], "visibility": "visible",
                "output": f"The autograder could not grade this submission ({type(exc).__name__}"
                          f": {str(exc)[:300]}); please tell your instructor."}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (results / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return data


if __name__ == "__main__":  # pragma: no cover - run by run_autograder
    run(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NNCOURSE_AUTOGRADER_ROOT",
                                                              "/autograder"))
