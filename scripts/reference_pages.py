"""Write the API reference: book/reference.md (the index) and one page per module.

Run after adding a module (``python scripts/reference_pages.py``); ``--check`` exits 1 if a page
is missing or stale (the test suite runs it). Chapter exercise definitions, their mistake
catalogues and the instructor-side reference answers get no page: the site must not print
answers.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

SECTIONS = [
    ("The NumPy reference", "Layers, losses, optimizers and the training loop written out in "
     "NumPy alone.", r"nncourse\.numpy(\..*)?$"),
    ("The PyTorch path", "The same module and class names on torch autograd, with devices, mixed "
     "precision, distributed training and checkpoints.", r"nncourse\.torch(\..*)?$"),
    ("Data, recipes and experiments", "Generated problems, the MNIST subset and digits, "
     "augmentation, search, evaluation curves, transfer learning and the shipped models.",
     r"nncourse(\.(datasets|recipes|augment|search|roc|transfer|pretrain|pretrained|ddp_demo))?$"),
    ("Figures", "Static figures used by the chapters; each returns a matplotlib `Figure`.",
     r"nncourse\.plots(\..*)?$"),
    ("Explorers", "A pure compute function plus a thin ipywidgets interface each, and the "
     "kernel-free frames for the site.", r"nncourse\.widgets(\..*)?$"),
    ("Exercises and quizzes", "`check()`, the exercise registry and quiz widgets used by the labs.",
     r"nncourse\.exercises(\..*)?$"),
    ("Grading (instructors)", "Releasing student notebooks, grading submissions in a sandbox and "
     "writing reports.", r"nncourse\.grading(\..*)?$"),
]
# Exercise definitions and catalogues hold answers; solutions are instructor-only.
SKIP = re.compile(r"nncourse\.(exercises\.(ch\d\d(_.*|\..*)?|quizzes\.ch\d\d_.*|mistakes_.*|"
                  r"tiny_model|chain_rule|"
                  r"sandbox_runner)|grading\.solutions(\..*)?|cli|__main__)$")
PACKAGES_WITHOUT_MEMBERS = {"nncourse.numpy", "nncourse.torch", "nncourse.torch.module",
                            "nncourse.plots", "nncourse.widgets", "nncourse.exercises",
                            "nncourse.grading", "nncourse.exercises.quizzes"}


def modules() -> list[str]:
    """Every documented module name, sorted."""
    names = []
    for path in (ROOT / "nncourse").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if any(part.startswith("_") for part in parts) or SKIP.match(name):
            continue
        names.append(name)
    return sorted(names)


def page(name: str) -> str:
    option = "\n   :no-members:" if name in PACKAGES_WITHOUT_MEMBERS else ""
    return f"# `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}{option}\n```\n"


def index(names: list[str]) -> str:
    lines = ["# Reference", "",
             "The `nncourse` library, generated from its docstrings, one page per module. Each "
             "entry shows", "the signature, what the arguments mean (with array shapes) and a "
             "short example. Import paths are", "the page titles, for example "
             "`from nncourse.numpy.optim import Adam`.", ""]
    for title, text, pattern in SECTIONS:
        members = [n for n in names if re.match(pattern, n)]
        if members:
            lines += ["", f"## {title}", "", text, ""]
            lines += [f"- {{doc}}`{n} <reference/{n}>`" for n in members]
    return "\n".join(lines) + "\n"


def expected() -> dict[Path, str]:
    names = modules()
    files = {BOOK / "reference" / f"{n}.md": page(n) for n in names}
    files[BOOK / "reference.md"] = index(names)
    return files


def main(argv: list[str]) -> int:
    files = expected()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    extra = [p for p in (BOOK / "reference").glob("*.md") if p not in files]
    if "--check" in argv:
        for p in stale + extra:
            print(f"reference page out of date: {p.relative_to(ROOT)}")
        if stale or extra:
            print("run: python scripts/reference_pages.py")
        return 1 if stale or extra else 0
    (BOOK / "reference").mkdir(exist_ok=True)
    for p in extra:
        p.unlink()
    for p in stale:
        p.write_text(files[p])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
