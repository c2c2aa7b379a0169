"""The sandboxed child: limits itself, runs a submission's cells, calls the learner's objects.

Started by :mod:`nncourse.grading.sandbox` as ``python -I -m nncourse.grading._child CONFIG``.
Everything here runs before any learner code: resource limits, the audit hook that keeps
file access inside the work directory and blocks sockets and new processes, then the cells.
It never judges: it sends plain outputs back and the parent compares them.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import sys

# The protocol pipes move to private descriptors; 0/1/2 become /dev/null so learner code
# cannot print into the protocol.
_IN = os.dup(0)
_OUT = os.dup(1)
_null = os.open(os.devnull, os.O_RDWR)
for _fd in (0, 1, 2):
    os.dup2(_null, _fd)

from nncourse.grading.wire import decode, write_message  # noqa: E402


class _CappedText(io.TextIOBase):
    """A stdout/stderr that keeps the first ``limit`` characters and drops the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size = limit, [], 0

    def write(self, text: str) -> int:
        if self.size < self.limit:
            self.parts.append(str(text)[: self.limit - self.size])
        self.size += len(text)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def _set_limits(limits: dict) -> None:
    pairs = {"cpu_seconds": resource.RLIMIT_CPU, "memory_bytes": resource.RLIMIT_AS,
             "file_size_bytes": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC}
    for key, which in pairs.items():
        if limits.get(key):
            value = int(limits[key])
            resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a too-big write raises instead of killing


def _install_audit_hook(work_dir: str, read_roots: list[str]) -> None:
    write_root = os.path.realpath(work_dir)
    roots = [os.path.realpath(r) for r in read_roots] + [write_root]
    blocked = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
               "subprocess.Popen", "pty.spawn", "socket.connect", "socket.bind",
               "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "urllib.Request",
               "sys.addaudithook", "os.kill", "os.killpg", "signal.pthread_kill")
    path_write = ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "shutil.rmtree", "os.chmod",
                  "os.symlink", "os.link", "os.truncate", "os.utime", "os.chown", "shutil.copyfile",
                  "shutil.move")
    path_read = ("os.listdir", "os.scandir", "glob.glob", "os.chdir")
    realpath, fspath = os.path.realpath, os.fspath

    def inside(path, allowed) -> bool:
        try:
            resolved = realpath(fspath(path) if not isinstance(path, bytes) else path.decode())
        except Exception:
            return False
        return any(resolved == root or resolved.startswith(root + os.sep) for root in allowed)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if path == os.devnull:
                return
            if not inside(path, [write_root] if writing else roots):
                raise PermissionError(f"the grader does not allow access to {path!r}")
        elif event.startswith(blocked):
            raise PermissionError(f"the grader does not allow {event}")
        elif event == "socket.__new__" and args and args[1] in (2, 10):
            raise PermissionError("the grader does not allow network sockets")
        elif event in path_write and args and not inside(args[0], [write_root]):
            raise PermissionError(f"the grader does not allow changing {args[0]!r}")
        elif event in path_read and args and args[0] is not None and not inside(args[0], roots):
            raise PermissionError(f"the grader does not allow listing {args[0]!r}")

    sys.addaudithook(hook)


def _read_exact(size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(_IN, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _receive() -> dict:
    size = int.from_bytes(_read_exact(8), "big")
    return decode(json.loads(_read_exact(size)))


def _strip_magics(source: str) -> str:
    """Drop IPython line magics, shell escapes and cell magics; the rest is plain Python."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def main() -> None:
    config = json.loads(sys.argv[1])
    _set_limits(config["limits"])
    os.chdir(config["work_dir"])
    sys.stdout = sys.__stdout__ = _CappedText(config["output_chars"])
    sys.stderr = sys.__stderr__ = _CappedText(config["output_chars"])

    from nncourse import exercises
    from nncourse.exercises.checking import describe_exception, run_answer
    from nncourse.exercises.registry import get_exercise

    get_exercise("loop.fit_epochs")          # loads every built-in exercise before user code
    import nncourse.numpy.module  # noqa: F401  (preloaded while the file system is open)
    import nncourse.numpy.optim  # noqa: F401

    def recorder(exercise_id, value=None, *args, **kwargs):
        """In the sandbox ``check`` only records; the parent does all judging."""
        return None

    exercises.check = exercises.answer = recorder
    _install_audit_hook(config["work_dir"], config["read_roots"])

    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    for index, source in enumerate(config["cells"]):
        if index in config["skip"]:
            continue
        write_message(_OUT, {"type": "cell_start", "index": index})
        status = "ok"
        try:
            exec(compile(_strip_magics(source), f"<cell {index}>", "exec"), namespace)
        except SystemExit:
            status = "called sys.exit()"
        except BaseException as exc:  # learner code: report and go on with the next cell
            status = describe_exception(exc, 200)
        write_message(_OUT, {"type": "cell_done", "index": index, "status": status})
    write_message(_OUT, {"type": "ready"})
    while True:
        request = _receive()
        exercise = get_exercise(request["id"])
        try:
            obj = eval(compile(request["expr"], "<answer>", "eval"), namespace)
        except BaseException as exc:
            outcome = {"error": f"could not evaluate `{request['expr']}`: "
                                f"{describe_exception(exc, 200)}"}
        else:
            try:
                outcome = run_answer(exercise, obj, request["inputs"])
            except BaseException as exc:  # SystemExit or KeyboardInterrupt from learner code
                outcome = {"error": f"raised {describe_exception(exc, 200)}"}
        try:
            write_message(_OUT, {"type": "result", "id": request["id"], "outcome": outcome})
        except (TypeError, ValueError) as exc:
            write_message(_OUT, {"type": "result", "id": request["id"],
                                 "outcome": {"error": f"returned data that cannot be sent: {exc}"}})


if __name__ == "__main__":
    main()
