"""The adversarial battery: real submission notebooks that attack the grader, with honest ones.

Every notebook is graded in one run (a process pool of two) in the usual layout
``submissions/<student>/lab03.ipynb``; each must get exactly its expected per-exercise score
and a clear feedback line; no host file may change, no file may appear outside the sandbox, no
host socket may be reached, no process or temporary folder may be left behind, and every honest
student's grade must stay intact. The attacks are in ``grading_fixtures/attacks.py``.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import secrets
import socket
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

import nncourse.exercises.sandbox_runner as runner
from nncourse.grading import grade as grade_module
from nncourse.grading import sandbox as sandbox_module
from nncourse.grading.collect import MAX_ROW, safe_name
from nncourse.grading.grade import grade_submissions
from nncourse.grading.sandbox import Limits, package_dir, sandbox_problem

FIXTURES = Path(__file__).parent / "grading_fixtures"
sys.path.insert(0, str(FIXTURES))
from attacks import ANSWER, FIT_COUNTERS, NAMESPACES, PEERS, PRELUDE, SOCKETS  # noqa: E402
from build import HEAD, bad_linear, notebook, write_all  # noqa: E402

pytestmark = pytest.mark.skipif(sandbox_problem() is not None,
                                reason=f"no sandbox here: {sandbox_problem()}")

IDS = ["backprop.linear_backward", "backprop.softmax", "gradients.stability_limit"]
FULL = (4.0, 3.0, 1.0)   # softmax: 2 public cases + 1 private case
CONTAINED = (0, 3, 1)    # an attack that failed: linear_backward 0, honest answers intact
# student -> (linear_backward, softmax, stability_limit), words expected in the feedback.
# nan_inf: its unshifted softmax survives ordinary and private (±150) logits, not ±1000.
EXPECTED = {
    "good": (FULL, ""),
    "infinite_loop": ((0, 3, 1), "timed out"),
    "infinite_loop_cell": (FULL, "timed out"),
    "memory_bomb": ((0, 3, 1), "MemoryError"),
    "fork_bomb": (FULL, "does not allow os.fork"),
    "os_exit": ((0, 3, 1), "ended the Python process"),
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
    "wrong_shapes": ((2, 0, 1), "grad_weight has shape (in_features, out_features): that is "
                                "x.T @ grad_out"),
    "corrupt": ((0, 0, 0), "not a readable notebook"),
    # escapes (grading_fixtures/attacks.py): contained means (0, 3, 1)
    "ctypes_write": (CONTAINED, "has shape (1,)"),
    "pure_os": (CONTAINED, "has shape (1,)"),
    "spawn_shell": (CONTAINED, "has shape (1,)"),
    "sockets": (CONTAINED, "has shape (1,)"),
    "proc_secrets": (CONTAINED, "has shape (1,)"),
    "peers": (CONTAINED, "has shape (1,)"),
    "process_bomb": (CONTAINED, "has shape (1,)"),
    "namespaces": (CONTAINED, "has shape (1,)"),
    "solution_lookup": (CONTAINED, "has shape (1,)"),
    "daemon": (FULL, ""),
    "fake_protocol": (FULL, ""),           # its frames never reach the grader
    "other_labs": (FULL, ""),
    "deep_recursion": ((4, 0, 1), "no check('backprop.softmax', ...)"),
    "slow_cells": (FULL, "timed out after 2 s"),
    "hung_cells": ((0, 0, 0), "restarted 3 times"),
    "markup": (CONTAINED, "<script>alert(1)</script>"),
    "huge_code": (FULL, ""),
    "=SUM(1+1)*cmd": (FULL, ""),
    "zz_victim": (FULL, ""),
    "mallory": ((0, 0, 0), "symbolic link"),
    "eve": ((0, 0, 0), "symbolic link"),
}
HONEST = [s for s, (scores, _) in EXPECTED.items() if scores == FULL]

PRIVATE_TEST = '''
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
'''


class Listeners:
    """Host sockets a submission must not reach: a Unix socket file, an abstract one, TCP."""

    def __init__(self, base: Path, token: str) -> None:
        self.connections: list[str] = []
        self.sockets = []
        for family, address, kind in [(socket.AF_UNIX, str(base / "host.sock"), "unix"),
                                      (socket.AF_UNIX, f"\0nncourse-{token}", "abstract"),
                                      (socket.AF_INET, ("127.0.0.1", 0), "tcp")]:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.bind(address)
            sock.listen(8)
            sock.settimeout(0.2)
            self.sockets.append((sock, kind))
        self.tcp_port = self.sockets[2][0].getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            for sock, kind in self.sockets:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                self.connections.append(kind)
                conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        for sock, _ in self.sockets:
            sock.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sandbox_processes(uid_base: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info["uids"]
        if uids and uid_base <= uids.real < uid_base + 50_000:
            found.append(proc)
    return found


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    base = tmp_path_factory.mktemp("battery")
    token = uuid.uuid4().hex
    # this run's sandboxes get uids no other grading run uses (pool workers are forked)
    uid_base = 1_000_000 + secrets.randbelow(10_000) * 50_000
    old_base, sandbox_module.UID_BASE = sandbox_module.UID_BASE, uid_base
    private = base / "private_tests"
    private.mkdir()
    (private / "test_softmax_private.py").write_text(PRIVATE_TEST, encoding="utf-8")
    submissions, out = base / "submissions", base / "grades"
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    canaries = {"outside": base / "canary.txt",
                "pkg_canary": package_dir() / "exercises" / f"_canary_{token}.txt",
                "site_canary": site_packages / f"_nncourse_canary_{token}.txt"}
    for path in canaries.values():
        path.write_text("canary\n", encoding="utf-8")
    victim_dir = base / "victim"
    victim_dir.mkdir()
    (victim_dir / "keep.md").write_text("keep\n", encoding="utf-8")
    out.mkdir()                      # a previous --out with links planted in it
    (out / "feedback").symlink_to(victim_dir)
    (out / "gradebook.csv").symlink_to(canaries["outside"])
    listeners = Listeners(base, token)
    new_files = [f"/tmp/nncourse-escape-{token}", str(package_dir() / f"escape_{token}.pth"),
                 str(site_packages / f"escape_{token}.pth"),
                 str(Path(sys.prefix) / "bin" / f"psutil_{token}.py"),
                 str(out / f"escape_{token}"), str(submissions / f"escape_{token}")]
    peer = submissions / "zz_victim" / "lab03.ipynb"
    targets = {**{k: str(v) for k, v in canaries.items()},
               "submissions": str(submissions), "peer": str(peer), "private": str(private),
               "private_file": str(private / "test_softmax_private.py"),
               "runner": runner.__file__, "grading_dir": str(package_dir() / "grading"),
               "new_files": new_files, "unix_socket": str(base / "host.sock"),
               "abstract": f"nncourse-{token}", "tcp_port": listeners.tcp_port}
    targets["existing"] = [targets[k] for k in ("outside", "pkg_canary", "site_canary", "runner",
                                                "peer", "private_file")] + \
        [grade_module.__file__]
    write_all(submissions, token, targets)
    (submissions / "mallory").mkdir()
    (submissions / "mallory" / "lab03.ipynb").symlink_to(peer)
    (submissions / "eve").symlink_to(submissions / "good")
    watched = [*submissions.rglob("*.ipynb"), private / "test_softmax_private.py",
               *canaries.values(), victim_dir / "keep.md", Path(runner.__file__),
               Path(grade_module.__file__)]
    before = {p: _digest(p) for p in watched if not p.is_symlink()}
    try:
        report = grade_submissions(
            [submissions], out, extra_tests=str(private), jobs=2, seed=7, results_json=True,
            manifest={"lab03": IDS},
            limits=Limits(exercise_timeout=2.0, cell_timeout=2.0, submission_timeout=30.0,
                          memory_bytes=1 << 30))
        _, leftovers = psutil.wait_procs(_sandbox_processes(uid_base), timeout=5)
        changed = [str(p) for p, d in before.items() if not p.exists() or _digest(p) != d]
        created = [f for f in new_files if os.path.lexists(f)]
        created += [str(p) for p in package_dir().rglob(f"*{token}*") if "canary" not in p.name]
        yield {"report": report, "out": out, "base": base, "leftovers": leftovers,
               "changed": changed, "created": created, "connections": listeners.connections}
    finally:
        sandbox_module.UID_BASE = old_base
        listeners.close()
        for path in [*canaries.values(), *map(Path, new_files[1:4])]:
            if path.exists() and not str(path).startswith(str(base)):
                path.unlink()


def _readable(text: str) -> str:
    """Feedback text with the Markdown escapes removed (what a reader sees)."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def test_adversarial_battery(battery):
    """One grading run (so xdist does not run the battery twice); five groups of checks."""
    check_scores_and_feedback(battery)
    check_no_escape(battery)
    check_gradebook(battery)
    check_feedback_is_inert(battery)
    check_machine_left_clean(battery)


def check_scores_and_feedback(battery):
    report, out = battery["report"], battery["out"]
    by_student = {s.student: s for s in report.submissions}
    assert set(by_student) == set(EXPECTED)
    failures = []
    for student, (scores, words) in EXPECTED.items():
        sub = by_student[student]
        if list(sub.results) != IDS:
            failures.append(f"{student}: graded on {list(sub.results)}, expected {IDS}")
            continue
        got = tuple(sub.results[i].score for i in IDS)
        if got != tuple(map(float, scores)):
            failures.append(f"{student}: scores {got}, expected {scores}; notes {sub.notes}")
        name = safe_name(student)
        feedback = (out / "feedback" / name / "lab03.md").read_text(encoding="utf-8")
        if words and words not in _readable(feedback):
            failures.append(f"{student}: feedback lacks {words!r}:\n{feedback}")
    assert not failures, "\n".join(failures)
    assert all(by_student[s].total == 8.0 for s in HONEST)


def check_no_escape(battery):
    assert battery["changed"] == [], "host files changed"
    assert battery["created"] == [], "files created outside the sandbox"
    assert battery["connections"] == [], "a submission reached a host socket"


def check_gradebook(battery):
    out = battery["out"]
    assert not (out / "feedback").is_symlink() and (out / "feedback").is_dir()
    assert not (out / "gradebook.csv").is_symlink()
    rows = list(csv.reader((out / "gradebook.csv").open(encoding="utf-8")))
    assert rows[0] == ["student", *IDS, "total"]
    assert rows[1] == [MAX_ROW, "4", "3", "1", "8"]
    students = [r[0] for r in rows[2:]]
    assert students == sorted(s if s[0] not in "=+-@" else "'" + s for s in EXPECTED) or \
        sorted(students) == sorted(s if s[0] not in "=+-@" else "'" + s for s in EXPECTED)
    assert "'=SUM(1+1)*cmd" in students and not any(s.startswith("=") for s in students)
    good = next(r for r in rows if r[0] == "good")
    assert good[-1] == "8"
    results = json.loads((out / "results" / "good" / "lab03.json").read_text(encoding="utf-8"))
    assert results["score"] == 8.0 and len(results["tests"]) == 3
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 7 and summary["labs"] == {"lab03": IDS}


def check_feedback_is_inert(battery):
    out = battery["out"]
    texts = {p: p.read_text(encoding="utf-8") for p in (out / "feedback").rglob("*.md")}
    for path, text in texts.items():
        assert "def _judge" not in text and "EXTRA_CASES" not in text
        assert "grad_out.T @ x          #" not in text      # reference solution source
        assert "private test" in text or "not graded:" in text   # named, not shown
        assert "<script" not in text and not re.search(r"(?<!\\)\]\(http", text), path
    markup = texts[out / "feedback" / "markup" / "lab03.md"]
    assert "&lt;script&gt;" in markup and "\\[click\\]" in markup
    assert not any(line.startswith("# Heading") for line in markup.splitlines())


def check_machine_left_clean(battery):
    out, base = battery["out"], battery["base"]
    assert battery["leftovers"] == [], f"stray processes: {battery['leftovers']}"
    assert sorted(p.name for p in base.iterdir()) == [
        ".grades.lock", "canary.txt", "grades", "host.sock", "private_tests", "submissions",
        "victim"]
    assert sorted(p.name for p in out.iterdir()) == [
        "class_report.json", "class_report.md", "feedback", "gradebook-canvas.csv",
        "gradebook-moodle.csv", "gradebook.csv", "graded.jsonl", "results", "summary.json"]
    assert (base / "victim" / "keep.md").read_text() == "keep\n"


def test_the_detectors_see_an_escape_without_the_sandbox(tmp_path):
    """The battery can fail: without bwrap, reading a peer and reaching a host socket succeed."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "test_x.py").write_text("EXTRA_CASES = {}\n", encoding="utf-8")
    peer = tmp_path / "subs" / "zz_victim" / "lab03.ipynb"
    listeners = Listeners(tmp_path, uuid.uuid4().hex)
    targets = {"peer": str(peer), "private_file": str(private / "test_x.py"),
               "outside": str(peer), "submissions": str(tmp_path / "subs"),
               "private": str(private), "grading_dir": str(package_dir() / "grading"),
               "unix_socket": str(tmp_path / "host.sock"),
               "abstract": listeners.sockets[1][0].getsockname()[1:].decode(),
               "tcp_port": listeners.tcp_port}
    prelude = PRELUDE.format(targets=targets)
    for name, attack in [("peers", PEERS), ("sockets", SOCKETS), ("zz_victim", "")]:
        path = tmp_path / "subs" / name / "lab03.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook(HEAD, prelude, attack, bad_linear(ANSWER),
                                'check("backprop.linear_backward", linear_backward)'), str(path))
    try:
        report = grade_submissions([tmp_path / "subs"], None, exercise_ids=IDS[:1], jobs=1,
                                   seed=0, sandbox=False, limits=Limits(exercise_timeout=5.0))
    finally:
        listeners.close()
    assert report.totals == {"peers": 4.0, "sockets": 4.0, "zz_victim": 0.0}
    assert sorted(listeners.connections) == ["abstract", "tcp", "unix"]


def test_the_system_call_filter_is_what_stops_new_namespaces(tmp_path, monkeypatch):
    """Inside bwrap alone a submission can still unshare and ptrace; the seccomp filter stops it."""
    path = tmp_path / "subs" / "namespaces" / "lab03.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook(HEAD, PRELUDE.format(targets={}), NAMESPACES, bad_linear(ANSWER),
                            'check("backprop.linear_backward", linear_backward)'), str(path))
    scores = []
    for filtered in (True, False):
        monkeypatch.setattr(sandbox_module.seccomp, "available", lambda f=filtered: f)
        report = grade_submissions([tmp_path / "subs"], None, exercise_ids=IDS[:1], jobs=1, seed=0,
                                   limits=Limits(exercise_timeout=5.0))
        scores.append(report.totals["namespaces"])
    assert scores == [0.0, 4.0]


def test_counters_set_without_training_earn_nothing(tmp_path):
    path = tmp_path / "subs" / "mallory" / "lab01.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook(HEAD, FIT_COUNTERS, 'check("loop.fit_epochs", train)'), str(path))
    report = grade_submissions([tmp_path / "subs"], None, exercise_ids=["loop.fit_epochs"],
                               jobs=1, seed=0, limits=Limits(exercise_timeout=10.0))
    assert report.totals == {"mallory": 0.0}
