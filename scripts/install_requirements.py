"""Install requirements.txt and the library (editable) into the running Python's environment.

`make setup` runs this with .venv's Python. It installs with uv, which unpacks the wheels on
every core (about 10 s for everything here, where pip takes about 30 s one file at a time),
and falls back to pip when uv cannot be installed or fails. uv reads no pip settings, so pip's
own (``pip config list``: pip.conf files and ``PIP_*`` variables, such as a folder of local
wheels or a constraints file) are passed to it as options: both installers see the same
packages. Neither compiles bytecode here: each module is compiled when first imported
(Makefile, PYTHONDONTWRITEBYTECODE).

Usage:
    python scripts/install_requirements.py [requirements.txt]

Example:
    >>> options = uv_options({"global.find-links": "/opt/wheels", ":env:.find-links": "/opt/wheels",
    ...                       ":env:.default-timeout": "180", "global.constraint": "/etc/c.txt"})
    >>> options[:4]
    ['--find-links', '/opt/wheels', '--constraint', '/etc/c.txt']
    >>> options[4:]
    ['--index-strategy', 'unsafe-best-match']
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: pip settings that choose which packages are installed, and uv's option for each
SETTINGS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url",
            "find-links": "--find-links", "constraint": "--constraint"}


def pip_settings() -> dict[str, str]:
    """pip's effective settings, as ``pip config list`` prints them (``"global.find-links"``)."""
    done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                          text=True, check=False)
    return parse_pip_config(done.stdout)


def parse_pip_config(listing: str) -> dict[str, str]:
    """The settings in the output of ``pip config list`` (one ``where.name='value'`` a line).

    Example:
        >>> parse_pip_config(":env:.extra-index-url='https://a/simple https://b/simple'")
        {':env:.extra-index-url': 'https://a/simple https://b/simple'}
    """
    settings = {}
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        words = shlex.split(value)
        if key.strip() and words:
            settings[key.strip()] = words[0]
    return settings


def uv_options(settings: dict[str, str]) -> list[str]:
    """uv options that select packages as pip with ``settings`` would.

    A setting given in several places (a pip.conf file, a ``PIP_`` variable) is passed once.
    With extra indexes, uv is told to pick the best version over all of them, as pip does
    (by default it stops at the first index that has the package).
    """
    pairs: dict[tuple[str, str], None] = {}   # (option, value) in order, each once
    for key, value in settings.items():
        option = SETTINGS.get(key.rpartition(".")[2])
        if option is not None:
            pairs.update(((option, item), None) for item in value.split())
    options = [word for pair in pairs for word in pair]
    if "--extra-index-url" in options or "--find-links" in options:
        options += ["--index-strategy", "unsafe-best-match"]
    return options


def install_with_uv(requirements: Path) -> bool:
    """Install with uv; False when uv cannot be installed or the install fails."""
    python = sys.executable
    got_uv = subprocess.run([python, "-m", "pip", "install", "--quiet", "uv"], check=False)
    if got_uv.returncode != 0:
        return False
    uv = [python, "-m", "uv", "pip", "install", "--python", python, "--quiet",
          *uv_options(pip_settings())]
    for arguments in (["-r", str(requirements)],
                      ["--no-deps", "--no-build-isolation", "-e", str(ROOT)]):
        if subprocess.run([*uv, *arguments], check=False).returncode != 0:
            return False
    return True


def install_with_pip(requirements: Path) -> None:
    """Install with pip (one file at a time), as before uv."""
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)


def main(argv: list[str] | None = None) -> int:
    """Install; exit status 0 when everything is installed, 1 when nothing could install it."""
    arguments = sys.argv[1:] if argv is None else argv
    requirements = Path(arguments[0]) if arguments else ROOT / "requirements.txt"
    if install_with_uv(requirements):
        return 0
    print("install_requirements: uv did not install the requirements; installing with pip",
          file=sys.stderr)
    try:
        install_with_pip(requirements)
    except subprocess.CalledProcessError:
        print(f"install_requirements: pip could not install {requirements} either (its message "
              "is above); fix what it names and run `make setup` again", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
