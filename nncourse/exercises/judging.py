"""The trusted judge: score one case from the learner's observation, and say what went wrong.

:func:`judge_case` receives plain data only (the observation :func:`runtime.observe` made). It
computes the reference's output by calling the exercise's ``reference`` through the same runner,
in this process, and then, in this order:

1. the learner's code raised: the sentence the runtime wrote (with a mistake's message when a
   catalogued mistake raises the same way);
2. output matches the reference on every scored part and the run is clean (no input changed,
   no aliasing, no global RNG, deterministic): full marks;
3. a catalogued mistake's output matches: its message;
4. generic diagnosis (:mod:`.diagnosis`): integrity, off-by-one counter, NaN/inf, shape,
   sign, constant factor, zero places;
5. the first probe where learner and reference differ: its message;
6. last resort: which part, which entry, got vs expected.

Example:
    >>> from nncourse.exercises import get_exercise
    >>> from nncourse.exercises.runtime import observe
    >>> from nncourse.numpy.activations import relu_backward
    >>> ex = get_exercise("backprop.relu_backward"); case = ex.cases[0]
    >>> inputs = ex.inputs_for(case)
    >>> judge_case(ex, case, inputs, observe(ex.call_spec(inputs), relu_backward, inputs)).passed
    True
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np

from ..i18n import _
from . import diagnosis
from .errors import describe_exception
from .outputs import close, numeric, parts, short
from .registry import Case, Exercise, Mistake
from .results import CaseResult
from .runtime import observe

_SENTENCE_STARTS = {"your", "the", "a", "an", "with", "at", "for", "every", "each", "both",
                    "this", "that", "it", "after", "adding", "where", "only", "one", "no",
                    "expected", "returned", "that's", "these", "from", "when", "in",
                    # the same for the translated messages (Portuguese)
                    "seu", "sua", "seus", "suas", "o", "os", "as", "um", "uma", "com", "em",
                    "na", "nos", "nas", "para", "cada", "todo", "toda", "este", "esta",
                    "isso", "isto", "esse", "essa", "depois", "somente", "só", "nenhum",
                    "nenhuma", "esperado", "esperava", "quando", "ao", "à", "do", "da", "de",
                    "sem", "aqui", "há", "falta", "faltou", "você", "ambos", "apenas"}


def full_sentence(message: str) -> str:
    """``message`` as a sentence: capitalised, ending in ``.``, ``!``, ``?`` or a bracket/quote.

    Example:
        >>> full_sentence("grad_x differs:"), full_sentence("your code stopped")
        ('grad_x differs.', 'Your code stopped.')
    """
    message = str(message).rstrip()
    while message.endswith((":", ";", ",", " -", "—")):
        message = message.rstrip(":;, -—").rstrip()
    if message and message[-1] not in ".!?)]}\"'":
        message += "."
    if message.split(" ", 1)[0] in _SENTENCE_STARTS:   # a word, not a variable name
        message = message[0].upper() + message[1:]
    return message


def _quiet_spec(exercise: Exercise) -> dict:
    """The call spec for trusted runs (reference, mistakes): no probes, no RNG re-runs."""
    return {"runner": "call", **exercise.call, "expects": exercise.expects,
            "allow_mutation": list(exercise.allow_mutation), "probes": {},
            "check_global_rng": False}


def trusted_output(exercise: Exercise, answer: Any, inputs: dict) -> dict:
    """Observe a trusted answer (the reference or a mistake model) on ``inputs``.

    A mistake model may overflow on purpose (that is the slip it models): no warnings.
    """
    with np.errstate(all="ignore"):
        return observe(_quiet_spec(exercise), answer, inputs)


_MEMO: OrderedDict[tuple[str, str], Any] = OrderedDict()


def _digest(inputs: dict) -> str | None:
    try:
        return hashlib.sha1(pickle.dumps(inputs, protocol=4)).hexdigest()
    except Exception:  # inputs that do not pickle are simply not memoized
        return None


def reference_output(exercise: Exercise, inputs: dict) -> Any:
    """The reference's output on ``inputs`` (raises if the reference itself fails).

    The last few results are kept (cases with the same inputs, repeated checks).
    """
    key = _digest(inputs)
    if key is not None and (exercise.id, key) in _MEMO:
        return copy.deepcopy(_MEMO[exercise.id, key])
    seen = trusted_output(exercise, exercise.reference_answer(), inputs)
    if "error" in seen:
        raise RuntimeError(f"the reference of {exercise.id} failed: {seen['error']}")
    if key is not None:
        _MEMO[exercise.id, key] = copy.deepcopy(seen["output"])
        while len(_MEMO) > 32:
            _MEMO.popitem(last=False)
    return seen["output"]


def _scored(exercise: Exercise, case: Case, output: Any) -> dict[str, Any] | None:
    split = parts(output, exercise.output_names)
    if split is None:
        return None
    if case.outputs:
        return {name: split.get(name) for name in case.outputs}
    return split


def _shape_problem(exercise: Exercise, name: str, got: Any, want: Any) -> str | None:
    got_arr, want_arr = numeric(got), numeric(want)
    meaning = (exercise.expects.get("shapes") or {}).get(name, "")
    if want_arr is not None and want_arr.dtype != object:
        if got is None:
            return _("{name} is None; expected {what} of shape {shape}.").format(
                name=name, what=short(want) if want_arr.ndim == 0 else _("an array"),
                shape=want_arr.shape)
        if got_arr is None or got_arr.dtype == object:
            return _("{name} is {got}; expected numbers of shape {shape}.").format(
                name=name, got=short(got), shape=want_arr.shape)
        if got_arr.shape != want_arr.shape:
            return diagnosis.shape(name, got_arr, want_arr, meaning)
    return None


def _structure_problem(exercise: Exercise, output: Any) -> str | None:
    names = exercise.output_names
    returns = exercise.expects.get("returns")
    returns = _(returns) if returns else (
        _("the tuple ({names})").format(names=", ".join(names)) if names else "")
    if names and parts(output, names) is None:
        if isinstance(output, list):
            missing = names[len(output):]
            extra = _("; {names} is missing").format(names=", ".join(missing)) \
                if missing else ""
            return _("your function returned {count} value(s), expected {expected}: "
                     "{returns}{extra}.").format(count=len(output), expected=len(names),
                                                 returns=returns, extra=extra)
        return _("your function returned {got}; expected {returns}.").format(
            got=short(output), returns=returns)
    return None


def _mistake_message(mistake: Mistake) -> str:
    if isinstance(mistake.message, str) and mistake.message:
        return _(mistake.message)     # declared in English; its translation is in nncourse.po
    return _("that is a known slip: {name}.").format(name=mistake.name)


def _mistake_match(exercise: Exercise, case: Case, inputs: dict, observation: dict) -> str | None:
    for mistake in exercise.mistakes:
        if not isinstance(mistake.message, str) or not mistake.message:
            continue              # words a custom judge's message contains: that judge speaks
        seen = trusted_output(exercise, mistake.answer, inputs)
        if "error" in observation:
            if seen.get("error") == observation["error"]:
                return _mistake_message(mistake)
            continue
        if "output" in seen and close(observation["output"], seen["output"],
                                      case.rtol, case.atol) and \
                set(seen.get("mutated") or {}) == set(observation.get("mutated") or {}):
            return _mistake_message(mistake)
    return None


def _probe_parts(exercise: Exercise, probe_outputs: tuple[str, ...], output: Any) -> Any:
    if not probe_outputs:
        return output
    split = parts(output, exercise.output_names)
    return None if split is None else {name: split.get(name) for name in probe_outputs}


def probe_message(exercise: Exercise, inputs: dict, observation: dict,
                  finite_only: bool = False) -> str | None:
    """The message of the first declared probe where learner and reference differ.

    ``finite_only``: only probes where the learner's output is finite (for a NaN answer, the
    probe that still gives numbers names the wrong term).
    """
    probes = observation.get("probes") or {}
    for probe in exercise.probes:
        seen = probes.get(probe.name)
        if seen is None:
            continue
        if "error" in seen:     # the code stops on a probe: the main difference says more
            continue
        want = _probe_parts(exercise, probe.outputs, reference_output(exercise,
                                                                      probe.transform(inputs)))
        got = _probe_parts(exercise, probe.outputs, seen.get("output"))
        if finite_only and not _finite(got):
            continue
        if not close(got, want, 1e-6, 1e-9):
            return _(probe.message).format(got=short(got), expected=short(want))
    return None


def _case_view(exercise: Exercise, case: Case, observation: dict) -> dict:
    """The observation with its outputs cut to the case's scored parts (determinism checks)."""
    if not case.outputs:
        return observation
    view = dict(observation)
    for key in ("output", "reseeded", "repeat", "other_seed"):
        if key in view:
            cut = _scored(exercise, case, view[key])
            view[key] = cut if cut is not None else view[key]
    return view


def integrity_message(exercise: Exercise, case: Case, inputs: dict,
                      observation: dict) -> str | None:
    """Mutation, aliasing, global RNG, non-determinism, an ignored generator: on scored parts."""
    view = _case_view(exercise, case, observation)
    random_inputs = tuple(exercise.call.get("generators", ()))
    return diagnosis.integrity(view, exercise.output_names, random_inputs) or \
        ignored_generator(exercise, case, inputs, view)


def _finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list) and not all(isinstance(v, int | float) for v in value):
        return all(_finite(item) for item in value)
    arr = numeric(value)
    return arr is None or arr.dtype == object or bool(np.all(np.isfinite(arr)))


def ignored_generator(exercise: Exercise, case: Case, inputs: dict,
                      observation: dict) -> str | None:
    """The learner's draw does not move when the given generator's seed does (rng ignored).

    ``observation`` holds the case's scored parts (see :func:`_case_view`).
    """
    generators = tuple(exercise.call.get("generators", ()))
    if not generators or "other_seed" not in observation:
        return None
    if not close(observation["other_seed"], observation.get("output"), 0, 0):
        return None
    moved = {**inputs, **{name: int(inputs[name]) + 1 for name in generators}}
    before = _scored(exercise, case, reference_output(exercise, inputs))
    after = _scored(exercise, case, reference_output(exercise, moved))
    if close(after, before, 0, 0):
        return None
    names = ", ".join(generators)
    return _("your result does not change when the generator you were given ({names}) is "
             "seeded differently: your code ignores {names}; draw every random number from "
             "it.").format(names=names)


def _reference_with(exercise: Exercise):
    def run(changed: dict) -> Any:
        seen = trusted_output(exercise, exercise.reference_answer(), changed)
        return seen.get("output")
    return run


def diagnose(exercise: Exercise, case: Case, inputs: dict, observation: dict,
             expected: Any) -> str:
    """Steps 3-6 of the module docstring: the sentence naming what differs."""
    output = observation.get("output")
    message = _mistake_match(exercise, case, inputs, observation)
    if message:
        return message
    message = integrity_message(exercise, case, inputs, observation) or \
        _structure_problem(exercise, output)
    if message:
        return message
    if not exercise.diagnose_numbers:
        return probe_message(exercise, inputs, observation) or \
            _last_resort(exercise, case, output, expected)
    message = diagnosis.counter(_("your result"), output, expected, inputs, exercise.counter,
                                _reference_with(exercise), case.rtol, case.atol)
    if message:
        return message
    got_parts, want_parts = _scored(exercise, case, output), _scored(exercise, case, expected)
    assert got_parts is not None and want_parts is not None
    meanings = exercise.expects.get("shapes") or {}
    for name, want in want_parts.items():    # NaN/inf: the probes say which term made it
        got, want_arr = numeric(got_parts.get(name)), numeric(want)
        if got is not None and want_arr is not None and got.shape == want_arr.shape and \
                got.dtype != object:
            message = diagnosis.nonfinite(name, got, want_arr, inputs)
            if message:
                found = probe_message(exercise, inputs, observation, finite_only=True)
                return f"{found.rstrip('.')}. {message}" if found else message
    for name, want in want_parts.items():
        got = got_parts.get(name)
        if close(got, want, case.rtol, case.atol):
            continue
        message = _shape_problem(exercise, name, got, want) or \
            diagnosis.numeric(name, got, want, inputs, meanings.get(name, ""), case.rtol,
                              case.atol) or \
            diagnosis.counter(name, got, want, {}, "", _reference_with(exercise))
        if message:
            return message
    return probe_message(exercise, inputs, observation) or \
        _last_resort(exercise, case, output, expected)


def _last_resort(exercise: Exercise, case: Case, output: Any, expected: Any) -> str:
    """Which part, which entry, got vs expected."""
    got_parts = _scored(exercise, case, output) or {}
    for name, want in (_scored(exercise, case, expected) or {}).items():
        got = got_parts.get(name)
        if not close(got, want, case.rtol, case.atol):
            return diagnosis.first_difference(name, got, want, case.rtol, case.atol)
    return _("your result differs from the reference.")


def _takes_expected(judge: Any) -> bool:
    try:
        return len(inspect.signature(judge).parameters) >= 3
    except (TypeError, ValueError):
        return False


def _custom(exercise: Exercise, case: Case, inputs: dict, outcome: dict) -> str | None:
    """The message of a case judged by its own ``judge`` (None when it passes)."""
    if "error" in outcome:
        return outcome["error"]
    output = outcome.get("output")
    if case.judge is None:
        return None
    try:
        if _takes_expected(case.judge):
            expected = reference_output(exercise, inputs) if exercise.reference else None
            return case.judge(inputs, output, expected)
        return case.judge(inputs, output)
    except Exception as exc:  # malformed answer the judge could not read
        return _("the answer has an unexpected structure ({error})").format(
            error=describe_exception(exc, 160))


def judge_case(exercise: Exercise, case: Case, inputs: dict, observation: dict) -> CaseResult:
    """Score one case from the plain ``observation`` (trusted side).

    Args:
        exercise, case: what is judged.
        inputs: the case's inputs (as drawn by ``exercise.inputs_for``).
        observation: what :func:`runtime.observe` returned.
    """
    hint = case.hint or (exercise.hints[0] if exercise.hints else "")
    hint = _(hint) if hint else ""

    def result(message: str | None) -> CaseResult:
        if message is None:
            return CaseResult(case.name, True, float(case.points), float(case.points))
        return CaseResult(case.name, False, 0.0, float(case.points), full_sentence(message),
                          hint)

    if case.judge is not None:
        message = _custom(exercise, case, inputs, observation)
        if message is not None:          # a named mistake, then a probe, speak first
            message = _mistake_match(exercise, case, inputs, observation) or \
                ("output" in observation and probe_message(exercise, inputs, observation)) \
                or message
        if message is None and "output" in observation:
            message = integrity_message(exercise, case, inputs, observation)
        return result(message)
    if "error" in observation:
        return result(_mistake_match(exercise, case, inputs, observation)
                      or observation["error"])
    expected = reference_output(exercise, inputs)
    output = observation.get("output")
    got_parts, want_parts = _scored(exercise, case, output), _scored(exercise, case, expected)
    if got_parts is None:
        return result(_mistake_match(exercise, case, inputs, observation)
                      or _structure_problem(exercise, output))
    if case.shapes_only:
        for name, want in (want_parts or {}).items():
            problem = _shape_problem(exercise, name, got_parts.get(name), want)
            if problem:
                return result(problem)
        return result(integrity_message(exercise, case, inputs, observation))
    if all(close(got_parts.get(name), want, case.rtol, case.atol)
           for name, want in (want_parts or {}).items()):
        return result(integrity_message(exercise, case, inputs, observation))
    return result(diagnose(exercise, case, inputs, observation, expected))
