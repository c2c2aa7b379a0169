"""Run one submission in a sandboxed child process and talk to it over pipes.

The child is a fresh ``python -I`` in its own session (so the whole process group can be
killed), in an empty temporary working directory, with a scrubbed environment, CPU / memory /
process / file-size limits, and — when ``unshare`` works — its own user, network and PID
namespaces (no network at all; every process it starts dies with it). The parent only ever
reads length-prefixed JSON with arrays as pickle-free .npy bytes.

Example:
    >>> with ChildSession(["def f(x):\\n    return x"], Limits()) as child:   # doctest: +SKIP
    ...     child.run_cells()
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import lru_cache

import nncourse
from nncourse.grading.wire import HEADER, decode, encode

MAX_MESSAGE_BYTES = 32 << 20


@dataclass
class Limits:
    """Per-child limits (seconds, bytes, counts)."""

    cell_timeout: float = 60.0
    exercise_timeout: float = 10.0
    cpu_seconds: int = 120
    memory_bytes: int = 2 << 30
    processes: int = 64
    file_size_bytes: int = 16 << 20
    output_chars: int = 20_000


class ChildDied(Exception):
    """The child exited, timed out or sent something unreadable."""


@lru_cache(maxsize=1)
def namespace_prefix() -> tuple[str, ...]:
    """``unshare`` arguments giving the child its own user/net/pid namespaces, if they work."""
    unshare = shutil.which("unshare")
    if not unshare:
        return ()
    prefix = (unshare, "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child")
    try:
        done = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return prefix if done.returncode == 0 else ()


def read_roots() -> list[str]:
    """Directories the child may read: the Python installation and the nncourse package only."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.abspath(nncourse.__file__)),
             "/usr/lib", "/usr/lib64", "/usr/share", "/usr/local/lib", "/etc", "/dev",
             "/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu"}
    roots.update(site.getsitepackages())
    return sorted(roots)


def scrubbed_environment(work_dir: str) -> dict[str, str]:
    """A minimal environment: no inherited variables, one thread per numeric library."""
    env = {"PATH": "/usr/bin:/bin", "HOME": work_dir, "TMPDIR": work_dir, "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


class ChildSession:
    """One sandboxed child: start it, run the cells, then call exercises one at a time.

    Args:
        cells: code cell sources, in notebook order.
        limits: the :class:`Limits`.
        skip: cell indices not to run (cells that hung or killed an earlier child).
    """

    def __init__(self, cells: list[str], limits: Limits, skip: frozenset[int] = frozenset()):
        self.cells, self.limits, self.skip = cells, limits, skip
        self.work_dir = tempfile.mkdtemp(prefix="nncourse-sandbox-")
        self.buffer = b""
        config = {"cells": cells, "skip": sorted(skip), "work_dir": self.work_dir,
                  "read_roots": read_roots(), "output_chars": limits.output_chars,
                  "limits": {"cpu_seconds": limits.cpu_seconds,
                             "memory_bytes": limits.memory_bytes,
                             "file_size_bytes": limits.file_size_bytes,
                             "processes": limits.processes if namespace_prefix() else 0}}
        command = [*namespace_prefix(), sys.executable, "-I", "-m", "nncourse.grading._child",
                   json.dumps(config)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.work_dir, env=scrubbed_environment(self.work_dir), start_new_session=True,
            close_fds=True)
        os.set_blocking(self.process.stdout.fileno(), False)

    # ------------------------------------------------------------------ messages
    def receive(self, timeout: float) -> dict:
        """Next message from the child, or ChildDied on timeout / exit / garbage."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack(self.buffer[:HEADER.size])
                if size > MAX_MESSAGE_BYTES:
                    raise ChildDied(f"sent a message of {size} bytes (more than the limit)")
                end = HEADER.size + size
                if len(self.buffer) >= end:
                    data, self.buffer = self.buffer[HEADER.size:end], self.buffer[end:]
                    try:
                        message = decode(json.loads(data))
                    except (ValueError, TypeError) as exc:
                        raise ChildDied(f"sent unreadable data ({type(exc).__name__})") from None
                    if not isinstance(message, dict):
                        raise ChildDied("sent unreadable data")
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildDied(f"timed out after {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = self.process.wait(timeout=5)
                    raise ChildDied(_describe_exit(code))
                self.buffer += chunk

    def send(self, message: dict) -> None:
        data = json.dumps(encode(message)).encode("utf-8")
        try:
            self.process.stdin.write(HEADER.pack(len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ChildDied("exited before the exercise could be run") from None

    # ------------------------------------------------------------------ phases
    def run_cells(self) -> dict[int, str]:
        """Run the cells; return {index: status}. ChildDied carries ``.cell`` when one hung."""
        statuses: dict[int, str] = {}
        current = None
        try:
            while True:
                message = self.receive(self.limits.cell_timeout + 5.0 if current is None
                                       else self.limits.cell_timeout)
                kind = message.get("type")
                if kind == "cell_start":
                    current = message.get("index")
                elif kind == "cell_done":
                    statuses[message.get("index")] = str(message.get("status"))[:300]
                    current = None
                elif kind == "ready":
                    return statuses
        except ChildDied as exc:
            exc.cell = current
            exc.statuses = statuses
            raise

    def call(self, exercise_id: str, expr: str, inputs: dict) -> dict:
        """Ask the child to run one case; returns the plain outcome {"ok": ...} / {"error": ...}."""
        self.send({"type": "call", "id": exercise_id, "expr": expr, "inputs": inputs})
        message = self.receive(self.limits.exercise_timeout)
        outcome = message.get("outcome")
        if message.get("type") != "result" or not isinstance(outcome, dict) or not (
                set(outcome) == {"ok"} or set(outcome) == {"error"}):
            raise ChildDied("sent a reply that is not a result")
        if "error" in outcome:
            outcome = {"error": str(outcome["error"])[:400]}
        return outcome

    # ------------------------------------------------------------------ cleanup
    def close(self) -> None:
        """Kill the child's whole process group and remove its working directory."""
        kill_tree(self.process)
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> ChildSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the process group and every descendant still alive, then reap."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in descendants:
        try:
            child.kill()
        except psutil.Error:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not get ignored
        pass
    psutil.wait_procs(descendants, timeout=5)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped responding"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
        return {"SIGKILL": "was killed (memory or CPU limit?)",
                "SIGXCPU": "ran out of CPU time"}.get(str(name), f"was killed by {name}")
    return f"exited the process (exit code {code}; os._exit?)"


def limits_dict(limits: Limits) -> dict:
    """Limits as a plain dict (for the gradebook summary)."""
    return asdict(limits)
