"""conftest.py (repository root): a translated lab's kernel starts in its language and under the
other OpenBLAS kernel.

``make test`` runs every lab in both languages under nbval in one session; a Portuguese lab's
kernel must inherit ``NNCOURSE_LANG=pt_BR`` and the Makefile's ``OPENBLAS_CORETYPE`` while, and
only while, nbval starts it (the first cell's setup), and an English lab's kernel never does.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("repository_conftest", REPO / "conftest.py")
assert _spec is not None and _spec.loader is not None
repository_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repository_conftest)

ENGLISH_LAB = REPO / "notebooks" / "lab03_backpropagation.ipynb"
TRANSLATED_LAB = REPO / "notebooks" / "pt-br" / "lab03_backpropagation.ipynb"
MAKE = {"NNCOURSE_TRANSLATED_LABS_BLAS": "Sandybridge"}


def test_only_translated_labs_get_their_language_and_the_other_kernel():
    settings = repository_conftest.kernel_settings_for
    assert settings(TRANSLATED_LAB, MAKE) == {"NNCOURSE_LANG": "pt_BR",
                                              "OPENBLAS_CORETYPE": "Sandybridge"}
    assert settings(ENGLISH_LAB, MAKE) == {}
    assert settings(REPO / "tests" / "test_labs.py", MAKE) == {}
    assert settings(TRANSLATED_LAB, {}) == {"NNCOURSE_LANG": "pt_BR"}   # not under make


@pytest.mark.parametrize("before", [None, "Haswell"])
def test_settings_hold_while_nbval_starts_the_kernel_and_are_restored_after(monkeypatch, before):
    monkeypatch.setenv("NNCOURSE_TRANSLATED_LABS_BLAS", "Sandybridge")
    monkeypatch.delenv("NNCOURSE_LANG", raising=False)
    if before is None:
        monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_CORETYPE", before)
    seen = {}
    for path in (TRANSLATED_LAB, ENGLISH_LAB):
        hook = repository_conftest.pytest_runtest_setup(SimpleNamespace(path=path))
        next(hook)                                   # nbval's setup (the kernel starts) runs here
        seen[path.parent.name] = (os.environ.get("OPENBLAS_CORETYPE"),
                                  os.environ.get("NNCOURSE_LANG"))
        with pytest.raises(StopIteration):
            next(hook)
        assert os.environ.get("OPENBLAS_CORETYPE") == before
        assert "NNCOURSE_LANG" not in os.environ
    assert seen == {"pt-br": ("Sandybridge", "pt_BR"), "notebooks": (before, None)}
