"""The label-budget grid of chapter 9: mean test accuracy and gain over scratch per choice.

Read from ``nncourse/pretrained/transfer_curves.json`` (the runs behind the lab's curves); the
exercise's judge, its mistake models and its reference all read it here.

Example:
    >>> gains, mean = budget_gains()
    >>> gains[("scratch", 5)]
    0.0
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

BUDGETS = (1, 5, 10, 50)
STRATEGY_CHOICES = ("scratch", "frozen", "finetune", "lower_lr")


@lru_cache(maxsize=2)
def budget_gains(target: str = "mnist59") -> tuple[dict, dict]:
    """Gains and means per (strategy, labels per class), from the shipped grid.

    Returns:
        ``(gain, mean)``: mean test accuracy minus scratch's at the same budget, and the mean.
    """
    from nncourse.transfer import PRETRAINED_DIR

    grid = json.loads((PRETRAINED_DIR / "transfer_curves.json").read_text())
    mean = {(r["strategy"], r["n_per_class"]): float(np.mean(r["accuracy"]))
            for r in grid["runs"] if r["target"] == target and r["source"] == "mnist04"}
    return {(s, n): acc - mean[("scratch", n)] for (s, n), acc in mean.items()}, mean
