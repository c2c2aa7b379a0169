"""Run one submission in a bubblewrap sandbox and talk to it over a strict, bounded protocol.

The child is ``python -I`` running :mod:`nncourse.exercises.sandbox_runner` inside ``bwrap``
(the command line and what the sandbox sees are in :mod:`.bwrap`): an unprivileged uid in its
own namespaces,
with a read-only file system that holds no submission, ``--out``, private test, reference
solution or host socket. ``sandbox=False`` runs the same child without bwrap (trusted notebooks).

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
import tempfile
import time
from dataclasses import asdict, dataclass

from nncourse.exercises.sandbox_runner import TIMED_OUT
from nncourse.grading import seccomp
from nncourse.grading.bwrap import (  # noqa: F401  (re-exported for callers)
    BWRAP_PACKAGE,
    RUNNER,
    UID_BASE,
    SandboxUnavailable,
    _memfd,
    bwrap_arguments,
    exposed,
    font_cache,
    package_dir,
    require_sandbox,
    runner_command,
    sandbox_problem,
    scrubbed_environment,
)
from nncourse.grading.cgroup import MemoryCage, memory_cap_problem
from nncourse.grading.wire import HEADER, MAX_FRAME_BYTES, check_frame, decode, frame

#: Seconds the grader waits past a limit the child enforces itself (``SIGALRM`` in the child).
GRACE = 2.0
#: What an observation of :func:`nncourse.exercises.runtime.observe` may hold.
OBSERVATION_KEYS = {"output", "error", "error_type", "mutated", "aliases", "reseeded", "repeat",
                    "other_seed", "probes"}


@dataclass
class Limits:
    """Per-child limits (seconds, bytes, counts).

    ``memory_bytes`` caps each process's address space and, where the grader can create a
    memory cgroup (:mod:`.cgroup`), all the submission's memory together (memfd and /tmp pages
    included). ``startup_timeout`` is the grader's own start-up (never charged to a student).
    """

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
    startup_timeout: float = 120.0


class ChildDied(Exception):
    """The child exited, timed out, or sent something the protocol does not allow."""

    def __init__(self, message: str, cell: int | None = None, final: bool = False,
                 grader: bool = False) -> None:
        super().__init__(message)
        self.cell = cell
        self.final = final          # True: no restart can help (the submission deadline passed)
        self.grader = grader        # True: the sandbox itself failed, not the submission


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
                 sandbox: bool = True, deadline: float | None = None,
                 answers: dict[str, str] | None = None, library=None) -> None:
        self.cells, self.limits, self.skip = cells, limits, skip
        self.deadline = deadline if deadline is not None else \
            time.monotonic() + limits.submission_timeout
        # Until the sandbox reports "booted" the time is the grader's: bounded by the start-up
        # limit, then added to the submission's deadline (see run_cells).
        self.spawned, self.booting = time.monotonic(), True
        self.buffer = b""
        self.started = False          # True once the runner sent its first message
        self.work_dir = None
        self.inner_pid = None
        self.cage = None
        child_limits = {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes,
                        "file_size_bytes": limits.file_size_bytes,
                        "open_files": limits.open_files,
                        "processes": limits.processes if sandbox else 0}
        python = runner_command()
        if sandbox:
            require_sandbox()
            bwrap = os.environ.get("NNCOURSE_BWRAP") or shutil.which("bwrap")
            info_read, info_write = os.pipe()
            fds, in_tmp = [info_write], []
            fonts = font_cache()
            if fonts:
                fds.append(_memfd(fonts[1]))
                in_tmp = ["--perms", "0777", "--dir", "/tmp/.matplotlib", "--file",
                          str(fds[-1]), f"/tmp/.matplotlib/{fonts[0]}"]
            uid = UID_BASE + os.getpid() % 50_000
            if library is None:
                from nncourse.grading.sanitize import default_library

                library = default_library()
            command = [*bwrap_arguments(bwrap, uid, limits.tmpfs_bytes, in_tmp, library),
                       *python]
            if memory_cap_problem() is None:
                try:
                    self.cage = MemoryCage.create(limits.memory_bytes)
                except OSError:
                    self.cage = None
            command[1:1] = ["--info-fd", str(info_write)]
            if seccomp.available():
                fds.append(_memfd(seccomp.filter_program()))
                command[1:1] = ["--seccomp", str(fds[-1])]
            env, cwd = scrubbed_environment("/tmp"), "/"
        else:
            self.work_dir = tempfile.mkdtemp(prefix="nncourse-sandbox-")
            command, env, cwd = python, scrubbed_environment(self.work_dir), self.work_dir
            fds, fonts = [], font_cache()
            if fonts:
                os.mkdir(os.path.join(self.work_dir, ".matplotlib"))
                with open(os.path.join(self.work_dir, ".matplotlib", fonts[0]), "wb") as handle:
                    handle.write(fonts[1])
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if sandbox else subprocess.DEVNULL, cwd=cwd, env=env,
                pass_fds=tuple(fds),
                start_new_session=True,
                preexec_fn=None if self.cage is None else self.cage.join)
        except BaseException:
            self._remove_work_dir()
            if self.cage is not None:
                self.cage.close()
            raise
        finally:
            for fd in fds:
                os.close(fd)
        if sandbox:
            self.inner_pid = _read_child_pid(info_read, self.spawned + limits.startup_timeout)
        os.set_blocking(self.process.stdin.fileno(), False)
        try:
            self.send({"type": "start", "cells": cells, "skip": sorted(skip),
                       "limits": child_limits, "output_chars": limits.output_chars,
                       "cell_timeout": limits.cell_timeout,
                       "exercise_timeout": limits.exercise_timeout,
                       "startup_timeout": limits.startup_timeout,
                       "answers": dict(answers or {})})
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ framing
    def _wait(self, timeout: float) -> float:
        if self.booting:
            return timeout
        remaining = min(timeout, self.deadline - time.monotonic())
        if self.deadline - time.monotonic() <= 0:
            raise ChildDied(f"ran past the {self.limits.submission_timeout:g} s limit for "
                            f"one submission", final=True)
        return remaining

    def receive(self, timeout: float, grace: float = 0.0) -> dict:
        """Next message from the child, or ChildDied on timeout / exit / garbage.

        The child stops its own cells and cases after ``timeout`` seconds; the grader waits
        ``grace`` seconds more before it gives up on the child.
        """
        end = time.monotonic() + timeout + grace
        fd = self.process.stdout.fileno()
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack(self.buffer[:HEADER.size])
                if size > MAX_FRAME_BYTES:
                    raise ChildDied(f"sent a message of {size} bytes (over the limit)")
                if len(self.buffer) >= HEADER.size + size:
                    data = self.buffer[HEADER.size:HEADER.size + size]
                    self.buffer = self.buffer[HEADER.size + size:]
                    problem = check_frame(data)
                    if problem:
                        raise ChildDied(f"sent {problem}")
                    try:
                        message = decode(json.loads(data))
                    except Exception as exc:   # ValueError, RecursionError, binascii.Error
                        raise ChildDied(f"sent unreadable data ({type(exc).__name__})") from None
                    if not isinstance(message, dict):
                        raise ChildDied("sent unreadable data")
                    self.started = True
                    return message
            remaining = self._wait(end - time.monotonic())
            if remaining <= 0:
                raise ChildDied(f"timed out after {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise self._died()
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
                raise self._died() from None

    def _died(self) -> ChildDied:
        """Why the child went away; before its first message that is the grader's problem."""
        code = self._exit_code()
        if self.started:
            return ChildDied(_describe_exit(code))
        why = b""
        if self.process.stderr is not None and code is not None:
            os.set_blocking(self.process.stderr.fileno(), False)
            try:
                why = self.process.stderr.read(2000) or b""
            except OSError:
                pass
        text = why.decode("utf-8", "replace").strip().splitlines()[-1:] or [_describe_exit(code)]
        return ChildDied(f"the grader's sandbox failed before the notebook ran ({text[0][:200]});"
                         f" this is not the student's fault — check the grader's set-up",
                         grader=True)

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
        try:        # the grader's own start-up: its limit, never the student's
            message = self.receive(self.limits.startup_timeout)
        except ChildDied as exc:
            if exc.final:
                raise
            raise ChildDied(f"the grader's sandbox did not start ({exc}); this is not the "
                            f"student's fault — check the grader's set-up", grader=True) from None
        if message != {"type": "booted"}:
            raise ChildDied("sent a message the grader did not expect")
        self.booting = False
        self.deadline += time.monotonic() - self.spawned
        current = None
        for index in order + [None]:
            expected = ({"type": "ready"} if index is None else
                        {"type": "cell_start", "index": index})
            try:
                message = self.receive(self.limits.cell_timeout, 2 * GRACE)
            except ChildDied as exc:
                exc.cell = current if current is not None else exc.cell
                raise
            if message != expected:
                raise ChildDied("sent a message the grader did not expect", cell=index)
            if index is None:
                return statuses
            current = index
            try:
                message = self.receive(self.limits.cell_timeout, 2 * GRACE)
            except ChildDied as exc:
                exc.cell = index
                raise
            if set(message) != {"type", "index", "status"} or message["type"] != "cell_done" \
                    or message["index"] != index or not isinstance(message["status"], str):
                raise ChildDied("sent a message the grader did not expect", cell=index)
            statuses[index] = message["status"][:300]
            current = None
        return statuses

    def call(self, spec: dict, expr: str, inputs: dict) -> dict:
        """Ask the child to observe ``expr`` on one case: ``runtime.observe(spec, answer, inputs)``.

        ``spec`` is the case's call spec built trusted-side (``exercise.call_spec(inputs)``,
        plain data, probe inputs included); the reply is the plain observation.
        """
        self.send({"type": "call", "spec": spec, "expr": expr, "inputs": inputs})
        message = self.receive(self.limits.exercise_timeout, 2 * GRACE)
        outcome = message.get("outcome")
        if set(message) != {"type", "outcome"} or message["type"] != "result" \
                or not isinstance(outcome, dict) or not outcome \
                or not set(outcome) <= OBSERVATION_KEYS \
                or len(set(outcome) & {"output", "error"}) != 1:
            raise ChildDied("sent a reply that is not a result")
        if "error" in outcome:
            outcome = {"error": str(outcome["error"])[:400],
                       **({"error_type": str(outcome["error_type"])[:80]}
                          if "error_type" in outcome else {})}
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
            if self.cage is not None:
                self.cage.close()
                self.cage = None
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                try:
                    if stream is not None:
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
    if code == TIMED_OUT:
        return "timed out (and did not stop when asked)"
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
