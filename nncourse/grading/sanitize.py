"""The library a graded notebook sees: a copy in which every exercise's reference is the learner's.

The sandbox never mounts the real package. For each set of graded exercises the trusted process
writes a copy of ``nncourse`` (without ``grading/`` and ``cli.py``) in which

- every function that is one of those exercises' reference answers (and its same-named twin in
  ``numpy/`` or ``torch/``, and the private helpers only it uses) is replaced by a stand-in:
  calling it calls the answer the notebook gives for that exercise (as a course that grades the
  learner's own library would), or raises a sentence saying the function is the exercise; a
  twin still serves the library's own layers, and raises when notebook code calls it;
- of ``nncourse.exercises`` only what calls learner code remains: :mod:`runtime` (with the
  ``errors``/``compare``/``outputs`` helpers it needs), the chapters' ``runners.py`` and a stub
  ``check``/``answer`` that only records. Registry, exercise definitions, mistake models,
  references, judges and quizzes are not in the copy at all.

So importing the library, reading its source, importing a twin or looking for a judge earns
nothing.
The one place that says which function is an exercise's reference is :func:`reference_paths`.

Example:
    >>> library = SanitizedLibraries()                      # doctest: +SKIP
    >>> root = library.build(["backprop.softmax"])          # doctest: +SKIP
    >>> (root / "numpy" / "activations.py").exists()        # doctest: +SKIP
    True
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from nncourse.grading.bwrap import package_dir

#: Modules of ``nncourse.exercises`` the sandbox gets: what :func:`runtime.observe` needs.
SANDBOX_MODULES = {"runtime", "errors", "compare", "outputs", "sandbox_runner"}
#: What never enters the sandbox at all.
LEFT_OUT = ("grading", "cli.py", "__pycache__")
RUNNER_MODULE = "nncourse.exercises.sandbox_runner"

#: ``nncourse.exercises`` as a graded notebook sees it: ``check``/``answer`` only record (the
#: grader finds those calls in the source and judges trusted-side); no registry, no judge.
SANDBOX_EXERCISES_INIT = '''"""Graded run: check() and answer() record only; the grader judges."""


def check(exercise_id, answer=None, *args, **kwargs):
    """In a graded run the grader judges this call from the notebook's source."""
    return None


answer = check


def quiz(*args, **kwargs):
    """Quizzes are not part of a graded run."""
    return None


def exercise_widget(*args, **kwargs):
    """Answer widgets are not part of a graded run (write the value you chose in code)."""
    return None


def __getattr__(name):
    raise AttributeError(f"nncourse.exercises.{name} is part of the grader; it does not run "
                         f"in a graded notebook.")
'''
CHAPTER_INIT = '"""Only this chapter\'s sandbox-safe runners are part of a graded run."""\n'


def _callable_paths(value) -> tuple[str, ...]:
    """Dotted paths of the functions/classes in a reference value (one, or a tuple/list/dict)."""
    items = value.values() if isinstance(value, dict) else \
        value if isinstance(value, list | tuple) else [value]
    paths = []
    for item in items:
        module, name = getattr(item, "__module__", None), getattr(item, "__qualname__", None)
        if callable(item) and isinstance(module, str) and isinstance(name, str) \
                and module.startswith("nncourse.") and "." not in name:
            paths.append(f"{module}.{name}")
    return tuple(paths)


def reference_paths(exercise) -> tuple[str, ...]:
    """The dotted paths of the library functions that answer ``exercise``.

    ``reference`` names a library function, or an object in ``chNN/reference.py``: a function
    (learner-only task), a tuple of library functions (``(forward, backward)``), or a constant
    (a widget's answer). Only library functions outside ``nncourse.exercises`` become stand-ins:
    ``chNN/reference.py`` itself never enters the sandbox.
    """
    from nncourse.exercises.registry import resolve

    own = getattr(exercise, "reference", None)
    if not isinstance(own, str) or not own:
        return ()
    try:
        value = resolve(own)
    except (ImportError, AttributeError):
        return ()
    paths = _callable_paths(value) if not callable(value) or isinstance(value, list | tuple) \
        else (own.replace(":", "."),)
    return tuple(p for p in paths if not p.startswith("nncourse.exercises."))


def twin(path: str) -> str | None:
    """``nncourse.numpy.X.f`` <-> ``nncourse.torch.X.f`` (None for other modules)."""
    for one, other in (("nncourse.numpy.", "nncourse.torch."),
                       ("nncourse.torch.", "nncourse.numpy.")):
        if path.startswith(one):
            return other + path[len(one):]
    return None


def stand_ins(exercises: Iterable) -> dict[str, tuple[str, str, int | None]]:
    """``{module: {name: (exercise id, function name, part)}}`` flattened to ``path -> entry``.

    ``part`` is the position of the function in a multi-function answer (None for a twin, which
    always raises: the learner wrote the NumPy version, not the torch one, or the other way).
    """
    found: dict[str, tuple[str, str, int | None]] = {}
    for exercise in exercises:
        paths = reference_paths(exercise)
        for part, path in enumerate(paths):
            name = path.rsplit(".", 1)[-1]
            found[path] = (exercise.id, name, part if len(paths) > 1 else 0)
            other = twin(path)
            if other is not None and other not in found:
                found[other] = (exercise.id, name, None)
    return found


def _stand_in_source(name: str, exercise_id: str, part: int | None, is_class: bool,
                     is_function: bool = False) -> str:
    call = (f"__import__({RUNNER_MODULE!r}, fromlist=['_']).learner_answer("
            f"{exercise_id!r}, {name!r}, {part!r}"
            + (f", _library_{name})" if part is None else
               f", signature=_signature_{name})" if is_function else ")"))
    if is_class:
        return f"{name} = {call}\n"
    return (f"def {name}(*args, **kwargs):\n"
            f"    return {call}(*args, **kwargs)\n")


def _raising_body(node: ast.FunctionDef | ast.AsyncFunctionDef, why: str) -> None:
    node.body = [ast.Raise(exc=ast.Call(func=ast.Name("RuntimeError", ast.Load()),
                                        args=[ast.Constant(why)], keywords=[]), cause=None)]
    node.decorator_list = []


def _guard(node: ast.FunctionDef | ast.AsyncFunctionDef, exercise_id: str, name: str) -> None:
    """Put ``library_guard(exercise_id, name)`` first in a twin's own code (after its docstring)."""
    guard = ast.parse(f"__import__({RUNNER_MODULE!r}, fromlist=['_']).library_guard("
                      f"{exercise_id!r}, {name!r})").body
    first = node.body[:1]
    has_doc = bool(first) and isinstance(first[0], ast.Expr) and \
        isinstance(first[0].value, ast.Constant) and isinstance(first[0].value.value, str)
    node.body = first + guard + node.body[1:] if has_doc else guard + node.body


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _private_helpers(tree: ast.Module, targets: set[str]) -> set[str]:
    """Private module functions that only the ``targets`` call (they would give the answer)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    users: dict[str, set[str]] = {}
    for name, node in functions.items():
        for used in _names_used(node) - {name}:
            users.setdefault(used, set()).add(name)
    module_level = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.ClassDef):
            module_level |= _names_used(node)
    helpers: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in functions:
            if name.startswith("_") and name not in helpers and name not in module_level \
                    and users.get(name) and users[name] <= targets | helpers:
                helpers.add(name)
                changed = True
    return helpers


def rewrite_library_module(source: str, module: str,
                           entries: dict[str, tuple[str, str, int | None]]) -> str:
    """``source`` with each stand-in function (and its private-only helpers) replaced."""
    mine = {path.rsplit(".", 1)[-1]: entry for path, entry in entries.items()
            if path.rsplit(".", 1)[0] == module}
    if not mine:
        return source
    tree = ast.parse(source)
    helpers = _private_helpers(tree, {n for n, entry in mine.items() if entry[2] is not None})
    body = []
    for node in tree.body:
        name = getattr(node, "name", None)
        if name in mine and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef
                                       | ast.ClassDef):
            exercise_id, _, part = mine[name]
            if part is None:        # a twin keeps its code for the library's own callers
                node.name = f"_library_{name}"
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    _guard(node, exercise_id, name)
                body.append(node)
            elif isinstance(node, ast.FunctionDef):   # its signature only, for rebinding
                node.name = f"_signature_{name}"
                _raising_body(node, f"{name} is the exercise; write it yourself.")
                body.append(node)
            body += ast.parse(_stand_in_source(name, exercise_id, part,
                                               isinstance(node, ast.ClassDef),
                                               isinstance(node, ast.FunctionDef))).body
        elif name in helpers and isinstance(node, ast.FunctionDef):
            _raising_body(node, f"{name} is part of an exercise's answer; write it yourself.")
            body.append(node)
        else:
            body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["nncourse", *parts])


def _sandbox_file(relative: tuple[str, ...]) -> bool:
    """Whether ``nncourse/<relative>`` stays in the sandbox's copy of ``exercises/``."""
    if relative[0] != "exercises":
        return True
    if len(relative) == 2:
        return Path(relative[1]).stem in SANDBOX_MODULES or relative[1] == "__init__.py"
    return len(relative) == 3 and relative[1].startswith("ch") \
        and relative[2] in ("__init__.py", "runners.py")


def build_library(target: Path, exercises: Iterable, source: Path | None = None) -> Path:
    """Write the sandbox's copy of the package into ``target/nncourse``; return that folder.

    Library modules get their stand-ins; of ``exercises/`` only :data:`SANDBOX_MODULES`, the
    chapters' ``runners.py`` and stub ``__init__`` files remain (no registry, exercises,
    mistakes, references, judges or quizzes).
    """
    source = source or package_dir()
    root = target / "nncourse"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(*LEFT_OUT, "*.pyc"))
    entries = stand_ins(exercises)
    for path in sorted(root.rglob("*"), reverse=True):
        relative = path.relative_to(root).parts
        if path.is_dir():
            if relative[0] == "exercises" and not any(path.iterdir()):
                path.rmdir()
            continue
        if not _sandbox_file(relative) or path.suffix != ".py" and relative[0] == "exercises":
            path.unlink()
            continue
        if path.suffix != ".py":
            continue
        if relative == ("exercises", "__init__.py"):
            path.write_text(SANDBOX_EXERCISES_INIT, encoding="utf-8")
        elif relative[0] == "exercises" and relative[-1] == "__init__.py":
            path.write_text(CHAPTER_INIT, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            path.write_text(rewrite_library_module(text, _module_name(root, path), entries),
                            encoding="utf-8")
    return root


class SanitizedLibraries:
    """One sanitized copy per set of graded exercises, in a private temporary folder."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nncourse-library-"))
        self.folder.chmod(0o755)
        self.built: dict[frozenset[str], Path] = {}

    def build(self, exercise_ids: Iterable[str]) -> Path:
        """The copy for these exercises (built once)."""
        from nncourse.exercises.registry import get_exercise

        key = frozenset(exercise_ids)
        if key not in self.built:
            target = self.folder / f"library-{len(self.built)}"
            target.mkdir(mode=0o755)
            self.built[key] = build_library(target, [get_exercise(i) for i in sorted(key)])
        return self.built[key]

    def close(self) -> None:
        """Remove every copy."""
        shutil.rmtree(self.folder, ignore_errors=True)


_DEFAULT: list[SanitizedLibraries] = []


def default_library() -> Path:
    """A copy with every exercise module sanitized and no stand-ins (for ad-hoc sessions)."""
    if not _DEFAULT:
        import atexit

        _DEFAULT.append(SanitizedLibraries())
        atexit.register(_DEFAULT[0].close)
    return _DEFAULT[0].build([])
