"""Launch links and the student notebooks published with the site (book/_ext/nncourse_launch.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))
sys.path.insert(0, str(REPO / "scripts"))

import chapter_notebooks  # noqa: E402
import check_published_notebooks as checker  # noqa: E402
import nncourse_launch as launch  # noqa: E402

from nncourse.exercises import list_exercises  # noqa: E402

CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"
CHAPTERS = sorted(f"book/{p.stem}" for p in (REPO / "book").glob("[0-9][0-9]_*.md"))

BUTTONS = {"binderhub_url": "https://mybinder.org/", "colab_url": "https://colab.research.google.com",
           "jupyterhub_url": ""}


def test_links_open_the_student_notebook_on_the_published_branch():
    links = {link["text"]: link["url"] for link in
             launch.launch_links("notebooks/lab02_gradient_descent", "org", "repo",
                                 "student-notebooks", BUTTONS)}
    assert set(links) == {"Binder", "Colab"}  # no hub configured: no hub button
    assert links["Binder"] == ("https://mybinder.org/v2/gh/org/repo/student-notebooks"
                               "?urlpath=lab/tree/_notebooks/lab02_gradient_descent.ipynb")
    assert links["Colab"] == ("https://colab.research.google.com/github/org/repo/blob/student-notebooks/"
                              "_notebooks/lab02_gradient_descent.ipynb")


def test_the_portuguese_edition_opens_the_translated_labs(published: tuple[Path, list[Path]]):
    folder, written = published
    for docname, path in (("notebooks/lab02_gradient_descent",
                           "_notebooks/pt-br/lab02_gradient_descent.ipynb"),
                          ("book/02_gradient_descent", "_notebooks/02_gradient_descent.ipynb")):
        links = {link["text"]: link["url"] for link in
                 launch.launch_links(docname, "org", "repo", "student-notebooks", BUTTONS,
                                     "pt_BR")}
        assert links["Binder"].endswith(f"tree/{path}") and links["Colab"].endswith(path)
        assert folder / path in written       # the English edition's release publishes it
    assert launch.student_notebook("notebooks/lab02_gradient_descent") == \
        "_notebooks/lab02_gradient_descent.ipynb"


@pytest.mark.parametrize("hub, shown", [("", False), ("https://jupyterhub.example.org", False),
                                        ("https://hub.uni.edu/", True)])
def test_hub_button_only_for_a_configured_hub(hub: str, shown: bool):
    links = launch.launch_links("book/01_training_loop", "org", "repo", "student-notebooks",
                                {**BUTTONS, "jupyterhub_url": hub})
    hub_links = [link["url"] for link in links if link["text"] == "JupyterHub"]
    assert bool(hub_links) == shown
    if shown:
        assert hub_links[0].startswith("https://hub.uni.edu/hub/user-redirect/git-pull?")
        assert "branch=student-notebooks" in hub_links[0]
        assert "urlpath=lab/tree/repo/_notebooks/01_training_loop.ipynb" in hub_links[0]
        assert "repo=https%3A//github.com/org/repo" in hub_links[0]


def test_solution_blocks_are_left_out_of_chapter_notebooks():
    text = ("Before.\n\n```{solution} ex-a\n:class: dropdown\n\n~~~python\nanswer = 42\n"
            "~~~\n```\n\n::::{solution} ex-b\nsecret\n::::\nAfter.\n")
    out = launch.without_solutions(text)
    assert "answer = 42" not in out and "secret" not in out
    assert out.startswith("Before.") and out.rstrip().endswith("After.")
    assert out.count("folded under the exercise") == 2


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Every student notebook and Binder's environment, written as a site build does."""
    folder = tmp_path_factory.mktemp("site")
    return folder, launch.publish_notebooks(REPO, folder, CHAPTERS,
                                            "nncourse @ git+https://example.invalid/nncourse",
                                            site_url=CONFIG["html"]["baseurl"])


def test_published_notebooks_are_student_versions(published: tuple[Path, list[Path]]):
    tmp_path, written = published
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


def test_the_links_point_where_the_workflow_publishes():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = {step.get("uses", "").split("@")[0] for step in steps}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    artifact = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert artifact["with"]["path"] == "_build/html"
    assert any("make book" in step.get("run", "") for step in steps)
    branch = CONFIG["sphinx"]["config"]["nncourse_published_branch"]
    assert workflow["env"]["LAUNCH_BRANCH"] == branch != "gh-pages"
    push = next(step["run"] for step in steps if "git push" in step.get("run", ""))
    assert "_notebooks" in push and "binder" in push and "$LAUNCH_BRANCH" in push
    org, repo = CONFIG["repository"]["url"].rstrip("/").split("/")[-2:]
    assert CONFIG["html"]["baseurl"] == f"https://{org}.github.io/{repo}/"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".github/workflows/publish.yml" in readme and CONFIG["html"]["baseurl"] in readme
    assert branch in readme


def test_binder_installs_the_cpu_torch_wheel(published: tuple[Path, list[Path]]):
    cpu = re.compile(r"^--(extra-)?index-url https://download\.pytorch\.org/whl/cpu\s*$",
                     re.MULTILINE)
    assert cpu.search((REPO / "binder" / "requirements.txt").read_text(encoding="utf-8"))
    published_requirements = (published[0] / "binder" / "requirements.txt").read_text("utf-8")
    assert cpu.search(published_requirements) and "torch==" in published_requirements


@pytest.mark.parametrize("text, left", [
    ("```{exercise} T\n:label: x\n\n{glue:md}`prompt-a`\n```", "{glue:md}`"),
    ("```{literalinclude} f.py\n```", "```{literalinclude}"),
    ("(label)=\n# T", "(label)="),
    ("See {doc}`lab <lab>`.", "{doc}`"),
])
def test_the_raw_myst_finder_bites(text: str, left: str):
    assert left in checker.raw_myst(text)


def test_directives_become_markdown_jupyter_renders(tmp_path: Path):
    (tmp_path / "m.py").write_text("import os\n\n\ndef f(x):\n    return x + 1\n", "utf-8")
    text = ("(sec)=\n## T\n\n```{exercise} Do it\n:label: ex-a\n\n{glue:md}`prompt-a` More.\n"
            "```\n\n````{admonition} Code\n:class: tip\n\n```{literalinclude} m.py\n"
            ":pyobject: f\n```\n````\n\n```{solution} ex-a\nsecret\n```\n"
            "::::{grid}\n:::{grid-item}\nCell {ref}`there <sec>`.\n:::\n::::\n")
    out = chapter_notebooks.render_markdown(text, {"prompt-a": "Write **f**."},
                                            lambda target, kind: f"URL/{kind}/{target}",
                                            tmp_path)
    assert checker.raw_myst(out) == []
    assert "> **Exercise: Do it**" in out and "> Write **f**. More." in out
    assert "> ```python\n> def f(x):\n>     return x + 1\n> ```" in out
    assert "secret" not in out and "[there](URL/ref/sec)" in out


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_notebooks_render_prompts_and_links(docname: str):
    notebook = chapter_notebooks.chapter_notebook(REPO, docname, CONFIG["html"]["baseurl"])
    nbformat.validate(notebook)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert checker.raw_myst(markdown) == []
    chapter = "ch" + Path(docname).name[:2]
    glued = re.findall(r"\{glue:md\}`prompt-([\w-]+)`",
                       (REPO / f"{docname}.md").read_text(encoding="utf-8"))
    for exercise in list_exercises(chapter=chapter):
        if exercise.id.replace(".", "-") in glued:
            assert exercise.prompt.strip().splitlines()[0] in markdown, exercise.id
    assert "*(shown on the course website)*" not in markdown
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "static_html()" not in code          # Jupyter runs no script in an HTML output
    site_links = [url for url in re.findall(r"\]\((https://[^)]+)\)", markdown)
                  if url.startswith(CONFIG["html"]["baseurl"])]
    for url in site_links:
        page = url[len(CONFIG["html"]["baseurl"]):].split("#")[0].removesuffix(".html")
        assert page == "" or (REPO / f"{page}.md").is_file() \
            or (REPO / f"{page}.ipynb").is_file(), url


def test_every_published_notebook_opens_and_runs(published: tuple[Path, list[Path]]):
    written = published[1]
    # a chapter notebook and a lab per chapter, and each translated lab (notebooks/pt-br/)
    translated = sorted((REPO / "notebooks" / "pt-br").glob("lab*.ipynb"))
    assert len(written) == 2 * len(CHAPTERS) + len(translated)
    problems = [problem for path in written for problem in checker.notebook_problems(path)]
    assert problems == []
    assert checker.run_first_cells(written) == []


def test_a_notebook_that_fails_to_run_is_caught(tmp_path: Path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(notebook, str(tmp_path / "broken.ipynb"))
    errors = checker.run_first_cells([tmp_path / "broken.ipynb"])
    assert errors and "ZeroDivisionError" in errors[0]
    (tmp_path / "solved.ipynb").write_text(json.dumps(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION")])), "utf-8")
    assert checker.notebook_problems(tmp_path / "solved.ipynb")
