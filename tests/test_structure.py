"""The library's shape: twin backends, small modules, imports that point one way.

* ``nncourse/numpy/`` and ``nncourse/torch/`` hold the same modules with the same public
  names in the same order, the same package exports, and classes built with the same
  arguments. The exceptions are listed here, each with its reason.
* One job per module: every module in ``nncourse/`` opens with a docstring whose first line
  states its job (a sentence), and the learner-side exercises never import the instructor-side
  grader (``nncourse.exercises`` must not reach ``nncourse.grading``).
* No import cycle among nncourse's modules (function-local imports count too).
* ``nncourse/numpy/`` needs NumPy and the standard library alone; a function-local import
  (only for an optional heavy dependency) carries a comment saying why.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from pathlib import Path

import pytest

import nncourse.numpy
import nncourse.torch

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nncourse"

#: Modules with no counterpart in the other backend, and why.
NUMPY_ONLY = {
    "autodiff": "a scalar autograd engine written out for teaching; torch has autograd",
    "gradcheck": "numerical checks of hand-written backward passes; torch derives them",
}
TORCH_ONLY = {
    "amp": "mixed precision (GPU machinery)",
    "checkpoint": "saving and resuming torch runs (GPU machinery)",
    "convert": "copying models between the two backends",
    "data": "DataLoader and DistributedSampler set-up (GPU machinery)",
    "device": "choosing and checking devices (GPU machinery)",
    "distributed": "multi-GPU training with torchrun (GPU machinery)",
    "reproducibility": "seeding torch's generators and deterministic kernels",
}
#: Public names only the torch module has, listed after the shared ones.
TORCH_EXTRA_NAMES = {
    "callbacks": {"SnapshotModel", "overrides_batch_end", "prepare_callbacks"},
}
#: What nncourse.torch exports after the names it shares with nncourse.numpy.
TORCH_EXTRA_EXPORTS = {"activations", "init", "layers", "losses", "optim", "training",
                       "get_device", "from_numpy_model", "to_numpy_model",
                       "save_checkpoint", "load_checkpoint", "seed_everything"}
#: Classes whose constructors differ by nature: the base classes are torch's own.
SIGNATURE_EXCEPTIONS = {
    ("module", "Parameter"): "torch.nn.Parameter itself",
    ("module", "Module"): "torch.nn.Module itself",
    ("optim", "Optimizer"): "torch.optim.Optimizer takes torch's (params, defaults)",
}


def _modules(backend: str) -> set[str]:
    return {p.stem for p in (PACKAGE / backend).glob("*.py") if p.stem != "__init__"}


TWINS = sorted(_modules("numpy") - set(NUMPY_ONLY))


def _twin_names(module: str, names: list[str]) -> list[str]:
    """NumPy's public names as the torch twin spells them.

    Hand-written gradients (names with ``backward``, or ending in ``_grad``) exist only in
    NumPy: autograd derives them. torch's initializers fill a tensor in place, so their
    names end in ``_`` (as ``torch.nn.init``).
    """
    kept = [n for n in names if "backward" not in n and not n.endswith("_grad")]
    if module == "init":
        kept = [n + "_" if n[0].islower() and n not in ("calculate_gain", "init_module")
                else n for n in kept]
    return kept


def test_the_same_modules_in_both_backends() -> None:
    numpy_modules, torch_modules = _modules("numpy"), _modules("torch")
    assert numpy_modules - set(NUMPY_ONLY) == torch_modules - set(TORCH_ONLY)
    assert set(NUMPY_ONLY) <= numpy_modules and set(TORCH_ONLY) <= torch_modules


@pytest.mark.parametrize("module", TWINS)
def test_the_same_public_names_in_the_same_order(module: str) -> None:
    numpy_module = importlib.import_module(f"nncourse.numpy.{module}")
    torch_module = importlib.import_module(f"nncourse.torch.{module}")
    extra = TORCH_EXTRA_NAMES.get(module, set())
    torch_names = list(torch_module.__all__)
    shared = [n for n in torch_names if n not in extra]
    assert shared == _twin_names(module, list(numpy_module.__all__))
    assert torch_names[:len(shared)] == shared, "torch-only names come after the shared ones"
    for name in torch_names:
        assert hasattr(torch_module, name), f"nncourse.torch.{module} lacks {name}"


def test_the_same_package_exports() -> None:
    shared = list(nncourse.numpy.__all__)
    assert nncourse.torch.__all__[:len(shared)] == shared
    assert set(nncourse.torch.__all__[len(shared):]) <= TORCH_EXTRA_EXPORTS
    for name in shared:  # e.g. nncourse.torch.Linear is the torch layer of that name
        assert getattr(nncourse.torch, name).__name__ == getattr(nncourse.numpy, name).__name__


def _classes() -> list[tuple[str, str]]:
    pairs = []
    for module in TWINS:
        numpy_module = importlib.import_module(f"nncourse.numpy.{module}")
        for name in numpy_module.__all__:
            if inspect.isclass(getattr(numpy_module, name)):
                pairs.append((module, name))
    return pairs


@pytest.mark.parametrize(("module", "name"), _classes())
def test_classes_take_the_same_arguments(module: str, name: str) -> None:
    if (module, name) in SIGNATURE_EXCEPTIONS:
        pytest.skip(SIGNATURE_EXCEPTIONS[module, name])
    ours = getattr(importlib.import_module(f"nncourse.numpy.{module}"), name)
    twin = getattr(importlib.import_module(f"nncourse.torch.{module}"), name, None)
    assert twin is not None, f"nncourse.torch.{module} lacks the class {name}"
    numpy_params = inspect.signature(ours.__init__).parameters
    torch_params = inspect.signature(twin.__init__).parameters
    for arg, param in numpy_params.items():
        assert arg in torch_params, f"torch {name} lacks argument {arg!r}"
        if arg != "dtype":  # NumPy's float64 against torch's default dtype (None)
            assert torch_params[arg].default == param.default, (name, arg)
    positional = [a for a, p in numpy_params.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [a for a in torch_params if a in positional] == positional
    extra = [a for a, p in torch_params.items()
             if a not in numpy_params and p.kind is p.POSITIONAL_OR_KEYWORD]
    assert not extra, f"torch {name} has positional arguments NumPy lacks: {extra}"


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_states_its_job() -> None:
    """The first docstring line says what the module is for, as a sentence."""
    unstated = []
    for path in _python_files():
        doc = (ast.get_docstring(ast.parse(path.read_text())) or "").strip()
        first = " ".join(doc.split("\n\n")[0].split())        # the opening paragraph
        if len(first.split()) < 3 or not first.endswith((".", ":")):
            unstated.append(str(path.relative_to(ROOT)))
    assert not unstated, f"give these modules a docstring stating their job: {unstated}"


def test_exercises_never_import_the_grader() -> None:
    """References live in the library or the chapter packages, never in nncourse.grading."""
    found = [f"{path.relative_to(ROOT)}: {name}"
             for path in _python_files() if "exercises" in path.relative_to(PACKAGE).parts[:1]
             for name, _, _ in _imports(path) if name.startswith("nncourse.grading")]
    assert not found, f"exercises import the grader: {found}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """Every import in ``path``: (imported module, node, inside a function)."""
    tree = ast.parse(path.read_text())
    local = {id(node) for fn in ast.walk(tree)
             if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(fn)}
    this = _module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node, id(node) in local) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this package
                base = this.split(".")[:len(this.split(".")) - node.level
                                       + (path.stem == "__init__")]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # "from pkg import submodule" imports the submodule
                candidate = f"{module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py")
                found.append((candidate if is_module.exists() else module, node,
                              id(node) in local))
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _python_files():
        graph[_module_name(path)] = {m for m, _, _ in _imports(path)
                                     if m.startswith("nncourse") and m != _module_name(path)}
    return graph


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    # A package importing its own submodules (nncourse.torch -> nncourse.torch.layers) is
    # not a cycle unless a submodule imports the package back; that is what counts here.
    assert not cycles, f"import cycles: {cycles}"


ALLOWED_IN_NUMPY = {"numpy", "nncourse._checks"}


def test_numpy_needs_numpy_and_the_standard_library_alone() -> None:
    problems = []
    for path in sorted((PACKAGE / "numpy").glob("*.py")):
        lines = path.read_text().splitlines()
        for module, node, in_function in _imports(path):
            top = module.split(".")[0]
            allowed = (top in sys.stdlib_module_names or top == "numpy"
                       or module.startswith("nncourse.numpy") or module in ALLOWED_IN_NUMPY)
            if in_function:
                # Only optional heavy dependencies are imported late, each with its reason.
                nearby = " ".join(lines[max(node.lineno - 2, 0):node.lineno])
                if "#" not in nearby:
                    problems.append(f"{path.name}:{node.lineno} imports {module} inside a "
                                    f"function without a comment saying why")
            elif not allowed:
                problems.append(f"{path.name}:{node.lineno} imports {module}")
    assert not problems, problems


def test_torch_imports_no_interface_code() -> None:
    for path in sorted((PACKAGE / "torch").glob("*.py")):
        for module, node, _ in _imports(path):
            assert not module.startswith(("nncourse.widgets", "nncourse.plots", "ipywidgets",
                                          "nncourse.exercises", "nncourse.grading")), \
                f"{path.name}:{node.lineno} imports {module}"
