"""pytest's settings for the whole repository: how the labs run under nbval.

``make test`` runs nbval over the English labs (``notebooks/``) and their Portuguese
translations (``notebooks/pt-br/``) in the same session as the unit tests. Both have the same code
cells and the same stored outputs (tests/test_translations.py), so the Portuguese labs run under
another OpenBLAS kernel than this machine's: a stored output that holds on this CPU only then
fails here, not on a learner's laptop. The Makefile names that kernel in
``NNCOURSE_TRANSLATED_LABS_BLAS`` (Sandybridge: AVX, any x86-64 CPU of the last decade; Nehalem
where this machine already runs Sandybridge). nbval starts a notebook's kernel while it sets up
the notebook's first cell, and the kernel inherits this process's environment.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

TRANSLATED_LABS = Path(__file__).resolve().parent / "notebooks" / "pt-br"
BLAS_KERNEL_VARIABLE = "NNCOURSE_TRANSLATED_LABS_BLAS"


def blas_kernel_for(path: Path, environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The OpenBLAS kernel a test at ``path`` runs its notebook kernel under (None: this CPU's)."""
    kernel = environ.get(BLAS_KERNEL_VARIABLE)
    return kernel if kernel and TRANSLATED_LABS in Path(path).resolve().parents else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Start a translated lab's kernel (nbval, first cell) under the other OpenBLAS kernel."""
    kernel = blas_kernel_for(Path(str(item.path)), os.environ)
    if kernel is None:
        return (yield)
    previous = os.environ.get("OPENBLAS_CORETYPE")
    os.environ["OPENBLAS_CORETYPE"] = kernel
    try:
        return (yield)
    finally:
        if previous is None:
            os.environ.pop("OPENBLAS_CORETYPE", None)
        else:
            os.environ["OPENBLAS_CORETYPE"] = previous
