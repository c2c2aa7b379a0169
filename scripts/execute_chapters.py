"""Run the chapters into the site's execution caches, several at a time, before Sphinx reads them.

The site runs each chapter's code at build time (``execute_notebooks: cache`` in _config.yml):
MyST-NB looks the chapter up in jupyter-cache and, when its code changed, runs it there and
then, one chapter after another. Each edition has its own cache, because what the chapters show
depends on the language: the library's quizzes, figure titles, alt texts and messages come out
in the kernel's language (``NNCOURSE_LANG``, nncourse/i18n.py). English is
``_build/.jupyter_cache`` (_config.yml); another language adds its name
(``_build/.jupyter_cache.pt_BR``). On a machine with several cores this module runs the
chapters missing from these caches side by side, every language in one pool, exactly as MyST-NB
would:

* the same reader (``myst_nb.core.read.create_nb_reader`` with the site's MyST settings), so the
  notebook, and therefore its cache key (the hash of its code cells and kernel), is the one
  MyST-NB computes;
* the same runner (``jupyter_cache.executors.utils.single_nb_execution``), in the chapter's
  folder, with the site's timeout and ``allow_errors`` setting, in a kernel whose
  ``NNCOURSE_LANG`` is the edition's language (scripts/i18n.py gives Sphinx the same).

Each finished chapter goes into the cache from this process, one at a time (the cache is one
SQLite database). A chapter that fails is left out: Sphinx then runs it again itself and reports
the error on the page where it happened, as it always did, so this step can only save time.

Usage:
    python scripts/execute_chapters.py [--language en --language pt_BR] [--workers N]

Example:
    >>> workers_for(10, cpu_count=2)
    2
    >>> workers_for(1, cpu_count=16)
    1
    >>> cache_for(Path("/site/_build/.jupyter_cache"), "pt_BR").name
    '.jupyter_cache.pt_BR'
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: folders that hold site pages (the labs keep their stored outputs and are never run)
PAGE_FOLDERS = ("book",)


@dataclass(frozen=True)
class Settings:
    """What MyST-NB would use, read from the site's Sphinx configuration."""

    cache_path: Path
    timeout: int
    allow_errors: bool
    exclude_patterns: tuple[str, ...]
    myst_extensions: frozenset[str]


@dataclass
class Outcome:
    """One chapter's run in one language: its executed notebook, or the error that stopped it."""

    path: Path
    language: str
    notebook: Any
    seconds: float
    error: str | None


def settings_from(config: dict[str, Any]) -> Settings:
    """The execution settings in a Jupyter Book configuration (``get_final_config``'s dict)."""
    cache = config.get("nb_execution_cache_path") or "_build/.jupyter_cache"
    return Settings(
        cache_path=(ROOT / cache).resolve(),
        timeout=int(config.get("nb_execution_timeout", 30)),
        allow_errors=bool(config.get("nb_execution_allow_errors", False)),
        exclude_patterns=tuple(config.get("nb_execution_excludepatterns", ())),
        myst_extensions=frozenset(config.get("myst_enable_extensions", ())),
    )


def cache_for(english_cache: Path, language: str) -> Path:
    """The execution cache of an edition: English's own, or English's name plus the language."""
    return english_cache if language == "en" else english_cache.with_name(
        f"{english_cache.name}.{language}")


def workers_for(chapters: int, cpu_count: int | None = None) -> int:
    """One worker per core, never more workers than chapters (at least one)."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(1, min(chapters, cores))


def read_chapters(settings: Settings, root: Path = ROOT) -> list[tuple[Path, Any]]:
    """Every page under ``root`` that MyST-NB would run, as the notebook MyST-NB reads from it."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    markdown = MdParserConfig(enable_extensions=set(settings.myst_extensions))
    chapters = []
    for folder in PAGE_FOLDERS:
        for path in sorted((root / folder).rglob("*.md")):
            relative = path.relative_to(root).as_posix()
            if any(fnmatch(relative, pattern) for pattern in settings.exclude_patterns):
                continue
            text = path.read_text(encoding="utf-8")
            reader = create_nb_reader(str(path), markdown, NbParserConfig(), text)
            if reader is not None:   # a MyST notebook (front matter with a kernel), not prose
                chapters.append((path, reader.read(text)))
    return chapters


def run_notebook(path: Path, notebook: Any, language: str, timeout: int,
                 allow_errors: bool) -> Outcome:
    """Run one notebook (a chapter, a translated lab) in its own kernel, in ``language``, in
    its folder; the notebook gets its outputs in place.

    Runs in a worker process, one notebook at a time, so the worker's environment is the
    kernel's: ``NNCOURSE_LANG`` is set for every run, English included (a reader's own setting
    must not leak into the English edition).
    """
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ["NNCOURSE_LANG"] = language
    result = single_nb_execution(notebook, cwd=str(path.parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    error = None if result.err is None else f"{type(result.err).__name__}: {result.err}"
    return Outcome(path, language, notebook, result.time, error)


def execute(settings: Settings, languages: tuple[str, ...] = ("en",), workers: int | None = None,
            root: Path = ROOT) -> list[Outcome]:
    """Run every chapter missing from a language's cache, ``workers`` at a time; cache the good.

    Args:
        settings: the site's execution settings (:func:`settings_from`).
        languages: the editions' languages (``"en"``, ``"pt_BR"``); each has its own cache.
        workers: chapters run at once (default: one per core, see :func:`workers_for`).
        root: the folder holding the site's pages (the repository).

    Returns:
        One outcome per chapter and language that was run (none when every cache is complete).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    caches = {language: get_cache(str(cache_for(settings.cache_path, language)))
              for language in languages}
    chapters = read_chapters(settings, root)
    missing = []
    for language in languages:
        for path, notebook in chapters:
            try:
                caches[language].match_cache_notebook(notebook)
            except KeyError:
                missing.append((path, notebook, language))
    if not missing:
        return []
    outcomes = []
    with ProcessPoolExecutor(max_workers=workers or workers_for(len(missing))) as pool:
        futures = [pool.submit(run_notebook, path, notebook, language, settings.timeout,
                               settings.allow_errors) for path, notebook, language in missing]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if outcome.error is None:   # a failed chapter is left to Sphinx, which reports it
                caches[outcome.language].cache_notebook_bundle(
                    CacheBundleIn(outcome.notebook, str(outcome.path),
                                  data={"execution_seconds": outcome.seconds}),
                    check_validity=False, overwrite=True)
    return sorted(outcomes, key=lambda outcome: (outcome.language, str(outcome.path)))


def main(argv: list[str] | None = None) -> int:
    """Command line: run the missing chapters into the cache and say how long each took."""
    from jupyter_book.config import get_final_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--language", action="append", default=None,
                        help="an edition's language (repeatable; default: en)")
    parser.add_argument("--workers", type=int, default=None,
                        help="chapters run at once (default: one per core)")
    args = parser.parse_args(argv)
    config, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                                 cli_config={"external_toc_path": "_toc.yml",
                                             "latex_individualpages": False})
    started = time.perf_counter()
    outcomes = execute(settings_from(config), tuple(args.language or ["en"]), args.workers)
    for outcome in outcomes:
        state = ("ran" if outcome.error is None
                 else f"failed (Sphinx will report it): {outcome.error}")
        print(f"{outcome.path.relative_to(ROOT)} ({outcome.language}): {state} in "
              f"{outcome.seconds:.0f} s")
    print(f"chapters: {len(outcomes)} run in {time.perf_counter() - started:.0f} s"
          if outcomes else "chapters: every one is in the execution cache")
    return 0


if __name__ == "__main__":
    sys.exit(main())
