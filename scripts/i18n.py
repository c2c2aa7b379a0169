"""Translations of nncourse: templates, catalogues, translated labs and the two site editions.

English is the single source. Everything a translator edits is a gettext catalogue under
``locales/<language>/LC_MESSAGES/``:

* ``book/<page>.po``: the book pages (Sphinx's gettext builder, one catalogue per page);
* ``labs/<lab>.po``: the labs, one message per markdown cell and per code comment, matched by
  cell id (``msgctxt``), from which ``notebooks/pt-br/<lab>.ipynb`` is generated: the code is
  the English lab's, only the text a learner reads changes, and the stored outputs are those of
  a run in that language (``labs --execute``: a check's feedback, a figure's title), kept while
  the lab's code is unchanged;
* ``nncourse.po``: the messages the library prints at run time (``nncourse.i18n._``).

Their templates (``locales/templates/**.pot``) are committed, so a change to an English sentence
shows up in review and the tests (tests/test_translations.py) notice a stale translation.

Usage (from the repository root)::

    python scripts/i18n.py update     # after changing English text: templates, catalogues, labs
    python scripts/i18n.py labs       # after translating: regenerate notebooks/pt-br/
    python scripts/i18n.py labs --execute   # after changing a lab's code: run them in pt-BR
    python scripts/i18n.py build      # both editions into _build/html/en and _build/html/pt-br
    python scripts/i18n.py build --language pt_BR
    python scripts/i18n.py check      # every stale-translation check, as the tests run them

``update`` keeps every translation whose English text changed as *fuzzy* (gettext's fuzzy
matching, through sphinx-intl): the translator reviews it, edits it and removes the ``fuzzy``
flag. A fuzzy or empty entry fails ``check``.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

# Its sibling scripts import however this one is loaded (as a script, or by path from the tests).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_chapters import cache_for, run_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
TEMPLATES = LOCALES / "templates"
BUILD = ROOT / "_build"
ENGLISH_LABS = ROOT / "notebooks"
#: language -> (folder of its site edition under _build/html, folder of its labs)
LANGUAGES = {"pt_BR": ("pt-br", ROOT / "notebooks" / "pt-br")}
EDITIONS = {"en": "en", **{language: folder for language, (folder, _) in LANGUAGES.items()}}
#: one fixed date in every template, so that regenerating an unchanged template changes nothing
TEMPLATE_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
#: code comments that are instructions to tools, never learner-facing text
TOOL_COMMENT = re.compile(
    r"^#+\s*(BEGIN SOLUTION|END SOLUTION|noqa|type:|pragma|fmt:|ruff:|mypy:)", re.IGNORECASE
)
#: a catalogue listed here (one path per line, relative to LC_MESSAGES) is being translated:
#: its empty entries show the English text on the site and do not fail the check
PENDING = "PENDING.txt"


def python() -> str:
    """The interpreter running this script (the project's .venv under `make`)."""
    return sys.executable


def tool(name: str) -> str:
    """A console script installed beside the interpreter (jupyter-book, sphinx-build)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def environment() -> dict[str, str]:
    """The environment of every build step: the extensions and the library importable."""
    return {**os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "book" / "_ext"), str(ROOT),
                                                        os.environ.get("PYTHONPATH", "")]))}


def run(command: list[str], echo: bool = False, **kwargs: object) -> None:
    """Run a command from the repository root; raise with its output if it fails.

    With ``echo``, what the command printed is shown once it has succeeded.
    """
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True,
                          check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {done.returncode}:\n"
                           f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    if echo:
        print(done.stdout, end="", flush=True)


def run_together(commands: list[list[str]], settings: list[dict[str, str]] | None = None) -> None:
    """Run independent commands at the same time; raise with the output of each that failed.

    ``settings[i]`` adds environment variables for ``commands[i]`` only.
    """
    extra = settings or [{} for _ in commands]
    with tempfile.TemporaryDirectory() as folder:
        logs = [Path(folder) / f"{index}.log" for index in range(len(commands))]
        running = []
        for command, variables, log in zip(commands, extra, logs, strict=True):
            with log.open("w", encoding="utf-8") as out:
                running.append(subprocess.Popen(command, cwd=ROOT,
                                                env={**environment(), **variables},
                                                stdout=out, stderr=subprocess.STDOUT, text=True))
        failures = [f"{' '.join(command)} failed with exit code {process.returncode}:\n"
                    f"{log.read_text(encoding='utf-8')[-8000:]}"
                    for command, process, log in zip(commands, running, logs, strict=True)
                    if process.wait() != 0]
    if failures:
        raise RuntimeError("\n\n".join(failures))


class SphinxConf:
    """Jupyter Book's Sphinx configuration as a private conf.py, for the time of a build.

    It is written to a fresh folder under _build/ (never to the repository root, so builds and
    tests can run side by side), with every path made absolute; sphinx-build reads it with -c.
    """

    def __enter__(self) -> SphinxConf:
        from jupyter_book.config import get_final_config

        config, _ = get_final_config(
            user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
            cli_config={"external_toc_path": "_toc.yml", "latex_individualpages": False})
        for key in ("html_static_path", "templates_path", "locale_dirs"):
            if key in config:
                config[key] = [str(ROOT / path) for path in config[key]]
        for key in ("html_favicon", "nb_execution_cache_path", "external_toc_path"):
            if config.get(key):
                config[key] = str(ROOT / config[key])
        BUILD.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="sphinx-conf-", dir=BUILD))
        lines = ["# Written by scripts/i18n.py from _config.yml for one build."]
        lines += [f"{key} = {config[key]!r}" for key in sorted(config)]
        (self.folder / "conf.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
        #: the English edition's jupyter-cache (scripts/execute_chapters.py names the others')
        self.execution_cache = config.get("nb_execution_cache_path") or str(
            BUILD / ".jupyter_cache")
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def sphinx_command(conf: SphinxConf, builder: str, out: Path, doctrees: Path,
                   *overrides: str) -> list[str]:
    """The sphinx-build command line for the whole tree with the configuration ``conf``."""
    command = [tool("sphinx-build"), "-b", builder, "-c", str(conf.folder), "-d", str(doctrees)]
    for override in overrides:
        command += ["-D", override]
    if builder == "html":
        command += ["-W", "--keep-going"]
    return [*command, ".", str(out)]


def sphinx(conf: SphinxConf, builder: str, out: Path, doctrees: Path, *overrides: str) -> None:
    """One sphinx-build of the whole tree with the configuration ``conf``."""
    run(sphinx_command(conf, builder, out, doctrees, *overrides))


# ---------------------------------------------------------------------------------- templates


def normalise_template(text: str) -> str:
    """Drop what changes between two runs over the same text (the creation date)."""
    return re.sub(r'"POT-Creation-Date: [^"\\]*\\n"',
                  f'"POT-Creation-Date: {TEMPLATE_DATE:%Y-%m-%d %H:%M%z}\\\\n"', text)


def book_templates(target: Path) -> list[Path]:
    """Write one template per book page (no labs, no API reference pages) under target/book/.

    The gettext builder reads the sources without executing them: code and outputs are never
    in the catalogues, only the text around them. Its environment (_build/doctrees/gettext) is
    kept, so a second run re-reads only the pages that changed.
    """
    written = []
    BUILD.mkdir(parents=True, exist_ok=True)
    with SphinxConf() as conf, tempfile.TemporaryDirectory(dir=BUILD) as folder:
        out = Path(folder)
        sphinx(conf, "gettext", out, BUILD / "doctrees" / "gettext", "nb_execution_mode=off",
               "nncourse_catalogue_pages_only=1", "project=nncourse")
        for pot in sorted((out / "book").rglob("*.pot")):
            dest = target / "book" / pot.relative_to(out / "book")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(normalise_template(pot.read_text(encoding="utf-8")), encoding="utf-8")
            written.append(dest)
    return written


def new_catalog(domain: str) -> Catalog:
    """An empty template with the fixed date and the project's name."""
    return Catalog(project=f"nncourse {domain}", copyright_holder="The nncourse contributors",
                   creation_date=TEMPLATE_DATE, revision_date=TEMPLATE_DATE,
                   charset="utf-8", fuzzy=False)


#: gettext flags babel guesses from braces and percent signs; book and lab text is prose, not a
#: format string, so only the run-time messages (nncourse.po) keep them for `msgfmt -c`
FORMAT_FLAGS = ("python-format", "python-brace-format")
RUNTIME_DOMAIN = "nncourse"


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a .pot/.po file (no line numbers: a moved sentence is not a changed one)."""
    if path.stem != RUNTIME_DOMAIN:
        for message in catalog:
            for flag in FORMAT_FLAGS:
                message.flags.discard(flag)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, omit_header=False)
    path.write_text(normalise_template(buffer.getvalue().decode("utf-8")), encoding="utf-8")


def _code_comments(source: str) -> list[tuple[int, int, int, str]]:
    """Learner-facing comments of a code cell as (first row, last row, column, text) blocks.

    Consecutive full-line comments in one column form one block (one sentence may run over
    several lines); a comment after code is a block of its own. Rows count from 0.
    """
    # IPython's %magics and !commands are not Python: blank them out, keeping the rows.
    python_source = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python_source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    lines = source.split("\n")
    blocks: list[tuple[int, int, int, str]] = []
    for token in tokens:
        if token.type != tokenize.COMMENT or TOOL_COMMENT.match(token.string):
            continue
        row, column = token.start[0] - 1, token.start[1]
        text = re.sub(r"^#+ ?", "", token.string)
        if not text.strip():
            continue
        full_line = not lines[row][:column].strip()
        if blocks and full_line and blocks[-1][1] == row - 1 and blocks[-1][2] == column \
                and not lines[blocks[-1][0]][:column].strip():
            first, _, _, previous = blocks[-1]
            blocks[-1] = (first, row, column, previous + "\n" + text)
        else:
            blocks.append((row, row, column, text))
    return blocks


def lab_messages(notebook: dict) -> Iterator[tuple[str, str]]:
    """(context, English text) of every translatable piece of a lab, in reading order."""
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if not source.strip():
            continue
        if cell["cell_type"] == "markdown":
            yield cell["id"], source
        elif cell["cell_type"] == "code":
            for _, _, _, text in _code_comments(source):
                yield f"{cell['id']} comment", text


def lab_templates(target: Path) -> list[Path]:
    """Write one template per lab under target/labs/ (messages keyed by cell id)."""
    written = []
    for lab in sorted(ENGLISH_LABS.glob("lab*.ipynb")):
        notebook = json.loads(lab.read_text(encoding="utf-8"))
        catalog = new_catalog(lab.stem)
        for context, text in lab_messages(notebook):
            catalog.add(text, context=context, locations=[(f"notebooks/{lab.name}", None)])  # type: ignore[list-item]
        dest = target / "labs" / f"{lab.stem}.pot"
        write_catalog(catalog, dest)
        written.append(dest)
    return written


def message_template(target: Path) -> Path:
    """The template of the library's run-time messages (every ``_("...")`` in nncourse/)."""
    catalog = new_catalog("messages")
    found = extract_from_dir(str(ROOT / "nncourse"), method_map=[("**.py", "python")],
                             keywords={"_": None, "ngettext": (1, 2)}, comment_tags=("NOTE",),
                             strip_comment_tags=True)
    for filename, _lineno, message, comments, context in found:
        catalog.add(message, locations=[(f"nncourse/{filename}", None)],  # type: ignore[list-item]
                    auto_comments=comments, context=context)
    # The texts exercises and quizzes declare as data (translated when shown): see
    # nncourse/exercises/texts.py.
    sys.path.insert(0, str(ROOT))
    from nncourse.exercises.texts import declared_texts

    for text, where in declared_texts():
        if text not in catalog:
            catalog.add(text, locations=[(where, None)])  # type: ignore[list-item]
    dest = target / "nncourse.pot"
    write_catalog(catalog, dest)
    return dest


def write_templates(target: Path, book: bool = True) -> list[Path]:
    """Every template (book pages, labs, run-time messages) under ``target``."""
    written = book_templates(target) if book else []
    return written + lab_templates(target) + [message_template(target)]


def update(book: bool = True) -> None:
    """Regenerate the templates, merge them into every catalogue, regenerate the labs."""
    from sphinx_intl.basic import update as merge

    if book:
        shutil.rmtree(TEMPLATES / "book", ignore_errors=True)
    for stale in (TEMPLATES / "labs").glob("*.pot"):
        stale.unlink()
    write_templates(TEMPLATES, book=book)
    # gettext's fuzzy matching: a changed English sentence keeps its old translation, flagged
    # fuzzy for review; a removed one is kept as obsolete (#~) for reuse.
    merge(str(LOCALES), str(TEMPLATES), tuple(LANGUAGES), line_width=100, jobs=1)
    for language in LANGUAGES:
        _drop_orphans(language)
        for po in catalogues(language):
            finish_catalogue(po, language)
    write_labs()


#: what a translator never changes: roles with their targets, inline code, math, LaTeX commands,
#: numbers, units and punctuation (a message made only of these is copied as it is)
#: (the last class stops at a backtick, dollar or brace, so "`a`, `b`" is two code spans)
_UNTRANSLATABLE = re.compile(
    r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\$[^$]*\$|\\[A-Za-z]+|\\|[^A-Za-zÀ-ÿ\\`${]+"
)


def untranslatable(text: str) -> bool:
    """True for a message with no words of its own (a link list entry, a number, a formula)."""
    rest = _UNTRANSLATABLE.sub(" ", text)
    return not re.search(r"[A-Za-zÀ-ÿ]{2,}", re.sub(r"\b(MiB|GiB|GB|MB|KiB|TB|FLOP|s|B)\b", " ",
                                                     rest))


def finish_catalogue(po: Path, language: str) -> int:
    """Tidy a merged catalogue; return how many untranslatable messages it copied.

    Sets the header (language, team, a fixed revision date, so that an unchanged catalogue stays
    byte-identical), drops babel's guessed format flags from prose (see FORMAT_FLAGS) and copies
    every empty message that has nothing to translate (see ``untranslatable``).
    """
    catalog = read_catalog(po)
    catalog.locale = language
    catalog.language_team = f"{language} <https://github.com/nncourse/nncourse>"
    catalog.last_translator = "The nncourse contributors"
    catalog.revision_date = TEMPLATE_DATE
    filled = 0
    for message in catalog:
        if message.id and not message.string and isinstance(message.id, str) \
                and untranslatable(message.id):
            message.string = message.id
            filled += 1
    write_catalog(catalog, po)
    return filled


def _drop_orphans(language: str) -> None:
    """Remove catalogues whose template is gone (a page or lab that no longer exists)."""
    messages = LOCALES / language / "LC_MESSAGES"
    for po in messages.rglob("*.po"):
        if not (TEMPLATES / po.relative_to(messages).with_suffix(".pot")).exists():
            print(f"remove {po.relative_to(ROOT)} (its page is gone)")
            po.unlink()


# --------------------------------------------------------------------------------------- labs


def read_catalog(path: Path) -> Catalog:
    """A .po file as a babel Catalog (an empty one when the file does not exist)."""
    if not path.exists():
        return Catalog()
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _translated(catalog: Catalog, text: str, context: str) -> str:
    message = catalog.get(text, context=context)
    if message is None or not message.string or message.fuzzy:
        return text  # untranslated: English shows through (and the check fails)
    return str(message.string)


def translate_code(source: str, cell_id: str, catalog: Catalog) -> str:
    """The same code with its learner-facing comments translated (tool markers untouched)."""
    lines = source.split("\n")
    for first, last, column, text in reversed(_code_comments(source)):
        translation = _translated(catalog, text, f"{cell_id} comment")
        if translation == text:
            continue
        prefix = lines[first][:column]
        if first == last and prefix.strip():  # a comment after code stays on its line
            lines[first] = prefix + "# " + translation.replace("\n", " ")
        else:
            lines[first:last + 1] = [(prefix + "# " + line).rstrip()
                                     for line in translation.split("\n")]
    return "\n".join(lines)


def code_cells(notebook: dict) -> list[tuple[str, str]]:
    """The lab's program: each code cell's id and source, in order."""
    return [(cell["id"], "".join(cell["source"])) for cell in notebook["cells"]
            if cell["cell_type"] == "code"]


def translate_lab(notebook: dict, catalog: Catalog, language: str,
                  previous: dict | None = None) -> dict:
    """A translated copy of a lab: same cells, ids and code; text from the catalogue.

    The stored outputs are ``previous``'s (the translated lab as committed, run in ``language``
    by :func:`execute_labs`) when it holds the same program, cell for cell; otherwise the English
    lab's, until the lab is run again in its language (nbval, which runs the translated labs in
    their language, fails on any output that then differs).
    """
    translated = copy.deepcopy(notebook)
    for cell in translated["cells"]:
        source = "".join(cell["source"])
        if not source.strip():
            continue
        if cell["cell_type"] == "markdown":
            new = _translated(catalog, source, cell["id"])
        elif cell["cell_type"] == "code":
            new = translate_code(source, cell["id"], catalog)
        else:
            continue
        cell["source"] = new.splitlines(keepends=True)
    translated["metadata"]["nncourse"] = {"language": language}
    if previous is not None and code_cells(previous) == code_cells(translated):
        ran = {cell["id"]: cell for cell in previous["cells"] if cell["cell_type"] == "code"}
        for cell in translated["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"] = copy.deepcopy(ran[cell["id"]]["outputs"])
                cell["execution_count"] = ran[cell["id"]]["execution_count"]
        if "widgets" in previous["metadata"]:
            translated["metadata"]["widgets"] = copy.deepcopy(previous["metadata"]["widgets"])
    return translated


def write_notebook(notebook: dict, path: Path) -> None:
    """Write a notebook the way nbformat does (one-space indent, sorted keys, UTF-8)."""
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nbformat.from_dict(notebook)) + "\n", encoding="utf-8")


def write_labs(target: dict[str, Path] | None = None) -> list[Path]:
    """Generate every translated lab; ``target`` maps a language to another folder (tests)."""
    written = []
    for language, (_, folder) in LANGUAGES.items():
        folder = (target or {}).get(language, folder)
        messages = LOCALES / language / "LC_MESSAGES" / "labs"
        for stale in folder.glob("lab*.ipynb") if folder.exists() else []:
            if not (ENGLISH_LABS / stale.name).exists():
                stale.unlink()
        committed = LANGUAGES[language][1]
        for lab in sorted(ENGLISH_LABS.glob("lab*.ipynb")):
            notebook = json.loads(lab.read_text(encoding="utf-8"))
            catalog = read_catalog(messages / f"{lab.stem}.po")
            previous = committed / lab.name
            ran = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() else None
            dest = folder / lab.name
            write_notebook(translate_lab(notebook, catalog, language, ran), dest)
            written.append(dest)
    return written


def _execute_lab(path: Path, language: str, timeout: int) -> str | None:
    """Run one translated lab in its language, in its folder; store its outputs (None: ran)."""
    import nbformat

    ran = run_notebook(path, nbformat.read(str(path), as_version=4), language, timeout,
                       allow_errors=False)
    if ran.error is not None:
        return f"{path.name}: {ran.error.strip().splitlines()[-1]}"
    write_notebook(json.loads(nbformat.writes(ran.notebook)), path)
    return None


def execute_labs(timeout: int = 600) -> list[str]:
    """Run every translated lab in its language, one per core; the errors (empty: all ran).

    They run as the chapters do (scripts/execute_chapters.py), and nbval runs them the same way
    (conftest.py gives their kernels the lab's language), so the stored outputs are what a
    learner sees on running the lab: Portuguese feedback and figures.
    """
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(path, language) for language, (_, folder) in LANGUAGES.items()
            for path in sorted(folder.glob("lab*.ipynb"))]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        errors = pool.map(_execute_lab, *zip(*jobs, strict=True), [timeout] * len(jobs))
    return [error for error in errors if error]


# -------------------------------------------------------------------------------------- build


REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nncourse</title>
<meta http-equiv="refresh" content="0; url={url}"><link rel="canonical" href="{url}">
</head><body><p><a href="{url}">nncourse</a> (English) ·
<a href="pt-br/book/intro.html" lang="pt-BR">nncourse em português</a></p></body></html>
"""


def build(languages: list[str]) -> None:
    """Build the editions into _build/html/<edition>/, each from its own execution cache.

    The chapters' code is the same in every language, but what it shows is not: the library's
    quizzes, figure titles, alt texts and messages come out in the kernel's language
    (``NNCOURSE_LANG``). Each edition therefore runs the chapters in its language into its own
    jupyter-cache (``_build/.jupyter_cache``, ``_build/.jupyter_cache.pt_BR``), which re-runs a
    chapter only when its code changed. The chapters missing from these caches run first, side by
    side (scripts/execute_chapters.py); then the editions build at the same time, each with its
    own doctrees and its own folder of executed chapters (book/_ext/nncourse_i18n.py), and a
    Sphinx process whose ``NNCOURSE_LANG`` is its edition's (for a chapter it has to run itself).
    """
    site = BUILD / "html"
    run([python(), str(ROOT / "scripts" / "execute_chapters.py"),
         *(f"--language={language}" for language in languages)], echo=True)
    with SphinxConf() as conf:
        english_cache = Path(conf.execution_cache)
        run_together([sphinx_command(conf, "html", site / EDITIONS[language],
                                     BUILD / "doctrees" / EDITIONS[language],
                                     f"language={language}",
                                     "nb_execution_cache_path="
                                     f"{cache_for(english_cache, language)}",
                                     "nncourse_executed_folder="
                                     f"{BUILD / 'jupyter_execute' / EDITIONS[language]}")
                      for language in languages],
                     [{"NNCOURSE_LANG": language} for language in languages])
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(REDIRECT.format(url="en/book/intro.html"), encoding="utf-8")


# -------------------------------------------------------------------------------------- check


def pending(language: str) -> set[str]:
    """Catalogues still being translated (see PENDING)."""
    path = LOCALES / language / PENDING
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def catalogues(language: str) -> list[Path]:
    """Every catalogue of a language."""
    return sorted((LOCALES / language / "LC_MESSAGES").rglob("*.po"))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def untranslated(po: Path) -> list[str]:
    """Entries of one catalogue that are empty or fuzzy, as ``file: "msgid"`` lines."""
    problems = []
    for message in read_catalog(po):
        if not message.id:
            continue  # the header
        text = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        state = "fuzzy" if message.fuzzy else "untranslated" if not all(strings) else ""
        if state:
            short = text.replace("\n", " ")[:70]
            problems.append(f"{_shown(po)}: {state}: {short!r}")
    return problems


def stale_templates() -> list[str]:
    """Templates that differ from a fresh extraction (run `python scripts/i18n.py update`)."""
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder)
        write_templates(fresh)
        return compare_trees(fresh, TEMPLATES, "*.pot")


def compare_trees(fresh: Path, committed: Path, pattern: str) -> list[str]:
    """Files that differ between a regenerated folder and the committed one."""
    problems = []
    fresh_files = {p.relative_to(fresh) for p in fresh.rglob(pattern)}
    committed_files = {p.relative_to(committed) for p in committed.rglob(pattern)}
    for name in sorted(fresh_files | committed_files):
        if name not in committed_files:
            problems.append(f"{committed / name} is missing")
        elif name not in fresh_files:
            problems.append(f"{committed / name} has no English source any more")
        elif (fresh / name).read_bytes() != (committed / name).read_bytes():
            problems.append(f"{committed / name} is out of date")
    return problems


def stale_labs() -> list[str]:
    """Translated labs that differ from the ones the English labs and catalogues give."""
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        targets = {language: Path(folder) / language for language in LANGUAGES}
        write_labs(targets)
        for language, (_, committed) in LANGUAGES.items():
            problems += compare_trees(targets[language], committed, "*.ipynb")
    return problems


def msgfmt_problems(po: Path) -> list[str]:
    """What ``msgfmt -c`` (format strings, headers, placeholders) says about one catalogue."""
    done = subprocess.run(["msgfmt", "-c", "--check-format", "-o", os.devnull, str(po)],
                          capture_output=True, text=True, check=False)
    return [] if done.returncode == 0 else [f"{_shown(po)}: {done.stderr.strip()}"]


#: a flags line of a .po file that names a format flag
_FORMAT_FLAG_LINE = re.compile(r"^#,.*\bpython-(?:brace-)?format\b", re.MULTILINE)


def guessed_flags(po: Path) -> list[str]:
    """A prose catalogue that carries babel's guessed format flags (see FORMAT_FLAGS).

    babel's ``read_po`` guesses the flags afresh for every message it reads, so a catalogue
    edited by hand with ``read_po``/``write_po`` gets them back, and the next ``update`` (which
    writes through :func:`write_catalog`) drops them again: a diff in files nobody changed. The
    file's text is read, not babel's catalogue, which would show the guesses.
    """
    if po.stem == RUNTIME_DOMAIN:
        return []
    found = len(_FORMAT_FLAG_LINE.findall(po.read_text(encoding="utf-8")))
    if not found:
        return []
    return [f"{_shown(po)}: {found} guessed format flag(s) on prose; run `python "
            f"scripts/i18n.py update` (or write it with write_catalog)"]


def check() -> list[str]:
    """Every stale-translation problem (empty: the translations are complete and current)."""
    problems = stale_templates() + stale_labs()
    for language in LANGUAGES:
        skip = pending(language)
        for po in catalogues(language):
            problems += msgfmt_problems(po) + guessed_flags(po)
            name = str(po.relative_to(LOCALES / language / "LC_MESSAGES"))
            if name not in skip:
                problems += untranslated(po)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    update_parser = commands.add_parser("update", help="regenerate templates, catalogues, labs")
    update_parser.add_argument("--no-book", action="store_true",
                               help="skip the book pages' templates (no Sphinx run)")
    labs_parser = commands.add_parser("labs",
                                      help="regenerate the translated labs from the catalogues")
    labs_parser.add_argument("--execute", action="store_true",
                             help="then run each in its language and store its outputs")
    build_parser = commands.add_parser("build", help="build the site editions")
    build_parser.add_argument("--language", action="append", choices=sorted(EDITIONS),
                              help="one edition (repeatable); default: all")
    commands.add_parser("check", help="list every stale or missing translation")
    args = parser.parse_args(argv)
    if args.command == "update":
        update(book=not args.no_book)
    elif args.command == "labs":
        for path in write_labs():
            print(f"wrote {path.relative_to(ROOT)}")
        if args.execute:
            errors = execute_labs()
            print("\n".join(errors) or "ran every translated lab in its language")
            if errors:
                return 1
            write_labs()   # the outputs just stored, everything else as generated
    elif args.command == "build":
        build(args.language or list(EDITIONS))
    elif args.command == "check":
        problems = check()
        print("\n".join(problems) or "translations: complete and up to date")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
