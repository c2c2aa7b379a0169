"""fit / iterate_minibatches / evaluate / predict and the callbacks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.optim import SGD, Adam, StepLR
from nncourse.numpy.training import (
    Callback,
    EarlyStopping,
    evaluate,
    fit,
    iterate_minibatches,
    predict,
)

layers = pytest.importorskip("nncourse.numpy.layers")
losses = pytest.importorskip("nncourse.numpy.losses")


class LinearRegression(Module):
    """y = x @ w: one weight vector; remembers which rows (by id in column 0) it saw."""

    def __init__(self, in_features: int) -> None:
        self.weight = Parameter(np.zeros(in_features))
        self.seen: list[np.ndarray] = []

    def forward(self, x):
        self.x = x
        if self.training:
            self.seen.append(x[:, 0].copy())
        return (x @ self.weight.data)[:, None]  # (B, d) @ (d,) -> (B,) -> (B, 1)

    def backward(self, grad_out):
        self.weight.grad[...] = self.x.T @ grad_out[:, 0]  # (d, B) @ (B,) -> (d,)
        return grad_out * self.weight.data


def _regression_data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.arange(n, dtype=float), rng.normal(size=(n, 2))])
    y = (x[:, 1:] @ np.array([1.5, -2.0]))[:, None]
    return x, y


def _classifier(seed=0):
    return layers.Sequential(layers.Linear(2, 8, seed=seed), layers.ReLU(),
                             layers.Linear(8, 3, seed=seed + 1))


def _blobs(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centers[y] + 0.5 * rng.normal(size=(n, 2)), y


@pytest.mark.parametrize("batch_size", [1, 4, 7, 23, 100])
def test_minibatches_cover_each_sample_once(batch_size):
    x, y = _regression_data()
    batches = list(iterate_minibatches(x, y, batch_size, shuffle=True, rng=0))
    assert len(batches) == math.ceil(23 / batch_size)
    ids = np.concatenate([xb[:, 0] for xb, _ in batches])
    np.testing.assert_array_equal(np.sort(ids), np.arange(23))
    for xb, yb in batches:  # inputs and targets stay paired
        np.testing.assert_allclose(yb, x[xb[:, 0].astype(int), 1:] @ [[1.5], [-2.0]])
    sizes = [len(xb) for xb, _ in batches]
    assert sizes[:-1] == [min(batch_size, 23)] * (len(sizes) - 1)  # only the last is partial
    in_order = np.concatenate([xb[:, 0] for xb, _ in iterate_minibatches(x, y, batch_size,
                                                                         shuffle=False)])
    np.testing.assert_array_equal(in_order, np.arange(23))


@pytest.mark.parametrize("batch_size", [1, 5, 23, 50])
def test_fit_steps_per_epoch_and_shuffling(batch_size):
    x, y = _regression_data()
    model = LinearRegression(3)
    fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-4), x, y, epochs=3,
        batch_size=batch_size, seed=1)
    steps = math.ceil(23 / batch_size)
    assert len(model.seen) == 3 * steps
    epochs = [np.concatenate(model.seen[e * steps:(e + 1) * steps]) for e in range(3)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(23))
    assert not np.array_equal(epochs[0], epochs[1])  # a new order every epoch
    again = LinearRegression(3)
    fit(again, losses.MSELoss(), SGD(again.parameters(), lr=1e-4), x, y, epochs=3,
        batch_size=batch_size, seed=1)
    for a, b in zip(model.seen, again.seen, strict=True):
        np.testing.assert_array_equal(a, b)


def test_same_seed_gives_identical_history_and_weights():
    x, y = _blobs()
    results = []
    for _ in range(2):
        model = _classifier(seed=3)
        history = fit(model, losses.CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), x, y,
                      epochs=4, batch_size=16, validation_data=(x[:30], y[:30]), seed=7)
        results.append((history.history, model.state_dict()))
    assert results[0][0] == results[1][0]
    for key, value in results[0][1].items():
        np.testing.assert_array_equal(value, results[1][1][key])


def test_history_keys_and_learning():
    x, y = _blobs()
    model = _classifier()
    opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
    history = fit(model, losses.CrossEntropyLoss(), opt, x, y, epochs=15, batch_size=10,
                  validation_data=(x, y), metrics=("accuracy", "f1"), scheduler=StepLR(opt, 10))
    assert set(history.history) == {"loss", "accuracy", "f1", "val_loss", "val_accuracy",
                                    "val_f1", "lr"}
    assert all(len(v) == 15 for v in history.history.values())
    assert history.epoch == list(range(15))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert history["lr"][9] == pytest.approx(0.2) and history["lr"][10] == pytest.approx(0.02)
    assert history.stopped_reason is None
    logs = evaluate(model, losses.CrossEntropyLoss(), x, y, metrics=("accuracy",))
    assert logs["loss"] == pytest.approx(history["val_loss"][-1])
    out = predict(model, x, batch_size=7)
    assert out.shape == (90, 3) and model.training
    np.testing.assert_allclose(out, predict(model, x, batch_size=None))


def test_mse_loss_drops_default_accuracy():
    x, y = _regression_data()
    model = LinearRegression(3)
    history = fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-4), x, y, epochs=2,
                  batch_size=4)
    assert set(history.history) == {"loss", "lr"}


class Recorder(Callback):
    def __init__(self):
        self.calls: list[str] = []
        self.states: list[dict] = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_batch_end(self, batch, logs=None):
        self.calls.append(f"batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch}")
        self.states.append(self.model.state_dict())

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_callback_order():
    x, y = _regression_data(n=10)
    model = LinearRegression(3)
    recorder = Recorder()
    fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-4), x, y, epochs=2,
        batch_size=4, callbacks=[recorder])
    assert recorder.calls == ["train_begin",
                              "epoch_begin 0", "batch 0", "batch 1", "batch 2", "epoch_end 0",
                              "epoch_begin 1", "batch 0", "batch 1", "batch 2", "epoch_end 1",
                              "train_end"]


def test_early_stopping_restores_best_weights():
    x, y = _regression_data(n=40)
    x_val, y_val = x[:10], -y[:10]  # validation wants the opposite: val loss rises from the start
    model = LinearRegression(3)
    model.weight.data[...] = [0.0, -1.5, 2.0]  # begin near the validation optimum
    recorder = Recorder()
    stop = EarlyStopping(monitor="val_loss", patience=3)
    history = fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-3), x, y, epochs=50,
                  batch_size=8, validation_data=(x_val, y_val), callbacks=[recorder, stop],
                  shuffle=False)
    val = history["val_loss"]
    assert np.all(np.diff(val) > 0)  # the constructed case: validation loss only rises
    assert stop.best_epoch == 0 and stop.stopped_epoch == 3 and len(val) == 4
    assert "early stopping" in history.stopped_reason and "val_loss" in history.stopped_reason
    np.testing.assert_array_equal(model.weight.data, recorder.states[0]["weight"])
    assert not np.allclose(model.weight.data, recorder.states[-1]["weight"])


def test_early_stopping_without_restore_keeps_last_weights():
    x, y = _regression_data(n=40)
    model = LinearRegression(3)
    model.weight.data[...] = [0.0, -1.5, 2.0]
    recorder = Recorder()
    stop = EarlyStopping(patience=1, restore_best_weights=False)
    fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-3), x, y, epochs=50,
        batch_size=8, validation_data=(x[:10], -y[:10]), callbacks=[recorder, stop])
    np.testing.assert_array_equal(model.weight.data, recorder.states[-1]["weight"])
    with pytest.raises(ValueError, match="'val_accuracy', which is not in the logs"):
        fit(model, losses.MSELoss(), SGD(model.parameters(), lr=1e-3), x, y, epochs=2,
            callbacks=[EarlyStopping(monitor="val_accuracy")])


def test_nan_loss_stops_with_a_clear_reason():
    x, y = _regression_data()
    y = (y > np.median(y)).astype(np.float64)   # 0/1 targets: f1 compares classes
    model = LinearRegression(3)
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point here
        history = fit(model, losses.MSELoss(), SGD(model.parameters(), lr=10.0), x, y,
                      epochs=50, batch_size=23, validation_data=(x, y), metrics=("f1",))
    assert history.stopped_reason is not None and "diverged" in history.stopped_reason
    assert "Lower the learning rate" in history.stopped_reason
    assert len(history["loss"]) < 50 and math.isnan(history["loss"][-1])
    assert set(history.history) == {"loss", "f1", "val_loss", "val_f1", "lr"}
    assert {len(v) for v in history.history.values()} == {len(history.epoch)}
    assert math.isnan(history["val_loss"][-1]) and not math.isnan(history["val_loss"][0])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(x_train=np.zeros((5, 3)), y_train=np.zeros((4, 1))), ValueError,
         "same number of samples .*got 5 and 4"),
        (dict(epochs=0), ValueError, "epochs must be an integer >= 1; got 0"),
        (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1; got 0"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an integer"),
        (dict(x_train=np.full((5, 3), np.nan)), ValueError, "x_train contains 15 NaN"),
        (dict(y_train=np.full((5, 1), np.nan)), ValueError, "y_train contains NaN"),
        (dict(validation_data=(np.zeros((2, 3)),)), ValueError, "pair \\(x_val, y_val\\)"),
        (dict(metrics=("auc",)), ValueError, "Unknown metric 'auc'"),
        (dict(callbacks=[print]), TypeError, "callbacks must be Callback objects"),
        (dict(x_train=[["a"]] * 5), TypeError, "x_train must be a numeric array"),
    ],
)
def test_bad_inputs_have_clear_messages(kwargs, error, message):
    model = LinearRegression(3)
    args = dict(x_train=np.zeros((5, 3)), y_train=np.zeros((5, 1)), epochs=1, batch_size=2)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        fit(model, losses.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), **args)


def test_importing_the_numpy_package_needs_numpy_only():
    import subprocess
    import sys

    code = ("import sys; import nncourse.numpy.training, nncourse.numpy.optim, "
            "nncourse.numpy.metrics, nncourse.numpy.autodiff, nncourse.numpy.callbacks; "
            "heavy = {'matplotlib', 'tqdm', 'torch', 'IPython', 'sklearn'} & set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_progress_bar_and_live_plot_run(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    matplotlib = pytest.importorskip("matplotlib")
    pytest.importorskip("IPython")
    matplotlib.use("Agg")
    from nncourse.numpy.training import LivePlot, ProgressBar

    drawn = []
    monkeypatch.setattr(LivePlot, "draw", lambda self: drawn.append(dict(self.values)))
    x, y = _blobs(30)
    model = _classifier()
    bar = ProgressBar()
    plot = LivePlot()
    fit(model, losses.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=3,
        batch_size=10, validation_data=(x, y), callbacks=[bar, plot])
    assert bar.bar.n == 3
    assert len(drawn) == 3 and len(drawn[-1]["val_loss"]) == 3 and "lr" not in drawn[-1]


def test_live_plot_draws_a_figure(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    pytest.importorskip("IPython")
    matplotlib.use("Agg")
    import IPython.display

    from nncourse.numpy.training import LivePlot

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda fig, **kwargs: shown.append(fig))
    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: None)
    plot = LivePlot()
    plot.on_train_begin()
    plot.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.2, "accuracy": 0.5, "lr": 0.1})
    assert len(shown) == 1 and len(shown[0].axes) == 2
    panels = {ax.get_ylabel(): [line.get_label() for line in ax.lines] for ax in shown[0].axes}
    assert panels == {"loss": ["train", "validation"], "accuracy": ["train"]}  # no "lr" panel


def test_l2_adds_penalty_to_loss_and_gradient_of_weights_only():
    model = _classifier()
    before = model.state_dict()
    x, y = np.zeros((6, 2)), np.zeros(6, dtype=np.int64)  # zero input: weights get no data grad
    history = fit(model, losses.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y,
                  epochs=1, batch_size=6, l2=0.5, metrics=())
    after = model.state_dict()
    np.testing.assert_allclose(after["0.weight"], before["0.weight"] * (1 - 0.1 * 0.5))
    penalty = 0.25 * sum(np.sum(before[k] ** 2) for k in ("0.weight", "2.weight"))
    plain = evaluate(_classifier(), losses.CrossEntropyLoss(), x, y, metrics=())["loss"]
    assert history["loss"][0] == pytest.approx(plain + penalty)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        fit(model, losses.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=1,
            l2=-1.0)


def test_binary_classification_with_logits_reports_binary_metrics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    y = (x[:, :1] + x[:, 1:] > 0).astype(np.float64)  # (80, 1) targets in {0, 1}
    model = layers.Sequential(layers.Linear(2, 1, seed=0))
    history = fit(model, losses.BCEWithLogitsLoss(), SGD(model.parameters(), lr=0.5), x, y,
                  epochs=20, batch_size=16, validation_data=(x, y), metrics=("accuracy", "f1"))
    logits = predict(model, x)
    expected = np.mean((logits > 0) == (y > 0.5))
    assert history["val_accuracy"][-1] == pytest.approx(expected)
    assert history["val_accuracy"][-1] > 0.9 and history["val_f1"][-1] > 0.9


def test_l2_decays_weight_matrices_only_as_the_twin():
    """BatchNorm's gamma (and every bias) is 1-D: fit(l2=...) leaves it out in both backends."""
    torch = pytest.importorskip("torch")
    from nncourse.numpy.normalization import BatchNorm1d
    from nncourse.torch import from_numpy_model
    from nncourse.torch import losses as torch_losses
    from nncourse.torch import optim as torch_optim
    from nncourse.torch.training import fit as torch_fit

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)), rng.integers(0, 2, size=12)
    L = layers
    model = L.Sequential(L.Linear(3, 4, seed=0), BatchNorm1d(4), L.ReLU(), L.Linear(4, 2, seed=1))
    twin = from_numpy_model(model, dtype=torch.float64)
    fit(model, losses.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=3,
        batch_size=4, l2=0.5, shuffle=False, metrics=())
    torch_fit(twin, torch_losses.CrossEntropyLoss(), torch_optim.SGD(twin.parameters(), lr=0.1),
              torch.as_tensor(x), torch.as_tensor(y), epochs=3, batch_size=4, l2=0.5,
              shuffle=False, metrics=())
    theirs = twin.state_dict()
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(value, theirs[name].numpy().reshape(np.shape(value)),
                                   rtol=0, atol=1e-8, err_msg=name)
