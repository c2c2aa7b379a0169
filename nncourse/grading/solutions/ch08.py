"""Reference answers for chapter 8 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

from nncourse.roc import min_cost_threshold, precision_recall_f1
from nncourse.search import random_search

SOLUTIONS: dict[str, Any] = {
    "evaluation.confusion_metrics": precision_recall_f1,
    "evaluation.random_search": random_search,
    "evaluation.cost_threshold": min_cost_threshold,
    # the highest slider threshold with recall >= 0.95 (recall 0.956, precision 0.690)
    "evaluation.operating_point": 0.17,
}
