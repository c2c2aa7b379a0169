"""The Portuguese edition never goes stale: templates, catalogues, labs, glossary, language.

A translation is stale when an English sentence changed and nobody translated the new one. These
tests fail then, and say which command brings it up to date (`python scripts/i18n.py update`, then
translate the empty and fuzzy entries; README, "Updating a translation").

Run time (one thread): about 40 s, nearly all of it the gettext pass over the book pages in
test_templates_match_the_english_sources (the sources are read, never executed).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
import tokenize
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "locales" / "pt_BR" / "glossary.md"


def _load_i18n_script():
    spec = importlib.util.spec_from_file_location("nncourse_i18n_script",
                                                  ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n = _load_i18n_script()


def _catalogue_problems(language: str) -> list[str]:
    skip = i18n.pending(language)
    problems = []
    for po in i18n.catalogues(language):
        if str(po.relative_to(i18n.LOCALES / language / "LC_MESSAGES")) not in skip:
            problems += i18n.untranslated(po)
    return problems


# ------------------------------------------------------------------------- stale translations


@pytest.mark.timeout(600)
def test_templates_match_the_english_sources():
    problems = i18n.stale_templates()
    assert not problems, ("the translation templates are stale; run `python scripts/i18n.py "
                          "update` and translate what it flags:\n" + "\n".join(problems))


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    problems = _catalogue_problems(language)
    assert not problems, (f"{len(problems)} entries need a translator (README, \"Updating a "
                          "translation\"):\n" + "\n".join(problems[:40]))


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_every_catalogue_passes_msgfmt_check(language):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt is missing: bash scripts/ensure-gettext.sh installs Debian's gettext")
    problems = [p for po in i18n.catalogues(language) for p in i18n.msgfmt_problems(po)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_prose_catalogues_carry_no_guessed_format_flags(language):
    problems = [p for po in i18n.catalogues(language) for p in i18n.guessed_flags(po)]
    assert not problems, "\n".join(problems)


def test_a_guessed_format_flag_on_prose_is_reported(tmp_path):
    entry = ('\n#, python-brace-format\nmsgid "Set {lr} below 0.1."\n'
             'msgstr "Deixe {lr} abaixo de 0,1."\n')
    prose, runtime = tmp_path / "lab01_training_loop.po", tmp_path / "nncourse.po"
    for path in (prose, runtime):
        path.write_text('msgid ""\nmsgstr ""\n' + entry, encoding="utf-8")
    assert i18n.guessed_flags(prose)
    assert i18n.guessed_flags(runtime) == []          # run-time messages keep them for msgfmt


def test_pending_lists_only_existing_catalogues():
    for language in i18n.LANGUAGES:
        messages = i18n.LOCALES / language / "LC_MESSAGES"
        missing = sorted(name for name in i18n.pending(language) if not (messages / name).exists())
        assert not missing, f"{language}/{i18n.PENDING} names catalogues that do not exist: " \
                            f"{missing}"


def test_translated_labs_are_regenerated_from_the_current_catalogues():
    problems = i18n.stale_labs()
    assert not problems, ("run `python scripts/i18n.py labs` (or `update`):\n"
                          + "\n".join(problems))


def test_planted_untranslated_and_fuzzy_entries_are_reported(tmp_path):
    source = i18n.LOCALES / "pt_BR" / "LC_MESSAGES" / "labs" / "lab01_training_loop.po"
    planted = tmp_path / "planted.po"
    planted.write_text(
        source.read_text(encoding="utf-8")
        + '\nmsgctxt "planted"\nmsgid "A sentence nobody translated."\nmsgstr ""\n'
        + '\n#, fuzzy\nmsgctxt "planted"\nmsgid "A sentence that changed."\n'
        + 'msgstr "Uma frase que mudou."\n', encoding="utf-8")
    problems = i18n.untranslated(planted)
    assert any("untranslated" in p and "nobody translated" in p for p in problems), problems
    assert any("fuzzy" in p and "that changed" in p for p in problems), problems


def test_a_changed_english_lab_makes_its_template_stale(tmp_path, monkeypatch):
    labs = tmp_path / "notebooks"
    labs.mkdir()
    lab = sorted(i18n.ENGLISH_LABS.glob("lab*.ipynb"))[0]
    notebook = json.loads(lab.read_text(encoding="utf-8"))
    first_markdown = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    first_markdown["source"] = "".join(first_markdown["source"]) + "\n\nA new English sentence."
    (labs / lab.name).write_text(json.dumps(notebook), encoding="utf-8")
    monkeypatch.setattr(i18n, "ENGLISH_LABS", labs)
    fresh = tmp_path / "fresh"
    i18n.lab_templates(fresh)
    problems = i18n.compare_trees(fresh / "labs", i18n.TEMPLATES / "labs", f"{lab.stem}.pot")
    assert problems == [f"{i18n.TEMPLATES / 'labs' / lab.stem}.pot is out of date"]
    # ... and the catalogue, merged with it, has an entry that fails the untranslated check
    catalog = i18n.read_catalog(i18n.LOCALES / "pt_BR" / "LC_MESSAGES" / "labs" / f"{lab.stem}.po")
    template = i18n.read_catalog(fresh / "labs" / f"{lab.stem}.pot")
    catalog.update(template)
    merged = tmp_path / "merged.po"
    i18n.write_catalog(catalog, merged)
    assert any(("fuzzy" in p or "untranslated" in p) and "Lab" in p
               for p in i18n.untranslated(merged)), i18n.untranslated(merged)


# -------------------------------------------------------------------------------------- labs


def _code_without_comments(source: str) -> list[tuple[int, str]]:
    python = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)
    return [(t.type, t.string) for t in tokenize.generate_tokens(StringIO(python).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_translated_labs_run_the_same_code(language):
    """Same cells, ids and code (comments aside); the outputs come from a run in the language."""
    folder = i18n.LANGUAGES[language][1]
    english = sorted(p.name for p in i18n.ENGLISH_LABS.glob("lab*.ipynb"))
    assert sorted(p.name for p in folder.glob("lab*.ipynb")) == english
    for name in english:
        source = json.loads((i18n.ENGLISH_LABS / name).read_text(encoding="utf-8"))
        translated = json.loads((folder / name).read_text(encoding="utf-8"))
        assert translated["metadata"]["nncourse"]["language"] == language
        assert len(translated["cells"]) == len(source["cells"]), name
        for ours, theirs in zip(translated["cells"], source["cells"], strict=True):
            assert (ours["id"], ours["cell_type"]) == (theirs["id"], theirs["cell_type"]), name
            if theirs["cell_type"] != "code":
                continue
            assert bool(ours["outputs"]) == bool(theirs["outputs"]), f"{name} {theirs['id']}"
            assert _code_without_comments("".join(ours["source"])) == \
                _code_without_comments("".join(theirs["source"])), f"{name} {theirs['id']}"


def _english_sentences(language: str) -> set[str]:
    """Pieces of the run-time messages (nncourse.po) that read differently in ``language``:
    each message's text between its {placeholders}, 25 characters or more."""
    from babel.messages.pofile import read_po

    path = ROOT / "locales" / language / "LC_MESSAGES" / "nncourse.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    pieces = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in english:
            for piece in re.split(r"\{[^{}]*\}", text):
                piece = piece.strip()
                if len(piece) >= 25 and not any(piece in other for other in translated):
                    pieces.add(piece)
    return pieces


def _output_text(notebook: dict) -> str:
    """Every text a lab's stored outputs show (streams, plain text, HTML; images left out)."""
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/html", "text/markdown"):
                parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


def english_in_outputs(notebook: dict, sentences: set[str]) -> list[str]:
    """The run-time sentences a lab's stored outputs show in English."""
    shown = _output_text(notebook)
    return sorted(sentence for sentence in sentences if sentence in shown)


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_translated_labs_store_the_outputs_of_a_run_in_their_language(language):
    """A check's feedback, an explorer's status, a figure's alt text: stored as the learner
    sees them on running the lab (``python scripts/i18n.py labs --execute``)."""
    sentences = _english_sentences(language)
    assert len(sentences) > 200
    folder = i18n.LANGUAGES[language][1]
    problems = {}
    for path in sorted(folder.glob("lab*.ipynb")):
        found = english_in_outputs(json.loads(path.read_text(encoding="utf-8")), sentences)
        if found:
            problems[path.name] = found[:3]
    assert not problems, ("stored outputs in English; run `python scripts/i18n.py labs "
                          f"--execute`: {problems}")
    # The same check finds the English labs' outputs in English (it is not vacuous).
    english = json.loads((i18n.ENGLISH_LABS / "lab01_training_loop.ipynb").read_text("utf-8"))
    assert english_in_outputs(english, sentences)


def test_solution_markers_are_never_translated():
    comments = i18n._code_comments("x = 1  # a note\n# BEGIN SOLUTION\ny = 2\n# END SOLUTION\n"
                                   "# first line\n# second line\nz = 3  # noqa: E501\n")
    assert [text for *_, text in comments] == ["a note", "first line\nsecond line"]


def test_comment_blocks_are_rewrapped_with_their_indentation():
    catalog = i18n.Catalog()
    catalog.add("first line\nsecond line", "primeira linha, agora mais longa\nsegunda\nterceira",
                context="c1 comment")
    catalog.add("a note", "uma nota", context="c1 comment")
    source = "def f():\n    # first line\n    # second line\n    return 1  # a note\n"
    assert i18n.translate_code(source, "c1", catalog) == (
        "def f():\n    # primeira linha, agora mais longa\n    # segunda\n    # terceira\n"
        "    return 1  # uma nota\n")


# ---------------------------------------------------------------------------------- glossary


def _glossary_rows(heading: str) -> list[list[str]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    return rows[2:]  # header and rule


def _running_text(text: str) -> str:
    """Text outside code, math, links' targets, roles, identifiers and quoted English.

    Left out: code (fenced, inline), math, link targets, roles, dotted and snake_case
    identifiers (``backprop.linear_backward``), the ``(*original*)`` gloss after a term and
    italic titles of English papers (``*Decoupled Weight Decay Regularization*``).
    """
    text = re.sub(r"```.*?```|:::.*?\n", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|`[^`]*`|\]\([^)]*\)|\{[a-z:]+\}|<[^>]+>|"
                  r"\(\*[^*]+\*\)|\*(?:[A-Z][\w-]*[\s,:]+){2,}[^*]*\*", " ", text, flags=re.S)
    text = re.sub(r"\b\w+(?:\.\w+)+\b|\b\w+_\w+\b", " ", text)
    text = re.sub(r"\\text\{[^}]*\}", lambda m: m.group(0)[6:-1], text)  # words inside math
    return text


def test_glossary_has_the_fixed_terms():
    fixed = {row[0]: row[1] for row in _glossary_rows("Termos fixados")}
    for english, portuguese in [("learning rate", "taxa de aprendizado"), ("epoch", "época"),
                                ("backpropagation", "retropropagação"),
                                ("gradient descent", "gradiente descendente"),
                                ("overfitting", "sobreajuste"), ("fine-tuning", "ajuste fino"),
                                ("regularization", "regularização")]:
        assert fixed[english] == portuguese
    kept = {row[0] for row in _glossary_rows("Termos que ficam em inglês")}
    assert {"batch norm", "dropout", "logits"} <= kept


def _phrase(words: str) -> str:
    """A regex for a phrase as a whole word, across line breaks."""
    return r"(?<![\w-])" + r"\s+".join(map(re.escape, words.split())) + r"(?![\w-])"


@pytest.mark.parametrize("language", ["pt_BR"])
def test_catalogues_use_the_glossary_terms(language):
    forbidden = [(form.strip(), row[1]) for row in _glossary_rows("Termos fixados")
                 + _glossary_rows("Termos que ficam em inglês")
                 for form in row[2].split(";") if form.strip()]
    kept_english = [term.strip() for row in _glossary_rows("Termos que ficam em inglês")
                    for term in row[0].split(",")]
    problems = []
    for po in i18n.catalogues(language):
        for message in i18n.read_catalog(po):
            if not message.id or not message.string:
                continue
            text = _running_text(str(message.string))
            for term in kept_english:
                text = re.sub(_phrase(term), " ", text, flags=re.I)
            for form, use in forbidden:
                if re.search(_phrase(form), text, flags=re.I):
                    problems.append(f"{po.name}: {form!r} (use {use!r}) in {text[:80]!r}")
    assert not problems, "\n".join(problems[:30])


def test_glossary_check_catches_a_forbidden_term():
    text = _running_text("Com uma taxa de aprendizagem alta, o `overfitting` aparece.")
    assert re.search(_phrase("taxa de aprendizagem"), text)
    assert re.search(_phrase("taxa de aprendizagem"), "uma taxa de\naprendizagem alta")
    stripped = re.sub(_phrase("batch norm"), " ", "a batch\nnorm e o lote", flags=re.I)
    assert not re.search(_phrase("batch"), stripped)
    assert "overfitting" not in text  # code is never checked
    assert "overfitting" not in _running_text("o sobreajuste (*overfitting*) aparece")
    assert "backprop" not in _running_text("o exercício backprop.linear_backward do laboratório")
    assert "Regularization" not in _running_text("(*Decoupled Weight Decay Regularization*, 2019)")


# ------------------------------------------------------------------------- run-time language


def test_language_defaults_to_english_and_follows_nncourse_lang(monkeypatch):
    from nncourse import i18n as runtime

    runtime.set_language(None)
    monkeypatch.delenv("NNCOURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert runtime.current_language() == "en"
    for value in ("pt_BR", "pt-BR", "pt_br.UTF-8"):
        monkeypatch.setenv("NNCOURSE_LANG", value)
        assert runtime.current_language() == "pt_BR"
    monkeypatch.setenv("NNCOURSE_LANG", "en_US.UTF-8")
    assert runtime.current_language() == "en"
    monkeypatch.setenv("NNCOURSE_LANG", "xx")
    with pytest.raises(ValueError, match="NNCOURSE_LANG='xx' has no translation"):
        runtime.current_language()


def test_language_follows_the_translated_notebook(monkeypatch):
    from nncourse import i18n as runtime

    runtime.set_language(None)
    monkeypatch.delenv("NNCOURSE_LANG", raising=False)
    lab = sorted(i18n.LANGUAGES["pt_BR"][1].glob("lab*.ipynb"))[0]
    monkeypatch.setenv("JPY_SESSION_NAME", str(lab))
    assert runtime.current_language() == "pt_BR"
    monkeypatch.setenv("JPY_SESSION_NAME", str(i18n.ENGLISH_LABS / lab.name))
    assert runtime.current_language() == "en"


def test_messages_come_from_the_catalogue_compiled_with_babel(tmp_path, monkeypatch):
    from nncourse import i18n as runtime

    messages = tmp_path / "pt_BR" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalog = i18n.Catalog(locale="pt_BR")
    catalog.add("Correct: {name} matches.", "Certo: {name} confere.")
    catalog.add("Not yet translated.", "")
    i18n.write_catalog(catalog, messages / "nncourse.po")
    monkeypatch.setattr(runtime, "_CATALOGUE_DIRS", (tmp_path,))
    runtime.translations.cache_clear()
    try:
        runtime.set_language("pt-BR")
        assert runtime._("Correct: {name} matches.").format(name="w") == "Certo: w confere."
        assert runtime._("Not yet translated.") == "Not yet translated."
        runtime.set_language("en")
        assert runtime._("Correct: {name} matches.") == "Correct: {name} matches."
    finally:
        runtime.set_language(None)
        runtime.translations.cache_clear()
