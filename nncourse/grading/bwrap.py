"""The bubblewrap command line that builds the grading sandbox, and the check that it works.

The sandbox is built from nothing: new PID, network, IPC, UTS, cgroup and mount namespaces; the
system libraries, the Python installation and the virtual environment bound read-only, and
over every ``nncourse`` folder Python could import, the sanitized copy of :mod:`.sanitize`
(no grader, no judges, the graded exercises' functions calling the learner's answers); a fresh
``/proc``, a minimal ``/dev`` and a size-limited tmpfs at ``/tmp`` as the only writable place.
Inside, ``setpriv`` drops to an unprivileged uid with no capabilities before Python starts, so
rlimits such as the process count hold even when the grader runs as root.

Example:
    >>> sandbox_problem() is None      # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import nncourse

BWRAP_PACKAGE = "bubblewrap"
RUNNER = "nncourse.exercises.sandbox_runner"


def runner_command(check_only: bool = False) -> list[str]:
    """``python -I`` running the learner-side runner from the very ``nncourse`` the grader uses.

    The package's parent folder goes first on ``sys.path`` (only the package itself is visible
    there inside the sandbox), so an editable install, ``PYTHONPATH`` or a checkout all work.
    """
    code = (f"import sys; sys.path.insert(0, sys.argv.pop(1)); import {RUNNER} as runner"
            + ("" if check_only else "; runner.main()"))
    return [sys.executable, "-I", "-c", code, str(package_dir().parent)]
#: Sandboxes run as uid/gid ``UID_BASE + (grader pid % 50000)``: unprivileged, and one per
#: grading process so that concurrent sandboxes do not share a process-count budget.
UID_BASE = 100_000
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/fonts", "/etc/alternatives")


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
    """The grader's own code inside :func:`visible_dirs`: covered by an empty folder or file."""
    return [str(package_dir() / "grading"), str(package_dir() / "cli.py")]


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


def package_copies() -> list[str]:
    """Every ``nncourse`` package folder Python could import inside the sandbox."""
    found = {str(package_dir())}
    for entry in sys.path:
        candidate = Path(entry or ".") / "nncourse"
        if (candidate / "__init__.py").is_file():
            found.add(os.path.realpath(candidate))
    visible = [*visible_dirs(), *SYSTEM_DIRS]
    return sorted(p for p in found if any(p == d or p.startswith(d + os.sep) for d in visible))


def bwrap_arguments(bwrap: str, uid: int, tmpfs_bytes: int, in_tmp: list[str] = (),
                    library: str | Path | None = None) -> list[str]:
    """The ``bwrap ... setpriv ...`` prefix that starts a program in the sandbox.

    Args:
        bwrap: the bwrap executable.
        uid: the unprivileged uid (and gid) the program runs as.
        tmpfs_bytes: the size of the ``/tmp`` tmpfs.
        in_tmp: bwrap options that put files into ``/tmp`` once it is mounted.
        library: the sanitized copy of the package (:mod:`.sanitize`), bound read-only over
            every ``nncourse`` folder the sandbox could import; None binds the real package
            with ``grading/`` hidden (only for the start-up check, which runs no submission).
    """
    args = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
            "--new-session"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    # /tmp first, so that a package or Python that happens to live under /tmp is bound on top
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(int(tmpfs_bytes)), "--tmpfs", "/tmp", *in_tmp]
    made = {"/", "/tmp", "/proc", "/dev"}
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
    if library is not None:
        for path in package_copies():
            args += ["--ro-bind", str(library), path]
    for path in hidden_dirs() if library is None else []:
        if os.path.isdir(path):
            args += ["--perms", "0555", "--tmpfs", path, "--remount-ro", path]
        elif os.path.isfile(path):
            args += ["--ro-bind", "/dev/null", path]
    args += ["--chdir", "/tmp", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
             shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
             "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


@lru_cache(maxsize=1)
def font_cache() -> tuple[str, bytes] | None:
    """Matplotlib's font list, built once by the grader and copied into every sandbox.

    Without it each sandbox (a fresh, empty ``/tmp``) spends about half a second rebuilding it.
    Returns ``(file name, bytes)``, or None where matplotlib is not installed.
    """
    folder = tempfile.mkdtemp(prefix="nncourse-fonts-")
    try:
        env = {**scrubbed_environment(folder), "MPLCONFIGDIR": folder}
        subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                       env=env, capture_output=True, timeout=120, check=True)
        found = sorted(Path(folder).glob("fontlist-*.json"))
        return (found[0].name, found[0].read_bytes()) if found else None
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("nncourse-fonts")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


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
    command = [*bwrap_arguments(bwrap, UID_BASE, 64 << 20), *runner_command(check_only=True)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, env=scrubbed_environment(
            "/tmp"))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start ({type(exc).__name__}: {exc})"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        if "Error" in why[0] and not why[0].startswith("bwrap"):
            return (f"Python inside the sandbox cannot load the grader's runner ({why[0][:200]});"
                    f" install nncourse and its requirements in a virtual environment or the "
                    f"system's site-packages (user site-packages are not visible there)")
        return (f"bwrap cannot create the sandbox here ({why[0][:200]}); it needs root (or "
                f"user namespaces) and a setpriv binary (util-linux)")
    return None


def require_sandbox() -> None:
    """Raise :class:`SandboxUnavailable` with a clear message if the sandbox cannot run."""
    problem = sandbox_problem()
    if problem:
        raise SandboxUnavailable(problem)
