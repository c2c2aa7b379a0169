"""nncourse.numpy.diagnostics: definitions at the edges, gradients checked, no side effects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nncourse.numpy.diagnostics import (
    DiagnosticsRecorder,
    dead_fraction,
    layer_statistics,
    parameter_statistics,
    saturation_fraction,
    tensor_statistics,
    update_to_data_ratio,
)
from nncourse.numpy.gradcheck import numerical_gradient, relative_error
from nncourse.numpy.layers import BatchNorm1d, Linear, ReLU, Sequential, Sigmoid, Tanh
from nncourse.numpy.losses import CrossEntropyLoss
from nncourse.numpy.optim import SGD
from nncourse.numpy.training import fit


def _model() -> Sequential:
    return Sequential(Linear(4, 6, seed=0), BatchNorm1d(6), Tanh(), Linear(6, 5, seed=1),
                      ReLU(), Linear(5, 3, seed=2), Sigmoid(), Linear(3, 3, seed=3))


def test_tensor_statistics_known_values_and_empty() -> None:
    assert tensor_statistics(np.array([[1.0, 3.0]])) == {"mean": 2.0, "std": 1.0, "min": 1.0,
                                                         "max": 3.0}
    assert tensor_statistics(np.zeros(3)) == {"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0}
    assert all(math.isnan(v) for v in tensor_statistics(np.zeros((0, 4))).values())


def test_saturation_fraction_threshold_is_strict() -> None:
    edge = math.sqrt(0.9)            # tanh' = 1 - 0.9 = 0.1 exactly: not below the threshold
    out = np.array([0.0, edge, 0.999, -0.999])
    assert saturation_fraction(out, "tanh") == pytest.approx(0.5)
    assert saturation_fraction(np.array([0.5, 0.999, 0.001, 0.2]), "Sigmoid") == 0.5
    assert saturation_fraction(np.zeros(4), "tanh") == 0.0
    assert math.isnan(saturation_fraction(np.zeros(0), "tanh"))
    with pytest.raises(ValueError, match="dead_fraction"):
        saturation_fraction(out, "relu")


def test_dead_fraction_counts_units_dead_for_the_whole_batch() -> None:
    out = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert dead_fraction(out) == pytest.approx(1 / 3)
    assert dead_fraction(np.array([[0.0, 1.0]])) == 0.5          # batch size 1
    assert dead_fraction(np.zeros((5, 4))) == 1.0
    assert math.isnan(dead_fraction(np.zeros((0, 4))))
    with pytest.raises(ValueError, match="batch, units"):
        dead_fraction(np.zeros(4))


def test_update_to_data_ratio() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 4))
    update = 1e-3 * rng.normal(size=(5, 4))
    assert update_to_data_ratio(update, w) == pytest.approx(np.std(update) / np.std(w), rel=1e-12)
    assert update_to_data_ratio(np.zeros(3), np.zeros(3)) == 0.0
    assert update_to_data_ratio(np.array([0.0, 1.0]), np.ones(2)) == math.inf
    assert update_to_data_ratio(np.zeros((2, 2)), w[:2, :2]) == 0.0
    with pytest.raises(ValueError, match="shape"):
        update_to_data_ratio(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("with_loss", [False, True])
def test_layer_gradients_match_numerical_gradients(with_loss: bool) -> None:
    """dL/d(output of layer k) as recorded equals a central difference through the rest."""
    model = _model()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    loss_fn = CrossEntropyLoss() if with_loss else None
    stats = layer_statistics(model, x, y if with_loss else None, loss_fn, seed=3,
                             keep_values=True)
    upstream = np.random.default_rng(3).normal(size=(7, 3))
    layers = list(model)
    outputs, h = [], x
    for layer in layers:
        h = layer.forward(h)
        outputs.append(h.copy())
    for k in range(len(layers)):
        def rest(h_k: np.ndarray, k: int = k) -> float:
            out = h_k
            for layer in layers[k + 1:]:
                out = layer.forward(out)
            if with_loss:
                return float(CrossEntropyLoss().forward(out, y))
            return float(np.sum(out * upstream))
        numeric = numerical_gradient(rest, outputs[k].copy())
        recorded = stats[k]["grad_values"].reshape(outputs[k].shape)
        assert relative_error(recorded, numeric) < 1e-7, (k, stats[k]["name"])
        assert stats[k]["std"] == pytest.approx(np.std(outputs[k]), rel=1e-12)


def test_layer_statistics_fields_and_kinds() -> None:
    stats = layer_statistics(_model(), np.random.default_rng(0).normal(size=(16, 4)))
    assert [s["name"] for s in stats] == ["0: Linear", "1: BatchNorm1d", "2: Tanh", "3: Linear",
                                          "4: ReLU", "5: Linear", "6: Sigmoid", "7: Linear"]
    for s in stats:
        assert math.isnan(s["saturated"]) == (s["kind"] not in ("Tanh", "Sigmoid"))
        assert 0.0 <= s["dead"] <= 1.0
    assert stats[1]["mean"] == pytest.approx(0.0, abs=1e-12)   # batch norm, gamma 1, beta 0


def test_layer_statistics_leaves_the_model_as_it_found_it() -> None:
    model = _model()
    for p in model.parameters():
        p.grad[...] = 7.0
    buffers = {k: np.array(v, copy=True) for k, v in model.named_buffers()}
    layer_statistics(model, np.random.default_rng(0).normal(size=(9, 4)))
    assert all(np.all(p.grad == 7.0) for p in model.parameters())
    for name, value in model.named_buffers():
        np.testing.assert_array_equal(value, buffers[name])


def test_layer_statistics_bad_input() -> None:
    with pytest.raises(TypeError, match="Sequential"):
        layer_statistics(Linear(2, 2), np.ones((3, 2)))
    with pytest.raises(ValueError, match="targets"):
        layer_statistics(Sequential(Linear(2, 2)), np.ones((3, 2)), loss_fn=CrossEntropyLoss())


def test_parameter_statistics_lists_weight_matrices_only() -> None:
    model = _model()
    names = [s["name"] for s in parameter_statistics(model)]
    assert names == ["0.weight", "3.weight", "5.weight", "7.weight"]


def test_recorder_ratios_are_the_steps_taken_including_the_short_last_batch() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)), rng.integers(0, 3, size=50)
    model = Sequential(Linear(4, 8, seed=0), ReLU(), Linear(8, 3, seed=1))
    recorder = DiagnosticsRecorder(x[:20], every=3)
    w0 = model[0].weight.data.copy()
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=2,
        batch_size=16, callbacks=[recorder], shuffle=False)
    assert list(recorder.update_ratios) == ["0.weight", "2.weight"]
    assert len(recorder.update_ratios["0.weight"]) == 8         # 2 epochs x ceil(50 / 16)
    assert recorder.steps == [1, 3, 6]
    assert len(recorder.records) == 3 and len(recorder.records[0]) == 3
    # One step on the full batch: the ratio is that of the change actually made.
    model = Sequential(Linear(4, 8, seed=0), ReLU(), Linear(8, 3, seed=1))
    recorder = DiagnosticsRecorder(x[:20], every=1)
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=1,
        batch_size=50, callbacks=[recorder])
    expected = np.std(model[0].weight.data - w0) / np.std(w0)
    assert recorder.update_ratios["0.weight"] == [pytest.approx(expected, rel=1e-12)]
    with pytest.raises(ValueError, match="every"):
        DiagnosticsRecorder(x, every=0)


def test_plots_draw_the_recorded_statistics() -> None:
    from nncourse.plots import plot_layer_statistics, plot_update_ratios

    model = _model()
    x = np.random.default_rng(0).normal(size=(32, 4))
    fig = plot_layer_statistics({"a": layer_statistics(model, x), "b": layer_statistics(model, x)})
    assert len(fig.axes) == 3 and len(fig.axes[0].lines) == 2    # activation layers, one per run
    assert len(fig.axes[0].lines[0].get_xdata()) == 4           # BatchNorm1d, Tanh, ReLU, Sigmoid
    fig = plot_update_ratios({"0.weight": [1e-3, 1e-2, 0.0]})
    assert fig.axes[0].get_ylabel().startswith("log10")
    with pytest.raises(TypeError, match="layer_statistics"):
        plot_layer_statistics(42)


def test_mean_spread_band_covers_every_seed() -> None:
    from nncourse.plots import plot_mean_spread

    runs = {"a": [[1.0, 0.5, 0.25, 0.2], [2.0, 1.0, 0.5]], "b": [[1.0, 1.0, 1.0]]}
    fig = plot_mean_spread(runs, log=False)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.5, 0.75, 0.375])   # shortest run
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.25) and band.max() == pytest.approx(2.0)
    with pytest.raises(ValueError, match="empty"):
        plot_mean_spread({})
