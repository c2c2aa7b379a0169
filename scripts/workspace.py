"""Set up the learner's workspace: the student labs, released from notebooks/ (``make workspace``).

``make lab`` runs this, then opens JupyterLab in the workspace. The workspace holds the
*student* labs (``nncourse release``: solutions become stubs, outputs cleared), never the solved
ones in ``notebooks/``; the reference answers are one explicit step away, on the answers page
after each lab on the course website.

Later runs never overwrite a learner's work:

- a lab missing from the workspace is added;
- a lab the learner has not changed since it was released is brought up to the new release;
- a lab the learner has changed stays as it is; when the course's release of it changed, the
  new release is added beside it as ``<lab>.update-<date>.ipynb``.

``.nncourse-release.json`` in the workspace records what was released (a digest per lab), which
is how an untouched lab is told from an edited one.

Usage:
    python scripts/workspace.py [WORKSPACE]       (default: workspace/ in the repository)

Example:
    $ python scripts/workspace.py ~/nncourse-workspace
    added lab01_training_loop.ipynb
    ...
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECORD = ".nncourse-release.json"
README = """# Your nncourse workspace

These are the course's labs for you to work in: each exercise is a stub to complete, and
`check(...)` in the lab tells you what is right and what is not. Your edits are yours:
`make lab` never overwrites them. When the course updates a lab you have changed, the new version
appears beside yours as `<lab>.update-<date>.ipynb`.

Stuck after trying? The answers to each lab are on the course website, on the answers page that
follows the lab. `nncourse progress` shows the best result of each exercise you have checked.
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(workspace: Path) -> dict[str, str]:
    try:
        data = json.loads((workspace / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.get("released", {}).items()} \
        if isinstance(data, dict) else {}


def set_up(workspace: Path, source: Path = REPO / "notebooks") -> list[str]:
    """Release the student labs into ``workspace`` without touching the learner's edits.

    Args:
        workspace: the learner's folder (created if missing).
        source: the solved labs (``notebooks/``).

    Returns:
        One line per change made ("added ...", "updated ...", "new version beside ...").
    """
    from nncourse.grading.release import release_notebooks

    workspace.mkdir(parents=True, exist_ok=True)
    record = _read_record(workspace)
    changes = []
    with tempfile.TemporaryDirectory() as temporary:
        released = [Path(p) for p in release_notebooks(source, temporary)
                    if str(p).endswith(".ipynb")]
        for fresh in released:
            name = str(fresh.relative_to(temporary))
            target = workspace / name
            new_digest = _digest(fresh)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh, target)
                changes.append(f"added {name}")
            elif new_digest != record.get(name, new_digest):
                if _digest(target) == record[name]:          # untouched since its release
                    shutil.copyfile(fresh, target)
                    changes.append(f"updated {name} (you had not changed it)")
                else:
                    stamp = datetime.date.today().isoformat()
                    beside = target.with_name(f"{target.stem}.update-{stamp}.ipynb")
                    shutil.copyfile(fresh, beside)
                    changes.append(f"new version of {name} beside yours: {beside.name}")
            record[name] = new_digest
    readme = workspace / "README.md"
    if not readme.exists():
        readme.write_text(README, encoding="utf-8")
    (workspace / RECORD).write_text(json.dumps({"released": record}, indent=1, sort_keys=True)
                                    + "\n", encoding="utf-8")
    return changes


def main(argv: list[str] | None = None) -> int:
    """Set up the workspace named on the command line; print what changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", nargs="?", default=str(REPO / "workspace"),
                        help="the learner's folder (default: workspace/ in the repository)")
    args = parser.parse_args(argv)
    workspace = Path(args.workspace).expanduser()
    changes = set_up(workspace)
    for line in changes:
        print(line)
    state = "up to date" if not changes else f"{len(changes)} change(s)"
    print(f"workspace: {workspace} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
