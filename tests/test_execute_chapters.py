"""scripts/execute_chapters.py: chapters run side by side into the cache the site build reads.

The step only saves time if MyST-NB finds what it stored: the notebook it runs must be the one
MyST-NB reads (same code cells, same cell metadata, same kernel), or Sphinx runs the chapter a
second time. A chapter that fails must not be stored, so that Sphinx reports the error itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import execute_chapters  # noqa: E402

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""
SITE_SETTINGS = {"nb_execution_timeout": 120, "nb_execution_allow_errors": False,
                 "myst_enable_extensions": ["colon_fence", "dollarmath"]}


def _page(folder: Path, name: str, code: str, notebook: bool = True) -> Path:
    path = folder / "book" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = f"# {name}\n\nSome text.\n\n```{{code-cell}} ipython3\n{code}\n```\n"
    path.write_text((HEADER if notebook else "") + body, encoding="utf-8")
    return path


def _code_cells(notebook: dict) -> list[tuple[str, dict]]:
    """Each code cell's source and metadata, less what running it adds (its timing)."""
    return [(cell["source"], {k: v for k, v in cell["metadata"].items() if k != "execution"})
            for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_settings_come_from_the_site_configuration():
    settings = execute_chapters.settings_from({**SITE_SETTINGS,
                                               "nb_execution_cache_path": "_build/.cache",
                                               "nb_execution_excludepatterns": ["notebooks/*"]})
    assert settings.timeout == 120 and settings.allow_errors is False
    assert settings.cache_path == REPO / "_build" / ".cache"
    assert settings.exclude_patterns == ("notebooks/*",)
    assert settings.myst_extensions == {"colon_fence", "dollarmath"}


@pytest.mark.parametrize(("chapters", "cores", "expected"),
                         [(10, 2, 2), (1, 16, 1), (3, 3, 3), (0, 4, 1)])
def test_one_worker_per_core_and_never_more_than_chapters(chapters, cores, expected):
    assert execute_chapters.workers_for(chapters, cpu_count=cores) == expected


def test_prose_and_excluded_pages_are_not_run(tmp_path: Path):
    _page(tmp_path, "chapter.md", "print(1)")
    _page(tmp_path, "prose.md", "print(2)", notebook=False)
    _page(tmp_path, "drafts/skipped.md", "print(3)")
    settings = execute_chapters.settings_from(
        {**SITE_SETTINGS, "nb_execution_excludepatterns": ["book/drafts/*"]})
    found = [path.relative_to(tmp_path).as_posix()
             for path, _ in execute_chapters.read_chapters(settings, tmp_path)]
    assert found == ["book/chapter.md"]


def test_good_chapters_are_cached_and_a_failing_one_is_left_to_sphinx(tmp_path: Path):
    from jupyter_cache import get_cache

    _page(tmp_path, "01_good.md", "x = 6 * 7\nprint(x)")
    _page(tmp_path, "02_broken.md", "raise ValueError('a broken chapter')")
    settings = execute_chapters.settings_from(
        {**SITE_SETTINGS, "nb_execution_cache_path": str(tmp_path / "cache")})
    outcomes = execute_chapters.execute(settings, ("en",), workers=2, root=tmp_path)
    assert [(o.path.name, o.error is None) for o in outcomes] == [("01_good.md", True),
                                                                 ("02_broken.md", False)]
    assert "a broken chapter" in (outcomes[1].error or "")
    cache = get_cache(str(tmp_path / "cache"))
    good, broken = execute_chapters.read_chapters(settings, tmp_path)
    record = cache.match_cache_notebook(good[1])   # what MyST-NB will look up
    assert record.uri == str(good[0])
    executed = cache.get_cache_bundle(record.pk).nb
    assert executed.cells[-1].outputs[0]["text"] == "42\n"
    with pytest.raises(KeyError):
        cache.match_cache_notebook(broken[1])
    # Run again: the cached chapter is found, only the broken one runs (and fails) again.
    again = execute_chapters.execute(settings, ("en",), workers=2, root=tmp_path)
    assert [o.path.name for o in again] == ["02_broken.md"]


def test_each_language_runs_in_its_own_kernel_language_and_cache(tmp_path: Path, monkeypatch):
    """The library speaks the edition's language; a reader's NNCOURSE_LANG never leaks in."""
    from jupyter_cache import get_cache

    monkeypatch.setenv("NNCOURSE_LANG", "pt_BR")   # a Portuguese reader building the site
    _page(tmp_path, "01_words.md", "from nncourse.i18n import _, current_language\n"
                                   "print(current_language(), _('Correct.'))")
    english_cache = tmp_path / ".jupyter_cache"
    settings = execute_chapters.settings_from(
        {**SITE_SETTINGS, "nb_execution_cache_path": str(english_cache)})
    outcomes = execute_chapters.execute(settings, ("en", "pt_BR"), workers=2, root=tmp_path)
    assert [(o.language, o.error) for o in outcomes] == [("en", None), ("pt_BR", None)]
    printed = {}
    for language in ("en", "pt_BR"):
        cache = get_cache(str(execute_chapters.cache_for(english_cache, language)))
        (record,) = cache.list_cache_records()
        printed[language] = cache.get_cache_bundle(record.pk).nb.cells[-1].outputs[0]["text"]
    assert printed == {"en": "en Correct.\n", "pt_BR": "pt_BR Correto.\n"}
    assert execute_chapters.cache_for(english_cache, "pt_BR") == tmp_path / ".jupyter_cache.pt_BR"


def test_the_notebook_run_here_is_the_one_the_site_build_read():
    """Same code cells and cell metadata as the chapters MyST-NB executed for the site."""
    executed = REPO / "_build" / "jupyter_execute" / "en" / "book"
    if not executed.is_dir():
        pytest.skip("the site is not built: run `make book`")
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(user_yaml=REPO / "_config.yml", sourcedir=REPO,
                                 cli_config={"external_toc_path": "_toc.yml",
                                             "latex_individualpages": False})
    chapters = execute_chapters.read_chapters(execute_chapters.settings_from(config))
    assert len(chapters) >= 10
    for path, notebook in chapters:
        built = nbformat.read(executed / f"{path.stem}.ipynb", as_version=4)
        assert _code_cells(notebook) == _code_cells(built), path.name
        assert notebook.metadata["kernelspec"] == built.metadata["kernelspec"]
