"""Seeding and saving the random state, so a run can be repeated (or resumed) exactly.

Example:
    >>> seed_everything(0)
    >>> state = get_rng_state(); a = torch.rand(1); set_rng_state(state)
    >>> bool(torch.rand(1) == a)
    True
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from nncourse._checks import check_int

__all__ = ["seed_everything", "deterministic_algorithms", "get_rng_state", "set_rng_state"]


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global RNG and torch (CPU and every GPU).

    Args:
        seed: any integer >= 0.

    Example:
        >>> seed_everything(0); a = torch.rand(1); seed_everything(0)
        >>> bool(torch.rand(1) == a)
        True
    """
    seed = check_int(seed, "seed", 0, hint="Use a non-negative integer such as 0.")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))  # also seeds every CUDA device


@contextmanager
def deterministic_algorithms(enabled: bool = True) -> Iterator[None]:
    """Within the block, ask torch for deterministic kernels; restore the settings after.

    A kernel with no deterministic version warns rather than fails.

    On CUDA, cuBLAS needs ``CUBLAS_WORKSPACE_CONFIG`` for determinism; it is set here if
    the environment does not already set it (it only takes effect before CUDA starts).

    Example:
        >>> with deterministic_algorithms():
        ...     pass
    """
    if not enabled:
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    previous = (torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled())
    previous_cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous_cudnn


def get_rng_state() -> dict[str, Any]:
    """Every global random state (Python, NumPy, torch CPU, CUDA) in plain, saveable types.

    Returns:
        a dict that :func:`set_rng_state` restores and ``torch.save`` / ``torch.load``
        (with ``weights_only=True``) can store.
    """
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (kind, np.asarray(keys).tolist(), int(pos), int(has_gauss), float(cached)),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the states saved by :func:`get_rng_state` (missing entries are skipped)."""
    if "python" in state:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    if "torch" in state:
        torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
