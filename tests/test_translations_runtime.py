"""The run-time messages in Brazilian Portuguese: complete, current, and what a learner reads.

The template ``locales/templates/nncourse.pot`` holds every ``_("...")`` of nncourse/ and every
text the exercises and quizzes declare (nncourse/exercises/texts.py); ``nncourse.po`` must
translate all of it. Then ``check()`` is run on a wrong answer of every exercise (its first
catalogued mistake, seed 0) in both languages: under ``pt_BR`` no sentence may come out as its
English source, nor contain common English words, and a message planted without a translation
must be caught by that same test. The same holds for the sentences learner code's errors become
(errors.py: a shape error, an exception, a stub), for a chapter's runner refusing an answer it
cannot use (a wrong return structure, one function where a tuple of them is asked for) and for
the comparison reports (compare.py: NaN, a wrong shape, an object that is no plain data), run
through ``check()``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers_i18n import leave_untranslated

from nncourse import i18n
from nncourse.exercises import check, list_exercises
from nncourse.exercises.results import CheckResult

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locales" / "pt_BR" / "LC_MESSAGES" / "nncourse.po"
TEMPLATE = ROOT / "locales" / "templates" / "nncourse.pot"
#: words that do not occur in Portuguese prose, so one of them means an English sentence
ENGLISH = re.compile(r"(?i)(?<![\w`'.])(the|your|should|expected|must|with|is|are|got|not)"
                     r"(?![\w`'(])")

#: three words in a row: a sentence, not a formula or a line of code (those stay as they are)
PROSE = re.compile(r"[A-Za-zÀ-ÿ]{2,} [A-Za-zÀ-ÿ]{2,} [A-Za-zÀ-ÿ]{2,}")


def _script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def portuguese():
    i18n.set_language("pt_BR")
    yield
    i18n.set_language(None)


def test_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = _script().message_template(tmp_path)
    assert fresh.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8"), \
        "run `python scripts/i18n.py update --no-book` and translate the new messages"


def test_every_runtime_message_is_translated() -> None:
    script = _script()
    assert script.untranslated(CATALOGUE) == []
    if shutil.which("msgfmt"):
        assert script.msgfmt_problems(CATALOGUE) == []


def english_sentences(portuguese: CheckResult, english: CheckResult) -> list[str]:
    """The learner-facing texts of ``portuguese`` that are still English.

    A text is English when it equals the English run's text at the same place (one that has
    letters and is not an identifier), or when it holds a common English word outside code.
    """
    def texts(result: CheckResult) -> list[str]:
        found = [result.title, result.error]
        for case in result.cases:
            found += [case.message, case.hint]
        return found

    def prose(text: str) -> str:
        return re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", " ", text)

    problems = []
    for translated, source in zip(texts(portuguese), texts(english), strict=True):
        if not translated:
            continue
        same = translated == source and PROSE.search(prose(source)) is not None
        if same or ENGLISH.search(prose(translated)):
            problems.append(translated)
    return problems


def _both_languages(exercise_id: str, answer: object) -> tuple[CheckResult, CheckResult]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # mistake models overflow on purpose
        i18n.set_language("en")
        english = check(exercise_id, answer, seed=0)
        i18n.set_language("pt_BR")
        try:
            translated = check(exercise_id, answer, seed=0)
        finally:
            i18n.set_language(None)
    return translated, english


@pytest.mark.parametrize("exercise", list_exercises(), ids=lambda exercise: exercise.id)
def test_check_feedback_is_portuguese(exercise) -> None:
    translated, english = _both_languages(exercise.id, exercise.mistakes[0].answer)
    assert not english.passed, "the first catalogued mistake must fail the check"
    assert english_sentences(translated, english) == []


def test_an_untranslated_message_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    exercise = next(ex for ex in list_exercises() if ex.id == "backprop.relu_backward")
    mistake = exercise.mistakes[0]
    assert isinstance(mistake.message, str)

    leave_untranslated(monkeypatch, mistake.message)
    translated, english = _both_languages(exercise.id, mistake.answer)
    assert english_sentences(translated, english)


def test_result_table_speaks_portuguese(portuguese) -> None:
    exercise = next(ex for ex in list_exercises() if ex.id == "backprop.relu_backward")
    result = check(exercise.id, exercise.mistakes[0].answer)
    table, text = result._repr_html_(), str(result)
    assert "o que diferiu" in table and "pontos" in table and "what differed" not in table
    assert "FALHOU" in text and "dica:" in text and "points" not in text


def test_english_stays_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNCOURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    exercise = next(ex for ex in list_exercises() if ex.id == "backprop.relu_backward")
    result = check(exercise.id, exercise.mistakes[0].answer)
    assert result.cases[0].message == "grad_x = relu(x) * grad_out; the derivative of relu is " \
                                      "the mask (x > 0), not relu(x)."


def test_quiz_speaks_portuguese(portuguese) -> None:
    from nncourse.exercises import quiz

    chapter = quiz("ch03")
    shown = str(chapter)
    assert shown.startswith("Retropropagação: teste-se")
    assert "Qual é o formato de <code>grad_weight</code>?" in shown
    correct, feedback = chapter.questions[0].grade(2)
    assert correct and feedback.startswith("Isso: o mesmo formato do peso")
    page = chapter.static_html().split("<script>")[0]
    words = re.sub(r"<[^>]+>", " ", re.sub(r"<code>.*?</code>", " ", page))
    assert not ENGLISH.search(words), ENGLISH.findall(words)


def test_explorer_status_and_labels_speak_portuguese(portuguese) -> None:
    from nncourse.widgets.gradient_descent import GradientDescentExplorer

    explorer = GradientDescentExplorer(surface="bowl", lr=2.5, steps=20)
    assert explorer.status_text.startswith("Divergiu no passo")
    assert "Diminua a taxa de aprendizado" in explorer.status_text
    assert "#D55E00" in explorer.status.value          # still shown as a warning
    assert explorer.controls["lr"].description == "taxa de aprendizado"
    assert explorer.axes[1].get_xlabel() == "passo"
    explorer.set_state(lr=0.1)
    assert explorer.status_text.startswith("Perda final")


# ------------------------------------------------- errors and comparisons put into sentences
class _Opaque:
    """An object that is no plain data: the answer cannot cross into the judge."""


def _stub(grad_out, x):
    raise NotImplementedError("write your solution here")


#: learner errors of every kind errors.py and compare.py turn into sentences
LEARNER_ERRORS = {
    "wrong shape in the code": lambda grad_out, x: grad_out * (x[:, 0] > 0),   # (6, 7) * (6,)
    "a torch method on an array": lambda grad_out, x: grad_out.detach(),
    "a missing key": lambda grad_out, x: {}["mask"],
    "a division by zero": lambda grad_out, x: grad_out * (1 / 0),
    "an unfinished stub": _stub,
    "an object returned": lambda grad_out, x: _Opaque(),
    "NaN returned": lambda grad_out, x: grad_out * np.nan,
    "a wrong shape returned": lambda grad_out, x: grad_out[:, :3].copy(),
}


@pytest.mark.parametrize("kind", sorted(LEARNER_ERRORS))
def test_learner_errors_are_explained_in_portuguese(kind: str) -> None:
    translated, english = _both_languages("backprop.relu_backward", LEARNER_ERRORS[kind])
    assert not english.passed
    assert translated.cases[0].message != english.cases[0].message
    assert english_sentences(translated, english) == []


@pytest.mark.parametrize("kind, message", [
    ("wrong shape in the code", "your code stopped: {reason}"),
    ("an object returned", "an object of type {kind}; expected an array, a number, or a "
                           "tuple/list of them"),
    ("a torch method on an array", "That is a torch tensor method; here the values are NumPy "
                                   "arrays."),
])
def test_an_untranslated_error_sentence_is_caught(monkeypatch: pytest.MonkeyPatch, kind: str,
                                                  message: str) -> None:

    leave_untranslated(monkeypatch, message)
    translated, english = _both_languages("backprop.relu_backward", LEARNER_ERRORS[kind])
    assert english_sentences(translated, english)


def test_comparison_reports_speak_portuguese(portuguese) -> None:
    from nncourse.exercises import compare

    expected = np.arange(6.0).reshape(2, 3)
    reports = [
        compare.compare_arrays("grad_x", np.full((2, 3), np.nan), expected),
        compare.compare_arrays("grad_x", np.ones((3, 2)), expected),
        compare.compare_arrays("grad_x", expected + 1, expected),
        compare.compare_arrays("grad_x", "0.5", expected),
        compare.compare_number("lr", 0.5, 0.1),
        compare.compare_number("lr", float("nan"), 0.1),
        compare.compare_number("lr", "0.1", 0.1),
        compare.describe_value((1, 2)),
        compare.describe_value(expected),
    ]
    for value in ({1: 2}, object(), np.array(["a"])):
        with pytest.raises(TypeError) as raised:
            compare.to_plain(value)
        reports.append(str(raised.value))
    i18n.set_language("en")
    english = [compare.compare_arrays("grad_x", np.ones((3, 2)), expected),
               compare.compare_number("lr", 0.5, 0.1)]
    assert reports[1] != english[0] and reports[4] != english[1]
    for report in reports:
        assert report and not ENGLISH.search(report), report
    assert "tem formato (3, 2), o esperado é (2, 3)" in reports[1]


# ------------------------------------------------------- answers a chapter's runner cannot use
def _step_without_state(param, grad, *state_and_settings):
    return param - 0.1 * grad              # Adam's step must return (param, m, v)


def _leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def _forward_without_cache(x, gamma, beta, eps):
    return x                               # batchnorm_forward must return (out, cache)


def _search_returning_nothing(objective, sample, n_trials, seed):
    return None


#: exercise -> (an answer its runner refuses with a LearnerError, how that English sentence starts)
UNUSABLE_ANSWERS = {
    "optim.adam_step": (_step_without_state, "Your step function must return the tuple"),
    "activations.leaky_relu": (_leaky_relu, "pass the tuple (leaky_relu, leaky_relu_backward)"),
    "normalization.batchnorm": ((_forward_without_cache, lambda grad_out, cache: grad_out),
                                "batchnorm_forward must return the pair (out, cache)"),
    "regularization.dropout": (_leaky_relu, "pass the two functions together, as a pair"),
    "evaluation.random_search": (_search_returning_nothing, "random_search returned NoneType"),
}


@pytest.mark.parametrize("exercise_id", sorted(UNUSABLE_ANSWERS))
def test_a_runners_refusal_is_portuguese(exercise_id: str) -> None:
    answer, english_start = UNUSABLE_ANSWERS[exercise_id]
    translated, english = _both_languages(exercise_id, answer)
    assert english.cases[0].message.startswith(english_start), english.cases[0].message
    assert translated.cases[0].message != english.cases[0].message
    assert english_sentences(translated, english) == []


def test_an_untranslated_runner_sentence_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    planted = "pass the tuple {wanted} of your functions; got {got}"

    leave_untranslated(monkeypatch, planted)
    answer, _start = UNUSABLE_ANSWERS["activations.leaky_relu"]
    translated, english = _both_languages("activations.leaky_relu", answer)
    assert english_sentences(translated, english)


# ------------------------------------------------------------------------ nncourse progress
#: the words of ``nncourse progress``'s English output (table, notes, warnings)
PROGRESS_WORDS = re.compile(r"(?i)\b(chapter|exercises|passed|points|quiz|correct|of|other|kept|"
                            r"delete|start|afresh|could|read|moved)\b")


def _progress_output(language: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    from nncourse.cli import main

    i18n.set_language(language)
    try:
        assert main(["progress"]) == 0
    finally:
        i18n.set_language(None)
    captured = capsys.readouterr()
    return captured.out, captured.err


def _record_some_progress(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nncourse.exercises import progress

    monkeypatch.setenv(progress.PATH_VARIABLE, str(path))
    progress.record("optim.adam_step", 5, 5)
    progress.record("someone.elses_exercise", 1, 2)
    progress.record_quiz("ch05.bias", True)


@pytest.mark.parametrize("planted", [None, "quiz correct", "(kept in {path}; delete it to "
                                                          "start afresh)"])
def test_progress_speaks_portuguese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str],
                                    planted: str | None) -> None:
    _record_some_progress(tmp_path / "progress.json", monkeypatch)
    if planted:

        leave_untranslated(monkeypatch, planted)
    english, _ = _progress_output("en", capsys)
    translated, _ = _progress_output("pt_BR", capsys)
    prose = translated.replace(str(tmp_path), " ")
    assert PROGRESS_WORDS.search(english)
    assert bool(PROGRESS_WORDS.search(prose)) == bool(planted), prose
    table = translated.splitlines()[:-1]
    assert "capítulo" in table[0] and len({len(line) for line in table}) == 1   # aligned columns


def test_an_unreadable_progress_file_is_reported_in_portuguese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "progress.json"
    _record_some_progress(path, monkeypatch)
    path.write_text("{ not json", encoding="utf-8")
    _, warning = _progress_output("pt_BR", capsys)
    assert "não foi possível ler" in warning and "não é JSON" in warning
    assert not PROGRESS_WORDS.search(warning.replace(str(tmp_path), " ")), warning


def test_a_compiled_catalogue_older_than_its_source_is_not_used(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    """Building the Portuguese edition leaves an nncourse.mo beside nncourse.po (Sphinx compiles
    every catalogue it finds); a later edit of the .po wins over that copy."""
    import os

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    messages = tmp_path / "pt_BR" / "LC_MESSAGES"
    messages.mkdir(parents=True)

    def catalogue(translation: str) -> Catalog:
        catalog = Catalog(locale="pt_BR")
        catalog.add("Correct!", translation)
        return catalog

    with (messages / "nncourse.mo").open("wb") as handle:
        write_mo(handle, catalogue("Certo (cópia antiga)!"))
    with (messages / "nncourse.po").open("wb") as handle:
        write_po(handle, catalogue("Certo!"))
    old = (messages / "nncourse.po").stat().st_mtime - 60
    monkeypatch.setattr(i18n, "_CATALOGUE_DIRS", (tmp_path,))
    i18n.translations.cache_clear()
    try:
        os.utime(messages / "nncourse.mo", (old, old))          # the .po was edited later
        assert i18n.translations("pt_BR").gettext("Correct!") == "Certo!"
        i18n.translations.cache_clear()
        new = old + 120
        os.utime(messages / "nncourse.mo", (new, new))          # compiled after the edit
        assert i18n.translations("pt_BR").gettext("Correct!") == "Certo (cópia antiga)!"
    finally:
        i18n.translations.cache_clear()
