"""Shared by the lab tests: run a notebook in a fresh kernel and read what a cell printed."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient


def lab_client(notebook: nbformat.NotebookNode, workdir: Path) -> NotebookClient:
    """An nbclient runner for ``notebook`` in the course's ``python3`` kernel, cwd ``workdir``."""
    return NotebookClient(notebook, timeout=300, kernel_name="python3",
                          resources={"metadata": {"path": str(workdir)}})


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed as plain text (errors as 'Name: value')."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(str(output["data"].get("text/plain", "")))
        elif output.get("output_type") == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)
