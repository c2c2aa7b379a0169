"""A planted fault for the translation tests: the Portuguese catalogue with one message left
English, as a contributor who forgot to translate it would leave it.

Example:
    >>> import pytest
    >>> mp = pytest.MonkeyPatch()
    >>> leave_untranslated(mp, "Correct!")
    >>> i18n.translations("pt_BR").gettext("Correct!")
    'Correct!'
    >>> mp.undo()
"""

from __future__ import annotations

import pytest

from nncourse import i18n


def leave_untranslated(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Make ``i18n.translations`` return each catalogue with ``message`` untranslated."""
    real = i18n.translations

    class Planted:
        """The real catalogue of ``language``, except for ``message``."""

        def __init__(self, language: str) -> None:
            self.catalogue = real(language)

        def gettext(self, text: str) -> str:
            return text if text == message else self.catalogue.gettext(text)

        def ngettext(self, singular: str, plural: str, count: int) -> str:
            if message in (singular, plural):
                return singular if count == 1 else plural
            return self.catalogue.ngettext(singular, plural, count)

    monkeypatch.setattr(i18n, "translations", Planted)
