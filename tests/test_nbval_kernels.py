"""conftest.py (repository root): the pt-BR labs' kernels start under the other OpenBLAS kernel.

``make test`` runs every lab in both languages under nbval in one session; a Portuguese lab's
kernel must inherit ``OPENBLAS_CORETYPE`` from the Makefile's choice while, and only while,
nbval starts it (the first cell's setup), and an English lab's kernel never does.
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


def test_only_translated_labs_get_the_other_kernel():
    chosen = {"NNCOURSE_TRANSLATED_LABS_BLAS": "Sandybridge"}
    assert repository_conftest.blas_kernel_for(TRANSLATED_LAB, chosen) == "Sandybridge"
    assert repository_conftest.blas_kernel_for(ENGLISH_LAB, chosen) is None
    assert repository_conftest.blas_kernel_for(REPO / "tests" / "test_labs.py", chosen) is None
    assert repository_conftest.blas_kernel_for(TRANSLATED_LAB, {}) is None   # not under make


@pytest.mark.parametrize("before", [None, "Haswell"])
def test_the_kernel_is_set_while_nbval_starts_it_and_restored_after(monkeypatch, before):
    monkeypatch.setenv("NNCOURSE_TRANSLATED_LABS_BLAS", "Sandybridge")
    if before is None:
        monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_CORETYPE", before)
    seen = {}
    for path in (TRANSLATED_LAB, ENGLISH_LAB):
        hook = repository_conftest.pytest_runtest_setup(SimpleNamespace(path=path))
        next(hook)                                   # nbval's setup (the kernel starts) runs here
        seen[path.parent.name] = os.environ.get("OPENBLAS_CORETYPE")
        with pytest.raises(StopIteration):
            next(hook)
        assert os.environ.get("OPENBLAS_CORETYPE") == before
    assert seen == {"pt-br": "Sandybridge", "notebooks": before}
