"""Hyperparameter search written out: grid, random, log-uniform sampling, successive halving.

Every search minimises ``objective(params) -> score`` (a validation loss or error: lower is
better) and returns a :class:`SearchResult` holding every trial, so curves and tables can be
drawn from it. Randomness comes from one ``np.random.default_rng(seed)`` created once per
search: the same seed gives the same trials. :func:`optuna_search` wraps Optuna (an optional
dependency, imported only when called) with the same interface.

Also here: k-fold indices (plain and stratified) and ``mean_spread`` for reporting results
over several seeds.

Example:
    >>> result = random_search(lambda p: (np.log10(p["lr"]) + 2) ** 2,
    ...                        lambda rng: {"lr": log_uniform(rng, 1e-4, 1.0)}, n_trials=20)
    >>> 1e-3 < result.best_params["lr"] < 1e-1
    True
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncourse._checks import as_float_array, check_int, check_seed

__all__ = ["SearchResult", "log_uniform", "sample_space", "grid_points", "grid_search",
           "random_search", "successive_halving", "optuna_search", "kfold_indices",
           "stratified_kfold_indices", "mean_spread"]

Params = dict[str, Any]


@dataclass
class SearchResult:
    """What a search tried and what it found (lower score is better).

    Attributes:
        best_params, best_score: the best trial.
        params, scores, budgets: every trial in the order it ran (budget 1 when a search has no
            budgets; successive halving records the epochs or steps each trial was given).
    """

    best_params: Params | None = None
    best_score: float = math.inf
    params: list[Params] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    budgets: list[float] = field(default_factory=list)

    def add(self, params: Params, score: float, budget: float = 1.0) -> None:
        """Record one trial and keep the best (the first of equal scores stays).

        A NaN score (a diverged run) ranks below every number: it is the best only while
        no trial has scored a number, and the first number replaces it.
        """
        score = float(score)
        self.params.append(dict(params))
        self.scores.append(score)
        self.budgets.append(float(budget))
        if self.best_params is None or _better(score, self.best_score):
            self.best_params, self.best_score = dict(params), score

    @property
    def total_budget(self) -> float:
        """Sum of the budgets of all trials (the search's cost)."""
        return float(sum(self.budgets))

    def __len__(self) -> int:
        return len(self.scores)


def _better(score: float, best: float) -> bool:
    """``score < best``, with NaN worse than any number (``x < nan`` alone is always False)."""
    if math.isnan(score):
        return False
    return math.isnan(best) or score < best


def log_uniform(rng: np.random.Generator, low: float, high: float,
                size: int | None = None) -> Any:
    """Sample uniformly on a log scale: ``10 ** uniform(log10(low), log10(high))``.

    Each decade (1e-4..1e-3, 1e-3..1e-2, ...) gets the same share of samples, which suits
    learning rates and weight decays whose effect depends on their order of magnitude.

    Example:
        >>> x = log_uniform(np.random.default_rng(0), 1e-4, 1.0, size=10000)
        >>> round(float(np.mean(x < 1e-2)), 1)          # half the decades, half the samples
        0.5
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}. "
                        "Create one with np.random.default_rng(seed).")
    if not 0 < low < high:
        raise ValueError(f"log_uniform needs 0 < low < high; got low={low!r}, high={high!r}.")
    exponent = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0 ** exponent if size is not None else float(10.0 ** exponent)


def sample_space(space: Mapping[str, tuple]) -> Callable[[np.random.Generator], Params]:
    """A sampler ``rng -> params`` from a space description.

    Args:
        space: name -> ``("log", low, high)``, ``("uniform", low, high)``,
            ``("int", low, high)`` (inclusive) or ``("choice", [options])``.

    Example:
        >>> sample = sample_space({"lr": ("log", 1e-4, 1e-1), "width": ("choice", [16, 64])})
        >>> sorted(sample(np.random.default_rng(0)))
        ['lr', 'width']
    """
    kinds = ("log", "uniform", "int", "choice")
    for name, spec in space.items():
        if not isinstance(spec, tuple) or not spec or spec[0] not in kinds:
            raise ValueError(f"space[{name!r}] must be a tuple starting with one of {kinds}, "
                             f"e.g. ('log', 1e-4, 1e-1); got {spec!r}.")

    def sample(rng: np.random.Generator) -> Params:
        params: Params = {}
        for name, (kind, *args) in space.items():
            if kind == "log":
                params[name] = log_uniform(rng, *args)
            elif kind == "uniform":
                params[name] = float(rng.uniform(*args))
            elif kind == "int":
                params[name] = int(rng.integers(args[0], args[1] + 1))
            else:
                options = list(args[0])
                params[name] = options[int(rng.integers(len(options)))]
        return params

    return sample


def grid_points(space: Mapping[str, Sequence[Any]]) -> list[Params]:
    """Every combination of the listed values (the last name varies fastest).

    Example:
        >>> grid_points({"lr": [0.1, 0.01], "width": [8, 16]})[:2]
        [{'lr': 0.1, 'width': 8}, {'lr': 0.1, 'width': 16}]
    """
    names = list(space)
    for name in names:
        values = space[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise TypeError(f"space[{name!r}] must be a list of values to try; got "
                            f"{type(values).__name__} {values!r}. Write e.g. [{values!r}].")
        if len(values) == 0:
            raise ValueError(f"space[{name!r}] is empty; list at least one value to try.")
    return [dict(zip(names, values, strict=True))
            for values in itertools.product(*(space[name] for name in names))]


def grid_search(objective: Callable[[Params], float],
                space: Mapping[str, Sequence[Any]]) -> SearchResult:
    """Try every point of the grid; return all trials and the best.

    Example:
        >>> grid_search(lambda p: (p["x"] - 2) ** 2, {"x": [0, 1, 2, 3]}).best_params
        {'x': 2}
    """
    result = SearchResult()
    for params in grid_points(space):
        result.add(params, objective(params))
    return result


def random_search(objective: Callable[[Params], float],
                  sample: Callable[[np.random.Generator], Params], n_trials: int,
                  seed: int = 0) -> SearchResult:
    """Random search: ``n_trials`` configurations drawn by ``sample`` from one seeded generator.

    for trial in 1..n_trials:  params ~ sample(rng);  score = objective(params);  keep the lowest

    Args:
        objective: params -> score (lower is better); called exactly ``n_trials`` times.
        sample: rng -> params, e.g. from :func:`sample_space`.
        n_trials: the budget (>= 1).
        seed: seeds the one generator created for the whole search.

    Example:
        >>> r = random_search(lambda p: p["x"] ** 2, lambda rng: {"x": rng.uniform(-1, 1)}, 5)
        >>> len(r), r.best_score == min(r.scores)
        (5, True)
    """
    n_trials = check_int(n_trials, "n_trials")
    # once: a new generator per trial repeats draws
    rng = np.random.default_rng(check_seed(seed))  # None: unseeded (fresh entropy)
    result = SearchResult()
    for _ in range(n_trials):
        params = sample(rng)
        result.add(params, objective(params))
    return result


def successive_halving(objective: Callable[[Params, int], float],
                       configurations: Sequence[Params], min_budget: int = 1,
                       eta: int = 3, max_budget: int | None = None) -> SearchResult:
    """Successive halving (Jamieson & Talwalkar 2016): train many briefly, the best longer.

    Round r gives each surviving configuration ``min_budget * eta**r`` (epochs, steps) and keeps
    the best ``1/eta`` of them, until one is left or ``max_budget`` is reached. Poor
    configurations are dropped after a short trial, so the total cost is far below training
    every configuration fully.

    Args:
        objective: ``(params, budget) -> score``; the score after training with that budget.
        configurations: the candidates (e.g. drawn with :func:`sample_space`).
        min_budget: budget of the first round (>= 1).
        eta: the keep ratio's inverse (>= 2).
        max_budget: no round gives more than this.

    Returns:
        A :class:`SearchResult` whose ``budgets`` record what each trial was given; the best is
        taken from the last (longest) round only, since shorter runs are not comparable.

    Example:
        >>> configs = [{"x": x} for x in np.linspace(-1, 1, 9)]
        >>> r = successive_halving(lambda p, b: p["x"] ** 2 + 1 / b, configs, eta=3)
        >>> float(r.best_params["x"]), r.budgets[-1]
        (0.0, 9.0)
    """
    min_budget = check_int(min_budget, "min_budget")
    eta = check_int(eta, "eta", 2)
    if not configurations:
        raise ValueError("successive_halving needs at least one configuration; got an empty "
                         "list. Draw some, e.g. with sample_space or grid_points.")
    if max_budget is not None and check_int(max_budget, "max_budget") < min_budget:
        raise ValueError(f"max_budget must be >= min_budget; got max_budget={max_budget}, "
                         f"min_budget={min_budget}.")
    result = SearchResult()
    survivors, budget = [dict(c) for c in configurations], min_budget
    while True:
        if max_budget is not None:
            budget = min(budget, check_int(max_budget, "max_budget"))
        scores = [float(objective(params, budget)) for params in survivors]
        for params, score in zip(survivors, scores, strict=True):
            result.params.append(dict(params))
            result.scores.append(score)
            result.budgets.append(float(budget))
        order = np.argsort(scores, kind="stable")
        last_round = len(survivors) == 1 or (max_budget is not None and budget >= max_budget)
        if last_round:
            result.best_params = dict(survivors[int(order[0])])
            result.best_score = scores[int(order[0])]
            return result
        keep = max(1, len(survivors) // eta)
        survivors = [survivors[int(i)] for i in order[:keep]]
        budget *= eta


def optuna_search(objective: Callable[[Params], float], space: Mapping[str, tuple],
                  n_trials: int, seed: int = 0) -> tuple[SearchResult, Any]:
    """Bayesian optimisation (Optuna's TPE sampler), in memory, with this module's interface.

    Args:
        objective: params -> score (lower is better), as for :func:`random_search`.
        space: as for :func:`sample_space`.
        n_trials: the budget (>= 1): the objective is called this many times.
        seed: seeds Optuna's TPE sampler (same seed, same trials).

    Returns:
        ``(result, study)``: the trials as a :class:`SearchResult`, and the Optuna study (for
        ``optuna.importance.get_param_importances(study)``).

    Raises:
        ImportError: Optuna is not installed (``pip install optuna``).
    """
    try:
        import optuna  # optional dependency: only this function needs it
    except ImportError as error:
        raise ImportError("optuna_search needs Optuna, an optional dependency: "
                          "pip install optuna (or use random_search, which needs nothing).") \
            from error
    n_trials = check_int(n_trials, "n_trials")
    sample_space(space)   # validates the description

    def suggest(trial: Any) -> float:
        params: Params = {}
        for name, (kind, *args) in space.items():
            if kind == "log":
                params[name] = trial.suggest_float(name, args[0], args[1], log=True)
            elif kind == "uniform":
                params[name] = trial.suggest_float(name, args[0], args[1])
            elif kind == "int":
                params[name] = trial.suggest_int(name, args[0], args[1])
            else:
                params[name] = trial.suggest_categorical(name, list(args[0]))
        return float(objective(params))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(suggest, n_trials=n_trials)
    result = SearchResult()
    for trial in study.trials:
        if trial.value is not None:           # a failed trial has no value; ours never fail
            result.add(trial.params, trial.value)
    return result, study


def kfold_indices(n_samples: int, k: int = 5,
                  seed: int | None = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``0..n_samples-1`` into k folds: ``[(train_index, val_index), ...]``.

    Every example is in exactly one validation fold; fold sizes differ by at most one.
    ``seed=None`` keeps the original order (no shuffle).

    Example:
        >>> [len(val) for _, val in kfold_indices(10, k=3)]
        [4, 3, 3]
    """
    n_samples = check_int(n_samples, "n_samples")
    k = check_int(k, "k", 2)
    if k > n_samples:
        raise ValueError(f"k={k} folds need at least k examples; got n_samples={n_samples}.")
    order = np.arange(n_samples) if seed is None else \
        np.random.default_rng(seed).permutation(n_samples)
    folds = np.array_split(order, k)
    return [(np.concatenate([f for j, f in enumerate(folds) if j != i]), folds[i])
            for i in range(k)]


def stratified_kfold_indices(labels: Any, k: int = 5,
                             seed: int | None = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds that keep each class's share: ``[(train_index, val_index), ...]``.

    Classes are numbered in order of first appearance; the samples, sorted by class, are dealt
    to the folds in turn (sample j of the sorted order goes to fold ``j mod k``), which fixes
    how many samples of each class every fold gets; then each class's samples, in their
    original order, fill its folds in order (fold 0's share first). ``seed=None`` does exactly
    this, as scikit-learn's ``StratifiedKFold(k)``; a seed shuffles which of a class's samples
    go to which fold (the per-fold class counts stay the same).

    Args:
        labels: ``(n,)`` class labels (any values that ``np.unique`` sorts).
        k: number of folds (>= 2, at most the number of samples).
        seed: None (no shuffle) or a seed for the shuffle within each class.

    Returns:
        k pairs of int64 index arrays; every sample is in exactly one validation fold.

    Raises:
        ValueError: labels not 1-D, or every class has fewer than k samples.

    Example:
        >>> folds = stratified_kfold_indices([0, 0, 0, 0, 1, 1], k=2, seed=None)
        >>> [val.tolist() for _, val in folds]
        [[0, 1, 4], [2, 3, 5]]
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be one class label per sample, shape (n,); got shape "
                         f"{y.shape}. For one-hot rows pass labels.argmax(axis=1).")
    k = check_int(k, "k", 2)
    n_samples = len(y)
    if k > n_samples:
        raise ValueError(f"k={k} folds need at least k examples; got {n_samples} labels.")
    # Classes renumbered 0..c-1 in order of first appearance: (n,) -> (n,)
    _, first_index, inverse = np.unique(y, return_index=True, return_inverse=True)
    rank_of_class = np.argsort(np.argsort(first_index))
    encoded = rank_of_class[inverse.reshape(-1)]
    counts = np.bincount(encoded)
    if np.all(counts < k):
        raise ValueError(f"k={k} is more than the number of samples of every class "
                         f"(largest class: {int(counts.max())}); use k <= {int(counts.max())}.")
    if counts.min() < k:
        warnings.warn(f"The smallest class has {int(counts.min())} samples, fewer than k={k}: "
                      "some folds will have none of it.", UserWarning, stacklevel=2)
    sorted_classes = np.sort(encoded)
    # allocation[f, c]: how many samples of class c fold f gets (deal the sorted labels in turn)
    allocation = np.stack([np.bincount(sorted_classes[f::k], minlength=len(counts))
                           for f in range(k)])
    rng = None if seed is None else np.random.default_rng(check_seed(seed))
    fold_of = np.empty(n_samples, dtype=np.int64)
    for c in range(len(counts)):
        folds_for_class = np.repeat(np.arange(k), allocation[:, c])
        if rng is not None:
            rng.shuffle(folds_for_class)
        fold_of[encoded == c] = folds_for_class
    everything = np.arange(n_samples)
    return [(everything[fold_of != f], everything[fold_of == f]) for f in range(k)]


def mean_spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for one value) of results over seeds.

    Example:
        >>> mean_spread([0.90, 0.92, 0.94])
        (0.92, 0.02)
    """
    arr = as_float_array(values, "values", ndim=1)
    if arr.size == 0:
        raise ValueError("mean_spread needs at least one value (one result per seed); got an "
                         "empty sequence.")
    spread = float(np.std(arr, ddof=1)) if arr.size > 1 else 0.0
    return round(float(np.mean(arr)), 12), round(spread, 12)
