"""Every sentence the exercises raise to a learner is a catalogue template, read off the source.

``check()`` shows a learner the text of two kinds of exception as it is: a
:class:`~nncourse.exercises.errors.LearnerError` (and its subclasses), whose text
``errors.explain_error`` returns unchanged, and the TypeError of ``compare.to_plain``, which
``runtime`` puts into "your function returned {got}". Every other exception comes from the
learner's code and is only quoted as a detail. So each of these exceptions must be built from
``_("... {name} ...")`` (filled with ``.format``) or ``ngettext(...)``: an f-string, a plain
literal or a variable reaches a Portuguese learner in English, and the catalogue can only hold
a literal template. Nor may ``_()`` itself be handed an f-string anywhere in nncourse/: the
catalogue would never hold the filled-in text.

The checks parse the sources with :mod:`ast`; faults planted in source strings show that they
notice each way of getting it wrong.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "nncourse" / "exercises"
#: the exception whose text errors.explain_error hands to the learner as it is
LEARNER_ERROR = "LearnerError"
#: other exceptions whose text reaches the learner, by the module that raises them
SENTENCE_EXCEPTIONS = {"compare.py": {"TypeError"}}
#: the functions that look a message up in the catalogue
LOOKUPS = {"_", "ngettext"}


def _name(node: ast.expr) -> str:
    """``LearnerError`` for ``LearnerError`` and for ``errors.LearnerError``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def learner_errors(sources: Iterable[str]) -> set[str]:
    """LearnerError and every class the sources derive from it, directly or not."""
    classes = [node for source in sources for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.ClassDef)]
    found = {LEARNER_ERROR}
    grown = True
    while grown:
        grown = False
        for node in classes:
            if node.name not in found and any(_name(base) in found for base in node.bases):
                found.add(node.name)
                grown = True
    return found


def _literal_lookup(node: ast.expr) -> bool:
    """``_("literal")`` or ``ngettext("literal", "literal", n)``."""
    if not (isinstance(node, ast.Call) and _name(node.func) in LOOKUPS and node.args):
        return False
    texts = node.args[:2] if _name(node.func) == "ngettext" else node.args[:1]
    return all(isinstance(text, ast.Constant) and isinstance(text.value, str) for text in texts)


def is_template(node: ast.expr) -> bool:
    """A message from the catalogue: a literal lookup, or one filled in with ``.format(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        return _literal_lookup(node.func.value)
    return _literal_lookup(node)


def untranslated_raises(source: str, filename: str, classes: set[str]) -> list[str]:
    """``file:line`` of each exception built with a text the catalogue cannot hold.

    Args:
        source: a module's source.
        filename: its name (``compare.py``), for SENTENCE_EXCEPTIONS and the report.
        classes: the LearnerError family (see :func:`learner_errors`).
    """
    watched = classes | SENTENCE_EXCEPTIONS.get(Path(filename).name, set())
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in watched:
            if not node.args or not is_template(node.args[0]):
                problems.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:90]}")
    return problems


def formatted_lookups(source: str, filename: str) -> list[str]:
    """``file:line`` of each ``_(...)`` / ``ngettext(...)`` handed an f-string."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in LOOKUPS and any(
                isinstance(part, ast.JoinedStr) for arg in node.args for part in ast.walk(arg)):
            problems.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:90]}")
    return problems


def _modules(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for path in sorted(folder.rglob("*.py"))}


def test_every_sentence_raised_to_a_learner_is_a_template() -> None:
    modules = _modules(EXERCISES)
    classes = learner_errors(modules.values())
    assert "OwnAnswerRequired" in classes       # the sandbox's subclass is found too
    problems = [problem for filename, source in modules.items()
                for problem in untranslated_raises(source, filename, classes)]
    assert problems == [], "wrap the sentence in _(...).format(...):\n" + "\n".join(problems)


def test_no_lookup_is_handed_an_f_string() -> None:
    problems = [problem for filename, source in _modules(ROOT / "nncourse").items()
                for problem in formatted_lookups(source, filename)]
    assert problems == [], "put {placeholders} in _() and fill them with .format:\n" + \
        "\n".join(problems)


#: sentences built the ways the catalogue supports: none may be reported
GOOD = '''
from .errors import LearnerError
from . import errors

def run(answer, count):
    if answer is None:
        raise LearnerError(_("your function returned None"))
    if count:
        raise errors.LearnerError(_("got {count} values").format(count=count))
    raise LearnerError(ngettext("{count} value", "{count} values", count).format(count=count))
'''

#: one planted fault per line: an f-string, a literal, a variable, a subclass, an attribute,
#: no sentence at all, a lookup of a variable, a lookup of an f-string
PLANTED = '''
class ShapeError(LearnerError):
    pass

def run(answer, sentence):
    raise LearnerError(f"your step function returned {answer!r}")
    raise LearnerError("pass the tuple (forward, backward)")
    raise LearnerError(sentence)
    raise ShapeError(f"shape {answer.shape}")
    raise errors.LearnerError("group 0 is not a dict")
    raise LearnerError()
    raise LearnerError(_(sentence))
    raise LearnerError(_(f"got {answer}").format())
'''


def test_planted_untranslated_sentences_are_caught() -> None:
    classes = learner_errors([PLANTED])
    assert classes == {"LearnerError", "ShapeError"}
    assert untranslated_raises(GOOD, "runners.py", classes) == []
    found = untranslated_raises(PLANTED, "runners.py", classes)
    lines = sorted(int(problem.split(":")[1]) for problem in found)
    assert lines == list(range(6, 14)), found
    assert formatted_lookups(PLANTED, "runners.py") == [
        "runners.py:13: _(f'got {answer}')"]


def test_a_module_that_speaks_through_typeerror_is_held_to_it() -> None:
    source = 'raise TypeError(f"an object of type {kind}")\n'
    assert untranslated_raises(source, "nncourse/exercises/compare.py", {LEARNER_ERROR})
    assert untranslated_raises(source, "nncourse/exercises/quiz.py", {LEARNER_ERROR}) == []
