"""Search utilities: seeded (same seed, same trials), budgets respected, log-uniform, k-fold."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse import search


def _sample(rng):
    return {"lr": search.log_uniform(rng, 1e-4, 1.0), "width": int(rng.integers(8, 65))}


def _counting(objective):
    calls = []

    def wrapped(params, *budget):
        calls.append((dict(params), *budget))
        return objective(params, *budget)
    return wrapped, calls


def test_random_search_calls_the_objective_exactly_n_trials_times():
    objective, calls = _counting(lambda p: (np.log10(p["lr"]) + 2) ** 2)
    result = search.random_search(objective, _sample, n_trials=13, seed=5)
    assert len(calls) == len(result) == 13
    assert result.total_budget == 13.0
    assert result.best_score == min(result.scores)
    assert result.best_params == result.params[int(np.argmin(result.scores))]


def test_random_search_is_seeded_and_draws_distinct_configurations():
    first = search.random_search(lambda p: p["lr"], _sample, 8, seed=3)
    again = search.random_search(lambda p: p["lr"], _sample, 8, seed=3)
    other = search.random_search(lambda p: p["lr"], _sample, 8, seed=4)
    assert first.params == again.params and first.scores == again.scores
    assert first.params != other.params
    assert len({p["lr"] for p in first.params}) == 8


def test_random_search_single_trial_and_bad_budget():
    result = search.random_search(lambda p: 1.0, _sample, 1, seed=0)
    assert len(result) == 1 and result.best_score == 1.0
    for bad in (0, -1, 2.5, True):
        with pytest.raises((ValueError, TypeError), match="n_trials must be an integer >= 1"):
            search.random_search(lambda p: 1.0, _sample, bad)


def test_ties_keep_the_first_best():
    result = search.grid_search(lambda p: 0.0, {"x": [1, 2, 3]})
    assert result.best_params == {"x": 1}


def test_grid_search_tries_every_combination_once():
    objective, calls = _counting(lambda p: (p["x"] - 2) ** 2 + p["y"])
    result = search.grid_search(objective, {"x": [0, 1, 2, 3], "y": [0.0, 0.5]})
    assert len(calls) == 8
    assert {(c[0]["x"], c[0]["y"]) for c in calls} == {(x, y) for x in range(4)
                                                       for y in (0.0, 0.5)}
    assert result.best_params == {"x": 2, "y": 0.0}


def test_successive_halving_budgets_and_survivors():
    objective, calls = _counting(lambda p, b: (p["x"] - 0.3) ** 2 + 1.0 / b)
    configs = [{"x": float(x)} for x in np.linspace(0, 1, 27)]
    result = search.successive_halving(objective, configs, min_budget=1, eta=3)
    budgets = [c[1] for c in calls]
    assert budgets == [1] * 27 + [3] * 9 + [9] * 3 + [27]
    assert result.total_budget == 27 + 27 + 27 + 27
    assert result.best_params == min(configs, key=lambda c: abs(c["x"] - 0.3))
    # survivors of each round are the best of the previous one
    round2 = {c[0]["x"] for c in calls[27:36]}
    best9 = sorted(configs, key=lambda c: (c["x"] - 0.3) ** 2)[:9]
    assert round2 == {c["x"] for c in best9}


def test_successive_halving_respects_max_budget():
    objective, calls = _counting(lambda p, b: p["x"])
    configs = [{"x": float(x)} for x in range(10)]
    result = search.successive_halving(objective, configs, min_budget=2, eta=2, max_budget=5)
    assert max(c[1] for c in calls) == 5
    assert result.best_params == {"x": 0.0}
    with pytest.raises(ValueError, match="at least one configuration"):
        search.successive_halving(objective, [], min_budget=1)


def test_log_uniform_covers_decades_evenly():
    draws = search.log_uniform(np.random.default_rng(0), 1e-4, 1.0, size=40_000)
    counts = np.histogram(np.log10(draws), bins=4, range=(-4, 0))[0]
    assert np.all(np.abs(counts / 10_000 - 1) < 0.05)
    assert draws.min() >= 1e-4 and draws.max() <= 1.0
    with pytest.raises(ValueError, match="0 < low < high"):
        search.log_uniform(np.random.default_rng(0), 0.0, 1.0)


def test_sample_space_kinds_and_bad_spec():
    sample = search.sample_space({"a": ("log", 1e-3, 1e-1), "b": ("uniform", 0, 1),
                                  "c": ("int", 1, 3), "d": ("choice", ["x", "y"])})
    drawn = [sample(np.random.default_rng(s)) for s in range(50)]
    assert all(1e-3 <= d["a"] <= 1e-1 and 0 <= d["b"] <= 1 for d in drawn)
    assert {d["c"] for d in drawn} == {1, 2, 3} and {d["d"] for d in drawn} == {"x", "y"}
    with pytest.raises(ValueError, match="must be a tuple starting with one of"):
        search.sample_space({"a": ("normal", 0, 1)})


def test_optuna_search_is_seeded_and_respects_the_budget():
    pytest.importorskip("optuna")
    space = {"lr": ("log", 1e-4, 1.0), "width": ("int", 8, 64)}
    objective, calls = _counting(lambda p: (np.log10(p["lr"]) + 2) ** 2 + p["width"] / 1000)
    result, study = search.optuna_search(objective, space, n_trials=12, seed=1)
    again, _ = search.optuna_search(lambda p: (np.log10(p["lr"]) + 2) ** 2 + p["width"] / 1000,
                                    space, n_trials=12, seed=1)
    assert len(calls) == len(result) == len(study.trials) == 12
    assert result.params == again.params
    assert result.best_score == pytest.approx(study.best_value)


def test_optuna_missing_gives_a_clear_message(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_optuna(name, *args, **kwargs):
        if name == "optuna":
            raise ImportError("No module named 'optuna'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_optuna)
    with pytest.raises(ImportError, match="pip install optuna"):
        search.optuna_search(lambda p: 0.0, {"x": ("uniform", 0, 1)}, 2)


@pytest.mark.parametrize("n, k", [(10, 3), (7, 7), (100, 5)])
def test_kfold_every_example_validated_exactly_once(n, k):
    folds = search.kfold_indices(n, k, seed=0)
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(n))
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0 and len(train) + len(v) == n
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1


def test_kfold_bad_input_and_unshuffled():
    assert search.kfold_indices(4, 2, seed=None)[0][1].tolist() == [0, 1]
    with pytest.raises(ValueError, match="k=5 folds need at least k examples"):
        search.kfold_indices(3, 5)
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        search.kfold_indices(10, 1)


def test_mean_spread():
    assert search.mean_spread([0.9, 0.92, 0.94]) == (0.92, 0.02)
    assert search.mean_spread([0.5]) == (0.5, 0.0)
    with pytest.raises(ValueError, match="at least one value"):
        search.mean_spread([])


def test_a_nan_first_trial_is_not_the_best():
    from nncourse.search import SearchResult, grid_search

    scores = {0: float("nan"), 1: 3.0, 2: 1.0, 3: float("nan")}
    result = grid_search(lambda p: scores[p["x"]], {"x": [0, 1, 2, 3]})
    assert result.best_params == {"x": 2} and result.best_score == 1.0
    only_nan = SearchResult()
    only_nan.add({"x": 0}, float("nan"))
    only_nan.add({"x": 1}, float("nan"))
    assert only_nan.best_params == {"x": 0}
    only_nan.add({"x": 2}, 5.0)
    assert only_nan.best_params == {"x": 2} and only_nan.best_score == 5.0


def test_random_search_skips_a_diverged_first_trial():
    from nncourse.search import random_search

    calls = iter([float("nan"), 2.0, 0.5, 1.0])
    result = random_search(lambda p: next(calls), lambda rng: {"x": rng.uniform()}, 4)
    assert result.best_score == 0.5 and result.best_params == result.params[2]


def test_stratified_folds_keep_class_shares_and_partition():
    from nncourse.search import stratified_kfold_indices

    labels = np.array([2] * 7 + [0] * 13 + [1] * 5)
    for seed in (None, 0, 3):
        folds = stratified_kfold_indices(labels, k=5, seed=seed)
        seen = np.concatenate([val for _, val in folds])
        assert sorted(seen.tolist()) == list(range(len(labels)))
        for train, val in folds:
            assert np.intersect1d(train, val).size == 0 and len(train) + len(val) == 25
            counts = np.bincount(labels[val], minlength=3)       # each class: floor or ceil
            assert np.all(counts >= np.array([13, 5, 7]) // 5)
            assert np.all(counts <= -(-np.array([13, 5, 7]) // 5))
    with pytest.raises(ValueError, match="shape"):
        stratified_kfold_indices(np.zeros((4, 2)), k=2)
    with pytest.raises(ValueError, match="every class"):
        stratified_kfold_indices([0, 0, 1, 1], k=3)
    with pytest.warns(UserWarning, match="smallest class"):
        stratified_kfold_indices([0, 0, 0, 1], k=2)
