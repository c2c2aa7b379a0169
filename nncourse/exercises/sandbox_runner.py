"""The program that runs one submission inside the grading sandbox (learner side; never judges).

The grader starts ``python -I`` on this module (``main``) inside bubblewrap, where
only the interpreter, the libraries and the learner-side package are visible, read-only. This
module is deliberately on the learner side: the sandbox never mounts ``nncourse.grading``, so the
program that runs learner code must not come from there.

Protocol (both directions): a frame is an 8-byte big-endian length, then that many bytes of UTF-8
JSON; arrays travel as base64 ``.npy`` saved without pickle; a frame's size, item count and depth
are checked before it is decoded. The grader sends one ``start`` message (cells, cells to skip,
limits, the answer expression of each exercise) over stdin — never argv, so no other process can
read a notebook from ``/proc/<pid>/cmdline`` — then ``call`` messages.

Two processes: ``main`` keeps the grader's pipes and never runs learner code (it is not
dumpable, so learner code of the same uid cannot open its descriptors); it forks the worker that
runs the cells and the calls, and writes every message to the grader itself: ``booted``,
``cell_start``/``cell_done`` per cell, ``ready``, one ``result`` per call. Each command to the
worker carries a fresh random tag, and only a reply with that tag answers it, so frames learner
code writes into its own pipes are ignored. Outputs are plain data; the grader's trusted process
does all judging.

In the sandbox the library is a sanitized copy whose exercise functions call
:func:`learner_answer`: the learner's own answer stands in for the reference.

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

from nncourse.exercises.errors import LearnerError
from nncourse.i18n import _

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


#: The most JSON containers and items one frame may hold: checked on the bytes, before decoding,
#: so a frame of ``[[],[],...]`` or ``[0,0,...]`` is refused without building millions of objects.
MAX_FRAME_CONTAINERS = 100_000
MAX_FRAME_ITEMS = 2_000_000
MAX_FRAME_DEPTH = 64


def check_frame(data: bytes) -> str | None:
    """None if ``data`` may be decoded; otherwise what is wrong with it (no decoding done).

    Counts are taken on the raw bytes (brackets inside strings count too, which only errs on the
    strict side; arrays travel as base64 strings, which hold none).
    """
    containers = data.count(b"[") + data.count(b"{")
    if containers > MAX_FRAME_CONTAINERS:
        return f"a message of {containers} nested lists or objects (over the limit)"
    items = data.count(b",") + data.count(b":")
    if items > MAX_FRAME_ITEMS:
        return f"a message of {items} items (over the limit)"
    depth = deepest = 0
    if containers > MAX_FRAME_DEPTH:
        for byte in data.translate(None, _NOT_BRACKETS):
            depth += 1 if byte in b"[{" else -1
            deepest = max(deepest, depth)
            if deepest > MAX_FRAME_DEPTH:
                return f"a message nested more than {MAX_FRAME_DEPTH} levels deep"
    return None


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


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
    data = read_exact(fd, size)
    problem = check_frame(data)
    if problem:
        raise ValueError(problem)
    message = decode(json.loads(data))
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


def display(*objects: object, **options: object) -> None:
    """IPython's ``display`` (a kernel builtin): a graded run shows nothing."""
    return None


def _describe(exc: BaseException, limit: int = 200) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a learner exception whose __str__ fails
        text = type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- stand-ins
#: What the notebook answers (exercise id -> expression) and where its names live; set by the
#: worker before the first cell runs. The sandbox's copy of the library calls
#: :func:`learner_answer` wherever the real library had an exercise's reference.
_ANSWERS: dict[str, str] = {}
_NAMESPACE: dict = {}
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ACTIVE: set[str] = set()


class OwnAnswerRequired(LearnerError, RuntimeError):
    """A library function that is an exercise was called where the learner's answer is missing.

    A :class:`LearnerError`: its sentence reaches the learner as it is.
    """

    __module__ = "builtins"          # feedback shows the bare name


def _not_your_own(exercise_id: str, name: str, why: str) -> OwnAnswerRequired:
    return OwnAnswerRequired(_(
        "`{name}` is what exercise {exercise_id} asks you to write ({why}); in a graded run "
        "nncourse's own `{name}` calls your answer, so importing or calling it earns nothing: "
        "write it yourself in the notebook.").format(name=name, exercise_id=exercise_id,
                                                     why=why))


def library_guard(exercise_id: str, name: str) -> None:
    """First statement of a twin's own code (``_library_<name>``) in the sandbox's library.

    The twin serves the library's own layers outside an answer's call; called from notebook
    code, or while the learner's answer to ``exercise_id`` runs, it raises.
    """
    frame = sys._getframe(2)                     # who called _library_<name>
    from_stand_in = frame.f_code.co_name == "stand_in" and frame.f_code.co_filename == __file__
    if exercise_id in _ACTIVE or not (from_stand_in or frame.f_code.co_filename.startswith(
            _PACKAGE + os.sep)):
        raise _not_your_own(exercise_id, name, _("in the other backend"))


def _rebound(answer, signature, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The library's call of ``answer`` with arguments matched by parameter name.

    The library's own code calls an exercise's function with the library's signature (e.g.
    ``iterate_minibatches(x, y, batch_size, shuffle, rng)``); a learner's answer that follows
    the lab's shorter signature gets the arguments it names. Unchanged when the call already
    fits the answer, or when a parameter the answer needs is not among the library's.
    """
    import inspect

    try:
        own = inspect.signature(answer)
        own.bind(*args, **kwargs)
        return args, kwargs
    except (TypeError, ValueError):
        pass
    try:
        bound = inspect.signature(signature).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs
    given = dict(bound.arguments)
    bound.apply_defaults()
    named = {}
    for parameter in own.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in bound.arguments:
            named[parameter.name] = bound.arguments[parameter.name]
        elif parameter.default is parameter.empty:
            return args, kwargs
    library = inspect.signature(signature).parameters
    for name, value in given.items():     # an option the answer lacks, set to a non-default
        default = library[name].default
        if name not in named and (default is library[name].empty or not _same_value(value,
                                                                                    default)):
            raise OwnAnswerRequired(_(
                "nncourse's own code calls `{function}` with {name}={value!r:.40}, which your "
                "answer does not take; in a graded run the library uses your answer, so this "
                "call needs the library's full signature").format(
                    function=getattr(signature, "__name__", "")[11:], name=name, value=value))
    return (), named


def _same_value(a, b) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:
        return False


def learner_answer(exercise_id: str, name: str, part: int | None, library=None,
                   signature=None):
    """The learner's own answer to ``exercise_id`` standing in for the library's ``name``.

    Returns a callable that, when called, evaluates the notebook's answer expression and calls
    it (part ``part`` of a tuple/list/dict answer for multi-function exercises). A twin in the
    other backend (``part`` None) runs ``library`` (its own code) for callers inside the
    package and raises for notebook code; a missing answer, or an answer that is the library's
    own stand-in, raise :class:`OwnAnswerRequired` with a sentence naming the exercise.
    """

    def stand_in(*args, **kwargs):
        if part is None:
            frame = sys._getframe(1)
            if frame.f_code.co_name == name:      # the module-level def that holds the name
                frame = frame.f_back
            caller = frame.f_code.co_filename if frame is not None else ""
            if library is not None and caller.startswith(_PACKAGE + os.sep) \
                    and exercise_id not in _ACTIVE:
                return library(*args, **kwargs)   # a layer of the library uses its twin
            raise _not_your_own(exercise_id, name, _("in the other backend"))
        if exercise_id in _ACTIVE:
            raise _not_your_own(exercise_id, name, _("your answer uses nncourse's copy of it"))
        if exercise_id not in _ANSWERS:
            raise _not_your_own(exercise_id, name, _("the notebook has no answer for it"))
        _ACTIVE.add(exercise_id)
        try:
            try:
                answer = eval(compile(_ANSWERS[exercise_id], "<answer>", "eval"), _NAMESPACE)
            except Exception:
                raise _not_your_own(exercise_id, name, _("your answer is not defined yet")) \
                    from None
            if isinstance(answer, dict):
                answer = answer.get(name, next(iter(answer.values()), None) if len(answer) == 1
                                    else None)
            elif isinstance(answer, list | tuple):
                answer = answer[part] if part < len(answer) else None
            if not callable(answer) or getattr(answer, "__nncourse_stand_in__", False):
                raise _not_your_own(exercise_id, name, _("your answer is nncourse's own"))
            if signature is not None:
                args, kwargs = _rebound(answer, signature, args, kwargs)
            return answer(*args, **kwargs)
        finally:
            _ACTIVE.discard(exercise_id)

    stand_in.__nncourse_stand_in__ = True
    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


# ----------------------------------------------------------------------------- the processes
#: The supervisor's exit status when the worker ran past a time limit (the grader says so).
TIMED_OUT = 124

def _set_dumpable(flag: int) -> None:
    """PR_SET_DUMPABLE: 0 closes this process's /proc/<pid>/fd and memory to its own uid."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, flag, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: this process gets SIGKILL when its parent dies."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap(pid: int) -> tuple[int, int]:
    """``waitpid`` of a worker that has closed its pipe (it may take a moment to exit)."""
    import time

    for _attempt in range(50):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return 0, 0
        if done:
            return done, status
        time.sleep(0.01)
    return 0, 0


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _read_some(fd: int, size: int, end: float) -> bytes | None:
    """Up to ``size`` bytes from ``fd`` before ``end`` (None: timed out or closed)."""
    import select
    import time

    remaining = end - time.monotonic()
    if remaining <= 0:
        return None
    ready, _, _ = select.select([fd], [], [], remaining)
    if not ready:
        return None
    chunk = os.read(fd, min(1 << 20, size))
    return chunk or None


def _await_reply(fd: int, tag: str, seconds: float, limit: int) -> bytes | None:
    """The body of the worker's reply tagged ``tag`` within ``seconds``, skipping any other frame.

    Each command carries a fresh random tag, so frames that learner code writes into the reply
    pipe do not answer it; None when the time is up, the worker is gone, or the reply is too big.
    """
    import time

    end = time.monotonic() + seconds
    prefix = b'{"tag": "' + tag.encode() + b'", "body": '
    while True:
        head = b""
        while len(head) < HEADER.size:
            chunk = _read_some(fd, HEADER.size - len(head), end)
            if chunk is None:
                return None
            head += chunk
        (size,) = HEADER.unpack(head)
        body, keep = b"", size <= limit
        while size:
            chunk = _read_some(fd, size, end)
            if chunk is None:
                return None
            size -= len(chunk)
            if keep:
                body += chunk
        if keep and body.startswith(prefix) and body.endswith(b"}"):
            return body[len(prefix):-1]


def _reply(fd: int, tag: str, body: bytes) -> None:
    data = b'{"tag": "' + tag.encode() + b'", "body": ' + body + b"}"
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def main() -> None:
    """Supervise one worker process that runs the learner code; speak to the grader myself.

    The grader's pipes stay in this process, which never runs learner code and is not dumpable,
    so learner code (in the forked worker, same uid) cannot reach them: it cannot send the
    grader a protocol message. This process writes ``booted`` once the worker has imported
    everything, ``cell_start``/``cell_done`` around each cell, ``ready``, and one ``result`` per
    call, each bounded by its own clock: a worker past a limit is killed and this process exits.
    """
    channel_in, channel_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _set_dumpable(0)
    _die_with_parent()
    start = read_message(channel_in)
    command_read, command_write = os.pipe()
    reply_read, reply_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _die_with_parent()
            for fd in (channel_in, channel_out, command_write, reply_read):
                os.close(fd)
            _worker(start, command_read, reply_write)
        finally:
            os._exit(0)
    os.close(command_read)
    os.close(reply_write)
    code = TIMED_OUT
    try:
        _supervise(start, channel_in, channel_out, command_write, reply_read)
    finally:
        done, status = _reap(pid)   # the worker's own end (a crash, os._exit, a kill)
        _kill(pid)
        if done:
            code = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else \
                os.WEXITSTATUS(status)
        os._exit(code)


def _supervise(start: dict, channel_in: int, channel_out: int, command: int, reply: int) -> None:
    grace = 2.0
    if _await_reply(reply, "booted", float(start.get("startup_timeout", 120)), 1 << 10) is None:
        return
    write_message(channel_out, {"type": "booted"})
    skip = set(start.get("skip", []))
    cell_seconds = float(start.get("cell_timeout", 0)) or 1e9
    for index in range(len(start.get("cells", []))):
        if index in skip:
            continue
        write_message(channel_out, {"type": "cell_start", "index": index})
        tag = os.urandom(16).hex()
        write_message(command, {"type": "cell", "index": index, "tag": tag})
        data = _await_reply(reply, tag, cell_seconds + grace, 1 << 16)
        if data is None:
            return                           # the grader sees the end: this cell failed
        try:
            status = str(json.loads(data))[:300]
        except (ValueError, RecursionError):
            status = "the cell sent unreadable data"
        write_message(channel_out, {"type": "cell_done", "index": index, "status": status})
    write_message(channel_out, {"type": "ready"})
    call_seconds = float(start.get("exercise_timeout", 0)) or 1e9
    while True:
        try:
            request = read_message(channel_in)
        except EOFError:
            return
        tag = os.urandom(16).hex()
        write_message(command, {**request, "tag": tag})
        data = _await_reply(reply, tag, call_seconds + grace, MAX_FRAME_BYTES - 128)
        if data is None:
            return
        body = b'{"type": "result", "outcome": ' + data + b"}"
        view = memoryview(HEADER.pack(len(body)) + body)
        while view:
            view = view[os.write(channel_out, view):]


def _worker(start: dict, command: int, reply: int) -> None:
    """Import, run the cells and the calls the supervisor asks for (learner code runs here)."""
    set_limits(start.get("limits", {}))
    sys.stdout = sys.__stdout__ = CappedText(int(start.get("output_chars", 20_000)))
    sys.stderr = sys.__stderr__ = CappedText(int(start.get("output_chars", 20_000)))

    from nncourse.exercises import runtime

    observe = runtime.observe     # taken before any learner code runs (it may patch the module)
    for name in start.get("preload", []):
        __import__(name)
    sys.addaudithook(friendly_hook)
    namespace = _NAMESPACE             # the stand-ins read answers from the notebook's names
    namespace.update({"__name__": "__main__", "__builtins__": __builtins__,
                      "display": display})
    _ANSWERS.update({str(k): str(v) for k, v in dict(start.get("answers", {})).items()})
    alarm = Alarm()
    cell_seconds = float(start.get("cell_timeout", 0))
    _reply(reply, "booted", b"true")
    cells = start.get("cells", [])
    while True:
        try:
            request = read_message(command)
        except EOFError:
            return
        if not isinstance(request.get("tag"), str):
            continue                         # not from the supervisor (every command has one)
        if request.get("type") == "cell":
            if not isinstance(request.get("index"), int) or \
                    not 0 <= request["index"] < len(cells):
                continue
            index = request["index"]
            status = "ok"
            try:
                with alarm(cell_seconds):
                    exec(compile(strip_magics(cells[index]), f"<cell {index + 1}>", "exec"),
                         namespace)
            except SystemExit:
                status = "called sys.exit()"
            except BaseException as exc:  # learner code: report and go on with the next cell
                status = _describe(exc)
            _reply(reply, str(request.get("tag")), json.dumps(status).encode())
            continue
        if request.get("type") != "call":
            continue
        with alarm(float(start.get("exercise_timeout", 0))):
            outcome = _call(request, namespace, observe)
        try:
            data = json.dumps(encode(outcome), allow_nan=True).encode("utf-8")
            if len(data) > MAX_FRAME_BYTES - 256:
                raise ValueError(f"{len(data)} bytes is over the limit")
        except (TypeError, ValueError, RecursionError, OverflowError) as exc:
            data = json.dumps({"error": f"returned data that cannot be sent back: "
                                        f"{_describe(exc, 160)}"}).encode("utf-8")
        _reply(reply, str(request.get("tag")), data)


def _call(request: dict, namespace: dict, observe) -> dict:
    """Evaluate the answer expression and observe it on the call spec the grader built."""
    spec, inputs = request.get("spec"), request.get("inputs")
    if not isinstance(spec, dict) or not isinstance(inputs, dict):
        return {"error": "the grader sent a call without its spec or inputs"}
    try:
        obj = eval(compile(str(request.get("expr")), "<answer>", "eval"), namespace)
    except BaseException as exc:
        return {"error": f"could not evaluate `{str(request.get('expr'))[:80]}`: "
                         f"{_describe(exc)}"}
    # While the answer to an exercise is observed, that exercise's library function and its twin
    # serve no one: a layer of either backend that calls them (Softmax.forward calling softmax)
    # must not hand the learner the reference's result.
    observed = {exercise_id for exercise_id, expression in _ANSWERS.items()
                if expression == str(request.get("expr"))}
    _ACTIVE.update(observed)
    try:
        return observe(spec, obj, inputs)
    except BaseException as exc:  # SystemExit or KeyboardInterrupt from learner code
        return {"error": f"raised {_describe(exc)}"}
    finally:
        _ACTIVE.difference_update(observed)


if __name__ == "__main__":
    main()
