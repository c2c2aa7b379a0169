"""Run the chapters into the site's execution cache, several at a time, before Sphinx reads them.

The site runs each chapter's code at build time (``execute_notebooks: cache`` in _config.yml):
MyST-NB looks the chapter up in jupyter-cache (``_build/.jupyter_cache``) and, when its code
changed, runs it there and then, one chapter after another. On a machine with several cores
this module runs the chapters that are not in the cache side by side, exactly as MyST-NB would:

* the same reader (``myst_nb.core.read.create_nb_reader`` with the site's MyST settings), so the
  notebook, and therefore its cache key (the hash of its code cells and kernel), is the one
  MyST-NB computes;
* the same runner (``jupyter_cache.executors.utils.single_nb_execution``), in the chapter's
  folder, with the site's timeout and ``allow_errors`` setting.

Each finished chapter goes into the cache from this process, one at a time (the cache is one
SQLite database). A chapter that fails is left out: Sphinx then runs it again itself and reports
the error on the page where it happened, as it always did, so this step can only save time.

Usage:
    python scripts/execute_chapters.py [--workers N]

Example:
    >>> workers_for(10, cpu_count=2)
    2
    >>> workers_for(1, cpu_count=16)
    1
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
    """One chapter's run: its executed notebook, or the error that stopped it."""

    path: Path
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


def run_chapter(path: Path, notebook: Any, timeout: int, allow_errors: bool) -> Outcome:
    """Run one chapter in its own kernel, in the chapter's folder (a worker process)."""
    from jupyter_cache.executors.utils import single_nb_execution

    result = single_nb_execution(notebook, cwd=str(path.parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    error = None if result.err is None else f"{type(result.err).__name__}: {result.err}"
    return Outcome(path, notebook, result.time, error)


def execute(settings: Settings, workers: int | None = None, root: Path = ROOT) -> list[Outcome]:
    """Run every chapter missing from the cache, ``workers`` at a time, and cache the good ones.

    Args:
        settings: the site's execution settings (:func:`settings_from`).
        workers: chapters run at once (default: one per core, see :func:`workers_for`).
        root: the folder holding the site's pages (the repository).

    Returns:
        One outcome per chapter that was run (none when the cache already holds them all).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(settings.cache_path))
    missing = []
    for path, notebook in read_chapters(settings, root):
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            missing.append((path, notebook))
    if not missing:
        return []
    outcomes = []
    with ProcessPoolExecutor(max_workers=workers or workers_for(len(missing))) as pool:
        futures = [pool.submit(run_chapter, path, notebook, settings.timeout,
                               settings.allow_errors) for path, notebook in missing]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if outcome.error is None:   # a failed chapter is left to Sphinx, which reports it
                cache.cache_notebook_bundle(
                    CacheBundleIn(outcome.notebook, str(outcome.path),
                                  data={"execution_seconds": outcome.seconds}),
                    check_validity=False, overwrite=True)
    return sorted(outcomes, key=lambda outcome: str(outcome.path))


def main(argv: list[str] | None = None) -> int:
    """Command line: run the missing chapters into the cache and say how long each took."""
    from jupyter_book.config import get_final_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=None,
                        help="chapters run at once (default: one per core)")
    args = parser.parse_args(argv)
    config, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                                 cli_config={"external_toc_path": "_toc.yml",
                                             "latex_individualpages": False})
    started = time.perf_counter()
    outcomes = execute(settings_from(config), args.workers)
    for outcome in outcomes:
        state = ("ran" if outcome.error is None
                 else f"failed (Sphinx will report it): {outcome.error}")
        print(f"{outcome.path.relative_to(ROOT)}: {state} in {outcome.seconds:.0f} s")
    print(f"chapters: {len(outcomes)} run in {time.perf_counter() - started:.0f} s"
          if outcomes else "chapters: every one is in the execution cache")
    return 0


if __name__ == "__main__":
    sys.exit(main())
