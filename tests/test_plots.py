"""nncourse.plots: each function returns a Figure with the expected artists and labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from nncourse import plots
from nncourse.plots import (
    PALETTE,
    LiveCurves,
    decision_grid,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_image_grid,
    plot_layer_histograms,
    plot_misclassified,
    use_style,
)


def test_palette_is_okabe_ito_and_style_applies():
    assert PALETTE["blue"] == "#0072B2" and PALETTE["vermillion"] == "#D55E00"
    assert len(set(plots.COLORS)) == 8
    use_style()
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert to_rgb(cycle[0]) == to_rgb(PALETTE["blue"])


def test_history_has_one_panel_per_quantity_with_train_and_validation():
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
               "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.4, 0.6, 0.7], "lr": [0.1] * 3}
    fig = plot_history(history)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    assert [line.get_label() for line in loss_ax.lines] == ["train", "validation"]
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), [1.1, 0.8, 0.7])
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    with pytest.raises(TypeError, match="History or a dict"):
        plot_history([1, 2, 3])


def test_history_accepts_a_history_object():
    class FakeHistory:
        history = {"loss": [3.0, 2.0]}

    fig = plot_history(FakeHistory(), log_loss=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"


def test_live_curves_collect_and_draw_statically():
    live = LiveCurves(display=False)
    for epoch in range(4):
        live.update({"loss": 1 / (epoch + 1), "val_loss": 1.2 / (epoch + 1), "epoch": epoch})
    assert live.values["loss"] == pytest.approx([1, 0.5, 1 / 3, 0.25])
    fig = live.figure()
    assert len(fig.axes[0].lines) == 2 and "epoch" not in live.values


def test_confusion_matrix_counts_and_labels():
    fig = plot_confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], class_names=["a", "b", "c"])
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    np.testing.assert_array_equal(image, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])
    assert len(ax.texts) == 9 and ax.get_xlabel() == "predicted class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    normed = plot_confusion_matrix(np.array([[2, 2], [0, 4]]), normalize=True)
    np.testing.assert_allclose(normed.axes[0].images[0].get_array(), [[0.5, 0.5], [0, 1]])
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)))


def test_decision_boundary_binary_and_multiclass():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    fig = plot_decision_boundary(lambda p: 5 * p[:, 0], X, y, resolution=30)
    ax = fig.axes[0]
    assert len(ax.collections) >= 2  # filled contours + the scatter of the data
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    grid = decision_grid(lambda p: 5 * p[:, 0], (-1, 1, -1, 1), resolution=11)
    assert grid["labels"][0, 0] == 0 and grid["labels"][0, -1] == 1
    three = decision_grid(lambda p: np.column_stack([p[:, 0], -p[:, 0], p[:, 1]]),
                          (-1, 1, -1, 1), resolution=9)
    assert set(np.unique(three["labels"])) <= {0, 1, 2} and int(three["n_classes"]) == 3
    with pytest.raises(ValueError, match="2 features"):
        plot_decision_boundary(lambda p: p[:, 0], np.zeros((3, 3)), [0, 1, 0])


def test_decision_boundary_accepts_a_module():
    layers = pytest.importorskip("nncourse.numpy.layers")
    model = layers.Sequential(layers.Linear(2, 4, seed=0), layers.ReLU(),
                              layers.Linear(4, 2, seed=1))
    X = np.random.default_rng(1).normal(size=(20, 2))
    fig = plot_decision_boundary(model, X, np.zeros(20, int), resolution=20)
    assert len(fig.axes[0].collections) >= 2 and model.training


def test_layer_histograms_one_panel_per_layer():
    values = {"layer 1": np.random.default_rng(0).normal(size=500),
              "layer 2": 0.1 * np.random.default_rng(1).normal(size=500),
              "layer 3": np.zeros(10)}
    fig = plot_layer_histograms(values, quantity="gradient", max_columns=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    assert all(ax.get_xlabel() == "gradient" and ax.get_ylabel() == "count" for ax in visible)
    assert all(len(ax.patches) == 40 for ax in visible)
    assert "std" in visible[0].get_title()
    with pytest.raises(ValueError, match="empty"):
        plot_layer_histograms({})


def test_image_grid_and_misclassified():
    images = np.random.default_rng(0).random((10, 784))
    fig = plot_image_grid(images, labels=list(range(10)), n_columns=5)
    assert sum(len(ax.images) for ax in fig.axes) == 10
    assert fig.axes[3].get_title() == "3"
    wrong = plot_misclassified(images, np.arange(10), np.array([0, 1, 2, 0, 4, 5, 6, 0, 8, 9]))
    titled = [ax.get_title() for ax in wrong.axes if ax.images]
    assert titled == ["3→0", "7→0"]
    none = plot_misclassified(images[:2], [1, 2], [1, 2])
    assert "no misclassified" in none.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="square"):
        plot_image_grid(np.zeros((2, 10)))
