"""Sphinx helpers for the two editions of the website: English (/en/) and Portuguese (/pt-br/).

English is the single source. The Portuguese edition is the same tree built with
``-D language=pt_BR`` (``python scripts/i18n.py build``); this extension does what Sphinx's
gettext catalogues cannot:

* every page gets a link to the same page in the other edition, and ``<html lang>`` carries a
  valid language tag (``pt-BR``, not Sphinx's ``pt_BR``);
* a lab page reads its Portuguese notebook (``notebooks/pt-br/labNN_*.ipynb``, generated from the
  English lab by ``scripts/i18n.py labs``) instead of the English one, so the page and the
  notebook a student downloads say the same thing;
* the API reference pages (``book/reference/*``, written from docstrings by autodoc) stay in
  English and say so in Portuguese at the top (docstrings are never put into the catalogues);
* the sidebar's section captions (from _toc.yml) are translated from the root page's catalogue,
  and the site's own script (book/_static/nncourse.js) words its notices by ``<html lang>``;
* the theme's own words (title, search box, "Show"/"Hide") are set per language, and the
  translation glossary (``locales/pt_BR/glossary.md``, in the table of contents) is marked as
  Portuguese in both editions;
* a translated paragraph that holds a ``{glue:md}`` role renders: Sphinx parses each translated
  message as a small document of its own, which lacks the notebook's glue data, so MyST-NB
  (1.4) would warn "No key ... found in glue data"; the glue lookup falls back to the notebook
  being read;
* each edition writes its executed chapters and their images into a folder of its own
  (``_build/jupyter_execute/<edition>``, named by scripts/i18n.py): MyST-NB puts them beside
  the site's folder, which both editions share, and the two editions build at the same time.

Example:
    >>> other_edition_url("book/01_training_loop", "en")
    '../../pt-br/book/01_training_loop.html'
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

#: Sphinx language -> (folder of the edition under _build/html, BCP 47 tag, name in itself)
EDITIONS = {
    "en": ("en", "en", "English"),
    "pt_BR": ("pt-br", "pt-BR", "Português (Brasil)"),
}
#: pages written in one language only, whatever the edition: page -> BCP 47 tag
SINGLE_LANGUAGE_PAGES = {"locales/pt_BR/glossary": "pt-BR"}
REFERENCE_PREFIX = "book/reference/"
LAB_PREFIX = "notebooks/lab"
#: where the generated Portuguese labs live (scripts/i18n.py labs writes them)
TRANSLATED_LABS = {"pt_BR": "notebooks/pt-br"}

#: the theme's own words, per language (Sphinx and the theme translate the rest themselves)
THEME_WORDS = {
    "pt_BR": {
        "html_title": "nncourse: como as redes neurais são treinadas",
        "search_bar_text": "Pesquisar neste livro...",
        "extra_footer": "Código sob a licença MIT. Feito com Jupyter Book.",
        "togglebutton_hint": "Mostrar",
        "togglebutton_hint_hide": "Ocultar",
        "language_link": "Read this page in English",
        # sphinx-exercise's titles: "Exercise 3" and "Solution to Exercise 3"
        "exercise_number": "Exercício %s",
        "Exercise": "Exercício",
        "Solution to": "Solução do",
        "language_nav": "Idioma",
        "reference_note": (
            "A referência da API é gerada das docstrings do código e fica em inglês, como os "
            "nomes das funções e das classes: traduzi-la criaria uma segunda fonte que "
            "envelheceria a cada mudança no código. O texto dos capítulos e dos laboratórios "
            "explica em português tudo o que você usa aqui."
        ),
    },
    "en": {"language_link": "Leia esta página em português", "language_nav": "Language"},
}


def _language(app: Any) -> str:
    return app.config.language or "en"


def other_language(language: str) -> str:
    """The language of the other edition (the editions come in a pair)."""
    return "pt_BR" if language == "en" else "en"


def other_edition_url(pagename: str, language: str) -> str:
    """Relative URL, from ``pagename``'s HTML file, of the same page in the other edition.

    Args:
        pagename: Sphinx's page name, e.g. ``book/01_training_loop``.
        language: the language of the edition being built (``en`` or ``pt_BR``).

    Returns:
        A relative URL such as ``../../pt-br/book/01_training_loop.html`` (one ``../`` per folder
        of the page, one more to leave the edition's folder).
    """
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{EDITIONS[other_language(language)][0]}/{pagename}.html"


def set_theme_words(app: Any, config: Any) -> None:
    """Put the edition's own words into the configuration."""
    language = config.language or "en"
    if language not in EDITIONS:
        raise ValueError(
            f"language {language!r} has no edition; use one of {sorted(EDITIONS)} "
            "(sphinx-build -D language=pt_BR)"
        )
    if config.nncourse_catalogue_pages_only:
        # The gettext templates hold the book pages only: labs have their own catalogues
        # (matched by cell id) and the API reference stays English (see the module docstring).
        config.exclude_patterns = [*config.exclude_patterns, "notebooks/**", "book/reference/*"]
    words = THEME_WORDS.get(language, {})
    if "html_title" in words:
        config.html_title = words["html_title"]
        config.togglebutton_hint = words["togglebutton_hint"]
        config.togglebutton_hint_hide = words["togglebutton_hint_hide"]
        options = dict(config.html_theme_options)
        options["search_bar_text"] = words["search_bar_text"]
        options["extra_footer"] = words["extra_footer"]
        config.html_theme_options = options
        # sphinx_exercise (an earlier extension) has already put its English default here.
        config.numfig_format = {**config.numfig_format, "exercise": words["exercise_number"]}


def translate_exercise_titles(app: Any, doctree: Any, docname: str) -> None:
    """sphinx-exercise writes "Exercise" and "Solution to" in English: use the edition's words.

    Runs once the titles are final (after sphinx-exercise's post-transforms number them).
    """
    words = THEME_WORDS.get(_language(app), {})
    if "Exercise" not in words:
        return
    from docutils import nodes
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

    blocks = (exercise_node, exercise_enumerable_node, solution_node)
    for block in doctree.findall(lambda node: isinstance(node, blocks)):
        if not block.children or not isinstance(block.children[0], nodes.title):
            continue
        for text in list(block.children[0].findall(nodes.Text)):
            translated = _translate_title_words(text.astext(), words)
            if translated != text.astext():
                text.parent.replace(text, nodes.Text(translated))


def _translate_title_words(text: str, words: dict[str, str]) -> str:
    """``" Exercise 1.1"`` -> ``" Exercício 1.1"``: the English word at the start, spaces kept.

    Example:
        >>> _translate_title_words(" Exercise 1.1", {"Exercise": "Exercício"})
        ' Exercício 1.1'
    """
    stripped = text.lstrip()
    for english in ("Solution to", "Exercise"):
        if english in words and stripped.startswith(english):
            return text[: len(text) - len(stripped)] + words[english] + stripped[len(english):]
    return text


def read_translated_source(app: Any, docname: str, source: list[str]) -> None:
    """Give a lab page its translated notebook and an API reference page its language note."""
    language = _language(app)
    if language == "en":
        return
    if docname.startswith(LAB_PREFIX):
        name = docname.split("/", 1)[1]
        translated = Path(app.srcdir) / TRANSLATED_LABS[language] / f"{name}.ipynb"
        if not translated.is_file():
            raise FileNotFoundError(
                f"{translated} is missing: run `python scripts/i18n.py labs` to generate the "
                "translated labs from the English ones"
            )
        source[0] = translated.read_text(encoding="utf-8")
    elif docname.startswith(REFERENCE_PREFIX):
        note = f"\n:::{{note}}\n{THEME_WORDS[language]['reference_note']}\n:::\n"
        lines = source[0].split("\n")
        title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
        lines.insert(title + 1, note)
        source[0] = "\n".join(lines)


def add_language_link(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                      doctree: Any) -> None:
    """Set ``<html lang>`` to a BCP 47 tag and put the other edition's link on top of the page."""
    language = _language(app)
    _folder, tag, _name = EDITIONS[language]
    other = other_language(language)
    other_tag = EDITIONS[other][1]
    context["language"] = SINGLE_LANGUAGE_PAGES.get(pagename, tag)
    url = html.escape(other_edition_url(pagename, language))
    label = html.escape(THEME_WORDS[language]["language_link"])
    nav = html.escape(THEME_WORDS[language]["language_nav"])
    link = (f'<nav class="nncourse-language" aria-label="{nav}">'
            f'<a class="nncourse-language-link" href="{url}" hreflang="{other_tag}" '
            f'lang="{other_tag}">{label}</a></nav>\n')
    context["body"] = link + context.get("body", "")
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<link rel="alternate" hreflang="{other_tag}" href="{url}" />')


#: docname -> MyST-NB's renderer of the notebook being read (holds its glue data)
_NOTEBOOK_RENDERERS: dict[str, Any] = {}


def _glue_from_the_page_being_read(app: Any) -> None:
    """Let glue roles in a translated message find the glue data of the page being read.

    MyST-NB creates one renderer per notebook page and removes it from the document when the
    page is parsed; the translated messages are parsed after that. The renderer is kept here
    (per page) and handed to a glue lookup whose document has none.
    """
    from myst_nb import sphinx_ as nb_sphinx
    from myst_nb.ext.glue import directives, roles, utils

    load_renderer = nb_sphinx.load_renderer

    def load_remembering_renderer(name: str) -> Any:
        renderer_class = load_renderer(name)

        def make(*args: Any, **kwargs: Any) -> Any:
            renderer = renderer_class(*args, **kwargs)
            docname = app.env.temp_data.get("docname") if app.env is not None else None
            if docname:
                _NOTEBOOK_RENDERERS[docname] = renderer
            return renderer

        return make

    nb_sphinx.load_renderer = load_remembering_renderer  # type: ignore[assignment]
    original = utils.retrieve_glue_data

    def retrieve_glue_data(document: Any, key: str) -> Any:
        docname = app.env.temp_data.get("docname") if app.env is not None else None
        if "nb_renderer" in document or docname not in _NOTEBOOK_RENDERERS:
            return original(document, key)
        # lend the renderer for this lookup only: a document is pickled, a renderer cannot be
        document["nb_renderer"] = _NOTEBOOK_RENDERERS[docname]
        try:
            return original(document, key)
        finally:
            del document["nb_renderer"]

    for module in (utils, roles, directives):
        module.retrieve_glue_data = retrieve_glue_data  # type: ignore[attr-defined]


def translate_toctree_captions(app: Any, doctree: Any) -> None:
    """The sidebar's section captions ("Getting started") in the edition's language.

    sphinx-external-toc puts the table of contents' toctrees (and their captions, from
    _toc.yml) into the root page after Sphinx has translated it, so the captions, which are in
    that page's catalogue, would stay English; they are translated here, from the same
    catalogue, once the page is read.
    """
    language = _language(app)
    if language == "en":
        return
    from sphinx import addnodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    toctrees = [node for node in doctree.findall(addnodes.toctree) if node.get("caption")]
    if not toctrees:
        return
    folders = [str(Path(app.srcdir) / folder) for folder in app.config.locale_dirs]
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    catalogue, _ = init_locale(folders, language, domain)
    for node in toctrees:
        node["caption"] = catalogue.gettext(node["caption"])


def separate_executed_outputs(app: Any) -> None:
    """Point MyST-NB's folder of executed chapters at the one this edition was given.

    MyST-NB (1.4) writes every executed chapter, its glue data and its images into
    ``<outdir>/../jupyter_execute``; the editions' outdirs are ``_build/html/en`` and
    ``_build/html/pt-br``, so both would write (and overwrite) ``_build/html/jupyter_execute``
    while building side by side, inside the published site. scripts/i18n.py gives each edition
    its own (``-D nncourse_executed_folder=_build/jupyter_execute/<edition>``); without it,
    MyST-NB's folder stays. Runs after MyST-NB's own ``builder-inited`` handler, which sets it.
    """
    folder = app.config.nncourse_executed_folder
    if folder:
        app.env.mystnb_config = app.env.mystnb_config.copy(
            output_folder=str(Path(folder).resolve()))


def setup(app: Any) -> dict[str, Any]:
    """Register the edition hooks with Sphinx."""
    _glue_from_the_page_being_read(app)
    # set by scripts/i18n.py for the gettext build that writes the templates
    app.add_config_value("nncourse_catalogue_pages_only", "", "env", [str])
    # set by scripts/i18n.py for each edition's HTML build (separate_executed_outputs)
    app.add_config_value("nncourse_executed_folder", "", "env", [str])
    app.connect("config-inited", set_theme_words)
    app.connect("builder-inited", separate_executed_outputs, priority=900)
    app.connect("doctree-read", translate_toctree_captions)
    app.connect("doctree-resolved", translate_exercise_titles)
    app.connect("source-read", read_translated_source)
    app.connect("html-page-context", add_language_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
