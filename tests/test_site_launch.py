"""Launch links and the student notebooks published with the site (book/_ext/nncourse_launch.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))

import nncourse_launch as launch  # noqa: E402

BUTTONS = {"binderhub_url": "https://mybinder.org/", "colab_url": "https://colab.research.google.com",
           "jupyterhub_url": ""}


def test_links_open_the_student_notebook_on_the_published_branch():
    links = {link["text"]: link["url"] for link in
             launch.launch_links("notebooks/lab02_gradient_descent", "org", "repo", "gh-pages",
                                 BUTTONS)}
    assert set(links) == {"Binder", "Colab"}  # no hub configured: no hub button
    assert links["Binder"] == ("https://mybinder.org/v2/gh/org/repo/gh-pages"
                               "?urlpath=lab/tree/_notebooks/lab02_gradient_descent.ipynb")
    assert links["Colab"] == ("https://colab.research.google.com/github/org/repo/blob/gh-pages/"
                              "_notebooks/lab02_gradient_descent.ipynb")


@pytest.mark.parametrize("hub, shown", [("", False), ("https://jupyterhub.example.org", False),
                                        ("https://hub.uni.edu/", True)])
def test_hub_button_only_for_a_configured_hub(hub: str, shown: bool):
    links = launch.launch_links("book/01_training_loop", "org", "repo", "gh-pages",
                                {**BUTTONS, "jupyterhub_url": hub})
    hub_links = [link["url"] for link in links if link["text"] == "JupyterHub"]
    assert bool(hub_links) == shown
    if shown:
        assert hub_links[0].startswith("https://hub.uni.edu/hub/user-redirect/git-pull?")
        assert "branch=gh-pages" in hub_links[0]
        assert "urlpath=lab/tree/repo/_notebooks/01_training_loop.ipynb" in hub_links[0]
        assert "repo=https%3A//github.com/org/repo" in hub_links[0]


def test_solution_blocks_are_left_out_of_chapter_notebooks():
    text = ("Before.\n\n```{solution} ex-a\n:class: dropdown\n\n~~~python\nanswer = 42\n"
            "~~~\n```\n\n::::{solution} ex-b\nsecret\n::::\nAfter.\n")
    out = launch.without_solutions(text)
    assert "answer = 42" not in out and "secret" not in out
    assert out.startswith("Before.") and out.rstrip().endswith("After.")
    assert out.count("folded under the exercise") == 2


def test_published_notebooks_are_student_versions(tmp_path: Path):
    written = launch.publish_notebooks(REPO, tmp_path, ["book/01_training_loop"],
                                       "nncourse @ git+https://example.invalid/nncourse")
    names = sorted(p.name for p in written)
    assert "01_training_loop.ipynb" in names and "lab01_training_loop.ipynb" in names
    for path in written:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        first = notebook["cells"][0]
        assert launch.INSTALL_TAG in first["metadata"]["tags"]
        assert "find_spec(\"nncourse\")" in "".join(first["source"])
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "{solution}" not in text
    requirements = (tmp_path / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert requirements.rstrip().endswith("nncourse @ git+https://example.invalid/nncourse")
    assert "numpy==" in requirements and "pytest" not in requirements
    assert (tmp_path / "binder" / "runtime.txt").read_text().startswith("python-3.")
