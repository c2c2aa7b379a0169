"""Activation explorer: derivatives, saturation and depth curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nncourse.widgets.activations import (
    ACTIVATION_NAMES,
    ActivationExplorer,
    compute_activation,
    evaluate_activation,
    static_figure,
)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_finite_differences(name):
    x = np.linspace(-5, 5, 101) + 0.013  # avoid the kink of the ReLUs at 0
    _, dy = evaluate_activation(name, x, negative_slope=0.1)
    h = 1e-6
    numeric = (evaluate_activation(name, x + h, 0.1)[0] - evaluate_activation(name, x - h, 0.1)[0]
               ) / (2 * h)
    np.testing.assert_allclose(dy, numeric, rtol=1e-5, atol=1e-8)


def test_known_values_and_saturation():
    sig = compute_activation("sigmoid", x_range=6)
    assert sig["max_derivative"] == pytest.approx(0.25)
    assert sig["saturated"][0] and sig["saturated"][-1] and not sig["saturated"][120]
    tanh = compute_activation("tanh")
    assert tanh["max_derivative"] == pytest.approx(1.0)
    relu = compute_activation("relu")
    assert relu["saturated"][relu["x"] < 0].all() and not relu["saturated"][relu["x"] > 0].any()
    leaky = compute_activation("leaky_relu", negative_slope=0.3)
    assert not leaky["saturated"].any()  # slope 0.3 is not "flat"


def test_gradients_shrink_through_depth_for_sigmoid():
    result = compute_activation("sigmoid", depth=10)
    np.testing.assert_allclose(result["best_case"], 0.25 ** np.arange(11))
    typical = result["typical_by_activation"]
    assert typical["sigmoid"][-1] < 1e-6 < typical["relu"][-1]  # 0.21^10 vs 0.5^10
    assert typical["relu"][1] == pytest.approx(0.5, abs=1e-3)
    assert typical["tanh"][1] > typical["sigmoid"][1]


def test_bad_settings_are_reported_not_raised():
    explorer = ActivationExplorer()
    assert explorer.status_text.startswith("sigmoid")
    explorer.controls["name"].value = "relu"
    assert explorer.state["name"] == "relu" and "relu" in explorer.status_text
    with pytest.raises(ValueError, match="depth must be an integer >= 1; got 0"):
        compute_activation("relu", depth=0)
    explorer.compute = lambda **s: compute_activation(**{**s, "depth": 0})
    explorer.update()
    assert explorer.status_text.startswith("Cannot compute")


def test_static_figure_has_three_labelled_panels():
    fig = static_figure()
    assert len(fig.axes) == 3
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    assert fig.axes[2].get_yscale() == "log"
