"""Write the adversarial submission notebooks of the grading tests.

The tests call :func:`write_all` into a temporary directory, in the usual layout
``<root>/<student>/lab03.ipynb``; ``python build.py DIR`` writes them for a manual look. Each
notebook is a real .ipynb. Graded exercises: backprop.linear_backward (4), backprop.softmax (2),
gradients.stability_limit (1) — 7 points for a correct notebook.

The escape attempts (:mod:`attacks`) know the host's paths (``TARGETS``: the submissions, the
private tests, canary files, sockets) as a real attacker who read the course's layout would;
each one answers ``backprop.linear_backward`` correctly only if its attack worked, so an escape
shows as points as well as in the host-side checks of the test.
"""

from __future__ import annotations

import base64
import pickle
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

MARKER = "# nncourse-adversarial-fixture"
HEAD = f"{MARKER}\nimport numpy as np\nfrom nncourse.exercises import check, answer"
LINEAR = ("def linear_backward(grad_out, x, weight):\n"
          "    return grad_out @ weight, grad_out.T @ x, grad_out.sum(axis=0)")
SOFTMAX = ("def softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
           "    return e / e.sum(axis=-1, keepdims=True)")
CHECK_LINEAR = 'check("backprop.linear_backward", linear_backward)'
CHECK_SOFTMAX = 'check("backprop.softmax", softmax)'
STABLE = 'answer("gradients.stability_limit", 0.5)'


def notebook(*cells: str) -> nbformat.NotebookNode:
    return new_notebook(cells=[new_markdown_cell("# Lab")] + [new_code_cell(c) for c in cells])


def bad_linear(body: str) -> str:
    return "def linear_backward(grad_out, x, weight):\n" + "\n".join(
        "    " + line for line in body.splitlines())


class _Payload:
    def __reduce__(self):
        return (open, ("/tmp/nncourse-pickle-payload-ran", "w"))


def fixtures(token: str = "") -> dict[str, nbformat.NotebookNode]:
    """All submissions; ``token`` is added to the first line to find this run's processes."""
    good = [HEAD, LINEAR, CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE]
    nbs = {
        "good": notebook(*good),
        "infinite_loop": notebook(HEAD, bad_linear("while True:\n    pass"), CHECK_LINEAR,
                                  SOFTMAX, CHECK_SOFTMAX, STABLE),
        "infinite_loop_cell": notebook(HEAD, LINEAR, "while True:\n    pass", CHECK_LINEAR,
                                       SOFTMAX, CHECK_SOFTMAX, STABLE),
        "memory_bomb": notebook(HEAD, "hog = [bytearray(10**8) for _ in range(10**3)]",
                                bad_linear("return bytearray(10**11)"), CHECK_LINEAR,
                                SOFTMAX, CHECK_SOFTMAX, STABLE),
        "fork_bomb": notebook(
            HEAD, "import os\nwhile True:\n    os.fork()",
            "import ctypes, time\nlibc = ctypes.CDLL(None)\nfor _ in range(500):\n"
            "    if libc.fork() == 0:\n        time.sleep(600)",
            LINEAR, CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "os_exit": notebook(HEAD, "import os\nos._exit(3)", bad_linear("import os\nos._exit(0)"),
                            CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "sys_exit": notebook(HEAD, "import sys\nsys.exit(0)", bad_linear("raise SystemExit(1)"),
                             CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "signal_handlers": notebook(
            HEAD, "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM,"
            " signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)",
            bad_linear("while True:\n    pass"), CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "threads": notebook(
            HEAD, "import threading, time\ndef spin():\n    while True:\n        time.sleep(0.01)\n"
            "for _ in range(4):\n    threading.Thread(target=spin).start()",
            LINEAR, CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "always_equal": notebook(
            HEAD, "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
            "    __ne__ = lambda self, other: False\n    shape = (5, 3)",
            bad_linear("return AlwaysEqual(), AlwaysEqual(), AlwaysEqual()"), CHECK_LINEAR,
            "def softmax(z):\n    return AlwaysEqual()", CHECK_SOFTMAX, STABLE),
        "monkeypatch": notebook(
            HEAD, "import nncourse.exercises as ex\nfrom nncourse.exercises import checking, "
            "results\nex.check = lambda *a, **k: True\n"
            "checking.judge_case = lambda e, c, i, o: results.CaseResult(c.name, True, c.points,"
            " c.points)\nfor e in ex.list_exercises():\n    for case in e.cases:\n"
            "        object.__setattr__(case, 'judge', lambda i, o: None)",
            bad_linear("return np.zeros(1), np.zeros(1), np.zeros(1)"), CHECK_LINEAR,
            "def softmax(z):\n    return z", CHECK_SOFTMAX, STABLE),
        "read_tests": notebook(
            HEAD, "import glob, os, pathlib, nncourse\nstolen = []\n"
            "root = pathlib.Path(nncourse.__file__).parents[1]\n"
            "for pattern in [str(root / 'tests' / '*.py'), '/tmp/**/*.py', '/root/**/*.py']:\n"
            "    try:\n        for name in glob.glob(pattern, recursive=True)[:50]:\n"
            "            try:\n                stolen.append(open(name).read())\n"
            "            except OSError:\n                pass\n"
            "    except OSError:\n        pass\n"
            "leak = [s for s in stolen if 'big batch' in s]\nprint(len(stolen))",
            bad_linear("if leak:\n    return grad_out @ weight, grad_out.T @ x, "
                       "grad_out.sum(axis=0)\nreturn np.zeros(1), np.zeros(1), np.zeros(1)"),
            CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "fake_results": notebook(
            HEAD, "import json, os\nfake = {'score': 100, 'tests': []}\n"
            "for path in ['results.json', 'gradebook.csv', '/tmp/nncourse-fake-results.json',"
            " '../gradebook.csv', os.path.expanduser('~/../gradebook.csv')]:\n"
            "    try:\n        open(path, 'w').write(json.dumps(fake))\n"
            "    except OSError as exc:\n        print(exc)",
            bad_linear("return np.zeros(1), np.zeros(1), np.zeros(1)"), CHECK_LINEAR,
            SOFTMAX, CHECK_SOFTMAX, STABLE),
        "pickle_payload": notebook(
            HEAD, "import pickle, os\nclass Payload:\n    def __reduce__(self):\n"
            "        return (open, ('/tmp/nncourse-pickle-payload-ran', 'w'))",
            bad_linear("return Payload(), Payload(), Payload()"), CHECK_LINEAR,
            SOFTMAX, CHECK_SOFTMAX, STABLE),
        "big_output": notebook(HEAD, "print('x' * 10_000_000)",
                               bad_linear("print('y' * 10_000_000)\n"
                                          "return grad_out @ weight, grad_out.T @ x, "
                                          "grad_out.sum(axis=0)"),
                               CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE),
        "deleted_cells": notebook(HEAD, LINEAR, CHECK_LINEAR, STABLE),
        "duplicated_cells": notebook(HEAD, bad_linear("return None"), CHECK_LINEAR, LINEAR,
                                     CHECK_LINEAR, LINEAR, CHECK_LINEAR, SOFTMAX, SOFTMAX,
                                     CHECK_SOFTMAX, CHECK_SOFTMAX, STABLE, STABLE),
        "nan_inf": notebook(HEAD, bad_linear("return (np.full((4, 3), np.nan), "
                                             "np.full((5, 3), np.inf), np.full(5, np.nan))"),
                            CHECK_LINEAR, "def softmax(z):\n    e = np.exp(z)\n"
                            "    return e / e.sum(axis=-1, keepdims=True)", CHECK_SOFTMAX,
                            'answer("gradients.stability_limit", float("nan"))'),
        "wrong_shapes": notebook(HEAD, bad_linear("return grad_out @ weight, x.T @ grad_out, "
                                                  "grad_out.sum(axis=0)"), CHECK_LINEAR,
                                 "def softmax(z):\n    return np.exp(z).sum(axis=-1)",
                                 CHECK_SOFTMAX, STABLE),
    }
    # stored outputs and metadata are ignored: this one carries a pickle in an output
    payload = base64.b64encode(pickle.dumps(_Payload())).decode()
    nbs["pickle_payload"].cells[-1].outputs = [new_output(
        "execute_result", data={"application/x-pickle": payload, "text/plain": "7"},
        execution_count=1)]
    nbs["pickle_payload"].metadata["nncourse"] = {"score": 100, "pickle": payload}
    for nb in nbs.values():
        first = next(cell for cell in nb.cells if cell.cell_type == "code")
        first.source = first.source.replace(MARKER, f"{MARKER} {token}".rstrip(), 1)
    return nbs


LAB = "lab03"


def write_all(directory: Path, token: str = "", targets: dict | None = None) -> list[Path]:
    """Write every submission (and a corrupt file) as ``directory/<student>/lab03.ipynb``."""
    from attacks import attack_fixtures

    directory.mkdir(parents=True, exist_ok=True)
    notebooks = fixtures(token)
    notebooks.update(attack_fixtures(targets or {}, notebook, bad_linear, HEAD, LINEAR,
                                     CHECK_LINEAR, SOFTMAX, CHECK_SOFTMAX, STABLE))
    paths = []
    for name, nb in notebooks.items():
        (directory / name).mkdir()
        path = directory / name / f"{LAB}.ipynb"
        nbformat.write(nb, str(path))
        paths.append(path)
    (directory / "corrupt").mkdir()
    (directory / "corrupt" / f"{LAB}.ipynb").write_text('{"cells": [ this is not json',
                                                         encoding="utf-8")
    return paths + [directory / "corrupt" / f"{LAB}.ipynb"]


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    for written in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")):
        print(written)
