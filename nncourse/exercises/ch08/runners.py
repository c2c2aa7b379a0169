"""How chapter 8's learner code is called (sandbox side): the random search's objective.

The runner calls the learner's ``random_search`` with an objective and a sampler it owns,
records every configuration the objective received, and returns the raw results: the calls,
``best_params``, ``best_score`` and ``scores`` exactly as the learner's code produced them.
It judges nothing.

Example:
    >>> from nncourse.search import random_search
    >>> out = search_run(random_search, {"n_trials": 2, "seed": 1, "centre": -2.0,
    ...                                  "objective": "bowl"}, {})
    >>> sorted(out), len(out["calls"])
    (['best_params', 'best_score', 'calls', 'scores'], 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


def sample_configuration(rng: np.random.Generator) -> dict[str, float]:
    """The search space: a log-uniform learning rate and a uniform momentum."""
    return {"lr": float(10 ** rng.uniform(-4, 0)), "momentum": float(rng.uniform(0.0, 0.99))}


def _returned(out: Any) -> tuple[Any, Any, Any]:
    if hasattr(out, "best_params") and hasattr(out, "scores"):   # a SearchResult works too
        return out.best_params, out.best_score, out.scores
    if not isinstance(out, tuple | list) or len(out) != 3:
        kind = type(out).__name__ if not isinstance(out, tuple | list) else \
            _("a {kind} of {count} items").format(kind=type(out).__name__, count=len(out))
        raise LearnerError(_("random_search returned {kind}; it should return the tuple "
                             "(best_params, best_score, scores)").format(kind=kind))
    return out[0], out[1], out[2]


@runner("evaluation.random_search")
def search_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Run ``answer(objective, sample, n_trials, seed)``; return what it produced."""
    calls: list[list[float]] = []
    centre, flat = float(inputs["centre"]), inputs.get("objective") == "flat"

    def objective(params: dict) -> float:
        if not isinstance(params, dict) or not {"lr", "momentum"} <= set(params):
            raise LearnerError(_("objective(params) received {params!r:.60}; pass it the dict "
                                 "that sample(rng) returned (keys 'lr' and "
                                 "'momentum')").format(params=params))
        calls.append([float(params["lr"]), float(params["momentum"])])
        if flat:
            return 1.0
        return float((np.log10(params["lr"]) - centre) ** 2 + (params["momentum"] - 0.9) ** 2)

    best_params, best_score, scores = _returned(
        answer(objective, sample_configuration, inputs["n_trials"], inputs["seed"]))
    return {"calls": calls, "best_params": best_params, "best_score": best_score,
            "scores": list(scores) if isinstance(scores, tuple | list) else scores}
