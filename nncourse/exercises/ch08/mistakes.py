"""Chapter 8 mistake models: plausible wrong answers, each with the message it earns.

Every model is a runnable wrong answer, written as a learner would write it, with a docstring
that says the slip. The judge runs it on the same inputs as the learner's answer; when the two
agree, the learner reads its message.

Example:
    >>> from nncourse.exercises import check
    >>> check("evaluation.confusion_metrics", metrics_swapped).passed
    False
"""

from __future__ import annotations

import numpy as np

from nncourse import roc, search

from ..registry import Mistake


# ----------------------------------------------------------------------------- confusion matrix
def metrics_swapped(cm):
    """Precision divides by the row sums, recall by the column sums."""
    cm = np.asarray(cm, dtype=float)
    precision, recall = np.diag(cm) / cm.sum(axis=1), np.diag(cm) / cm.sum(axis=0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def metrics_arithmetic_f1(cm):
    """F1 as the arithmetic mean (p + r) / 2."""
    precision, recall, _ = roc.precision_recall_f1(cm)
    return precision, recall, (precision + recall) / 2


def metrics_nan(cm):
    """0/0 left as NaN for a class that is never predicted."""
    cm = np.asarray(cm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision, recall = np.diag(cm) / cm.sum(axis=0), np.diag(cm) / cm.sum(axis=1)
        return precision, recall, 2 * precision * recall / (precision + recall)


def metrics_micro(cm):
    """One pooled value (trace / total) repeated for every class."""
    cm = np.asarray(cm, dtype=float)
    value = np.full(len(cm), np.trace(cm) / cm.sum())
    return value, value.copy(), value.copy()


def metrics_f1_no_two(cm):
    """F1 without the factor 2: p r / (p + r)."""
    precision, recall, f1 = roc.precision_recall_f1(cm)
    return precision, recall, f1 / 2


def metrics_over_total(cm):
    """The diagonal divided by the total count instead of a row or column sum."""
    cm = np.asarray(cm, dtype=float)
    share = np.diag(cm) / cm.sum()
    return share, share.copy(), share.copy()


CONFUSION = [
    Mistake("precision and recall swapped", metrics_swapped,
            "Precision and recall are swapped: precision divides the diagonal by the column "
            "sums (everything predicted as the class), recall by the row sums (everything "
            "truly in the class)."),
    Mistake("F1 as an arithmetic mean", metrics_arithmetic_f1,
            "F1 is the harmonic mean 2·p·r / (p + r), not the arithmetic mean (p + r) / 2; the "
            "harmonic mean stays low when either one is low."),
    Mistake("0/0 left as NaN", metrics_nan,
            "A NaN appears: a class that is never predicted has column sum 0, and 0/0 must "
            "count as 0 (precision 0 and F1 0), not NaN; np.divide(a, b, out=np.zeros_like(a), "
            "where=b > 0) does it."),
    Mistake("micro average instead of per class", metrics_micro,
            "Every value equals the accuracy trace(C)/sum(C): that is the micro average; "
            "compute one precision, recall and F1 per class."),
    Mistake("F1 without the 2", metrics_f1_no_two,
            "F1 is half the expected value: the harmonic mean is 2·p·r / (p + r), with the 2."),
    Mistake("divided by the total", metrics_over_total,
            "Each value is the diagonal count over the total of the whole matrix; precision "
            "divides by the column sum of its class, recall by the row sum."),
]


# ----------------------------------------------------------------------------- random search
def search_extra_trial(objective, sample, n_trials, seed=0):
    """range(n_trials + 1): one evaluation too many."""
    result = search.random_search(objective, sample, n_trials + 1, seed)
    return result.best_params, result.best_score, result.scores


def search_rng_in_loop(objective, sample, n_trials, seed=0):
    """The generator is created inside the loop: every trial draws the same configuration."""
    scores, best_params, best_score = [], None, np.inf
    for _ in range(n_trials):
        params = sample(np.random.default_rng(seed))
        scores.append(objective(params))
        if scores[-1] < best_score:
            best_params, best_score = params, scores[-1]
    return best_params, best_score, scores


def search_unseeded(objective, sample, n_trials, seed=0):
    """np.random.default_rng() without the seed: other configurations on every run."""
    result = search.random_search(objective, sample, n_trials, seed=None)
    return result.best_params, result.best_score, result.scores


def search_maximise(objective, sample, n_trials, seed=0):
    """Keeps the largest score (higher taken as better)."""
    rng = np.random.default_rng(seed)
    scores, best_params, best_score = [], None, -np.inf
    for _ in range(n_trials):
        params = sample(rng)
        scores.append(objective(params))
        if scores[-1] > best_score:
            best_params, best_score = params, scores[-1]
    return best_params, best_score, scores


def search_last(objective, sample, n_trials, seed=0):
    """Returns the last trial instead of the best one."""
    result = search.random_search(objective, sample, n_trials, seed)
    return result.params[-1], result.scores[-1], result.scores


def search_starts_at_zero(objective, sample, n_trials, seed=0):
    """best_score starts at 0: no (positive) score is lower, best_params stays None."""
    rng = np.random.default_rng(seed)
    scores, best_params, best_score = [], None, 0.0
    for _ in range(n_trials):
        params = sample(rng)
        scores.append(objective(params))
        if scores[-1] < best_score:
            best_params, best_score = params, scores[-1]
    return best_params, best_score, scores


def search_ties_last(objective, sample, n_trials, seed=0):
    """<= instead of <: among equal scores the last trial wins, not the first."""
    rng = np.random.default_rng(seed)
    scores, best_params, best_score = [], None, np.inf
    for _ in range(n_trials):
        params = sample(rng)
        scores.append(objective(params))
        if scores[-1] <= best_score:
            best_params, best_score = params, scores[-1]
    return best_params, best_score, scores


SEARCH = [
    Mistake("one trial too many", search_extra_trial,
            "The objective was called once more than n_trials: the budget is exactly n_trials "
            "evaluations (for _ in range(n_trials))."),
    Mistake("generator re-created every trial", search_rng_in_loop,
            "Every trial drew the same configuration: the generator is re-created inside the "
            "loop; create rng = np.random.default_rng(seed) once, before the loop."),
    Mistake("generator not seeded", search_unseeded,
            "The configurations are not those np.random.default_rng(seed) draws: create the "
            "generator from the seed argument, once, and pass it to sample(rng).",
            feedback=("default_rng(seed)",)),
    Mistake("keeps the largest score", search_maximise,
            "best_score is the largest score, but lower is better: keep the smallest score "
            "and the params that gave it."),
    Mistake("best score starts at 0", search_starts_at_zero,
            "best_score started at 0 and no score was lower, so best_params stayed None: start "
            "from best_score = np.inf (or the first trial's score)."),
    Mistake("a tie replaces the best", search_ties_last,
            "When two trials score the same, the first one must stay the best: replace the "
            "best only on a strictly lower score (score < best_score, not <=)."),
    Mistake("returns the last trial", search_last,
            "You returned the last trial, not the best one: keep the smallest score so far and "
            "its params while the loop runs."),
]


# ----------------------------------------------------------------------------- cost threshold
def _costs(y_true, scores, candidates, cost_fp, cost_fn, strict=False):
    y, s = np.asarray(y_true), np.asarray(scores)
    out = []
    for t in candidates:
        positive = s > t if strict else s >= t
        out.append(cost_fp * np.sum(positive & (y == 0)) + cost_fn * np.sum(~positive & (y == 1)))
    return out


def threshold_half(y_true, scores, cost_fp, cost_fn):
    """Always the default 0.5."""
    return 0.5


def threshold_costs_swapped(y_true, scores, cost_fp, cost_fn):
    """A false positive weighed by cost_fn and a false negative by cost_fp."""
    return roc.min_cost_threshold(y_true, scores, cost_fn, cost_fp)


def threshold_error_count(y_true, scores, cost_fp, cost_fn):
    """Minimises the number of errors, ignoring the costs."""
    return roc.min_cost_threshold(y_true, scores, 1.0, 1.0)


def threshold_strict(y_true, scores, cost_fp, cost_fn):
    """Decides positive on score > threshold instead of >=."""
    candidates = np.unique(scores)
    costs = _costs(y_true, scores, candidates, cost_fp, cost_fn, strict=True)
    return float(candidates[int(np.argmin(costs))])


def threshold_never_positive_missing(y_true, scores, cost_fp, cost_fn):
    """Tries the distinct scores only, never a threshold above all of them."""
    candidates = np.unique(scores)
    return float(candidates[int(np.argmin(_costs(y_true, scores, candidates, cost_fp,
                                                 cost_fn)))])


def threshold_highest_cost(y_true, scores, cost_fp, cost_fn):
    """argmax instead of argmin: the most expensive threshold."""
    candidates = np.append(np.unique(scores), np.inf)
    return float(candidates[int(np.argmax(_costs(y_true, scores, candidates, cost_fp,
                                                 cost_fn)))])


COST = [
    Mistake("always 0.5", threshold_half,
            "0.5 is only the default threshold: try every distinct score (and one above all of "
            "them) and keep the threshold with the lowest total cost."),
    Mistake("costs swapped", threshold_costs_swapped,
            "The costs are swapped: a false positive (a false alarm) costs cost_fp, a false "
            "negative (a missed positive) costs cost_fn."),
    Mistake("counts errors, ignores costs", threshold_error_count,
            "That threshold minimises the number of errors, not their cost: weigh each false "
            "positive by cost_fp and each false negative by cost_fn."),
    Mistake("score > threshold instead of >=", threshold_strict,
            "Your threshold is right for `score > threshold`, but the decision rule is "
            "`score >= threshold` (an example whose score equals it is positive)."),
    Mistake("never-positive threshold not tried", threshold_never_positive_missing,
            "Here deciding nothing is positive costs less than any of the scores as threshold: "
            "try a threshold above every score too (np.inf)."),
    Mistake("highest cost", threshold_highest_cost,
            "You kept the most expensive threshold: keep the one with the lowest total cost "
            "(argmin, not argmax)."),
]


# ----------------------------------------------------------------------------- operating point
OPERATING = [
    Mistake("the default 0.5", 0.5,
            "At the default threshold 0.5 recall is below 0.95: too many nines are missed. "
            "Lower the threshold."),
    Mistake("everything positive", 0.0,
            "At threshold 0 every example is flagged positive: precision is just the share of "
            "nines. Raise the threshold as far as recall allows."),
    Mistake("recall reached, precision given away", 0.1,
            "Recall meets the target, but a higher threshold keeps recall at 0.95 or more with "
            "better precision. Raise it until recall would drop below 0.95."),
    Mistake("the most accurate threshold", 0.34,
            "Recall is below 0.95 at the most accurate threshold: too many nines are missed. "
            "Lower the threshold."),
]
