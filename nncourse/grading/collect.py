"""Find, read and name submissions before any learner code runs.

Every submission is read once, up front, by the trusted process: files are opened with
``O_NOFOLLOW`` and must be regular files inside the given root; symbolic links (to a file or a
folder) are refused, never followed. Accepted layouts::

    submissions/<student>/<lab>.ipynb     the usual one: student = folder, lab = notebook name
    submissions/<student>.ipynb           one lab: student = notebook name
    submissions/ana/lab03.ipynb           a single file named after a lab: student = its folder
    ana.ipynb                             a single file of another name: student = its name

Nothing found here stops a class: a notebook that cannot be named (too deep, a student id equal
to the gradebook's max-points label) or a second notebook for the same student and lab is kept
as a submission with ``refused`` set, so the run reports it by path and grades everyone else.
Student ids are kept exactly; :func:`safe_name` makes a reversible folder name of them.

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
import urllib.parse
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
    original_lab: str = ""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


#: Folders that tools create beside submissions; skipped without a note.
TOOL_FOLDERS = {".ipynb_checkpoints", "__MACOSX", ".git", ".DS_Store", "__pycache__"}


def safe_name(text: str) -> str:
    """``text`` as a reversible file name; :func:`original_name` undoes it.

    ASCII letters, digits and ``_ - .`` are kept, the rest percent-encoded (UTF-8), and a
    leading dot is encoded too.

    Two different names never give the same folder (``"张三"`` and ``"李四"`` differ); a name
    whose encoding is over 200 characters is cut and ends with a digest of the whole name.

    Example:
        >>> safe_name("张三"), safe_name("..."), original_name(safe_name("a/b c"))
        ('%E5%BC%A0%E4%B8%89', '%2E..', 'a/b c')
    """
    encoded = urllib.parse.quote(str(text), safe="-_.")
    if encoded.startswith(".") or not encoded:
        encoded = "%2E" + encoded[1:] if encoded else "%00"
    if len(encoded) > 200:
        encoded = encoded[:180].rsplit("%", 1)[0] + "~" + \
            hashlib.sha256(str(text).encode()).hexdigest()[:16]
    return encoded


def original_name(folder: str) -> str:
    """The name :func:`safe_name` encoded (for names of up to 200 encoded characters)."""
    return "" if folder == "%00" else urllib.parse.unquote(folder)


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
            elif name in TOOL_FOLDERS:
                dirs.remove(name)
        for name in files:
            if name.endswith(".ipynb") and not name.startswith("._"):
                (links if os.path.islink(here / name) else notebooks).append(here / name)
    return sorted(notebooks), sorted(links)


def _name(root: Path, path: Path) -> tuple[str, str | None]:
    parts = path.relative_to(root).parts
    if len(parts) == 1:
        return path.stem, None
    if len(parts) == 2:
        return parts[0], path.stem
    raise LayoutError(f"not graded: expected <student>/<lab>.ipynb or <student>.ipynb under "
                      f"{root}; move the notebook up or grade {root / parts[0]} on its own")


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
                try:
                    student, lab = _name(item, link)
                except LayoutError:
                    student, lab = link.relative_to(item).parts[0], None
                found.append(Submission(student, lab, str(link.relative_to(item)),
                                        refused="not graded: it is a symbolic link; "
                                                "submissions must be regular files"))
        elif LAB_NUMBER.match(plain_lab_name(item.stem)) and item.parent.name:
            entries = [(item.parent.parent, item)]     # <student>/<labNN...>.ipynb on its own
        else:
            entries = [(item.parent, item)]
        for root, path in entries:
            relative = str(path.relative_to(root))
            try:
                student, lab = _name(root, path)
            except LayoutError as exc:
                found.append(Submission(path.relative_to(root).parts[0], None, relative,
                                        refused=str(exc)))
                continue
            try:
                found.append(Submission(student, lab, relative, read_regular_file(path)))
            except ValueError as exc:
                found.append(Submission(student, lab, relative, refused=f"not graded: {exc}"))
    if not found:
        raise ValueError("No submission notebooks found; pass .ipynb files or folders.")
    _refuse_collisions(found)
    return found


def _refuse_collisions(found: list[Submission]) -> None:
    """Mark (never raise) the submissions that cannot have a row of their own."""
    for sub in found:
        if sub.student.strip() == MAX_ROW and not sub.refused:
            sub.refused = (f"not graded: the student id {sub.student!r} is the gradebook's "
                           f"max-points label; rename the folder")


LAB_NUMBER = re.compile(r"lab\s*0*(\d+)(?!\d)", re.IGNORECASE)
_COPY = re.compile(r"^(copy of\s+)+|(\s*\(\d+\)|\s*-\s*copy(\s*\d+)?|\s+copy(\s*\d+)?)+$",
                   re.IGNORECASE)


def plain_lab_name(name: str) -> str:
    """A notebook name without "Copy of", " (1)", " - Copy" and case: what the lab is called.

    Example:
        >>> plain_lab_name("Copy of Lab05_Optimizers (1)")
        'lab05_optimizers'
    """
    return _COPY.sub("", name.strip()).strip().lower()


def match_labs(subs: list[Submission], known: list[str] | None, any_name: bool = False) -> None:
    """Give every submission its lab's canonical name, or mark it refused, saying why.

    ``known`` are the lab names of the release manifest (None: no manifest; then labs are the
    ``labNN...`` names found, grouped by their number; ``any_name``: every other name is a lab
    of its own too, as with ``--exercises``). A name matches its lab exactly, without
    copies' decorations and case, or by its number when exactly one known lab has that number.
    Among several notebooks of one student for one lab, the one named exactly like the lab is
    graded (else the first by name); the others are reported as duplicates.
    """
    named = [s for s in subs if s.lab is not None and not s.refused]
    if known is None:
        by_number: dict[int, dict[str, int]] = {}
        for sub in named:
            number = LAB_NUMBER.match(plain_lab_name(sub.lab))
            if number:
                counts = by_number.setdefault(int(number.group(1)), {})
                plain = plain_lab_name(sub.lab)
                counts[plain] = counts.get(plain, 0) + 1
        known = [max(sorted(names), key=lambda n: (names[n], len(n)))
                 for names in by_number.values()]
        if any_name:
            known += sorted({plain_lab_name(s.lab) for s in named
                             if not LAB_NUMBER.match(plain_lab_name(s.lab))})
    lowered = {name.lower(): name for name in known}
    for sub in named:
        plain = plain_lab_name(sub.lab)
        lab = lowered.get(plain)
        if lab is None:
            number = LAB_NUMBER.match(plain)
            same = [n for n in known if number and (m := LAB_NUMBER.match(n.lower()))
                    and int(m.group(1)) == int(number.group(1))]
            lab = same[0] if len(same) == 1 else None
        if lab is None:
            sub.refused = (f"not graded: {sub.lab!r} is not a lab of this course "
                           f"({', '.join(sorted(known)) or 'no lab names known'}); rename "
                           f"the notebook after its lab and grade it again")
        else:
            sub.original_lab, sub.lab = sub.lab, lab
    groups: dict[tuple[str, str], list[Submission]] = {}
    for sub in named:
        if not sub.refused:
            groups.setdefault((sub.student, sub.lab), []).append(sub)
    for (_, lab), group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.original_lab != lab, s.original_lab.lower() != lab.lower(),
                                  s.relative))
        for other in group[1:]:
            other.refused = (f"not graded: a second notebook for {lab} ({group[0].relative} "
                             f"was graded); remove one and grade again to choose the other")
