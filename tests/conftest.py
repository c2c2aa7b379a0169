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
    """Tests marked ``perf`` (wall-clock measurements) run only when asked for with ``-m perf``;
    the long modules run first.

    Their results depend on the machine and its load, so a plain ``pytest tests`` (and
    ``make test``) never runs them; ``make site-perf`` does.
    """
    if "perf" not in (config.option.markexpr or ""):
        kept = [item for item in items if item.get_closest_marker("perf") is None]
        if len(kept) < len(items):
            config.hook.pytest_deselected(
                items=[item for item in items if item.get_closest_marker("perf") is not None])
            items[:] = kept
    items[:] = long_modules_first(items)


#: markers of tests that take seconds each (a browser, a real training run)
LONG = ("browser", "slow")


def long_modules_first(items: list) -> list:
    """The items of the long modules (the labs under nbval, a browser's, a real training's)
    first, each module's items together and in their order.

    pytest-xdist hands whole modules to its workers in this order (``--dist loadscope``): with
    the long ones given out first, the last modules are short and both workers finish together
    instead of one waiting for the other's last lab.
    """
    def is_long(item) -> bool:
        return item.path.suffix == ".ipynb" or any(item.get_closest_marker(m) for m in LONG)

    long_paths = {item.path for item in items if is_long(item)}
    return sorted(items, key=lambda item: item.path not in long_paths)   # a stable sort
