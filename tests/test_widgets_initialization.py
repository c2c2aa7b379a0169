"""Initialization explorer: vanishing, exploding and healthy signals through depth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nncourse.widgets.initialization import (
    InitializationExplorer,
    compute_init_statistics,
    static_figure,
)


def test_he_relu_keeps_activation_std_within_a_factor_of_two():
    stats = compute_init_statistics("he_normal", "relu", depth=20, width=128)
    std = stats["activation_std"]
    assert std.max() / std.min() < 2
    assert 0.5 < stats["gradient_ratio"] < 2


def test_sigmoid_with_unit_scale_init_makes_gradients_vanish():
    # Xavier/LeCun scale suits a linear unit, but sigmoid's slope is at most 1/4.
    for init in ("xavier_normal", "lecun_normal"):
        stats = compute_init_statistics(init, "sigmoid", depth=10, width=128)
        assert stats["gradient_ratio"] < 1e-3


def test_sigmoid_with_normal_1_saturates_and_narrow_nets_vanish():
    wide = compute_init_statistics("normal_1", "sigmoid", depth=10, width=128)
    assert wide["saturated_fraction"].mean() > 0.5  # most units sit on a flat part
    narrow = compute_init_statistics("normal_1", "sigmoid", depth=20, width=8)
    assert narrow["gradient_ratio"] < 1e-3


def test_normal_1_with_relu_explodes():
    stats = compute_init_statistics("normal_1", "relu", depth=10, width=128)
    assert stats["activation_std"][-1] > 1e6 * stats["activation_std"][0]
    assert stats["gradient_ratio"] > 1e3


def test_batch_norm_keeps_preactivations_at_unit_std():
    plain = compute_init_statistics("normal_1", "sigmoid", depth=10, width=64)
    normed = compute_init_statistics("normal_1", "sigmoid", depth=10, width=64, batch_norm=True)
    assert plain["preactivation_std"].min() > 4
    np.testing.assert_allclose(normed["preactivation_std"], 1.0, atol=0.02)


def test_histograms_are_fractions_per_layer():
    stats = compute_init_statistics(depth=4, width=16, batch_size=32)
    assert stats["activation_histograms"].shape == (4, 40)
    np.testing.assert_allclose(stats["activation_histograms"].sum(axis=1), 1.0)
    np.testing.assert_allclose(stats["gradient_histograms"].sum(axis=1), 1.0)
    assert len(stats["activation_samples"]) == 4


def test_widget_reports_states_and_the_sliders_prevent_zero_width():
    explorer = InitializationExplorer(depth=6, width=32)
    assert explorer.status_text.startswith("healthy")
    assert explorer.controls["width"].min == 1 and explorer.controls["depth"].min == 1
    explorer.set_state(init="normal_1", activation="relu")
    assert explorer.status_text.startswith("exploding")
    explorer.set_state(init="xavier_normal", activation="sigmoid")
    assert explorer.status_text.startswith("vanishing")
    explorer.controls["batch_norm"].value = True
    assert explorer.state["batch_norm"] is True
    with pytest.raises(ValueError, match="width must be an integer >= 1; got 0"):
        compute_init_statistics(width=0)


def test_static_figure():
    fig = static_figure(depth=5, width=32)
    assert len(fig.axes) == 3 and len(fig.axes[1].images) == 1
    assert fig.axes[0].get_ylabel() == "standard deviation"
