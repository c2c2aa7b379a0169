"""Chapter 8 exercises: metrics from a confusion matrix, a random search, operating thresholds.

Each exercise names its reference (:func:`nncourse.roc.precision_recall_f1`,
:func:`nncourse.search.random_search`, :func:`nncourse.roc.min_cost_threshold`, and the
explorer's best threshold in :mod:`.reference`); the framework compares the learner's output
with it, then the mistake models of :mod:`.mistakes`, then its generic diagnosis. A threshold
is judged by its cost (any threshold as cheap as the best is right) and the widget by the
explorer's own numbers (:func:`nncourse.roc.compute_operating_point`).

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.roc import precision_recall_f1
    >>> check("evaluation.confusion_metrics", precision_recall_f1).passed
    True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from nncourse import roc

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes

#: evaluation.operating_point: the recall the detector must reach, and the slider's grid.
TARGET_RECALL = 0.95
THRESHOLD_GRID = np.round(np.arange(0.0, 1.0001, 0.01), 2)


# ----------------------------------------------------------------------------- confusion matrix
def _cm_inputs(classes: int, never_predicted: bool = False):
    def make(rng):
        cm = rng.integers(1, 30, size=(classes, classes))
        cm[np.diag_indices(classes)] += 40
        cm[0, 1] += 17                      # asymmetric: precision != recall for every class
        if never_predicted:
            cm[:, -1] = 0                   # the last class is never predicted
        return {"cm": cm}
    return make


def _diagonal(inputs: dict) -> dict:
    return {"cm": np.diag(np.diag(np.asarray(inputs["cm"])) + 1)}


def _one_confusion(inputs: dict) -> dict:
    cm = np.diag(np.full(len(inputs["cm"]), 10))
    cm[0, 1] = 10                           # ten examples of class 0 predicted as class 1
    return {"cm": cm}


def _zero_column(inputs: dict) -> dict:
    cm = np.array(inputs["cm"], copy=True)
    cm[:, 0] = 0
    return {"cm": cm}


register(Exercise(
    id="evaluation.confusion_metrics", title="Precision, recall and F1 from a confusion matrix",
    chapter="ch08", reference="nncourse.roc.precision_recall_f1",
    call={"runner": "call", "args": ["cm"]}, output_names=("precision", "recall", "f1"),
    expects={"returns": "the tuple (precision, recall, f1), each an array with one value per "
                        "class",
             "inputs": {"cm": "a (C, C) array of counts, true classes in rows, predictions "
                              "in columns"},
             "shapes": {"precision": "one value per class", "recall": "one value per class",
                        "f1": "one value per class"}},
    prompt="Write `precision_recall_f1(cm) -> (precision, recall, f1)`: one value per class from "
           "a (C, C) confusion matrix with true classes in rows and predictions in columns; "
           "a 0/0 counts as 0.",
    hints=["precision: diagonal / column sums; recall: diagonal / row sums.",
           "F1 = 2 p r / (p + r); use np.divide(..., where=denominator > 0) to avoid 0/0."],
    cases=[Case("binary", 1, _cm_inputs(2)),
           Case("three classes", 1, _cm_inputs(3)),
           Case("a class never predicted", 1, _cm_inputs(3, never_predicted=True))],
    probes=[
        Probe("a diagonal matrix", _diagonal,
              "With a perfect confusion matrix (counts on the diagonal only) every precision, "
              "recall and F1 is 1."),
        Probe("one confusion", _one_confusion,
              "With ten examples of class 0 predicted as class 1 (cm[0, 1] = 10) the recall of "
              "class 0 and the precision of class 1 fall to 0.5 and nothing else changes; yours "
              "differs: precision divides by the column sums, recall by the row sums.",
              outputs=("precision", "recall")),
        Probe("one confusion (F1)", _one_confusion,
              "With cm[0, 1] = 10 class 0 has precision 1 and recall 0.5, so its F1 is the "
              "harmonic mean 2·p·r / (p + r) = 2·1·0.5 / 1.5 ≈ 0.667; yours differs.",
              outputs=("f1",)),
        Probe("a zero column", _zero_column,
              "When class 0 is never predicted (its column sums to 0) its precision and F1 are "
              "0 (0/0 counts as 0)."),
    ],
    mistakes=mistakes.CONFUSION,
))


# ----------------------------------------------------------------------------- random search
def _search_inputs(n_trials: int, objective: str = "bowl"):
    def make(rng):
        return {"n_trials": n_trials, "seed": int(rng.integers(1, 10_000)),
                "centre": float(rng.uniform(-3, -1)), "objective": objective}
    return make


def _search_judge(inputs: dict, output: Any, expected: dict) -> str | None:
    """Part by part: the trials, the scores, then the best trial (generic sentences)."""
    n, calls = inputs["n_trials"], np.asarray(output["calls"], dtype=float).reshape(-1, 2)
    if len(calls) != n:
        return (_("the objective was called {len_calls} times for n_trials = {n}: the "
                  "budget is exactly n_trials evaluations (for _ in range(n_trials))").format(
                    len_calls=len(calls), n=n))
    if not np.allclose(calls, expected["calls"]):
        return (_("the configurations differ from those that "
                  "np.random.default_rng(seed) draws: create the generator once, "
                  "before the loop, from the seed argument and pass it to sample(rng)"))
    scores = output["scores"]
    if not isinstance(scores, list) or len(scores) != n or \
            not np.allclose(np.asarray(scores, dtype=float), expected["scores"]):
        return (_("scores must be the list of objective(params) of every trial, in the "
                  "order they ran"))
    best = int(np.argmin(expected["scores"]))
    score = output["best_score"]
    if isinstance(score, bool) or not isinstance(score, int | float) or \
            not np.isclose(score, expected["best_score"]):
        return (_("best_score is {score!r:.40}; expected the lowest score "
                  "{expected_best_score:.6g} (trial {best})").format(
                    score=score, expected_best_score=expected['best_score'], best=best))
    if output["best_params"] != expected["best_params"]:
        return (_("best_params must be the dict sample(rng) returned for the trial "
                  "with the lowest score (trial {best}, the first such trial if "
                  "several tie); got {output_best_params!r:.80}").format(
                    best=best, output_best_params=output['best_params']))
    return None


register(Exercise(
    id="evaluation.random_search", title="A random-search loop", chapter="ch08",
    reference="nncourse.search.random_search",
    call={"runner": "nncourse.exercises.ch08.runners:search_run"},
    expects={"returns": "the tuple (best_params, best_score, scores)",
             "inputs": {"objective": "a function of the params dict returning a number",
                        "sample": "a function sample(rng) returning a params dict",
                        "n_trials": "an int >= 1", "seed": "an int"}},
    prompt="Write `random_search(objective, sample, n_trials, seed) -> (best_params, "
           "best_score, scores)`: draw `params = sample(rng)` n_trials times from one generator "
           "`np.random.default_rng(seed)`, score each with `objective(params)` (lower is "
           "better), and return the best trial (the first one if several tie) and the list of "
           "all scores.",
    hints=["Create the generator once, before the loop, from the seed argument.",
           "Keep the smallest score and the params that gave it; start from np.inf."],
    cases=[Case("budget and seed", 2, _search_inputs(7), _search_judge),
           Case("best trial", 1, _search_inputs(12), _search_judge),
           Case("a single trial", 1, _search_inputs(1), _search_judge),
           Case("ties keep the first trial", 1, _search_inputs(5, "flat"), _search_judge)],
    mistakes=mistakes.SEARCH,
))


# ----------------------------------------------------------------------------- cost threshold
def _cost_inputs(cost_fp: float, cost_fn: float, top_negative: bool = False):
    def make(rng):
        y = (rng.random(80) < 0.25).astype(float)
        scores = np.clip(np.round(0.35 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 80), 2), 0, 1)
        if top_negative:                    # a false alarm at any threshold: nothing positive
            y[scores == scores.max()] = 0.0
        return {"y_true": y, "scores": scores, "cost_fp": cost_fp, "cost_fn": cost_fn}
    return make


def _cost_judge(inputs: dict, output: Any) -> str | None:
    """Right when the threshold's total cost is the lowest possible (any such threshold)."""
    y, s = inputs["y_true"], inputs["scores"]
    cost_fp, cost_fn = inputs["cost_fp"], inputs["cost_fn"]
    if isinstance(output, bool) or not isinstance(output, int | float):
        return _("return the threshold as one number (a float); got {type}").format(
                   type=type(output).__name__)
    lowest = roc.decision_cost(y, s, roc.min_cost_threshold(y, s, cost_fp, cost_fn), cost_fp,
                               cost_fn)
    cost = roc.decision_cost(y, s, float(output), cost_fp, cost_fn)
    if cost <= lowest + 1e-9:
        return None
    return (_("threshold {float_output:.4g} costs {cost:g}, but {lowest:g} is "
              "possible: try every distinct score as the threshold, and one above all "
              "of them (np.inf), and keep the cheapest").format(
                float_output=float(output), cost=cost, lowest=lowest))


register(Exercise(
    id="evaluation.cost_threshold", title="The operating threshold for a stated cost",
    chapter="ch08", reference="nncourse.roc.min_cost_threshold",
    call={"runner": "call", "args": ["y_true", "scores", "cost_fp", "cost_fn"]},
    expects={"returns": "the threshold, one float",
             "inputs": {"y_true": "an array of 0/1 labels", "scores": "an array of scores",
                        "cost_fp": "a number", "cost_fn": "a number"}},
    prompt="Write `best_threshold(y_true, scores, cost_fp, cost_fn) -> threshold`: the decision "
           "is positive when `score >= threshold`; try each distinct score and one threshold "
           "above all of them (`np.inf`: nothing positive), and return one whose total cost "
           "`cost_fp * FP + cost_fn * FN` is the lowest.",
    hints=["Only the distinct scores (and np.inf) give different decisions: try each.",
           "FP: predicted positive but y = 0; FN: predicted negative but y = 1."],
    cases=[Case("misses cost 5 times more", 1, _cost_inputs(1.0, 5.0), _cost_judge),
           Case("false alarms cost 4 times more", 1, _cost_inputs(4.0, 1.0), _cost_judge),
           Case("equal costs", 1, _cost_inputs(1.0, 1.0), _cost_judge),
           Case("false alarms cost 100 times more", 1, _cost_inputs(100.0, 1.0, True),
                _cost_judge)],
    mistakes=mistakes.COST,
))


# ----------------------------------------------------------------------------- widget
@lru_cache(maxsize=4)
def best_precision_at_recall(target: float = TARGET_RECALL) -> tuple[float, float]:
    """The slider threshold with the highest precision among those reaching ``target`` recall.

    Returns:
        ``(threshold, precision)`` on the explorer's 0.01 grid (the highest such threshold).

    Example:
        >>> threshold, precision = best_precision_at_recall()
        >>> 0 < threshold < 0.5 and 0 < precision < 1
        True
    """
    y, scores = roc.detection_task()        # the explorer's numbers, without its curves
    best = (0.0, -1.0)
    for t in THRESHOLD_GRID:
        precision, recall, _ = (float(v[1]) for v in roc.precision_recall_f1(
            roc.binary_confusion(y, scores, float(t))))
        if recall >= target and precision >= best[1]:
            best = (float(t), precision)
    return best


def _point_judge(inputs: dict, output: Any) -> str | None:
    if isinstance(output, dict) and "threshold" not in output:
        return (_("the answer dict needs the key 'threshold' (the explorer's state); "
                  "it has {output}").format(
                    output=sorted(map(str, output))))
    value = output.get("threshold") if isinstance(output, dict) else output
    if isinstance(value, bool) or not isinstance(value, int | float):
        return (_("expected the evaluation explorer, a threshold between 0 and 1, or "
                  "{{'threshold': t}}; got {type} {value!r:.40}").format(
                    type=type(value).__name__, value=value))
    t = float(value)
    if not 0.0 <= t <= 1.0:
        return _("threshold {t:g} is outside [0, 1], where the detector's "
                 "probabilities lie").format(
                   t=t)
    point = roc.compute_operating_point(t)
    recall, precision = point["recall"], point["precision"]
    _threshold, best_precision = best_precision_at_recall()
    if recall < TARGET_RECALL:
        (_negatives, _false_alarms), (fn, tp) = point["confusion"]
        return (_("at threshold {t:.2f} recall is {recall:.3f}, below {target_recall}: "
                  "{fn} of {fn_tp} nines are missed. Lower the threshold").format(
                    t=t, recall=recall, target_recall=TARGET_RECALL, fn=fn, fn_tp=fn + tp))
    if precision < best_precision - 1e-9:
        return (_("recall {recall:.3f} meets the target, but precision is only "
                  "{precision:.3f}; a higher threshold keeps recall at {target_recall} "
                  "or more with better precision. Raise it until recall would drop "
                  "below {target_recall}").format(
                    recall=recall, precision=precision, target_recall=TARGET_RECALL))
    return None


register(Exercise(
    id="evaluation.operating_point", title="Pick the operating point: recall ≥ 0.95",
    chapter="ch08", kind="widget", reference="nncourse.exercises.ch08.reference.OPERATING_POINT",
    call={"runner": "value"},
    expects={"returns": "the explorer, a threshold between 0 and 1, or {'threshold': t}",
             "keys": {"the explorer's state": ["threshold"]}},
    prompt=f"With the evaluation explorer, choose the threshold of the 'is it a 9?' detector "
           f"that finds at least {TARGET_RECALL:.0%} of the nines (recall ≥ {TARGET_RECALL}) "
           f"with the highest precision possible; then "
           f"`answer('evaluation.operating_point', explorer)`.",
    hints=["Lowering the threshold raises recall and usually lowers precision.",
           "Look for the highest threshold at which recall is still at least 0.95."],
    widget={"log_slider": {"min": -3, "max": 0, "description": "threshold"}},
    cases=[Case("recall target, best precision", 2, lambda rng: {}, _point_judge)],
    mistakes=mistakes.OPERATING,
))
