"""One memory cap for all the processes of a submission: a memory cgroup per sandbox.

Per-process limits (``RLIMIT_AS``) do not bound a submission that starts several processes or
holds memory outside its address space (``memfd_create``, tmpfs pages). A memory cgroup does:
every page the sandbox's processes fault in — anonymous memory, memfd and tmpfs pages
included — is charged to it, and past the cap the kernel kills a process inside it.

The grader creates a child of its own cgroup (cgroup v2 with the memory controller delegated,
or the v1 ``memory`` hierarchy) and the sandbox joins it before bubblewrap starts. Where no
memory cgroup can be created (not root, no delegation), :func:`memory_cap_problem` says why and
the per-process limits alone apply.

Example:
    >>> cage = MemoryCage.create(1 << 30)    # doctest: +SKIP
    >>> cage.join(os.getpid())               # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
from functools import lru_cache
from pathlib import Path

_COUNTER = itertools.count()


def _own_cgroup() -> tuple[str, Path] | None:
    """(``"v2"`` or ``"v1"``, the folder of this process's memory cgroup), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            if folder.is_dir():
                return "v1", folder
    for line in lines:
        if line.startswith("0::"):
            for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                folder = mount / line[3:].lstrip("/")
                controllers = mount / "cgroup.controllers"
                try:
                    if "memory" in controllers.read_text().split():
                        return "v2", folder
                except OSError:
                    continue
    return None


class MemoryCage:
    """A memory cgroup with a hard cap (and no swap) for one sandbox."""

    def __init__(self, version: str, folder: Path) -> None:
        self.version, self.folder = version, folder

    @classmethod
    def create(cls, limit_bytes: int) -> MemoryCage:
        """A fresh cgroup capped at ``limit_bytes`` (OSError if none can be made here)."""
        found = _own_cgroup()
        if found is None:
            raise OSError("no memory cgroup controller is mounted")
        version, parent = found
        _sweep(parent)
        folder = parent / f"nncourse-{os.getpid()}-{next(_COUNTER)}"
        if version == "v2":
            try:   # the parent must hand the memory controller down to its children
                (parent / "cgroup.subtree_control").write_text("+memory")
            except OSError:
                pass
        folder.mkdir()
        cage = cls(version, folder)
        try:
            if version == "v1":
                (folder / "memory.limit_in_bytes").write_text(str(int(limit_bytes)))
                swap = folder / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(int(limit_bytes)))
            else:
                (folder / "memory.max").write_text(str(int(limit_bytes)))
                swap = folder / "memory.swap.max"
                if swap.exists():
                    swap.write_text("0")
        except OSError:
            cage.close()
            raise
        return cage

    def join(self, pid: int = 0) -> None:
        """Move process ``pid`` (0: the caller) into the cage; its children are born inside."""
        (self.folder / "cgroup.procs").write_text(str(pid or os.getpid()))

    def close(self) -> None:
        """Remove the cgroup once its last process is gone (it may still be exiting)."""
        import signal
        import time

        for _ in range(100):
            try:              # what is left of the sandbox: kill it, so the folder can go
                for pid in (self.folder / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
            except OSError:
                pass
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def _sweep(parent: Path) -> None:
    """Remove the empty cages of graders that died before cleaning up (``kill -9``)."""
    for folder in parent.glob("nncourse-*-*"):
        try:
            owner = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if owner != os.getpid() and not Path(f"/proc/{owner}").exists():
            try:
                folder.rmdir()
            except OSError:
                pass


@lru_cache(maxsize=1)
def memory_cap_problem() -> str | None:
    """None if a whole-submission memory cap works here; otherwise why not."""
    try:
        cage = MemoryCage.create(1 << 30)
    except OSError as exc:
        return f"no memory cgroup can be created here ({exc.strerror or exc})"
    cage.close()
    return None
