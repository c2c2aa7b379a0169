"""`make lab`'s set-up (`make workspace`): the learner's own labs, without solutions, kept.

On a fresh copy of the repository (its tracked files, as a clone has them) `make workspace`
releases the student labs into a workspace; the test finds no solution there, edits a lab,
runs it again and finds the edit kept. A newer release of an edited lab goes beside it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nncourse.grading.release import leaked_lines, release_notebook, strip_code

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import workspace as workspace_script  # noqa: E402

MAKE = shutil.which("make")


def fresh_clone(target: Path) -> Path:
    """The repository's files as a clone has them (tracked and new, not ignored ones)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def solutions_in(folder: Path) -> list[str]:
    """Solution text found in the notebooks of ``folder`` (markers, tagged cells, solved lines)."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        if "BEGIN SOLUTION" in text.upper():
            found.append(f"{path.name}: a BEGIN SOLUTION marker")
        found += [f"{path.name}: a cell tagged solution" for cell in notebook.cells
                  if "solution" in cell.metadata.get("tags", [])]
        solved = nbformat.read(str(REPO / "notebooks" / path.name), as_version=4)
        removed = [line for cell in solved.cells if cell.cell_type == "code"
                   for line in strip_code(cell.source, "x", path.name)[1]]
        found += [f"{path.name}: {line!r}" for line in leaked_lines(text, removed)]
    return found


def make_workspace(clone: Path, folder: Path) -> str:
    # -o: the virtualenv counts as set up (the test runs in one); PY: this interpreter.
    done = subprocess.run([MAKE, "-o", ".venv/.installed", "workspace", f"PY={sys.executable}",
                           f"WORKSPACE={folder}"], cwd=clone, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(clone),
                                            "PYTHONPATH": str(clone)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_workspace_on_a_fresh_clone_keeps_the_learners_edits(tmp_path: Path):
    clone = fresh_clone(tmp_path / "clone")
    folder = tmp_path / "my labs"
    out = make_workspace(clone, folder)
    labs = sorted(p.name for p in folder.glob("*.ipynb"))
    assert labs == sorted(p.name for p in (REPO / "notebooks").glob("lab*.ipynb")), out
    assert solutions_in(folder) == []
    assert "answers page" in (folder / "README.md").read_text(encoding="utf-8")

    lab = folder / labs[0]
    notebook = nbformat.read(str(lab), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("my_answer = 42  # the learner's work"))
    nbformat.write(notebook, str(lab))
    out = make_workspace(clone, folder)
    assert "my_answer = 42" in lab.read_text(encoding="utf-8")
    assert "up to date" in out and sorted(p.name for p in folder.glob("*.ipynb")) == labs


def test_the_makefile_opens_jupyterlab_in_the_workspace_also_as_root():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    lab_rule = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert lab_rule.startswith(" workspace") and '--notebook-dir="$(WORKSPACE)"' in lab_rule
    assert "$(ROOT_FLAG)" in lab_rule and "--allow-root" in makefile
    assert "notebooks/" not in lab_rule


def _one_lab(folder: Path, marker: str) -> Path:
    """A copy of lab 1 whose first markdown cell carries ``marker`` (a course update)."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(str(REPO / "notebooks" / "lab01_training_loop.ipynb"), as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    first.source += f"\n\n{marker}"
    nbformat.write(notebook, str(folder / "lab01_training_loop.ipynb"))
    return folder


def test_a_newer_course_version_goes_beside_an_edited_lab(tmp_path: Path):
    folder = tmp_path / "workspace"
    workspace_script.set_up(folder, _one_lab(tmp_path / "v1", "Version one."))
    lab = folder / "lab01_training_loop.ipynb"
    assert "Version one." in lab.read_text(encoding="utf-8")

    # Untouched since its release: brought up to the new release.
    changes = workspace_script.set_up(folder, _one_lab(tmp_path / "v2", "Version two."))
    assert changes == ["updated lab01_training_loop.ipynb (you had not changed it)"]
    assert "Version two." in lab.read_text(encoding="utf-8")

    # Edited: kept as it is, the new release beside it.
    lab.write_text(lab.read_text(encoding="utf-8").replace("Version two.", "My notes."),
                   encoding="utf-8")
    changes = workspace_script.set_up(folder, _one_lab(tmp_path / "v3", "Version three."))
    assert len(changes) == 1 and "beside yours" in changes[0]
    assert "My notes." in lab.read_text(encoding="utf-8")
    beside = list(folder.glob("lab01_training_loop.update-*.ipynb"))
    assert len(beside) == 1 and "Version three." in beside[0].read_text(encoding="utf-8")
    assert workspace_script.set_up(folder, tmp_path / "v3") == []       # nothing new: no change
    record = json.loads((folder / workspace_script.RECORD).read_text(encoding="utf-8"))
    assert set(record["released"]) == {"lab01_training_loop.ipynb"}


def test_the_solution_finder_bites(tmp_path: Path):
    """A solved lab in the workspace is caught (the check above can fail)."""
    shutil.copy(REPO / "notebooks" / "lab02_gradient_descent.ipynb", tmp_path)
    assert solutions_in(tmp_path)
    released, _ = release_notebook(REPO / "notebooks" / "lab02_gradient_descent.ipynb")
    nbformat.write(released, str(tmp_path / "lab02_gradient_descent.ipynb"))
    assert solutions_in(tmp_path) == []
