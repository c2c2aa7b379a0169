"""The exercise registry: one declarative definition per exercise, read by notebooks, grader, book.

An :class:`Exercise` names its ``reference`` (a dotted path to a pure function), how the
learner's object is ``call``-ed (plain data naming a runner of :mod:`.runtime`), its scored
:class:`Case` objects (seeded input generators), the term-isolating :class:`Probe` inputs and
its :class:`Mistake` catalogue (runnable wrong answers, each with the message it earns). The
judging is the framework's (:mod:`.judging`); an exercise only declares. See ``FRAMEWORK.md``.

Example:
    >>> from nncourse.exercises import get_exercise
    >>> ex = get_exercise("backprop.linear_backward")
    >>> ex.points, [case.name for case in ex.cases][:1]
    (4.0, ['shapes'])
"""

from __future__ import annotations

import importlib
import importlib.util
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The chapters; each package ``nncourse.exercises.chNN`` registers its exercises on import.
CHAPTERS = tuple(f"ch{number:02d}" for number in range(1, 11))

Judge = Callable[[dict, Any], "str | None"]


@dataclass(frozen=True)
class Case:
    """One named, separately scored test of an exercise.

    Args:
        name: short name shown to the learner ("shapes", "matches reference").
        points: points earned when the case passes.
        make_inputs: ``rng -> dict`` of plain data (arrays, numbers, strings, lists, dicts).
        judge: optional custom judge ``(inputs, output) -> None | message`` or
            ``(inputs, output, expected) -> None | message`` (``expected``: the reference's
            output through the same runner) for answers not judged by equality with the
            reference (a learning rate judged by re-training). Without it the framework
            compares with the reference and diagnoses.
        hint: shown with a failure of this case (falls back to the exercise hints).
        outputs: which parts of a tuple/dict output this case scores (names from
            ``Exercise.output_names`` or dict keys); empty means all of it.
        shapes_only: the case scores only the types and shapes of the output.
        rtol, atol: tolerances of the comparison with the reference.
    """

    name: str
    points: float
    make_inputs: Callable[[np.random.Generator], dict]
    judge: Judge | None = None
    hint: str = ""
    outputs: tuple[str, ...] = ()
    shapes_only: bool = False
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer and the message it earns (one entry of a mistake catalogue).

    The judge runs ``answer`` (a runnable wrong answer: a plain function with a docstring
    saying the slip, or a wrong value) on the case's inputs in the trusted process; when the
    learner's output matches its output, the learner reads ``message``.

    Args:
        name: the mistake in a few words ("unweighted mean of batch losses").
        answer: the wrong answer exactly as a learner would submit it.
        message: the full sentence shown when a learner's output matches ``answer``'s. For
            exercises with a custom judge it may be a tuple of words that judge's message must
            contain instead.
        feedback: words (case-insensitive) the catalogue test looks for; defaults to
            ``message``.
    """

    name: str
    answer: Any
    message: str | tuple[str, ...] = ""
    feedback: tuple[str, ...] | str = ()

    @property
    def words(self) -> tuple[str, ...]:
        """What the feedback to this mistake must contain (the catalogue test reads it)."""
        words = self.feedback or self.message
        return (words,) if isinstance(words, str) else tuple(words)


@dataclass(frozen=True)
class Probe:
    """Term-isolating inputs: a transform of a case's inputs where one term vanishes or dominates.

    When the learner's output and the reference's differ on the probe's inputs (and the case
    failed), ``message`` names the term: ``"with β2 = 0 your v is {got}; it should be g²"``.
    ``{got}`` and ``{expected}`` are filled with the two outputs (short form).

    Args:
        name: e.g. ``"grad = 0"``.
        transform: ``inputs -> new inputs`` (plain data; it must not change its argument).
        message: the sentence naming the term.
        outputs: which parts of the output the probe compares (names from
            ``Exercise.output_names`` or dict keys); empty means all of it.
    """

    name: str
    transform: Callable[[dict], dict]
    message: str
    outputs: tuple[str, ...] = ()


@dataclass
class Exercise:
    """A registered exercise.

    Args:
        id: dotted id, ``"<topic>.<name>"``; the first argument of ``check``.
        title: one line shown as the heading of results.
        chapter: ``"ch01"`` ... (used by the book and ``list_exercises(chapter=...)``).
        cases: the scored cases.
        reference: dotted path of the reference answer (a pure library function such as
            ``"nncourse.numpy.layers.linear_backward"``, or
            ``"nncourse.exercises.chNN.reference.name"`` for learner-only tasks); a value for
            value exercises may be a module attribute too.
        call: how the learner's object is called: plain data naming a runner of
            :mod:`nncourse.exercises.runtime` (``{"runner": "call", "args": [...]}``).
        probes: term-isolating inputs (see :class:`Probe`).
        mistakes: the mistake catalogue, at least four plausible wrong answers.
        output_names: names of the parts of a tuple output (``("grad_x", "grad_weight")``).
        expects: what the learner's code gets and returns, in words, used to turn errors into
            sentences: ``{"returns": "...", "inputs": {"x": "an array (B, in)"},
            "keys": {...}, "valid": {...}}``.
        counter: name of an input that counts steps/epochs (off-by-one diagnosis).
        allow_mutation: inputs the learner's code may change in place.
        check_global_rng: re-run under a second global NumPy/torch seed (global RNG and
            non-determinism checks); off for values and costly runs.
        shared_inputs: every case draws the same inputs (cases that score parts of one
            output): ``check`` then calls the learner's code once for all of them.
        diagnose_numbers: run the numeric diagnosis (sign, constant factor, off-by-one, zero
            places); off where outputs are epoch numbers or flags, not formulas.
        hints, kind, prompt, widget: as shown to the learner (``kind`` is ``"function"``,
            ``"value"`` or ``"widget"``).
    """

    id: str
    title: str
    chapter: str
    cases: list[Case]
    reference: str = ""
    call: dict = field(default_factory=lambda: {"runner": "call"})
    probes: list[Probe] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    output_names: tuple[str, ...] = ()
    expects: dict = field(default_factory=dict)
    counter: str = ""
    allow_mutation: tuple[str, ...] = ()
    check_global_rng: bool = True
    diagnose_numbers: bool = True
    shared_inputs: bool = False
    hints: list[str] = field(default_factory=list)
    kind: str = "function"
    prompt: str = ""
    widget: dict | None = None

    @property
    def points(self) -> float:
        """Total points: the sum of the case points."""
        return float(sum(case.points for case in self.cases))

    def seed_for(self, case: Case, base_seed: int = 0) -> int:
        """The seed a case draws its inputs with (stable across processes and runs)."""
        name = "" if self.shared_inputs else f"{case.name}/"
        return zlib.crc32(f"{self.id}/{name}{base_seed}".encode()) & 0x7FFFFFFF

    def inputs_for(self, case: Case, base_seed: int = 0) -> dict:
        """Draw the inputs of ``case`` with its seed."""
        return case.make_inputs(np.random.default_rng(self.seed_for(case, base_seed)))

    def call_spec(self, inputs: dict) -> dict:
        """The plain-data call spec sent to :func:`runtime.observe`, probe inputs included."""
        spec = dict(self.call)
        spec.setdefault("runner", "call")
        spec["expects"] = self.expects
        spec["allow_mutation"] = list(self.allow_mutation)
        spec["check_global_rng"] = bool(self.check_global_rng
                                       and self.kind in ("function", "functions"))
        spec["probes"] = {probe.name: probe.transform(inputs) for probe in self.probes}
        return spec

    def reference_answer(self) -> Any:
        """The object ``reference`` names (imported on demand, in the trusted process).

        For a value exercise (runner ``"value"``) a callable reference is called without
        arguments: the function that computes the value is its single source.
        """
        found = resolve(self.reference)
        if self.call.get("runner") == "value" and callable(found):
            return found()
        return found


def resolve(dotted: str) -> Any:
    """Import ``"package.module.name"`` (or ``"package.module:name"``) and return the object.

    Example:
        >>> resolve("nncourse.numpy.activations.softmax").__name__
        'softmax'
    """
    if ":" in dotted:
        module_name, _, attribute = dotted.partition(":")
    else:
        module_name, _, attribute = dotted.rpartition(".")
    value: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


_REGISTRY: dict[str, Exercise] = {}
_loaded: set[str] = set()


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the registry (an id may be registered once) and return it."""
    if not isinstance(exercise, Exercise):
        raise TypeError(f"register expects an Exercise; got {type(exercise).__name__}.")
    if exercise.id in _REGISTRY and _REGISTRY[exercise.id] is not exercise:
        raise ValueError(f"Exercise id {exercise.id!r} is already registered; ids must be unique.")
    names = [case.name for case in exercise.cases]
    if len(set(names)) != len(names):
        raise ValueError(f"Exercise {exercise.id!r} has duplicate case names: {names}.")
    if not exercise.reference:
        raise ValueError(f"Exercise {exercise.id!r} names no reference: set reference= to the "
                         f"dotted path of the function (or value) that answers it.")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_chapter(chapter: str) -> None:
    """Import one chapter's package: its exercises register."""
    if chapter in _loaded:
        return
    _loaded.add(chapter)
    package = f"nncourse.exercises.{chapter}"
    if importlib.util.find_spec(package) is not None:
        importlib.import_module(package)


def _load_builtins(chapter: str | None = None) -> None:
    for name in CHAPTERS if chapter is None else (chapter,):
        _load_chapter(name)


def get_exercise(exercise_id: str) -> Exercise:
    """Return the registered exercise with this id.

    Raises:
        KeyError: unknown id; the message lists the close matches.
    """
    if not isinstance(exercise_id, str):
        raise TypeError(f"An exercise id is a string like 'backprop.linear_backward'; "
                        f"got {type(exercise_id).__name__}.")
    for chapter in CHAPTERS:          # chapters load in order until the id is known
        if exercise_id in _REGISTRY:
            break
        _load_chapter(chapter)
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(exercise_id, list(_REGISTRY), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"No exercise {exercise_id!r}.{hint} "
                       f"list_exercises() shows all ids.") from None


def list_exercises(chapter: str | None = None) -> list[Exercise]:
    """All registered exercises (optionally of one chapter, e.g. ``"ch03"``), in id order."""
    _load_builtins(chapter)
    found = [ex for ex in _REGISTRY.values() if chapter is None or ex.chapter == chapter]
    return sorted(found, key=lambda ex: (ex.chapter, ex.id))
