"""Launch and download buttons that open the *student* notebooks, published with the site.

At the end of a build this extension writes, into the built site:

- ``_notebooks/<lab>.ipynb``: the student version of every lab (``nncourse release``: solutions
  become stubs, outputs cleared), and ``_notebooks/<chapter>.ipynb``: every chapter as a real
  notebook (scripts/chapter_notebooks.py: prompts, includes and links rendered);
- a first cell in each of them that installs ``nncourse`` where it is missing (Colab);
- ``binder/requirements.txt`` and ``binder/runtime.txt``: the environment Binder builds, with
  the pinned packages and ``nncourse`` itself.

.github/workflows/publish.yml publishes the site on GitHub Pages and the files above on the
branch ``nncourse_published_branch`` (``student-notebooks``); Binder, Colab and JupyterHub open
them from that branch. The JupyterHub button appears only
when ``launch_buttons.jupyterhub_url`` is set. Solved labs are removed from ``_sources``: they
stay instructor-side, in the repository.

Example:
    >>> launch_links("notebooks/lab01_training_loop", "nncourse", "nncourse", "student-notebooks",
    ...              {"binderhub_url": "https://mybinder.org"})[0]["url"]
    'https://mybinder.org/v2/gh/nncourse/nncourse/student-notebooks?urlpath=lab/tree/_notebooks/lab01_training_loop.ipynb'
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

NOTEBOOKS_DIR = "_notebooks"
#: pip's line for PyTorch's CPU-only wheels (Binder's image has no GPU)
CPU_WHEELS = "--extra-index-url https://download.pytorch.org/whl/cpu"
INSTALL_TAG = "nncourse-install"
_SOLUTION_BLOCK = re.compile(r"^(`{3,}|:{3,})\{solution\}.*?^\1[ \t]*$\n?",
                             re.MULTILINE | re.DOTALL)


def student_notebook(docname: str, language: str = "en") -> str:
    """The published notebook of a page: ``notebooks/lab01_x`` -> ``_notebooks/lab01_x.ipynb``.

    A lab page of the Portuguese edition opens the translated lab, which the release of
    ``notebooks/`` writes under ``_notebooks/pt-br/``; chapters are published in English.

    Example:
        >>> student_notebook("notebooks/lab01_x", "pt_BR")
        '_notebooks/pt-br/lab01_x.ipynb'
    """
    from nncourse_i18n import TRANSLATED_LABS

    name = Path(docname).name
    translated = TRANSLATED_LABS.get(language or "en")
    if translated and docname.startswith("notebooks/lab"):
        return f"{NOTEBOOKS_DIR}/{Path(translated).name}/{name}.ipynb"
    return f"{NOTEBOOKS_DIR}/{name}.ipynb"


def launch_links(docname: str, org: str, repo: str, branch: str,
                 buttons: dict[str, Any], language: str = "en") -> list[dict[str, str]]:
    """Binder, JupyterHub (only when configured) and Colab links to a page's student notebook.

    Args:
        docname: the page, for example ``"book/01_training_loop"``.
        org, repo: the GitHub repository the site is published from.
        branch: the branch holding the built site (with ``_notebooks/`` and ``binder/``).
        buttons: the ``launch_buttons`` settings of _config.yml.
        language: the edition (the Portuguese one opens the translated labs).

    Returns:
        One dict per service: ``text``, ``tooltip``, ``url``, ``icon`` (the theme's format).
    """
    path = student_notebook(docname, language)
    links = []
    binder = (buttons.get("binderhub_url") or "").strip().rstrip("/")
    hub = (buttons.get("jupyterhub_url") or "").strip().rstrip("/")
    colab = (buttons.get("colab_url") or "").strip().rstrip("/")
    if binder:
        links.append({"text": "Binder", "icon": "_static/images/logo_binder.svg",
                      "url": f"{binder}/v2/gh/{org}/{repo}/{branch}?urlpath=lab/tree/{path}"})
    if hub and "example.org" not in hub:
        query = urlencode({"repo": f"https://github.com/{org}/{repo}", "branch": branch,
                           "urlpath": f"lab/tree/{repo}/{path}"}, safe="/")
        links.append({"text": "JupyterHub", "icon": "_static/images/logo_jupyterhub.svg",
                      "url": f"{hub}/hub/user-redirect/git-pull?{query}"})
    if colab:
        links.append({"text": "Colab", "icon": "_static/images/logo_colab.png",
                      "url": f"{colab}/github/{org}/{repo}/blob/{branch}/{path}"})
    for link in links:
        link.update(type="link", tooltip=f"Launch the student notebook on {link['text']}")
    return links


def install_cell_source(requirement: str) -> str:
    """The first cell of a published notebook: install nncourse where it is missing."""
    return ("# Hosted notebooks (Colab): install nncourse if it is missing. Elsewhere this does "
            "nothing.\n"
            "import importlib.util\n\n"
            "if importlib.util.find_spec(\"nncourse\") is None:\n"
            f"    get_ipython().run_line_magic(\"pip\", \"install -q '{requirement}'\")\n")


def without_solutions(markdown: str) -> str:
    """A chapter's Markdown without its ``{solution}`` blocks (they stay on the website)."""
    note = "*(The solution is on the course website, folded under the exercise.)*\n"
    return _SOLUTION_BLOCK.sub(note, markdown)


def publish_notebooks(root: Path, outdir: Path, chapters: list[str],
                      requirement: str, site_url: str = "",
                      executed: Path | None = None) -> list[Path]:
    """Write the student notebooks and Binder's environment into the built site.

    Args:
        root: the repository (holds ``notebooks/``, ``requirements.txt`` and the chapters).
        outdir: the built site.
        chapters: docnames of the chapter pages (MyST Markdown notebooks).
        requirement: how pip installs nncourse, for example
            ``"nncourse @ git+https://github.com/nncourse/nncourse@main"``.
        site_url: the published website (chapter notebooks link to its pages).
        executed: the executed chapters (MyST-NB's output folder), for glued values.

    Returns:
        The notebooks written.
    """
    import nbformat

    from nncourse.grading.release import release_notebooks

    target = outdir / NOTEBOOKS_DIR
    shutil.rmtree(target, ignore_errors=True)
    # release_notebooks also writes the grader's manifest.json: only the notebooks get the cell.
    written = [Path(p) for p in release_notebooks(root / "notebooks", target)
               if str(p).endswith(".ipynb")]
    # Chapters become real notebooks: prompts, includes and links rendered, no raw directives
    # (scripts/chapter_notebooks.py); glued values come from the executed chapter.
    sys.path.insert(0, str(root / "scripts"))
    from chapter_notebooks import chapter_notebook, glue_from_executed, glue_from_registry

    registry_glue = glue_from_registry()
    for docname in chapters:
        glue = {**registry_glue, **glue_from_executed(executed / f"{docname}.ipynb")} \
            if executed else registry_glue
        notebook = chapter_notebook(root, docname, site_url, glue=glue)
        path = target / f"{Path(docname).name}.ipynb"
        nbformat.write(notebook, str(path))
        written.append(path)
    for path in written:
        notebook = nbformat.read(str(path), as_version=4)
        cell = nbformat.v4.new_code_cell(install_cell_source(requirement))
        cell.metadata["tags"] = [INSTALL_TAG]
        notebook.cells.insert(0, cell)
        nbformat.write(notebook, str(path))
    binder = outdir / "binder"
    binder.mkdir(exist_ok=True)
    # The pinned packages a learner needs (the test tools after "# tests" are left out).
    pinned = (root / "requirements.txt").read_text(encoding="utf-8").split("\n# tests")[0]
    (binder / "requirements.txt").write_text(
        "# Binder's environment for the published student notebooks (from requirements.txt).\n"
        f"# PyTorch's CPU wheels: no CUDA packages in a CPU-only image.\n{CPU_WHEELS}\n"
        + pinned.rstrip() + f"\n# the course library itself\n{requirement}\n", encoding="utf-8")
    shutil.copy(root / "binder" / "runtime.txt", binder / "runtime.txt")
    # Solved labs and executed chapters stay instructor-side: no copy in the published site.
    for folder in ("notebooks", "book"):
        for solved in (outdir / "_sources" / folder).glob("*.ipynb"):
            solved.unlink()
    return written


def _repo_parts(app: Any) -> tuple[str, str]:
    url = app.config.html_theme_options.get("repository_url", "")
    org, repo = url.rstrip("/").split("/")[-2:]
    return org, repo


def _is_notebook_page(pagename: str) -> bool:
    return pagename.startswith("notebooks/lab") or re.match(r"book/\d\d_", pagename) is not None


def student_buttons(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                    doctree: Any) -> None:
    """Point the page's launch and download buttons at its student notebook."""
    if not _is_notebook_page(pagename):
        return
    org, repo = _repo_parts(app)
    language = app.config.language or "en"
    buttons = app.config.html_theme_options.get("launch_buttons", {})
    branch = app.config.nncourse_published_branch
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            group["buttons"] = launch_links(pagename, org, repo, branch, buttons, language)
            group["tooltip"] = "Launch the student notebook"
        elif group.get("label") == "download-buttons":
            url = context["pathto"](student_notebook(pagename, language), 1)
            group["buttons"] = [
                {"type": "link", "url": url, "text": ".ipynb", "icon": "fas fa-code",
                 "tooltip": "Download the student notebook", "label": "download-notebook-button"},
                *[b for b in group["buttons"] if b.get("label") == "download-pdf-button"],
            ]


def publish(app: Any, exception: Exception | None) -> None:
    """At the end of an HTML build, write the student notebooks and Binder's environment."""
    if exception is not None or app.builder.name != "html":
        return
    root = Path(app.srcdir)
    chapters = sorted(d for d in app.env.found_docs if re.match(r"book/\d\d_", d))
    publish_notebooks(root, Path(app.outdir), chapters, app.config.nncourse_install,
                      site_url=app.config.html_baseurl or "",
                      executed=Path(app.env.mystnb_config.output_folder))


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("nncourse_published_branch", "student-notebooks", "html")
    app.add_config_value("nncourse_install",
                         "nncourse @ git+https://github.com/nncourse/nncourse@main", "html")
    app.connect("html-page-context", student_buttons, priority=600)
    app.connect("build-finished", publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
