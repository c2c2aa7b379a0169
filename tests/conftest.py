"""Test-wide settings.

Hypothesis draws its examples from a fixed seed (``derandomize``), so every run of the suite,
here or in CI, checks exactly the same cases and a failure reproduces. Set
``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples instead.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("nncourse", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nncourse"))

# Quiz widgets and check() record results in the learner's progress file; tests never touch the
# real one in the home folder (tests that read it name their own file).
os.environ.setdefault("NNCOURSE_PROGRESS", os.path.join(
    os.environ.get("TMPDIR", "/tmp"), f"nncourse-test-progress-{os.getpid()}.json"))


@pytest.fixture
def progress_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """check() without writing the progress file, for the batteries that check an answer on
    hundreds of seeds: they test the judges, and rewriting the file after every check was a
    fifth of their time (tests/test_progress.py tests the recording)."""
    from nncourse.exercises import progress

    monkeypatch.setattr(progress, "record", lambda *args, **kwargs: {})


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked ``perf`` (wall-clock measurements) run only when asked for with ``-m perf``.

    Their results depend on the machine and its load, so a plain ``pytest tests`` (and
    ``make test``) never runs them; ``make site-perf`` does.
    """
    if "perf" in (config.option.markexpr or ""):
        return
    kept = [item for item in items if item.get_closest_marker("perf") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(
            items=[item for item in items if item.get_closest_marker("perf") is not None])
        items[:] = kept
