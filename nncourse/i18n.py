"""The language of what nncourse says to a learner at run time, through Python's gettext.

Messages are written in English in the code and wrapped in :func:`_`::

    from nncourse.i18n import _
    print(_("Correct: {name} matches the reference.").format(name=name))

Their catalogue is ``locales/<language>/LC_MESSAGES/nncourse.po`` (template
``locales/templates/nncourse.pot``, written by ``python scripts/i18n.py update``); it is compiled
with babel when first needed, so a fresh clone needs no build step. The language is, in order:

1. ``NNCOURSE_LANG`` (``pt_BR``, ``pt-BR`` and ``pt_BR.UTF-8`` all mean Brazilian Portuguese);
2. the language of the running notebook: a translated lab says so in its metadata
   (``"nncourse": {"language": "pt_BR"}``), found through ``JPY_SESSION_NAME``, which Jupyter
   sets to the notebook's path;
3. English.

A language without a catalogue, or a message without a translation, comes out in English.

Example:
    >>> set_language("en")
    >>> _("Correct!")
    'Correct!'
"""

from __future__ import annotations

import functools
import gettext
import io
import json
import os
import re
from pathlib import Path

__all__ = ["DOMAIN", "LANGUAGES", "_", "current_language", "ngettext", "set_language",
           "translations"]

DOMAIN = "nncourse"
#: the languages that have a catalogue (English is the source and needs none)
LANGUAGES = ("en", "pt_BR")
#: where catalogues are looked for: the package's own copy, then the repository's locales/
_CATALOGUE_DIRS = (Path(__file__).resolve().parent / "locale",
                   Path(__file__).resolve().parents[1] / "locales")
_chosen: str | None = None


def normalise_language(value: str) -> str:
    """``pt-BR``, ``pt_br.UTF-8`` or ``PT_BR`` -> ``pt_BR``; ``en_US`` -> ``en``.

    Raises:
        ValueError: for a language nncourse has no catalogue for.
    """
    code = re.split(r"[.@]", value.strip())[0].replace("-", "_")
    language, _, region = code.partition("_")
    language = language.lower()
    if language == "en" or not code:
        return "en"
    normalised = f"{language}_{region.upper()}" if region else language
    if normalised not in LANGUAGES:
        raise ValueError(f"NNCOURSE_LANG={value!r} has no translation; use one of {LANGUAGES}")
    return normalised


def _notebook_language() -> str | None:
    """The ``nncourse.language`` metadata of the notebook Jupyter says is running, if any."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    if not session.endswith(".ipynb"):
        return None
    try:
        metadata = json.loads(Path(session).read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    language = metadata.get("nncourse", {}).get("language")
    return language if isinstance(language, str) else None


def current_language() -> str:
    """The language messages come out in now (see the module docstring for the order)."""
    if _chosen is not None:
        return _chosen
    for found in (os.environ.get("NNCOURSE_LANG"), _notebook_language()):
        if found:
            return normalise_language(found)
    return "en"


def set_language(language: str | None) -> None:
    """Choose the language for this process (``None``: back to NNCOURSE_LANG / the notebook)."""
    global _chosen
    _chosen = None if language is None else normalise_language(language)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (NullTranslations: English, or none found).

    A compiled ``nncourse.mo`` is used when one is installed and is not older than its
    ``nncourse.po`` (Sphinx compiles every catalogue beside the book's when it builds the
    Portuguese edition, and a later edit of the ``.po`` must not be hidden by that copy);
    otherwise the ``nncourse.po`` source is compiled in memory with babel.
    """
    if language == "en":
        return gettext.NullTranslations()
    for folder in _CATALOGUE_DIRS:
        messages = folder / language / "LC_MESSAGES"
        compiled_file, source = messages / f"{DOMAIN}.mo", messages / f"{DOMAIN}.po"
        if compiled_file.is_file() and (not source.is_file()
                                        or compiled_file.stat().st_mtime
                                        >= source.stat().st_mtime):
            with compiled_file.open("rb") as handle:
                return gettext.GNUTranslations(handle)
        if source.is_file():
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po

            with source.open("rb") as handle:
                catalog = read_po(handle)
            compiled = io.BytesIO()
            write_mo(compiled, catalog, use_fuzzy=False)
            compiled.seek(0)
            return gettext.GNUTranslations(compiled)
    return gettext.NullTranslations()


def _(message: str) -> str:
    """``message`` in the current language (English when it has no translation)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the current language."""
    return translations(current_language()).ngettext(singular, plural, count)
