"""The program that runs one submission inside the grading sandbox (learner side; never judges).

The grader starts ``python -I`` on this module (``main``) inside bubblewrap, where
only the interpreter, the libraries and the learner-side package are visible, read-only. This
module is deliberately on the learner side: the sandbox never mounts ``nncourse.grading``, so the
program that runs learner code must not come from there.

Protocol (both directions): a frame is an 8-byte big-endian length, then that many bytes of UTF-8
JSON; arrays travel as base64 ``.npy`` saved without pickle. The grader sends one ``start``
message (cells, cells to skip, limits) over stdin — never argv, so no other process can read a
notebook from ``/proc/<pid>/cmdline`` — then ``call`` messages. The runner answers
``cell_start``/``cell_done`` per cell, ``ready``, then one ``result`` per call. Outputs are plain
data; the grader's trusted process does all judging.

Example:
    >>> decode(json.loads(json.dumps(encode({"a": np.arange(3)}))))["a"].tolist()
    [0, 1, 2]
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import sys
from typing import Any

import numpy as np

ARRAY_KEY = "__nncourse_npy__"
HEADER = struct.Struct(">Q")
#: The largest frame either side accepts (bytes of JSON).
MAX_FRAME_BYTES = 64 << 20


# ----------------------------------------------------------------------------- wire format
def encode(value: Any) -> Any:
    """Plain data -> JSON-ready data; arrays become base64 .npy bytes (saved without pickle)."""
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {ARRAY_KEY: base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`; ``np.load(..., allow_pickle=False)`` so no object is rebuilt."""
    if isinstance(value, dict):
        if set(value) == {ARRAY_KEY} and isinstance(value[ARRAY_KEY], str):
            data = base64.b64decode(value[ARRAY_KEY].encode("ascii"), validate=True)
            return np.load(io.BytesIO(data), allow_pickle=False)
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def frame(message: dict) -> bytes:
    """One message as a frame: 8-byte big-endian length, then UTF-8 JSON."""
    data = json.dumps(encode(message), allow_nan=True).encode("utf-8")
    if len(data) > MAX_FRAME_BYTES:
        raise ValueError(f"a message of {len(data)} bytes is over the {MAX_FRAME_BYTES} limit")
    return HEADER.pack(len(data)) + data


def write_message(fd: int, message: dict) -> None:
    """Send one message on file descriptor ``fd``."""
    view = memoryview(frame(message))
    while view:
        view = view[os.write(fd, view):]


def read_exact(fd: int, size: int) -> bytes:
    """Exactly ``size`` bytes from ``fd`` (EOFError if the other side closed first)."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict:
    """One message from ``fd``; frames over :data:`MAX_FRAME_BYTES` are refused."""
    (size,) = HEADER.unpack(read_exact(fd, HEADER.size))
    if size > MAX_FRAME_BYTES:
        raise ValueError(f"a frame of {size} bytes is over the limit")
    message = decode(json.loads(read_exact(fd, size)))
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


# ----------------------------------------------------------------------------- the child
class CappedText(io.TextIOBase):
    """A stdout/stderr that keeps the first ``limit`` characters and drops the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size = limit, [], 0

    def write(self, text: str) -> int:
        if self.size < self.limit:
            self.parts.append(str(text)[: self.limit - self.size])
        self.size += len(text)
        return len(text)


def set_limits(limits: dict) -> None:
    """Lower this process's rlimits (inherited by everything it starts)."""
    import resource

    pairs = {"cpu_seconds": resource.RLIMIT_CPU, "memory_bytes": resource.RLIMIT_AS,
             "file_size_bytes": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC,
             "open_files": resource.RLIMIT_NOFILE}
    for key, which in pairs.items():
        if limits.get(key):
            value = int(limits[key])
            resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def friendly_hook(event: str, args: tuple) -> None:
    """Audit hook for clear messages only: the kernel sandbox is what enforces isolation."""
    blocked = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
               "subprocess.Popen", "pty.spawn", "socket.connect", "socket.bind",
               "socket.getaddrinfo", "urllib.Request")
    if event.startswith(blocked):
        raise PermissionError(f"the grader does not allow {event} (submissions run offline, "
                              f"in one process)")


class Alarm:
    """A wall-clock limit inside the child: ``SIGALRM`` raises TimeoutError in learner code.

    It lets a cell or a case that loops forever fail on its own, without the grader killing and
    restarting the child. Learner code can ignore the signal; the grader's own deadline (a little
    longer) then kills the child.
    """

    def __init__(self) -> None:
        import signal

        self.signal, self.seconds = signal, 0.0

    def _raise(self, signum, frame) -> None:
        raise TimeoutError(f"timed out after {self.seconds:g} s")

    def __call__(self, seconds: float) -> Alarm:
        self.seconds = float(seconds)
        return self

    def __enter__(self) -> None:
        if self.seconds > 0:
            self.signal.signal(self.signal.SIGALRM, self._raise)
            self.signal.setitimer(self.signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        self.signal.setitimer(self.signal.ITIMER_REAL, 0)


def strip_magics(source: str) -> str:
    """Drop IPython line magics, shell escapes and cell magics; the rest is plain Python."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _describe(exc: BaseException, limit: int = 200) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a learner exception whose __str__ fails
        text = type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main() -> None:
    """Read the start message, run the cells, then answer ``call`` messages until EOF."""
    # The protocol pipes move to private descriptors; 0/1/2 become /dev/null.
    channel_in, channel_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    start = read_message(channel_in)
    set_limits(start.get("limits", {}))
    sys.stdout = sys.__stdout__ = CappedText(int(start.get("output_chars", 20_000)))
    sys.stderr = sys.__stderr__ = CappedText(int(start.get("output_chars", 20_000)))

    from nncourse import exercises
    from nncourse.exercises.checking import run_answer
    from nncourse.exercises.registry import get_exercise, list_exercises

    for exercise in list_exercises():        # no reference answer is reachable from here
        if getattr(exercise, "solution", None) is not None:
            exercise.solution = None

    def recorder(exercise_id, value=None, *args, **kwargs):
        """In the sandbox ``check`` only records; the grader does all judging."""
        return None

    exercises.check = exercises.answer = recorder
    for name in start.get("preload", []):
        __import__(name)
    sys.addaudithook(friendly_hook)
    skip = set(start.get("skip", []))
    alarm = Alarm()
    cell_seconds = float(start.get("cell_timeout", 0))
    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    for index, source in enumerate(start.get("cells", [])):
        if index in skip:
            continue
        write_message(channel_out, {"type": "cell_start", "index": index})
        status = "ok"
        try:
            with alarm(cell_seconds):
                exec(compile(strip_magics(source), f"<cell {index + 1}>", "exec"), namespace)
        except SystemExit:
            status = "called sys.exit()"
        except BaseException as exc:  # learner code: report and go on with the next cell
            status = _describe(exc)
        write_message(channel_out, {"type": "cell_done", "index": index, "status": status})
    write_message(channel_out, {"type": "ready"})
    while True:
        try:
            request = read_message(channel_in)
        except EOFError:
            return
        with alarm(float(start.get("exercise_timeout", 0))):
            outcome = _call(request, namespace, get_exercise, run_answer)
        try:
            write_message(channel_out, {"type": "result", "outcome": outcome})
        except (TypeError, ValueError, RecursionError, OverflowError) as exc:
            write_message(channel_out, {"type": "result", "outcome": {
                "error": f"returned data that cannot be sent back: {_describe(exc, 160)}"}})


def _call(request: dict, namespace: dict, get_exercise, run_answer) -> dict:
    exercise = get_exercise(request["id"])
    try:
        obj = eval(compile(request["expr"], "<answer>", "eval"), namespace)
    except BaseException as exc:
        return {"error": f"could not evaluate `{str(request['expr'])[:80]}`: {_describe(exc)}"}
    try:
        return run_answer(exercise, obj, request["inputs"])
    except BaseException as exc:  # SystemExit or KeyboardInterrupt from learner code
        return {"error": f"raised {_describe(exc)}"}


if __name__ == "__main__":
    main()
