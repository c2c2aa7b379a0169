"""The library a graded notebook sees: a copy in which every exercise's reference is the learner's.

The sandbox never mounts the real package. For each set of graded exercises the trusted process
writes a copy of ``nncourse`` (without ``grading/`` and ``cli.py``) in which

- every function that is one of those exercises' reference answers (and its same-named twin in
  ``numpy/`` or ``torch/``, and the private helpers only it uses) is replaced by a stand-in:
  calling it calls the answer the notebook gives for that exercise (as a course that grades the
  learner's own library would), or raises a sentence saying the function is the exercise; a
  twin still serves the library's own layers, and raises when notebook code calls it;
- every exercise module keeps only what its ``run`` needs to call learner code: judges, input
  generators, mistake models and reference helpers become functions that raise.

So importing the library, reading its source, importing a twin or calling a judge earns nothing.
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

#: Where each exercise's reference lives, until every Exercise names its own ``reference``
#: (a dotted path, or several for exercises that ask for more than one function).
FALLBACK_REFERENCES: dict[str, tuple[str, ...]] = {
    "loop.iterate_minibatches": ("nncourse.numpy.training.iterate_minibatches",),
    "loop.fit_epochs": ("nncourse.exercises.tiny_model.library_fit_losses",
                        "nncourse.numpy.training.fit"),
    "gradients.numerical_gradient": ("nncourse.numpy.gradcheck.numerical_gradient",),
    "backprop.linear_backward": ("nncourse.numpy.layers.linear_backward",),
    "backprop.relu_backward": ("nncourse.numpy.activations.relu_backward",),
    "backprop.softmax": ("nncourse.numpy.activations.softmax",),
    "backprop.softmax_cross_entropy_backward": (
        "nncourse.numpy.losses.softmax_cross_entropy_backward",),
    "backprop.chain_rule": ("nncourse.exercises.chain_rule.value_engine_grads",
                            "nncourse.exercises.chain_rule.chain_rule_variant"),
    "backprop.stepper_gradient": ("nncourse.exercises.ch03_stepper.stepper_gradients",),
    "activations.sigmoid_backward": ("nncourse.numpy.activations.sigmoid_backward",),
    "activations.tanh_backward": ("nncourse.numpy.activations.tanh_backward",),
    "activations.leaky_relu": ("nncourse.numpy.activations.leaky_relu",
                               "nncourse.numpy.activations.leaky_relu_backward"),
    "optim.momentum_step": ("nncourse.numpy.optim.momentum_step",),
    "optim.rmsprop_step": ("nncourse.numpy.optim.rmsprop_step",),
    "optim.adam_step": ("nncourse.numpy.optim.adam_step",),
    "init.xavier_he": ("nncourse.numpy.init.xavier_uniform", "nncourse.numpy.init.he_normal"),
    "normalization.batchnorm": ("nncourse.numpy.normalization.batchnorm_forward",
                                "nncourse.numpy.normalization.batchnorm_backward"),
    "regularization.dropout": ("nncourse.numpy.normalization.dropout_forward",
                               "nncourse.numpy.normalization.dropout_backward"),
    "regularization.l2_gradient": ("nncourse.numpy.losses.l2_penalty",
                                   "nncourse.numpy.losses.l2_penalty_grad"),
    "regularization.early_stopping": ("nncourse.numpy.callbacks.EarlyStopping",),
    "evaluation.confusion_metrics": ("nncourse.roc.precision_recall_f1",),
    "evaluation.random_search": ("nncourse.search.random_search",),
    "evaluation.cost_threshold": ("nncourse.roc.min_cost_threshold",),
    "evaluation.operating_point": ("nncourse.exercises.ch08_evaluation.best_precision_at_recall",),
    "transfer.replace_head": ("nncourse.transfer.replace_head",),
    "transfer.param_groups": ("nncourse.transfer.param_groups",),
}

#: Modules of ``nncourse.exercises`` copied as they are: plumbing that neither judges nor answers.
PLUMBING = {"__init__", "registry", "checking", "compare", "results", "quiz", "answer_widgets",
            "sandbox_runner", "runtime"}
#: What never enters the sandbox at all.
LEFT_OUT = ("grading", "cli.py", "__pycache__")
#: Keyword (and positional index) of the parts of Case/Mistake calls that judge or answer.
TRUSTED_ARGUMENTS = {"Case": {"make_inputs": 2, "judge": 3}, "Mistake": {"answer": 1}}
RUNNER_MODULE = "nncourse.exercises.sandbox_runner"


def reference_paths(exercise) -> tuple[str, ...]:
    """The dotted paths of ``exercise``'s reference functions (the exercise's, else the table)."""
    own = getattr(exercise, "reference", None)
    if isinstance(own, str) and own:
        return (own,)
    if isinstance(own, list | tuple) and all(isinstance(p, str) for p in own):
        return tuple(own)
    return FALLBACK_REFERENCES.get(exercise.id, ())


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


def _stand_in_source(name: str, exercise_id: str, part: int | None, is_class: bool) -> str:
    call = (f"__import__({RUNNER_MODULE!r}, fromlist=['_']).learner_answer("
            f"{exercise_id!r}, {name!r}, {part!r}"
            + (f", _library_{name})" if part is None else ")"))
    if is_class:
        return f"{name} = {call}\n"
    return (f"def {name}(*args, **kwargs):\n"
            f"    return {call}(*args, **kwargs)\n")


def _raising_body(node: ast.FunctionDef | ast.AsyncFunctionDef, why: str) -> None:
    node.body = [ast.Raise(exc=ast.Call(func=ast.Name("RuntimeError", ast.Load()),
                                        args=[ast.Constant(why)], keywords=[]), cause=None)]
    node.decorator_list = []


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
                body.append(node)
            body += ast.parse(_stand_in_source(name, exercise_id, part,
                                               isinstance(node, ast.ClassDef))).body
        elif name in helpers and isinstance(node, ast.FunctionDef):
            _raising_body(node, f"{name} is part of an exercise's answer; write it yourself.")
            body.append(node)
        else:
            body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


def _strip_trusted_arguments(tree: ast.Module) -> None:
    """Case(make_inputs=..., judge=...) and Mistake(answer=...) lose those parts (None)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr",
                                                                              None)
        drop = TRUSTED_ARGUMENTS.get(callee or "")
        if not drop:
            continue
        for keyword in node.keywords:
            if keyword.arg in drop:
                keyword.value = ast.Constant(None)
        for index in drop.values():
            if index < len(node.args) and not isinstance(node.args[index], ast.Starred):
                node.args[index] = ast.Constant(None)


def _run_roots(tree: ast.Module) -> set[str]:
    """Names the exercises' ``run=`` values use, and names called while the module imports."""
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "run":
            roots |= _names_used(node.value)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                roots |= _names_used(decorator)
            continue
        for call in ast.walk(node):
            if isinstance(call, ast.Call):
                roots |= _names_used(call.func)
                if isinstance(call.func, ast.Name) and call.func.id == "register":
                    roots |= {a.id for a in call.args if isinstance(a, ast.Name)}
    return roots


def _imports(tree: ast.Module, module: str) -> dict[str, tuple[str, str]]:
    """``local name -> (module, name)`` for ``from ... import`` of sibling exercise modules."""
    package = module.rsplit(".", 1)[0]
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                found[alias.asname or alias.name] = (source, alias.name)
    return found


def rewrite_exercise_modules(sources: dict[str, str]) -> dict[str, str]:
    """Exercise modules keeping only what ``run`` needs (module name -> new source).

    A function is kept when an exercise's ``run`` uses it, directly or through other kept
    functions (also across ``from .x import y``), or when the module calls it while importing;
    every other module-level function raises. Case judges and inputs and Mistake answers are
    replaced by None.
    """
    trees = {name: ast.parse(source) for name, source in sources.items()}
    for tree in trees.values():
        _strip_trusted_arguments(tree)
    defs = {name: {n.name: n for n in tree.body
                   if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
            for name, tree in trees.items()}
    imports = {name: _imports(tree, name) for name, tree in trees.items()}
    todo = [(name, root) for name, tree in trees.items() for root in _run_roots(tree)]
    kept: set[tuple[str, str]] = set()
    while todo:
        module, name = todo.pop()
        if name in imports[module] and imports[module][name][0] in trees:
            todo.append(imports[module][name])
            continue
        if (module, name) in kept or name not in defs.get(module, {}):
            continue
        kept.add((module, name))
        todo += [(module, used) for used in _names_used(defs[module][name])]
    out = {}
    for module, tree in trees.items():
        for name, node in defs[module].items():
            if (module, name) not in kept and isinstance(node, ast.FunctionDef
                                                         | ast.AsyncFunctionDef):
                _raising_body(node, f"{name} is part of the grader; it does not run in a "
                                    f"graded notebook.")
        out[module] = ast.unparse(tree) + "\n"
    return out


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["nncourse", *parts])


def build_library(target: Path, exercises: Iterable, source: Path | None = None) -> Path:
    """Write the sandbox's copy of the package into ``target/nncourse``; return that folder."""
    source = source or package_dir()
    root = target / "nncourse"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(*LEFT_OUT, "*.pyc"))
    entries = stand_ins(exercises)
    exercise_sources: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        module = _module_name(root, path)
        paths[module] = path
        text = path.read_text(encoding="utf-8")
        text = rewrite_library_module(text, module, entries)
        relative = path.relative_to(root).parts
        if relative[0] == "exercises" and path.stem not in PLUMBING and "quizzes" not in relative:
            exercise_sources[module] = text
        else:
            path.write_text(text, encoding="utf-8")
    for module, text in rewrite_exercise_modules(exercise_sources).items():
        paths[module].write_text(text, encoding="utf-8")
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
