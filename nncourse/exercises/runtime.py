"""Calling learner code and observing what it did: the only exercises code run in the sandbox.

:func:`observe` calls the learner's object the way the exercise's call spec says and returns
plain data only: the output, the error as a sentence, the inputs it changed in place, the
outputs that alias an input, the output under a second global NumPy/torch seed (and a repeat
under the first when they differ), and the outputs on the probe inputs. It judges nothing:
the trusted judge (:mod:`.judging`) derives every fact the grade depends on from this data.

It imports NumPy (torch only if the learner's code already did) and the sandbox-safe
:mod:`.compare` / :mod:`.errors`; never a chapter package, a judge, a reference or grading.

A call spec is plain data::

    {"runner": "call",                 # or "value", "generator", "steps", "pkg.mod:function"
     "args": ["grad_out", "x"],        # inputs passed positionally (default: all, in order)
     "kwargs": {"seed": "seed"},       # parameter -> input name
     "generators": ["rng"],            # inputs holding an int seed, passed as default_rng(seed)
     "expects": {...}, "allow_mutation": [...], "check_global_rng": True,
     "probes": {"lr = 0": {...inputs...}}}

A runner that finds the learner's answer unusable raises :class:`.errors.LearnerError` with
a sentence; that sentence reaches the learner as it is.

Example:
    >>> observe({"runner": "call"}, lambda a: a * 2, {"a": np.ones(2)})["output"].tolist()
    [2.0, 2.0]
"""

from __future__ import annotations

import copy
import importlib
import itertools
import random
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from nncourse.i18n import _

from .compare import answer_value, describe_value, to_plain
from .errors import LearnerError, explain_error

#: The two global seeds: outputs that differ between them come from the global generators.
FIRST_SEED, SECOND_SEED = 12345, 54321

Runner = Callable[[Any, dict, dict], Any]
RUNNERS: dict[str, Runner] = {}


def runner(name: str) -> Callable[[Runner], Runner]:
    """Register a runner under ``name`` (a module outside this one marks its runners so).

    A runner is ``(answer, inputs, spec) -> output``: it calls the learner's object and returns
    what the learner's code produced (raw data: returned values, weights after training), never
    a fact computed from the learner's objects (counters, flags, reports).
    """
    def mark(function: Runner) -> Runner:
        function.sandbox_runner = True   # type: ignore[attr-defined]
        RUNNERS[name] = function
        return function
    return mark


def _arguments(inputs: dict, spec: dict) -> tuple[list, dict]:
    for name in spec.get("generators", ()):
        inputs[name] = np.random.default_rng(int(inputs[name]))
    names = spec.get("args")
    args = [inputs[name] for name in (names if names is not None else
                                      [n for n in inputs if n not in spec.get("kwargs", {})
                                       .values() and n not in spec.get("hidden", ())])]
    kwargs = {param: inputs[name] for param, name in spec.get("kwargs", {}).items()}
    return args, kwargs


@runner("call")
def run_call(answer: Any, inputs: dict, spec: dict) -> Any:
    """``answer(*args, **kwargs)`` with the case inputs."""
    args, kwargs = _arguments(inputs, spec)
    return answer(*args, **kwargs)


@runner("value")
def run_value(answer: Any, inputs: dict, spec: dict) -> Any:
    """The answer itself: a value, a widget's ``.answer()`` / ``.value``, or a state dict."""
    return answer_value(answer)


@runner("generator")
def run_generator(answer: Any, inputs: dict, spec: dict) -> Any:
    """Call a generator function ``spec["repeat"]`` times (one shared rng); list what it yields.

    Each call's items are cut at ``spec["limit"]`` (a generator that never stops ends there);
    tuples become lists.
    """
    args, kwargs = _arguments(inputs, spec)
    limit = int(spec.get("limit", 10_000))
    calls = []
    for _repeat in range(int(spec.get("repeat", 1))):
        items = itertools.islice(iter(answer(*args, **kwargs)), limit)
        calls.append([list(item) if isinstance(item, tuple) else item for item in items])
    return calls


@runner("steps")
def run_steps(answer: Any, inputs: dict, spec: dict) -> Any:
    """Run an optimizer step function once per gradient, from a zero state.

    Spec: ``{"runner": "steps", "param": "param", "grads": "grads", "state": ["m", "v"],
    "hyper": ["lr", "beta1", "beta2", "eps"], "counter": "t"}``. Each step calls
    ``answer(param, grad, *state, [t,] *hyper)`` with ``grad = inputs[grads][k]``, the state
    starting at zeros and ``t = 1, 2, ...`` (only when ``counter`` is named); the answer returns
    the tuple ``(param, *state)``. Returns ``{"param": [...], "m": [...], ...}``: each slot's
    value after every step, stacked (shape ``(steps, *param.shape)``).
    """
    param = np.array(inputs[spec.get("param", "param")], dtype=np.float64)
    names = list(spec.get("state", ()))
    state = [np.zeros_like(param) for _name in names]
    hyper = [inputs[name] for name in spec.get("hyper", ())]
    slots = ["param", *names]
    history: dict[str, list] = {name: [] for name in slots}
    for step, grad in enumerate(inputs[spec.get("grads", "grads")], start=1):
        counter = [step] if spec.get("counter") else []
        out = answer(param, np.array(grad, dtype=np.float64), *state, *counter, *hyper)
        if not names and not isinstance(out, tuple | list):
            out = (out,)
        if not isinstance(out, tuple | list) or len(out) != len(slots):
            raise LearnerError(_("your step function returned {got}; it should return the "
                                 "tuple ({names}) of arrays shaped like param").format(
                got=describe_value(out), names=", ".join(slots)))
        param, *state = (np.array(value, dtype=np.float64) for value in out)
        for name, value in zip(slots, (param, *state), strict=True):
            history[name].append(value)
    return {name: np.stack(values) if values else np.zeros((0, *param.shape))
            for name, values in history.items()}


def _runner(name: str) -> Runner:
    if name in RUNNERS:
        return RUNNERS[name]
    module_name, _colon, attribute = name.partition(":")
    if not module_name.startswith("nncourse.exercises.") or not attribute:
        raise ValueError(f"unknown runner {name!r}")
    found = getattr(importlib.import_module(module_name), attribute, None)
    if not getattr(found, "sandbox_runner", False):
        raise ValueError(f"{name!r} is not a runner (mark it with @runtime.runner)")
    return found


# ----------------------------------------------------------------------------- global generators
def _seed_globals(seed: int) -> None:
    np.random.seed(seed)
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class _GlobalState:
    """Save the global generators' states and put them back (a check leaves the notebook's)."""

    def __enter__(self) -> _GlobalState:
        self.numpy_state, self.python_state = np.random.get_state(), random.getstate()
        torch = sys.modules.get("torch")
        self.torch_state = torch.get_rng_state() if torch is not None else None
        return self

    def __exit__(self, *exc: object) -> None:
        np.random.set_state(self.numpy_state)
        random.setstate(self.python_state)
        torch = sys.modules.get("torch")
        if torch is not None and self.torch_state is not None:
            torch.set_rng_state(self.torch_state)


# ----------------------------------------------------------------------------- observing
def _arrays(value: Any, path: str) -> list[tuple[str, Any]]:
    """(path, array or tensor) pairs inside ``value`` (tuples, lists, dicts)."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, np.ndarray) or type(value).__name__ in ("Tensor", "Parameter"):
        found.append((path, value))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value[:64]):
            found.extend(_arrays(item, f"{path}[{index}]"))
    elif isinstance(value, dict):
        for key, item in list(value.items())[:64]:
            found.extend(_arrays(item, f"{path}[{key!r}]"))
    return found


def _shares(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.size > 0 and bool(np.may_share_memory(a, b)) and bool(np.shares_memory(a, b))
    try:
        return a is b or (a.data_ptr() == b.data_ptr() and a.numel() > 0)
    except (AttributeError, TypeError):
        return False


def _same(a: Any, b: Any) -> bool:
    """Exact equality of plain data (NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind in "biuf" and b.dtype.kind in "biuf" \
            and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def _unchanged(value: Any, before: Any) -> bool:
    """Whether an input still equals its copy from before the call (arrays compared exactly)."""
    if isinstance(before, np.ndarray):
        return isinstance(value, np.ndarray) and value.shape == before.shape and \
            bool(np.array_equal(value, before, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, int | float | str | bool | type(None)):
        return type(value) is type(before) and (value == before or value != value)
    return _same(_plain_inputs(value), _plain_inputs(before))


def _plain_inputs(value: Any) -> Any:
    try:
        return to_plain(value)
    except TypeError:
        return None


def _once(answer: Any, inputs: dict, spec: dict, seed: int) -> dict:
    """One call under global seed ``seed``: output or error, mutated inputs, aliases."""
    pristine = copy.deepcopy(inputs)
    working = copy.deepcopy(inputs)
    kept = dict(working)                     # the objects handed over (generators replace seeds)
    found: dict[str, Any] = {}
    try:
        _seed_globals(seed)
        raw = _runner(spec.get("runner", "call"))(answer, working, spec)
    except SystemExit:
        return {"error": _("your code called sys.exit() (SystemExit); return the result "
                           "instead."),
                "error_type": "SystemExit"}
    except Exception as exc:   # learner code: every failure becomes a sentence
        return {"error": explain_error(exc, spec.get("expects"), pristine),
                "error_type": type(exc).__name__}
    allowed = set(spec.get("allow_mutation", ())) | set(spec.get("generators", ()))
    mutated = {name: _plain_inputs(kept[name]) for name in kept
               if name not in allowed and not _unchanged(kept[name], pristine[name])}
    if mutated:
        found["mutated"] = mutated
    inputs_arrays = [(name, value) for name, value in kept.items() if name not in allowed
                     for _path, value in _arrays(value, name)]
    aliases = [[path, name] for path, out in _arrays(raw, "output")
               for name, value in inputs_arrays if _shares(out, value)]
    if aliases:
        found["aliases"] = aliases
    try:
        found["output"] = to_plain(raw)
    except TypeError as exc:
        returns = (spec.get("expects") or {}).get("returns")
        found = {"error": _("your function returned {got}").format(got=exc) +
                 ("; " + _("it should return {returns}.").format(returns=_(returns))
                  if returns else "."),
                 "error_type": "ReturnType"}
    return found


def observe(call_spec: dict, answer: Any, inputs: dict) -> dict:
    """Call ``answer`` by ``call_spec`` on ``inputs`` and return what happened, as plain data.

    Returns:
        ``{"output": ...}`` or ``{"error": sentence, "error_type": name}``, plus when they
        apply: ``"mutated"`` (input name -> its value after the call), ``"aliases"``
        (``[output path, input name]`` pairs sharing memory), ``"reseeded"`` (the output under
        the second global seed), ``"repeat"`` (a second run under the first seed, only when
        ``reseeded`` differs), ``"other_seed"`` (the output when every generator input's seed
        is one larger), ``"probes"`` (probe name -> ``{"output"}`` or ``{"error"}``).
    """
    with _GlobalState():
        observation = _once(answer, inputs, call_spec, FIRST_SEED)
        if "output" in observation and call_spec.get("check_global_rng"):
            second = _once(answer, inputs, call_spec, SECOND_SEED)
            observation["reseeded"] = second.get("output", second.get("error"))
            if not _same(observation["reseeded"], observation["output"]):
                third = _once(answer, inputs, call_spec, FIRST_SEED)
                observation["repeat"] = third.get("output", third.get("error"))
            generators = call_spec.get("generators", ())
            if generators:     # the same call with other seeds for the given generators
                moved = {**inputs, **{name: int(inputs[name]) + 1 for name in generators}}
                fourth = _once(answer, moved, call_spec, FIRST_SEED)
                observation["other_seed"] = fourth.get("output", fourth.get("error"))
        probes = {}
        for name, probe_inputs in (call_spec.get("probes") or {}).items():
            result = _once(answer, probe_inputs, call_spec, FIRST_SEED)
            probes[name] = {key: result[key] for key in ("output", "error") if key in result}
        if probes:
            observation["probes"] = probes
    return observation
