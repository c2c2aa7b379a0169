"""Chapter 8 exercises: metrics from a confusion matrix, a random search, operating thresholds.

Every judge computes its reference with the library (:mod:`nncourse.roc`,
:mod:`nncourse.search`); the widget exercise ``evaluation.operating_point`` recomputes the
evaluation explorer's numbers with :func:`nncourse.roc.compute_operating_point`.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.roc import precision_recall_f1
    >>> check("evaluation.confusion_metrics", precision_recall_f1).passed
    True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nncourse import roc, search

from .compare import answer_value, as_array, compare_arrays
from .registry import Case, Exercise, Mistake, register

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


def _cm_judge(inputs, outputs):
    cm = inputs["cm"]
    names = ("precision", "recall", "f1")
    if not isinstance(outputs, list) or len(outputs) != 3:
        return "return the tuple (precision, recall, f1), each an array with one value per class"
    got = []
    for name, value in zip(names, outputs, strict=True):
        arr, problem = as_array(value, name)
        if problem:
            return problem
        got.append(arr)
    expected = roc.precision_recall_f1(cm)
    if any(np.isnan(arr).any() for arr in got):
        return ("a NaN appears: a class that is never predicted has column sum 0, and 0/0 "
                "must count as 0 (precision 0 and F1 0), not NaN")
    shapes_ok = all(arr.shape == exp.shape for arr, exp in zip(got, expected, strict=True))
    accuracy = np.trace(cm) / cm.sum()
    if shapes_ok and all(np.allclose(arr, accuracy) for arr in got):
        return ("every value equals the accuracy trace(C)/sum(C): that is the micro average; "
                "compute one precision, recall and F1 per class")
    if shapes_ok and np.allclose(got[0], expected[1]) and np.allclose(got[1], expected[0]):
        return ("precision and recall are swapped: precision divides the diagonal by the column "
                "sums (everything predicted as the class), recall by the row sums (everything "
                "truly in the class)")
    p, r = expected[0], expected[1]
    if shapes_ok and np.allclose(got[2], (p + r) / 2) and not np.allclose(got[2], expected[2]):
        return ("F1 is the harmonic mean 2·p·r / (p + r), not the arithmetic mean (p + r) / 2; "
                "the harmonic mean stays low when either one is low")
    for name, arr, exp in zip(names, got, expected, strict=True):
        message = compare_arrays(name, arr, exp, shape_hint="expected one value per class")
        if message:
            return message
    return None


def _cm_micro(cm):
    value = np.trace(cm) / np.sum(cm)
    return np.full(len(cm), value), np.full(len(cm), value), np.full(len(cm), value)


def _cm_swapped(cm):
    precision, recall, f1 = roc.precision_recall_f1(cm)
    return recall, precision, f1


def _cm_arithmetic(cm):
    precision, recall, _ = roc.precision_recall_f1(cm)
    return precision, recall, (precision + recall) / 2


def _cm_nan(cm):
    cm = np.asarray(cm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.diag(cm) / cm.sum(axis=0)
        recall = np.diag(cm) / cm.sum(axis=1)
        return precision, recall, 2 * precision * recall / (precision + recall)


register(Exercise(
    id="evaluation.confusion_metrics", title="Precision, recall and F1 from a confusion matrix",
    chapter="ch08", run=lambda fn, inp: fn(inp["cm"]),
    prompt="Write `precision_recall_f1(cm) -> (precision, recall, f1)`: one value per class from "
           "a (C, C) confusion matrix with true classes in rows and predictions in columns; "
           "a 0/0 counts as 0.",
    hints=["precision: diagonal / column sums; recall: diagonal / row sums.",
           "F1 = 2 p r / (p + r); use np.divide(..., where=denominator > 0) to avoid 0/0."],
    cases=[Case("binary", 1, _cm_inputs(2), _cm_judge),
           Case("three classes", 1, _cm_inputs(3), _cm_judge),
           Case("a class never predicted", 1, _cm_inputs(3, never_predicted=True), _cm_judge)],
    mistakes=[Mistake("precision and recall swapped", _cm_swapped, "swapped"),
              Mistake("F1 as an arithmetic mean", _cm_arithmetic, "harmonic mean"),
              Mistake("0/0 left as NaN", _cm_nan, ("NaN", "never predicted")),
              Mistake("micro average instead of per class", _cm_micro, "micro average")],
))


# ----------------------------------------------------------------------------- random search
def _sample(rng):
    return {"lr": float(10 ** rng.uniform(-4, 0)), "momentum": float(rng.uniform(0.0, 0.99))}


def _search_run(fn, inputs):
    calls = []
    centre = inputs["centre"]

    def objective(params):
        calls.append([params["lr"], params["momentum"]])
        return float((np.log10(params["lr"]) - centre) ** 2 + (params["momentum"] - 0.9) ** 2)

    out = fn(objective, _sample, inputs["n_trials"], inputs["seed"])
    if hasattr(out, "best_params"):                        # a SearchResult works too
        out = (out.best_params, out.best_score, out.scores)
    if not isinstance(out, tuple | list) or len(out) != 3:
        raise TypeError("return the tuple (best_params, best_score, scores)")
    best_params, best_score, scores = out
    return {"best": [best_params["lr"], best_params["momentum"]], "best_score": best_score,
            "scores": list(scores), "calls": calls}


def _search_inputs(n_trials: int):
    def make(rng):
        return {"n_trials": n_trials, "seed": int(rng.integers(1, 10_000)),
                "centre": float(rng.uniform(-3, -1))}
    return make


def _expected_search(inputs):
    calls = []

    def objective(params):
        calls.append([params["lr"], params["momentum"]])
        return float((np.log10(params["lr"]) - inputs["centre"]) ** 2
                     + (params["momentum"] - 0.9) ** 2)

    result = search.random_search(objective, _sample, inputs["n_trials"], inputs["seed"])
    return result, np.array(calls)


def _search_judge(inputs, outputs):
    n = inputs["n_trials"]
    expected, expected_calls = _expected_search(inputs)
    calls = np.asarray(outputs["calls"], dtype=float).reshape(-1, 2)
    if len(calls) != n:
        return (f"the objective was called {len(calls)} times for n_trials = {n}: the budget is "
                f"exactly n_trials evaluations (for _ in range(n_trials))")
    if n > 1 and np.allclose(calls, calls[0]):
        return ("every trial drew the same configuration: the generator is re-created inside the "
                "loop; create rng = np.random.default_rng(seed) once, before the loop")
    if not np.allclose(calls, expected_calls):
        return ("the configurations differ from those that np.random.default_rng(seed) draws: "
                "create the generator once from the seed argument and pass it to sample(rng)")
    scores = np.asarray(outputs["scores"], dtype=float)
    if scores.shape != (n,) or not np.allclose(scores, expected.scores):
        return "scores must list objective(params) of every trial, in the order they ran"
    best = float(outputs["best_score"])
    largest = n > 1 and np.isclose(best, scores.max()) and not np.isclose(best, scores.min())
    last = n > 1 and np.isclose(best, scores[-1]) and not np.isclose(best, scores.min())
    if largest and last:
        return ("best_score is the last trial's score, which is also the largest score; lower "
                "is better: keep the smallest score so far")
    if largest:
        return "best_score is the largest score, but lower is better: keep the smallest"
    if last:
        return "best_score is the last trial's score, not the best one: keep the smallest so far"
    if not np.isclose(best, expected.best_score):
        return f"best_score = {best:.6g}, expected the smallest score {expected.best_score:.6g}"
    if not np.allclose(outputs["best"], list(expected.best_params.values())):
        return "best_params are not the parameters of the trial with the smallest score"
    return None


def _search_extra_trial(objective, sample, n_trials, seed=0):
    return search.random_search(objective, sample, n_trials + 1, seed)


def _search_rng_in_loop(objective, sample, n_trials, seed=0):
    result = search.SearchResult()
    for _ in range(n_trials):
        params = sample(np.random.default_rng(seed))
        result.add(params, objective(params))
    return result


def _search_unseeded(objective, sample, n_trials, seed=0):
    return search.random_search(objective, sample, n_trials, seed=None)


def _search_maximise(objective, sample, n_trials, seed=0):
    result = search.random_search(lambda p: -objective(p), sample, n_trials, seed)
    scores = [-s for s in result.scores]
    return result.best_params, -result.best_score, scores


def _search_last(objective, sample, n_trials, seed=0):
    result = search.random_search(objective, sample, n_trials, seed)
    return result.params[-1], result.scores[-1], result.scores


register(Exercise(
    id="evaluation.random_search", title="A random-search loop", chapter="ch08",
    run=_search_run,
    prompt="Write `random_search(objective, sample, n_trials, seed) -> (best_params, "
           "best_score, scores)`: draw `params = sample(rng)` n_trials times from one generator "
           "`np.random.default_rng(seed)`, score each with `objective(params)` (lower is "
           "better), and return the best trial and the list of all scores.",
    hints=["Create the generator once, before the loop, from the seed argument.",
           "Keep the smallest score and the params that gave it."],
    cases=[Case("budget and seed", 2, _search_inputs(7), _search_judge),
           Case("best trial", 1, _search_inputs(12), _search_judge),
           Case("a single trial", 1, _search_inputs(1), _search_judge)],
    mistakes=[Mistake("one trial too many", _search_extra_trial, "times for n_trials"),
              Mistake("generator re-created every trial", _search_rng_in_loop,
                      "same configuration"),
              Mistake("generator not seeded", _search_unseeded, "default_rng(seed)"),
              Mistake("keeps the largest score", _search_maximise, "lower is better"),
              Mistake("returns the last trial", _search_last, "last trial")],
))


# ----------------------------------------------------------------------------- cost threshold
def _cost_inputs(cost_fp: float, cost_fn: float):
    def make(rng):
        y = (rng.random(80) < 0.25).astype(float)
        scores = np.clip(np.round(0.35 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 80), 2), 0, 1)
        return {"y_true": y, "scores": scores, "cost_fp": cost_fp, "cost_fn": cost_fn}
    return make


def _strict_cost(y, s, t, cost_fp, cost_fn):
    positive = s > t
    return float(cost_fp * np.sum(positive & (y == 0)) + cost_fn * np.sum(~positive & (y == 1)))


def _cost_judge(inputs, outputs):
    y, s = inputs["y_true"], inputs["scores"]
    cost_fp, cost_fn = inputs["cost_fp"], inputs["cost_fn"]
    if isinstance(outputs, bool) or not isinstance(outputs, int | float):
        return f"return the threshold as one number; got {type(outputs).__name__}"
    t = float(outputs)

    def best_cost(c_fp, c_fn):
        return roc.decision_cost(y, s, roc.min_cost_threshold(y, s, c_fp, c_fn), c_fp, c_fn)

    cost, lowest = roc.decision_cost(y, s, t, cost_fp, cost_fn), best_cost(cost_fp, cost_fn)
    if cost <= lowest + 1e-9:
        return None
    why = f"threshold {t:.4g} costs {cost:g}, but {lowest:g} is possible"
    if _strict_cost(y, s, t, cost_fp, cost_fn) <= lowest + 1e-9:
        return (f"{why}: your threshold is right for `score > threshold`, but the decision rule "
                f"is `score >= threshold` (an example whose score equals it is positive)")
    if t == 0.5:
        return (f"{why}: 0.5 is only the default; try every distinct score as the threshold and "
                f"keep the one with the lowest total cost")
    swapped = cost_fp != cost_fn and roc.decision_cost(y, s, t, cost_fn, cost_fp) <= \
        best_cost(cost_fn, cost_fp) + 1e-9
    counted = cost_fp != cost_fn and roc.decision_cost(y, s, t) <= best_cost(1.0, 1.0) + 1e-9
    weigh = "weigh each false positive by cost_fp and each false negative by cost_fn"
    if swapped and counted:
        return (f"{why}: that threshold is the one for the number of errors and also for the "
                f"costs swapped; {weigh}")
    if swapped:
        return (f"{why}: the costs are swapped; a false positive costs cost_fp = {cost_fp:g}, "
                f"a false negative (a missed positive) cost_fn = {cost_fn:g}")
    if counted:
        return f"{why}: that threshold minimises the number of errors, not their cost; {weigh}"
    return f"{why}; try every distinct score as the threshold and keep the cheapest"


def _threshold_half(y_true, scores, cost_fp, cost_fn):
    return 0.5


def _threshold_swapped(y_true, scores, cost_fp, cost_fn):
    return roc.min_cost_threshold(y_true, scores, cost_fn, cost_fp)


def _threshold_error_count(y_true, scores, cost_fp, cost_fn):
    return roc.min_cost_threshold(y_true, scores, 1.0, 1.0)


def _threshold_strict(y_true, scores, cost_fp, cost_fn):
    y, s = np.asarray(y_true), np.asarray(scores)
    candidates = np.unique(s)
    costs = [_strict_cost(y, s, t, cost_fp, cost_fn) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


register(Exercise(
    id="evaluation.cost_threshold", title="The operating threshold for a stated cost",
    chapter="ch08", run=lambda fn, inp: fn(inp["y_true"], inp["scores"], inp["cost_fp"],
                                           inp["cost_fn"]),
    prompt="Write `best_threshold(y_true, scores, cost_fp, cost_fn) -> threshold`: the decision "
           "is positive when `score >= threshold`; return a threshold whose total cost "
           "`cost_fp * FP + cost_fn * FN` is the lowest possible.",
    hints=["Only the distinct scores give different decisions: try each as the threshold.",
           "FP: predicted positive but y = 0; FN: predicted negative but y = 1."],
    cases=[Case("misses cost 5 times more", 1, _cost_inputs(1.0, 5.0), _cost_judge),
           Case("false alarms cost 4 times more", 1, _cost_inputs(4.0, 1.0), _cost_judge),
           Case("equal costs", 1, _cost_inputs(1.0, 1.0), _cost_judge)],
    mistakes=[Mistake("always 0.5", _threshold_half, "0.5 is only the default"),
              Mistake("costs swapped", _threshold_swapped, "swapped"),
              Mistake("counts errors, ignores costs", _threshold_error_count,
                      "number of errors"),
              Mistake("score > threshold instead of >=", _threshold_strict, ">= threshold")],
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
    best = (0.0, -1.0)
    for t in THRESHOLD_GRID:
        point = roc.compute_operating_point(float(t))
        if point["recall"] >= target and point["precision"] >= best[1]:
            best = (float(t), point["precision"])
    return best


def _point_run(obj, inputs):
    value = answer_value(obj)           # the explorer gives its state dict
    if isinstance(value, dict):
        value = value.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError("expected the evaluation explorer, a threshold, or {'threshold': t}")
    return float(value)


def _point_judge(inputs, outputs):
    t = float(outputs)
    if not 0.0 <= t <= 1.0:
        return f"threshold {t:g} is outside [0, 1], where the detector's probabilities lie"
    point = roc.compute_operating_point(t)
    recall, precision = point["recall"], point["precision"]
    best_t, best_precision = best_precision_at_recall()
    if recall < TARGET_RECALL:
        (_, _), (fn, tp) = point["confusion"]
        return (f"at threshold {t:.2f} recall is {recall:.3f}, below {TARGET_RECALL}: {fn} of "
                f"{fn + tp} nines are missed. Lower the threshold")
    if precision < best_precision - 1e-9:
        if point["precision"] <= point["positive_fraction"] + 1e-9:
            return (f"at threshold {t:.2f} every example is flagged positive: precision "
                    f"{precision:.3f} is just the share of nines. Raise the threshold as far as "
                    f"recall allows")
        return (f"recall {recall:.3f} meets the target, but precision is only {precision:.3f}; "
                f"a higher threshold keeps recall at {TARGET_RECALL} or more with better "
                f"precision. Raise it until recall would drop below {TARGET_RECALL}")
    return None


register(Exercise(
    id="evaluation.operating_point", title="Pick the operating point: recall ≥ 0.95",
    chapter="ch08", kind="widget", run=_point_run,
    prompt=f"With the evaluation explorer, choose the threshold of the 'is it a 9?' detector "
           f"that finds at least {TARGET_RECALL:.0%} of the nines (recall ≥ {TARGET_RECALL}) "
           f"with the highest precision possible; then "
           f"`answer('evaluation.operating_point', explorer)`.",
    hints=["Lowering the threshold raises recall and usually lowers precision.",
           "Look for the highest threshold at which recall is still at least 0.95."],
    widget={"log_slider": {"min": -3, "max": 0, "description": "threshold"}},
    cases=[Case("recall target, best precision", 2, lambda rng: {}, _point_judge)],
    mistakes=[Mistake("the default 0.5", 0.5, ("recall", "Lower the threshold")),
              Mistake("everything positive", 0.0, "every example is flagged positive"),
              Mistake("recall reached, precision given away", 0.1, "Raise it"),
              Mistake("the most accurate threshold", 0.34, ("recall", "below"))],
))
