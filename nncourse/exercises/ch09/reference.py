"""Chapter 9's learner-only answers: freezing the backbone of a whole model, the label budget.

``freeze_backbone`` is the library's :func:`nncourse.transfer.freeze` applied to
:func:`nncourse.transfer.backbone`; the best label budget is read from the shipped grid by
the same function the judge uses.

Example:
    >>> best_budget()["strategy"]
    'finetune'
"""

from __future__ import annotations

from typing import Any

from nncourse.transfer import backbone, freeze

from .budget import budget_gains


def freeze_backbone(model: Any) -> Any:
    """Freeze every layer but the last (no gradients, batch norm in eval mode); return model."""
    freeze(backbone(model))
    return model


def best_budget() -> dict:
    """The (strategy, labels per class) with the largest mean gain over scratch."""
    gains, _ = budget_gains()
    strategy, n = max(gains, key=gains.get)
    return {"strategy": strategy, "n_per_class": n}
