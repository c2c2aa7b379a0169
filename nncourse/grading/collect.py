"""Find, read and name submissions before any learner code runs.

Every submission is read once, up front, by the trusted process: files are opened with
``O_NOFOLLOW`` and must be regular files inside the given root; symbolic links (to a file or a
folder) are refused, never followed. Accepted layouts::

    submissions/<student>/<lab>.ipynb     the usual one: student = folder, lab = notebook name
    submissions/<student>.ipynb           one lab: student = notebook name
    lab03_backpropagation.ipynb           a single file (student and lab = its name)

Two submissions with the same student and lab (after making the name safe for a file name) are an
error that names both files; so is a student id equal to the gradebook's max-points row label.

Example:
    >>> subs = collect_submissions(["submissions/"])   # doctest: +SKIP
    >>> subs[0].student, subs[0].lab                   # doctest: +SKIP
    ('ana', 'lab03_backpropagation')
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

#: Label of the gradebook row that holds each column's maximum points.
MAX_ROW = "(max points)"
#: A notebook larger than this is not read (its student gets a note instead).
MAX_NOTEBOOK_BYTES = 256 << 20


class LayoutError(ValueError):
    """The submissions cannot be named unambiguously (collisions, unknown layout)."""


@dataclass
class Submission:
    """One submitted notebook, read into memory.

    Attributes:
        student: the id from the folder or file name.
        lab: the notebook's name without ``.ipynb`` (None for ``<root>/<student>.ipynb``).
        relative: the path relative to the root (for messages).
        data: the file's bytes (empty when ``refused``).
        refused: why the file was not read (a symlink, too large, unreadable), or "".
    """

    student: str
    lab: str | None
    relative: str
    data: bytes = b""
    refused: str = ""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def safe_name(text: str) -> str:
    """``text`` as a file name: letters, digits, ``. _ -`` only, never starting with a dot."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", text)[:120]
    return ("_" + cleaned) if cleaned.startswith(".") or not cleaned else cleaned


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of a regular file, opened without following a symbolic link.

    Raises:
        ValueError: the path is a link, not a regular file, or larger than ``limit``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise ValueError("it is a symbolic link; submissions must be regular files") \
                from None
        raise ValueError(f"it cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("it is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"it is {info.st_size >> 20} MiB, over the {limit >> 20} MiB limit")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise ValueError(f"it grew past the {limit >> 20} MiB limit while being read")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    """Notebooks under ``root`` and symbolic links met on the way (never followed)."""
    notebooks, links = [], []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in list(dirs):
            if os.path.islink(here / name):
                links.append(here / name)
                dirs.remove(name)
            elif name in (".ipynb_checkpoints", "__MACOSX") or name.startswith("."):
                dirs.remove(name)
        for name in files:
            if name.endswith(".ipynb") and not name.startswith("."):
                (links if os.path.islink(here / name) else notebooks).append(here / name)
    return sorted(notebooks), sorted(links)


def _name(root: Path, path: Path) -> tuple[str, str | None]:
    parts = path.relative_to(root).parts
    if len(parts) == 1:
        return path.stem, None
    if len(parts) == 2:
        return parts[0], path.stem
    raise LayoutError(f"{path.relative_to(root)}: expected <student>/<lab>.ipynb or "
                      f"<student>.ipynb under {root}; move the notebook up or grade "
                      f"{root / parts[0]} on its own.")


def collect_submissions(paths: list[str | Path]) -> list[Submission]:
    """Read every submission under ``paths`` (folders or single .ipynb files) once.

    Raises:
        ValueError: a path does not exist or nothing was found.
        LayoutError: two submissions get the same student and lab, or a path is too deep.
    """
    found: list[Submission] = []
    for item in map(Path, paths):
        if os.path.islink(item):
            raise ValueError(f"{item} is a symbolic link; pass the real folder or file.")
        if not item.exists():
            raise ValueError(f"Submission path {item} does not exist; pass .ipynb files or "
                             f"folders that contain them.")
        if item.is_dir():
            notebooks, links = _walk(item)
            entries = [(item, p) for p in notebooks]
            for link in links:
                student, lab = _name(item, link)
                found.append(Submission(student, lab, str(link.relative_to(item)),
                                        refused="not graded: it is a symbolic link; "
                                                "submissions must be regular files"))
        else:
            entries = [(item.parent, item)]
        for root, path in entries:
            student, lab = _name(root, path)
            relative = str(path.relative_to(root))
            try:
                found.append(Submission(student, lab, relative, read_regular_file(path)))
            except ValueError as exc:
                found.append(Submission(student, lab, relative, refused=f"not graded: {exc}"))
    if not found:
        raise ValueError("No submission notebooks found; pass .ipynb files or folders.")
    _refuse_collisions(found)
    return found


def _refuse_collisions(found: list[Submission]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for sub in found:
        if sub.student.strip() == MAX_ROW:
            raise LayoutError(f"{sub.relative}: the student id {sub.student!r} is the "
                              f"gradebook's max-points label; rename the folder.")
        key = (safe_name(sub.student).lower(), safe_name(sub.lab or "").lower())
        if key in seen:
            raise LayoutError(f"{seen[key]} and {sub.relative} both give student "
                              f"{sub.student!r}" + (f" and lab {sub.lab!r}" if sub.lab else "")
                              + "; rename one (student ids come from folder or file names).")
        seen[key] = sub.relative
