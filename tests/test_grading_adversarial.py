"""The adversarial battery: real submission notebooks that attack the grader.

Every notebook is graded in one run (a process pool of two); each must get exactly its
expected per-exercise score, a clear feedback line, leave no process or stray file behind,
and leave every other student's grade intact.
"""

from __future__ import annotations

import csv
import json
import sys
import textwrap
import uuid
from pathlib import Path

import psutil
import pytest

from nncourse.grading.grade import grade_submissions
from nncourse.grading.sandbox import Limits

FIXTURES = Path(__file__).parent / "grading_fixtures"
sys.path.insert(0, str(FIXTURES))
from build import write_all  # noqa: E402

IDS = ["backprop.linear_backward", "backprop.softmax", "gradients.stability_limit"]
FULL = (4.0, 3.0, 1.0)   # softmax: 2 public cases + 1 private case
# student -> (linear_backward, softmax, stability_limit), words expected in the feedback.
# nan_inf: its unshifted softmax survives ordinary and private (±150) logits, not ±1000.
EXPECTED = {
    "good": (FULL, ""),
    "infinite_loop": ((0, 3, 1), "timed out"),
    "infinite_loop_cell": (FULL, "timed out"),
    "memory_bomb": ((0, 3, 1), "MemoryError"),
    "fork_bomb": (FULL, "does not allow os.fork"),
    "os_exit": ((0, 3, 1), "exited the process"),
    "sys_exit": ((0, 3, 1), "SystemExit"),
    "signal_handlers": ((0, 3, 1), "timed out"),
    "threads": (FULL, ""),
    "always_equal": ((0, 0, 1), "an object of type AlwaysEqual"),
    "monkeypatch": ((0, 0, 1), "has shape (1,), expected (4, 3)"),
    "read_tests": ((0, 3, 1), "has shape (1,)"),
    "fake_results": ((0, 3, 1), "has shape (1,)"),
    "pickle_payload": ((0, 3, 1), "an object of type Payload"),
    "big_output": (FULL, ""),
    "deleted_cells": ((4, 0, 1), "no check('backprop.softmax', ...)"),
    "duplicated_cells": (FULL, ""),
    "nan_inf": ((1, 2, 0), "NaN or infinite"),
    "wrong_shapes": ((2, 0, 1), "grad_weight has shape (3, 5), expected (5, 3) = "
                                "(out_features, in_features); did you compute x.T @ grad_out"),
    "corrupt": ((0, 0, 0), "not a readable notebook"),
}

PRIVATE_TEST = textwrap.dedent('''
    """Private test module (never shipped)."""
    from nncourse.exercises import Case
    from nncourse.exercises.compare import compare_arrays

    def _inputs(rng):
        return {"logits": rng.normal(size=(3, 6)) * 50.0}

    def _judge(inputs, outputs):
        import numpy as np
        z = inputs["logits"]
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return compare_arrays("probabilities", outputs, e / e.sum(axis=-1, keepdims=True))

    EXTRA_CASES = {"backprop.softmax": [Case("big batch", 1, _inputs, _judge)]}
''')


def _our_processes(token: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if token in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    base = tmp_path_factory.mktemp("battery")
    private = base / "private_tests"
    private.mkdir()
    (private / "test_softmax_private.py").write_text(PRIVATE_TEST, encoding="utf-8")
    submissions = base / "submissions"
    token = f"run-{uuid.uuid4().hex}"          # finds this run's children, nobody else's
    written = write_all(submissions, token)   # real .ipynb files, built with nbformat
    assert len(written) == len(EXPECTED)
    out = base / "grades"
    sandboxes_before = set(Path("/tmp").glob("nncourse-sandbox-*"))
    report = grade_submissions(
        [submissions], out, exercise_ids=IDS, extra_tests=str(private), jobs=2, seed=7,
        results_json=True,
        limits=Limits(exercise_timeout=2.0, cell_timeout=3.0, memory_bytes=1 << 30))
    # a process the kernel is still tearing down may take a moment to disappear
    _, leftovers = psutil.wait_procs(_our_processes(token), timeout=5)
    sandboxes_after = set(Path("/tmp").glob("nncourse-sandbox-*"))
    return report, out, leftovers, sandboxes_after - sandboxes_before


def test_adversarial_battery(battery):
    """One grading run (so xdist does not run the battery twice); four groups of checks."""
    check_scores_and_feedback(battery)
    check_gradebook(battery)
    check_feedback_hides_tests(battery)
    check_machine_left_clean(battery)


def check_scores_and_feedback(battery):
    report, out, _, _ = battery
    by_student = {s.student: s for s in report.submissions}
    assert set(by_student) == set(EXPECTED)
    failures = []
    for student, (scores, words) in EXPECTED.items():
        sub = by_student[student]
        got = tuple(sub.results[i].score for i in IDS)
        if got != tuple(map(float, scores)):
            failures.append(f"{student}: scores {got}, expected {scores}")
        feedback = (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")
        if words and words not in feedback:
            failures.append(f"{student}: feedback lacks {words!r}:\n{feedback}")
    assert not failures, "\n".join(failures)


def check_gradebook(battery):
    report, out, _, _ = battery
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert [r["student"] for r in rows] == sorted(EXPECTED)
    assert list(rows[0]) == ["student", *IDS, "total"]
    good = next(r for r in rows if r["student"] == "good")
    assert float(good["total"]) == 8.0            # 7 + the private case
    results = json.loads((out / "results" / "good.json").read_text(encoding="utf-8"))
    assert results["score"] == 8.0 and len(results["tests"]) == 3


def check_feedback_hides_tests(battery):
    _, out, _, _ = battery
    for path in (out / "feedback").iterdir():
        text = path.read_text(encoding="utf-8")
        assert "def _judge" not in text and "EXTRA_CASES" not in text
        assert "grad_out.T @ x          #" not in text      # reference solution source
        assert "private test" in text                        # named, not shown


def check_machine_left_clean(battery):
    _, out, leftovers, new_sandboxes = battery
    assert leftovers == [], f"stray processes: {[p.pid for p in leftovers]}"
    assert new_sandboxes == set()
    assert not Path("/tmp/nncourse-fake-results.json").exists()
    assert not Path("/tmp/nncourse-pickle-payload-ran").exists()
    assert not (out.parent / "gradebook.csv").exists()
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "results",
                                                     "summary.json"]
