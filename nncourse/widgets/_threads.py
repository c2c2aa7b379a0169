"""BLAS thread limits for the explorers' small matrix products (no UI imports).

Example:
    >>> with single_threaded_blas():
    ...     pass
"""

from __future__ import annotations

from typing import Any

__all__ = ["single_threaded_blas"]


def single_threaded_blas() -> Any:
    """A context manager limiting BLAS to one thread.

    The explorers multiply small matrices; on a machine with few, busy cores a
    multi-threaded BLAS spends far longer synchronising its threads than computing
    (a 256x256 product measured 40 ms threaded vs 1 ms on one thread).
    """
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER: Any = None
