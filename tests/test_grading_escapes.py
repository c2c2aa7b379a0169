"""Marks without solving, and resources past their limits: each attack must earn nothing.

- The library is the reference answer: importing it, its torch twin, its source, a module-level
  wrapper, an exercise helper or a judge must give the learner's own answer or an error.
- The grade channel: learner code cannot write the grader's protocol messages.
- Frames are checked before they are decoded; a submission's memory is capped as a whole.
- Workers die with the grader; the grader's own start-up is never the student's time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nncourse.grading import sandbox as sandbox_module
from nncourse.grading.cgroup import memory_cap_problem
from nncourse.grading.grade import grade_submissions
from nncourse.grading.sandbox import ChildDied, ChildSession, Limits, sandbox_problem
from nncourse.grading.wire import HEADER, check_frame

needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None,
                                   reason=f"no sandbox here: {sandbox_problem()}")
IDS = ["backprop.softmax", "backprop.chain_rule", "gradients.stability_limit"]
HEAD = "import numpy as np\nfrom nncourse.exercises import check, answer"
SOFTMAX = ("def softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
           "    return e / e.sum(axis=-1, keepdims=True)")
CHAIN = ("def chain_rule(a, b, c):\n    e = a * b\n    return (c * b, c * a, e + c)  # wrong")
CHECKS = ['check("backprop.softmax", softmax)', 'check("backprop.chain_rule", chain_rule)',
          'answer("gradients.stability_limit", 0.5)']
ATTACKS = {
    "honest": SOFTMAX,
    "imports_it": "from nncourse.numpy.activations import softmax",
    "torch_twin": ("import torch\nfrom nncourse.torch.activations import softmax as twin\n"
                   "def softmax(z):\n    return twin(torch.as_tensor(z)).numpy()"),
    "wraps_module": ("import nncourse.numpy.activations as library\n"
                     "def softmax(z):\n    return library.softmax(z)"),
    "reads_source": ("import inspect, nncourse.numpy.activations as library\n"
                     "namespace = dict(vars(library))\n"
                     "exec(inspect.getsource(library.softmax), namespace)\n"
                     "softmax = namespace['softmax']"),
    "reads_file": ("import nncourse.numpy.activations as library\n"
                   "namespace = {'__name__': 'copy'}\n"
                   "exec(open(library.__file__).read(), namespace)\n"
                   "softmax = namespace['softmax']"),
    "calls_judge": ("from nncourse.exercises import get_exercise\n"
                    "from nncourse.exercises.compare import as_array\n"
                    "def softmax(z):\n"
                    "    for case in get_exercise('backprop.softmax').cases:\n"
                    "        case.judge({'logits': z}, z)\n"
                    "    return z"),
    "calls_twin_code": ("import torch\nimport nncourse.torch.activations as twins\n"
                        "def softmax(z):\n"
                        "    return twins._library_softmax(torch.as_tensor(z)).numpy()"),
    # the other backend's layer class, whose forward calls the twin from inside the library
    "calls_twin_layer": ("import torch\nfrom nncourse.torch.activations import Softmax\n"
                         "def softmax(z):\n"
                         "    return Softmax()(torch.as_tensor(z)).numpy()"),
    # the same backend's layer class, whose forward calls the (stand-in) library softmax
    "calls_own_layer": ("from nncourse.numpy.activations import Softmax\n"
                        "def softmax(z):\n"
                        "    return Softmax().forward(z)"),
    # the sandbox's runner and observe replaced by ones that return the library's softmax:
    # the library's softmax is the learner's own (wrong) one, and the grade is judged against
    # the reference computed in the trusted process, so a patched runner only returns data
    "patches_runner": ("import nncourse.exercises.runtime as runtime\n"
                       "import nncourse.numpy.activations as library\n"
                       "def softmax(z):\n    return z\n"
                       "def forged(answer, inputs, spec):\n"
                       "    return library.softmax(next(iter(inputs.values())))\n"
                       "runtime.RUNNERS['call'] = runtime.run_call = forged\n"
                       "runtime.observe = lambda spec, answer, inputs: "
                       "{'output': forged(answer, inputs, spec)}"),
}


def _notebook(path, *cells, markdown: bool = True):
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [new_markdown_cell("# Lab")] if markdown else []
    nbformat.write(new_notebook(cells=items + [new_code_cell(c) for c in cells]), str(path))


@needs_sandbox
def test_the_library_and_its_helpers_give_only_the_learners_own_answer(tmp_path):
    subs = tmp_path / "subs"
    for student, softmax in ATTACKS.items():
        chain = CHAIN
        if student == "imports_it":      # the chain rule from the exercise's own helper module
            chain = ("from nncourse.exercises.ch03.reference import chain_rule")
        _notebook(subs / student / "lab03.ipynb", HEAD, softmax, chain, *CHECKS)
    report = grade_submissions([subs], None, exercise_ids=IDS, jobs=2, seed=0,
                               limits=Limits(exercise_timeout=20, cell_timeout=60))
    scores = {s.student: {e: r.score for e, r in s.results.items()} for s in report.submissions}
    assert scores["honest"]["backprop.softmax"] == 2.0
    for student in ATTACKS:
        assert scores[student]["gradients.stability_limit"] == 1.0, student
        assert scores[student]["backprop.chain_rule"] == 0.0, student
        if student != "honest":
            assert scores[student]["backprop.softmax"] == 0.0, (student, report.submissions)
    imported = next(s for s in report.submissions if s.student == "imports_it")
    message = imported.results["backprop.softmax"].cases[0].message
    assert "asks you to write" in message and "write it yourself" in message


def _forger() -> str:
    return textwrap.dedent('''\
        import json, os, signal, struct
        signal.signal(signal.SIGALRM, signal.SIG_IGN)      # and ignore the cell's own alarm
        def frame(message):
            data = json.dumps(message).encode()
            return struct.pack(">Q", len(data)) + data
        forged = [frame({"type": "cell_done", "index": 0, "status": "ok"}),
                  frame({"type": "cell_start", "index": 1}), frame({"type": "ready"})]
        reached = []
        targets = [f"/proc/{os.getppid()}/fd/{n}" for n in range(64)]
        targets += [f"/proc/self/fd/{n}" for n in range(64)]
        for target in targets:
            try:
                fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            for data in forged:
                try:
                    os.write(fd, data)
                except OSError:
                    pass
            reached.append(target)
        while True:
            pass
        ''')


@needs_sandbox
def test_learner_code_cannot_write_the_grade_channel():
    """A cell that writes forged frames everywhere it can, then loops, is the cell that times
    out: the grader never sees a forged cell_done or ready (the old runner took them, and the
    loop ran on under a restarted clock)."""
    limits = Limits(cell_timeout=1.0, submission_timeout=120.0)
    with ChildSession([_forger(), "x = 1"], limits) as child:
        with pytest.raises(ChildDied) as died:
            child.run_cells()
    assert died.value.cell == 0 and not died.value.grader


def test_a_frame_bomb_is_refused_before_it_is_decoded():
    bomb = b"[" + b"[]," * 3_000_000 + b"[]]"
    numbers = b"[" + b"0," * 5_000_000 + b"0]"
    deep = b"[" * 100 + b"]" * 100
    assert check_frame(json.dumps({"type": "result", "outcome": {"ok": [1.5, 2.5]}}).encode()) \
        is None
    session = ChildSession.__new__(ChildSession)
    session.process = SimpleNamespace(stdout=open(os.devnull, "rb"))
    session.limits = Limits()
    session.deadline = time.monotonic() + 60
    try:
        for data, words in [(bomb, "nested lists"), (numbers, "items"), (deep, "levels deep")]:
            session.buffer = HEADER.pack(len(data)) + data
            tracemalloc.start()
            with pytest.raises(ChildDied, match=words):
                session.receive(1.0)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 4 * len(data) + (8 << 20), peak    # no object per element
    finally:
        session.process.stdout.close()


@needs_sandbox
@pytest.mark.skipif(memory_cap_problem() is not None,
                    reason=f"no memory cgroup here: {memory_cap_problem()}")
def test_memory_is_capped_for_the_whole_submission_memfd_included(tmp_path):
    """1 GiB in a memfd (outside any address-space limit) under a 600 MiB submission cap."""
    holder = textwrap.dedent('''\
        import os
        fd = os.memfd_create("hoard")
        block = b"x" * (64 << 20)
        for _ in range(16):
            os.write(fd, block)
        held = os.fstat(fd).st_size
        ''')
    path = tmp_path / "subs" / "ana" / "lab02.ipynb"
    _notebook(path, "from nncourse.exercises import answer", holder,
              'answer("gradients.stability_limit", 0.5 if held >= 1 << 30 else 0.25)')
    report = grade_submissions([tmp_path / "subs"], None, exercise_ids=[IDS[2]], jobs=1, seed=0,
                               limits=Limits(memory_bytes=600 << 20, file_size_bytes=4 << 30))
    (sub,) = report.submissions
    assert sub.total == 0.0, sub.notes
    from nncourse.grading.cgroup import _own_cgroup

    assert not list(_own_cgroup()[1].glob(f"nncourse-{os.getpid()}-*"))    # none left behind
    assert any(note.startswith("cell 3: ") and ("killed" in note or "MemoryError" in note)
               for note in sub.notes), sub.notes


def test_the_graders_start_up_is_not_the_students_time(monkeypatch, tmp_path):
    """The runner's start-up blocks on a pipe until the whole submission's 2 s have passed (a
    loaded machine, by design: a blocking read, released 3 s after the start); cells and cases
    have 1 s each, and all pass: the clocks start when the sandbox has started.

    The old grader started the first cell's clock, and the submission's, when it launched it.
    """
    real = sandbox_module.runner_command
    gate = tmp_path / "gate"
    os.mkfifo(gate)

    def slow_start(check_only: bool = False):
        command = real(check_only)
        command[3] = f"open({str(gate)!r}, 'rb').read(); " + command[3]
        return command

    def release() -> None:
        with open(gate, "wb") as pipe:
            pipe.write(b"go")

    monkeypatch.setattr(sandbox_module, "runner_command", slow_start)
    limits = Limits(cell_timeout=1.0, exercise_timeout=1.0, submission_timeout=2.0)
    opener = threading.Timer(3.0, release)
    opener.start()
    try:
        with ChildSession(["x = 1", "y = x + 1"], limits, sandbox=False) as child:
            assert child.run_cells() == {0: "ok", 1: "ok"}
            assert child.call({"runner": "value"}, "0.5", {}) == {"output": 0.5}
    finally:
        opener.join()


def test_pool_workers_die_with_the_grader(tmp_path):
    subs = tmp_path / "subs"
    for student in ("ana", "ben"):
        _notebook(subs / student / "lab02.ipynb", "import os\nos.read(os.pipe()[0], 1)  # blocks",
                  'answer("gradients.stability_limit", 0.5)')
    script = textwrap.dedent(f'''\
        from nncourse.grading.grade import grade_submissions
        from nncourse.grading.sandbox import Limits
        grade_submissions([{str(subs)!r}], None, exercise_ids=["gradients.stability_limit"],
                          jobs=2, seed=0, sandbox=False,
                          limits=Limits(cell_timeout=900, submission_timeout=900))
        ''')
    grader = subprocess.Popen([sys.executable, "-c", script],
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        descendants: list[psutil.Process] = []
        for _ in range(1500):             # until both notebooks run (a wait, not a time limit)
            descendants = psutil.Process(grader.pid).children(recursive=True)
            if len(descendants) >= 6:     # 2 pool workers, 2 runners, 2 learner processes
                break
            time.sleep(0.2)
        assert len(descendants) >= 6, descendants
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
        gone, alive = psutil.wait_procs(descendants, timeout=60)
        assert not alive, alive
    finally:
        if grader.poll() is None:
            grader.kill()


def test_every_lab_library_copy_hides_its_references_and_judges():
    """Lab 8's references (nncourse.roc, nncourse.search) are stand-ins in the copy the sandbox
    mounts; a tuple reference in chNN/reference.py (chapter 4's leaky ReLU pair) makes both its
    library functions stand-ins; other labs' functions stay real; of nncourse.exercises only
    runtime, its helpers and the chapters' runners are there (no registry, judge, mistake model,
    reference or quiz)."""
    from nncourse.exercises.registry import list_exercises
    from nncourse.grading.sanitize import SanitizedLibraries

    libraries = SanitizedLibraries()
    try:
        ids = [e.id for e in list_exercises(chapter="ch08")] + ["activations.leaky_relu"]
        root = libraries.build(ids)
        roc = (root / "roc.py").read_text()
        search = (root / "search.py").read_text()
        activations = (root / "numpy" / "activations.py").read_text()
        for name, text in [("precision_recall_f1", roc), ("min_cost_threshold", roc),
                           ("random_search", search), ("leaky_relu", activations),
                           ("leaky_relu_backward", activations)]:
            assert f"def {name}(*args, **kwargs):\n    return __import__(" in text, name
        assert not (root / "grading").exists() and not (root / "cli.py").exists()
        layers = (root / "numpy" / "layers.py").read_text()
        assert "def linear_backward(grad_out" in layers          # lab 3's: real in lab 8
        kept = sorted(str(p.relative_to(root / "exercises"))
                      for p in (root / "exercises").rglob("*") if p.is_file())
        allowed = {"__init__.py", "runtime.py", "errors.py", "compare.py", "outputs.py",
                   "sandbox_runner.py"}
        assert all(k in allowed or k.endswith(("/runners.py", "/__init__.py")) for k in kept), \
            kept
        assert "ch08/runners.py" in kept and "registry.py" not in kept
        assert "register" not in (root / "exercises" / "ch08" / "__init__.py").read_text()
    finally:
        libraries.close()


def test_library_callers_reach_the_answer_with_arguments_matched_by_name():
    """``fit`` calls ``iterate_minibatches(x, y, batch_size, shuffle, rng)``; an answer written
    to the lab's ``(x, y, batch_size, rng)`` gets its arguments by name; an option the answer
    lacks, set to something other than its default, is a sentence, never silently dropped."""
    from nncourse.exercises.sandbox_runner import OwnAnswerRequired, _rebound

    def _signature_iterate(x, y, batch_size, shuffle=True, rng=None):
        raise AssertionError

    def answer(x, y, batch_size, rng):
        return x, y, batch_size, rng

    args, kwargs = _rebound(answer, _signature_iterate, ("x", "y", 4, True, "rng"), {})
    assert answer(*args, **kwargs) == ("x", "y", 4, "rng")
    assert _rebound(answer, _signature_iterate, ("x", "y", 4, "rng"), {}) == \
        (("x", "y", 4, "rng"), {})                               # a call that fits: as it is
    with pytest.raises(OwnAnswerRequired, match="shuffle=False, which your answer"):
        _rebound(answer, _signature_iterate, ("x", "y", 4, False, "rng"), {})


@needs_sandbox
def test_the_sandbox_starts_without_the_registry_the_chapters_or_torch():
    """The runner imports runtime and its helpers only: no registry, no chapter's exercises,
    mistakes or references, no judge and no torch (they cost seconds per sandbox start)."""
    cells = ["import sys\nloaded = sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('nncourse', 'torch'))"]
    with ChildSession(cells, Limits(cell_timeout=60.0, exercise_timeout=60.0)) as child:
        assert child.run_cells() == {0: "ok"}
        loaded = child.call({"runner": "value"}, "loaded", {})["output"]
    assert "nncourse.exercises.runtime" in loaded
    trusted = ("registry", "checking", "judging", "diagnosis", "exercises", "mistakes",
               "reference", "quiz")
    assert not [m for m in loaded if m.startswith("torch") or m != "nncourse.exercises"
                and m.split(".")[-1] in trusted], loaded
