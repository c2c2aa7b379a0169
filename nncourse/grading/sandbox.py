"""Run one submission in a bubblewrap sandbox and talk to it over a strict, bounded protocol.

The child is ``python -I -m nncourse.exercises.sandbox_runner`` inside ``bwrap`` with new PID,
network, IPC, UTS, cgroup and mount namespaces; it runs as an unprivileged uid (dropped with
``setpriv`` before Python starts, so rlimits such as the process count hold even when the grader
runs as root). Its file system is built from nothing: the system libraries, the Python
installation, the virtual environment and the ``nncourse`` package are bound read-only, with
``nncourse/grading`` (the grader, reference solutions) covered by an empty read-only directory;
``/proc`` is fresh, ``/dev`` minimal, and a size-limited tmpfs at ``/tmp`` is the only writable
place. Submissions, ``--out``, private tests and host sockets are simply not there.

The notebook goes to the child over stdin, never argv. Every read has a deadline; a message
that is not the next one expected, or a frame over the size cap, kills the child.

Example:
    >>> with ChildSession(["def f(x):\\n    return x"], Limits()) as child:   # doctest: +SKIP
    ...     child.run_cells()
    {0: 'ok'}
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import nncourse
from nncourse.grading.wire import HEADER, MAX_FRAME_BYTES, decode, frame

BWRAP_PACKAGE = "bubblewrap"
RUNNER = "nncourse.exercises.sandbox_runner"
#: Sandboxes run as uid/gid ``UID_BASE + (grader pid % 50000)``: unprivileged, and one per
#: grading process so that concurrent sandboxes do not share a process-count budget.
UID_BASE = 100_000
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/fonts", "/etc/alternatives")


@dataclass
class Limits:
    """Per-child limits (seconds, bytes, counts)."""

    cell_timeout: float = 60.0
    exercise_timeout: float = 10.0
    submission_timeout: float = 300.0
    max_restarts: int = 3
    cpu_seconds: int = 120
    memory_bytes: int = 2 << 30
    processes: int = 32
    file_size_bytes: int = 16 << 20
    tmpfs_bytes: int = 64 << 20
    open_files: int = 256
    output_chars: int = 20_000


class ChildDied(Exception):
    """The child exited, timed out, or sent something the protocol does not allow."""

    def __init__(self, message: str, cell: int | None = None, final: bool = False) -> None:
        super().__init__(message)
        self.cell = cell
        self.final = final          # True: no restart can help (the submission deadline passed)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def package_dir() -> Path:
    """The directory of the installed ``nncourse`` package."""
    return Path(nncourse.__file__).resolve().parent


def visible_dirs() -> list[str]:
    """Directories bound read-only into the sandbox (besides system dirs and /etc basics)."""
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix,
                                           sys.exec_prefix)}
    roots.add(str(package_dir()))
    return sorted(roots)


def hidden_dirs() -> list[str]:
    """Directories inside :func:`visible_dirs` that are covered by an empty read-only dir."""
    return [str(package_dir() / "grading")]


def exposed(path: str | Path) -> bool:
    """True if ``path`` would be visible inside the sandbox (it lies in a bound folder)."""
    real = os.path.realpath(path)
    hidden = [os.path.realpath(h) for h in hidden_dirs()]
    if any(real == h or real.startswith(h + os.sep) for h in hidden):
        return False
    return any(real == d or real.startswith(os.path.realpath(d) + os.sep)
               for d in [*visible_dirs(), *SYSTEM_DIRS, *ETC_FILES])


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts
    return [str(Path(*parts[:i])) for i in range(2, len(parts))]


def bwrap_arguments(bwrap: str, uid: int, limits: Limits) -> list[str]:
    """The ``bwrap ... setpriv ...`` prefix that starts a program in the sandbox."""
    args = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
            "--new-session"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    made = {"/"}
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    bound = [d for d in visible_dirs() if not any(d.startswith(o + os.sep)
                                                  for o in visible_dirs() if o != d)]
    for path in bound:
        if any(path == s or path.startswith(s + os.sep) for s in SYSTEM_DIRS):
            continue
        for parent in _ancestors(path):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", parent]
        args += ["--ro-bind", path, path]
    for path in hidden_dirs():
        if os.path.isdir(path):
            args += ["--perms", "0555", "--tmpfs", path, "--remount-ro", path]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(int(limits.tmpfs_bytes)), "--tmpfs", "/tmp",
             "--chdir", "/tmp", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
             shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
             "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


def scrubbed_environment(home: str) -> dict[str, str]:
    """A minimal environment: no inherited variables, one thread per numeric library."""
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """None if the sandbox works here; otherwise why not, naming the package to install."""
    bwrap = os.environ.get("NNCOURSE_BWRAP") or shutil.which("bwrap")
    if not bwrap or not os.access(bwrap, os.X_OK):
        return (f"bubblewrap (bwrap) is not installed; install Debian's '{BWRAP_PACKAGE}' "
                f"package (sudo apt-get install {BWRAP_PACKAGE}), or pass --no-sandbox to "
                f"grade only notebooks you trust")
    command = [*bwrap_arguments(bwrap, UID_BASE, Limits()), sys.executable, "-I", "-c",
               f"import {RUNNER}"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, env=scrubbed_environment(
            "/tmp"))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start ({type(exc).__name__}: {exc})"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        return (f"bwrap cannot create the sandbox here ({why[0][:200]}); it needs user or "
                f"root privileges for namespaces and a setpriv binary (util-linux)")
    return None


def require_sandbox() -> None:
    """Raise :class:`SandboxUnavailable` with a clear message if the sandbox cannot run."""
    problem = sandbox_problem()
    if problem:
        raise SandboxUnavailable(problem)


class ChildSession:
    """One sandboxed child: start it, run the cells, then call exercises one at a time.

    Args:
        cells: code cell sources, in notebook order.
        limits: the :class:`Limits`.
        skip: cell indices not to run (cells that hung or misbehaved in an earlier child).
        sandbox: False runs the child without bubblewrap (trusted notebooks only).
        deadline: ``time.monotonic()`` value after which every wait fails for good.
    """

    def __init__(self, cells: list[str], limits: Limits, skip: frozenset[int] = frozenset(),
                 sandbox: bool = True, deadline: float | None = None) -> None:
        self.cells, self.limits, self.skip = cells, limits, skip
        self.deadline = deadline if deadline is not None else \
            time.monotonic() + limits.submission_timeout
        self.buffer = b""
        self.work_dir = None
        self.inner_pid = None
        child_limits = {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes,
                        "file_size_bytes": limits.file_size_bytes,
                        "open_files": limits.open_files,
                        "processes": limits.processes if sandbox else 0}
        python = [sys.executable, "-I", "-m", RUNNER]
        if sandbox:
            require_sandbox()
            bwrap = os.environ.get("NNCOURSE_BWRAP") or shutil.which("bwrap")
            info_read, info_write = os.pipe()
            command = [*bwrap_arguments(bwrap, UID_BASE + os.getpid() % 50_000, limits),
                       *python]
            command[1:1] = ["--info-fd", str(info_write)]
            env, cwd, fds = scrubbed_environment("/tmp"), "/", (info_write,)
        else:
            self.work_dir = tempfile.mkdtemp(prefix="nncourse-sandbox-")
            command, env, cwd, fds = python, scrubbed_environment(self.work_dir), \
                self.work_dir, ()
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, cwd=cwd, env=env, pass_fds=fds,
                start_new_session=True)
        except BaseException:
            self._remove_work_dir()
            raise
        finally:
            if sandbox:
                os.close(info_write)
        if sandbox:
            self.inner_pid = _read_child_pid(info_read, self.deadline)
        os.set_blocking(self.process.stdin.fileno(), False)
        self.send({"type": "start", "cells": cells, "skip": sorted(skip),
                   "limits": child_limits, "output_chars": limits.output_chars})

    # ------------------------------------------------------------------ framing
    def _wait(self, timeout: float) -> float:
        remaining = min(timeout, self.deadline - time.monotonic())
        if self.deadline - time.monotonic() <= 0:
            raise ChildDied(f"ran past the {self.limits.submission_timeout:g} s limit for "
                            f"one submission", final=True)
        return remaining

    def receive(self, timeout: float) -> dict:
        """Next message from the child, or ChildDied on timeout / exit / garbage."""
        end = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack(self.buffer[:HEADER.size])
                if size > MAX_FRAME_BYTES:
                    raise ChildDied(f"sent a message of {size} bytes (over the limit)")
                if len(self.buffer) >= HEADER.size + size:
                    data = self.buffer[HEADER.size:HEADER.size + size]
                    self.buffer = self.buffer[HEADER.size + size:]
                    try:
                        message = decode(json.loads(data))
                    except Exception as exc:   # ValueError, RecursionError, binascii.Error
                        raise ChildDied(f"sent unreadable data ({type(exc).__name__})") from None
                    if not isinstance(message, dict):
                        raise ChildDied("sent unreadable data")
                    return message
            remaining = self._wait(end - time.monotonic())
            if remaining <= 0:
                raise ChildDied(f"timed out after {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise ChildDied(_describe_exit(self._exit_code()))
                self.buffer += chunk

    def send(self, message: dict) -> None:
        """Write one frame to the child's stdin, never blocking past the deadline."""
        try:
            view = memoryview(frame(message))
        except ValueError as exc:
            raise ChildDied(f"could not be sent its input ({exc})") from None
        fd = self.process.stdin.fileno()
        while view:
            remaining = self._wait(self.limits.cell_timeout)
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                raise ChildDied("stopped reading its input")
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError:
                raise ChildDied(_describe_exit(self._exit_code())) from None

    def _exit_code(self) -> int | None:
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    # ------------------------------------------------------------------ phases
    def run_cells(self) -> dict[int, str]:
        """Run the cells; return {index: status}. ChildDied carries ``.cell`` when one failed."""
        statuses: dict[int, str] = {}
        order = [i for i in range(len(self.cells)) if i not in self.skip]
        current = None
        for index in order + [None]:
            expected = ({"type": "ready"} if index is None else
                        {"type": "cell_start", "index": index})
            try:
                message = self.receive(self.limits.cell_timeout + 10.0 if current is None
                                       else self.limits.cell_timeout)
            except ChildDied as exc:
                exc.cell = current if current is not None else exc.cell
                raise
            if message != expected:
                raise ChildDied("sent a message the grader did not expect", cell=index)
            if index is None:
                return statuses
            current = index
            try:
                message = self.receive(self.limits.cell_timeout)
            except ChildDied as exc:
                exc.cell = index
                raise
            if set(message) != {"type", "index", "status"} or message["type"] != "cell_done" \
                    or message["index"] != index or not isinstance(message["status"], str):
                raise ChildDied("sent a message the grader did not expect", cell=index)
            statuses[index] = message["status"][:300]
            current = None
        return statuses

    def call(self, exercise_id: str, expr: str, inputs: dict) -> dict:
        """Ask the child to run one case; returns the plain outcome {"ok": ...} / {"error": ...}."""
        self.send({"type": "call", "id": exercise_id, "expr": expr, "inputs": inputs})
        message = self.receive(self.limits.exercise_timeout)
        outcome = message.get("outcome")
        if set(message) != {"type", "outcome"} or message["type"] != "result" \
                or not isinstance(outcome, dict) or set(outcome) not in ({"ok"}, {"error"}):
            raise ChildDied("sent a reply that is not a result")
        if "error" in outcome:
            outcome = {"error": str(outcome["error"])[:400]}
        return outcome

    # ------------------------------------------------------------------ cleanup
    def close(self) -> None:
        """Kill every process of the sandbox, reap them, and remove any temporary directory."""
        try:
            if self.process.poll() is None:
                if self.inner_pid:
                    _kill(self.inner_pid)      # the sandbox's PID 1: its namespace dies with it
                _kill(-self.process.pid)
                _kill(self.process.pid)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignored
            pass
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._remove_work_dir()

    def _remove_work_dir(self) -> None:
        if self.work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None

    def __enter__(self) -> ChildSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_child_pid(fd: int, deadline: float) -> int | None:
    """The outside PID of the sandbox's PID 1, from bwrap's ``--info-fd`` JSON."""
    data = b""
    try:
        while len(data) < 4096:
            ready, _, _ = select.select([fd], [], [], max(0.0, min(10.0, deadline -
                                                                  time.monotonic())))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            if b"}" in data:
                break
    finally:
        os.close(fd)
    try:
        pid = json.loads(data.decode()).get("child-pid")
    except (ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) and pid > 1 else None


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped responding"
    if code > 128 and code - 128 in (signal.SIGKILL, signal.SIGXCPU, signal.SIGSEGV):
        code = 128 - code          # bwrap reports a child killed by signal N as 128 + N
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else -code
        return {"SIGKILL": "was killed (memory or CPU limit?)",
                "SIGXCPU": "ran out of CPU time"}.get(str(name), f"was killed by {name}")
    return f"ended the Python process (exit code {code}, e.g. os._exit or a crash)"


def limits_dict(limits: Limits) -> dict:
    """Limits as a plain dict (for the gradebook summary)."""
    return asdict(limits)
