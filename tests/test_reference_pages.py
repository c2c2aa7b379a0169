"""Every public module has its reference page, and no page documents an answer module."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reference_pages_are_up_to_date():
    result = subprocess.run([sys.executable, "scripts/reference_pages.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_reference_page_for_answers():
    pages = {p.stem for p in (ROOT / "book" / "reference").glob("*.md")}
    assert "nncourse.numpy.layers" in pages and "nncourse.torch.training" in pages
    leaks = [p for p in pages if ".grading.solutions" in p or ".mistakes_" in p
             or re.match(r"nncourse\.exercises\.(quizzes\.)?ch\d\d_", p)]
    assert not leaks, leaks
