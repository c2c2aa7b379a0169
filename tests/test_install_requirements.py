"""scripts/install_requirements.py: uv gets pip's package sources; pip takes over if uv fails."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import install_requirements as install  # noqa: E402

# What `pip config list` prints on this course's CI machines: a pip.conf and PIP_ variables.
LISTING = """:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.default-timeout='180'
:env:.find-links='/opt/wheels'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/opt/wheels'
"""


def test_pip_settings_become_the_same_uv_options() -> None:
    options = install.uv_options(install.parse_pip_config(LISTING))
    assert options == ["--find-links", "/opt/wheels",
                       "--constraint", "/etc/xdg/pip/constraints.txt",
                       "--extra-index-url", "file:///opt/pypi/simple",
                       "--extra-index-url", "file:///opt/pypi-more/simple",
                       "--index-strategy", "unsafe-best-match"]


def test_no_pip_settings_give_no_options() -> None:
    assert install.parse_pip_config("") == {}
    assert install.uv_options({}) == []
    # An index of its own replaces PyPI, as with pip: no other index is consulted.
    assert install.uv_options({":env:.index-url": "https://mirror/simple"}) == [
        "--index-url", "https://mirror/simple"]


def _runner(calls: list[list[str]], failing: Callable[[list[str]], bool]) -> Any:
    """A stand-in for subprocess.run: records each command; those ``failing`` picks exit 1."""
    def run(command: list[str], check: bool = False, **_: Any) -> subprocess.CompletedProcess:
        calls.append(command)
        code = 1 if failing(command) else 0
        if check and code:
            raise subprocess.CalledProcessError(code, command)
        return subprocess.CompletedProcess(command, code, stdout="", stderr="")
    return run


def _uv_cannot_be_installed(command: list[str]) -> bool:
    return command[-1] == "uv"


def _uv_fails_on_the_requirements(command: list[str]) -> bool:
    return command[1:3] == ["-m", "uv"] and "-r" in command


@pytest.mark.parametrize("failing", [_uv_cannot_be_installed, _uv_fails_on_the_requirements])
def test_pip_installs_everything_when_uv_cannot(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture,
                                                failing: Callable[[list[str]], bool]) -> None:
    """No uv on the index, or uv failing on the requirements: pip installs them instead."""
    calls: list[list[str]] = []
    monkeypatch.setattr(install.subprocess, "run", _runner(calls, failing))
    assert install.main(["requirements.txt"]) == 0
    pip_installs = [c for c in calls if c[1:4] == ["-m", "pip", "install"] and c[-1] != "uv"]
    assert [c[-2:] for c in pip_installs] == [["-r", "requirements.txt"],
                                             ["-e", str(install.ROOT)]]
    assert "installing with pip" in capsys.readouterr().err


def test_uv_installs_the_requirements_then_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(install.subprocess, "run", _runner(calls, lambda command: False))
    assert install.main(["requirements.txt"]) == 0
    uv = [c for c in calls if c[1:3] == ["-m", "uv"]]
    assert [c[-2:] for c in uv] == [["-r", "requirements.txt"], ["-e", str(install.ROOT)]]
    assert "--no-deps" in uv[1] and "--no-deps" not in uv[0]
    assert [c for c in calls if c[1:4] == ["-m", "pip", "install"]] == [
        [sys.executable, "-m", "pip", "install", "--quiet", "uv"]]


def test_a_failing_pip_fails_the_install(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    """Where neither can install the requirements, the set-up stops (make reports it)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(install.subprocess, "run",
                        _runner(calls, lambda command: "-r" in command))
    assert install.main(["requirements.txt"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "install_requirements: pip could not install requirements.txt either (its message is "
        "above); fix what it names and run `make setup` again")


def test_a_value_repeated_under_another_setting_is_kept() -> None:
    """The same folder as local wheels and as a constraint is two options, not one."""
    options = install.uv_options({"global.find-links": "/x", ":env:.find-links": "/x",
                                  "global.constraint": "/x"})
    assert options[:4] == ["--find-links", "/x", "--constraint", "/x"]
