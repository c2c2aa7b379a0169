"""conftest.long_modules_first: the long modules first, each module's items kept in order."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from conftest import long_modules_first


def _item(path: str, marker: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(path=Path(path), name=f"{path}:{marker}",
                           get_closest_marker=lambda name: name if name == marker else None)


def test_long_modules_go_first_and_keep_their_order() -> None:
    items = [_item("tests/test_a.py"), _item("tests/test_b.py"),
             _item("tests/test_b.py", "slow"), _item("tests/test_c.py", "browser"),
             _item("notebooks/lab01.ipynb"), _item("notebooks/lab01.ipynb")]
    ordered = long_modules_first(items)
    assert [item.path.name for item in ordered] == [
        "test_b.py", "test_b.py", "test_c.py", "lab01.ipynb", "lab01.ipynb", "test_a.py"]
    assert ordered[:2] == items[1:3]            # a module's items together, in their order
    assert long_modules_first([]) == []
