"""pytest's settings for the whole repository: how the labs run under nbval.

``make test`` runs nbval over the English labs (``notebooks/``) and their Portuguese
translations (``notebooks/pt-br/``) in the same session as the unit tests. A translated lab's
kernel starts with two settings of its own:

* ``NNCOURSE_LANG``: the lab's language, as when a learner opens it in Jupyter (the library finds
  the notebook's language there; under nbval it cannot). Its stored outputs come from a run in
  that language (``scripts/i18n.py labs --execute``), so a message that comes out in English
  fails here.
* ``OPENBLAS_CORETYPE``: another OpenBLAS kernel than this machine's, named by the Makefile in
  ``NNCOURSE_TRANSLATED_LABS_BLAS`` (Sandybridge: AVX, any x86-64 CPU of the last decade;
  Nehalem where this machine already runs Sandybridge). The outputs were stored on one kernel
  and are checked on another, so a stored output that holds on one CPU only fails here, not on a
  learner's laptop.

nbval starts a notebook's kernel while it sets up the notebook's first cell, and the kernel
inherits this process's environment.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
#: folder of translated labs -> their language (scripts/i18n.py writes them)
TRANSLATED_LABS = {NOTEBOOKS / "pt-br": "pt_BR"}
BLAS_KERNEL_VARIABLE = "NNCOURSE_TRANSLATED_LABS_BLAS"


def kernel_settings_for(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment variables a test at ``path`` starts its notebook's kernel with."""
    folder = Path(path).resolve().parent
    if folder not in TRANSLATED_LABS:
        return {}
    settings = {"NNCOURSE_LANG": TRANSLATED_LABS[folder]}
    if environ.get(BLAS_KERNEL_VARIABLE):
        settings["OPENBLAS_CORETYPE"] = environ[BLAS_KERNEL_VARIABLE]
    return settings


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Start a translated lab's kernel (nbval, first cell) with the lab's settings."""
    settings = kernel_settings_for(Path(str(item.path)), os.environ)
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        return (yield)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
