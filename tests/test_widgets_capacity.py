"""Capacity explorer: overfitting with few points, and L2 narrowing the gap."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nncourse.widgets.capacity import (
    CapacityExplorer,
    compute_capacity,
    fit_polynomial,
    polynomial_features,
)


def test_high_degree_on_few_points_overfits_and_l2_narrows_the_gap():
    free = compute_capacity("polynomial", capacity=12, n_train=15, l2=0.0)
    assert free["train_error"] < 0.1 * free["val_error"]
    ridge = compute_capacity("polynomial", capacity=12, n_train=15, l2=1e-3)
    assert ridge["val_error"] - ridge["train_error"] < 0.5 * (free["val_error"]
                                                             - free["train_error"])
    assert ridge["val_error"] < free["val_error"]


def test_more_data_helps_the_same_model():
    few = compute_capacity("polynomial", capacity=9, n_train=12)
    many = compute_capacity("polynomial", capacity=9, n_train=200)
    assert many["val_error"] < few["val_error"]


def test_sweep_train_error_never_rises_with_degree():
    sweep = compute_capacity("polynomial", capacity=3, n_train=40)["sweep"]
    assert np.all(np.diff(sweep["train"]) <= 1e-9)  # nested least-squares models


def test_polynomial_fit_is_exact_on_a_polynomial():
    x = np.linspace(-3, 3, 30)
    y = 0.5 * x**3 - x + 2
    w = fit_polynomial(x, y, 3)
    np.testing.assert_allclose(polynomial_features(x, 3) @ w, y, atol=1e-9)


def test_mlp_early_stopping_keeps_the_best_epoch():
    result = compute_capacity("mlp", capacity=16, n_train=20, epochs=80)
    best = result["best_epoch"]
    assert 1 <= best <= 80
    assert result["val_error"] == pytest.approx(result["val_curve"][best - 1])
    assert result["val_curve"][best - 1] == pytest.approx(result["val_curve"].min())
    assert result["train_curve"][-1] < result["train_curve"][0]


def test_widget_state_and_bad_settings():
    explorer = CapacityExplorer()
    assert explorer.state["capacity"] == 9 and "validation MSE" in explorer.status_text
    assert explorer.controls["n_train"].min >= 2
    explorer.controls["l2"].value = 1e-3
    assert explorer.result["train_error"] > 0
    with pytest.raises(ValueError, match="n_train must be >= 2"):
        compute_capacity(n_train=1)
    explorer.compute = lambda **s: compute_capacity(**{**s, "dropout": 1.5})
    explorer.update()
    assert explorer.status_text.startswith("Cannot compute")
