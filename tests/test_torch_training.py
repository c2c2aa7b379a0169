"""nncourse.torch.fit: history, seeding, callbacks, clipping, schedules, errors."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from helpers_torch import blobs, max_abs_diff, small_mlp

from nncourse.torch import evaluate, fit, predict
from nncourse.torch.callbacks import Callback, EarlyStopping
from nncourse.torch.layers import Linear, Sequential
from nncourse.torch.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from nncourse.torch.optim import SGD, Adam, StepLR


def _fit(model=None, epochs: int = 3, **kwargs):
    x, y = blobs(n=160, seed=2)
    model = model or small_mlp()
    optimizer = kwargs.pop("optimizer", None) or Adam(model.parameters(), lr=0.01)
    kwargs.setdefault("validation_data", (x[:40], y[:40]))
    history = fit(model, CrossEntropyLoss(), optimizer, x, y, epochs=epochs, batch_size=16,
                  device="cpu", **kwargs)
    return model, history


def test_history_has_the_numpy_keys_and_learns() -> None:
    _, history = _fit(epochs=4)
    assert list(history.history) == ["lr", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2, 3]
    assert all(len(v) == 4 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    assert history.stopped_reason is None


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    a, history_a = _fit(seed=7)
    b, history_b = _fit(seed=7)
    c, _ = _fit(seed=8)
    assert max_abs_diff(a.state_dict(), b.state_dict()) == 0.0
    assert history_a.history == history_b.history
    assert max_abs_diff(a.state_dict(), c.state_dict()) > 1e-6  # only the batch order differs


def test_early_stopping_restores_the_best_weights() -> None:
    # mode="max" on val_loss: the first epoch is "best", so training stops after
    # patience epochs and the first epoch's weights must come back.
    stop = EarlyStopping(monitor="val_loss", patience=1, mode="max")
    x, y = blobs(n=160, seed=2)
    model, history = _fit(epochs=10, callbacks=[stop])
    assert stop.best_epoch == 0
    assert 1 <= stop.stopped_epoch < 9
    assert len(history.epoch) == stop.stopped_epoch + 1
    assert "early stopping" in history.stopped_reason
    restored = evaluate(model, CrossEntropyLoss(), x[:40], y[:40])
    assert restored["loss"] == pytest.approx(history.history["val_loss"][0], rel=1e-5)
    assert restored["loss"] != pytest.approx(history.history["val_loss"][-1], rel=1e-5)


def test_callback_hooks_are_called_in_order() -> None:
    class Recorder(Callback):
        def __init__(self) -> None:
            self.calls: list[str] = []
            self.batch_losses: list[float] = []

        def on_train_begin(self, logs=None):
            self.calls.append(f"train_begin:{logs['epochs']}:{logs['steps_per_epoch']}")

        def on_epoch_begin(self, epoch, logs=None):
            self.calls.append(f"epoch_begin:{epoch}")

        def on_batch_end(self, batch, logs=None):
            self.batch_losses.append(logs["loss"])

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(f"epoch_end:{epoch}:{sorted(logs)}")

        def on_train_end(self, logs=None):
            self.calls.append(f"train_end:{len(logs['history'].epoch)}")

    recorder = Recorder()
    _fit(epochs=2, callbacks=[recorder], validation_data=None)
    keys = "['accuracy', 'loss', 'lr']"
    assert recorder.calls == ["train_begin:2:10", "epoch_begin:0", f"epoch_end:0:{keys}",
                              "epoch_begin:1", f"epoch_end:1:{keys}", "train_end:2"]
    assert len(recorder.batch_losses) == 20 and all(math.isfinite(v) for v in recorder.batch_losses)
    assert isinstance(recorder.model.state_dict()["0.weight"], torch.Tensor)


def test_gradient_clipping_bounds_the_update() -> None:
    x, y = blobs(n=64, seed=3)
    model = small_mlp()
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=1.0), x, y, epochs=1,
        batch_size=64, grad_clip_norm=1e-3, device="cpu")
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    step = float((after - before).norm())
    assert 0 < step <= 1e-3 * (1 + 1e-5)


def test_l2_is_added_to_the_reported_loss() -> None:
    x, y = blobs(n=32, seed=4)
    losses = {}
    for l2 in (0.0, 0.5):
        model = small_mlp()
        history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.0), x, y,
                      epochs=1, batch_size=32, l2=l2, device="cpu")
        losses[l2] = history.history["loss"][0]
    weights = small_mlp()
    penalty = 0.25 * sum(float((weights[i].weight.detach() ** 2).sum()) for i in (0, 2))
    assert losses[0.5] - losses[0.0] == pytest.approx(penalty, rel=1e-5)


def test_scheduler_sets_the_lr_recorded_each_epoch() -> None:
    model = small_mlp()
    optimizer = SGD(model.parameters(), lr=0.1)
    _, history = _fit(model, epochs=4, optimizer=optimizer,
                      scheduler=StepLR(optimizer, step_size=2, gamma=0.1))
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01])


def test_regression_drops_accuracy_and_binary_logits_get_accuracy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3))
    target = x @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential(Linear(3, 1, seed=0))
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), x, target, epochs=20,
                  batch_size=32, validation_data=(x, target), device="cpu")
    assert list(history.history) == ["lr", "loss", "val_loss"]
    assert history.history["val_loss"][-1] < 1e-3
    labels = (x[:, :1] > 0).astype(np.float64)
    model = Sequential(Linear(3, 1, seed=0))
    history = fit(model, BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.05), x, labels,
                  epochs=20, batch_size=32, device="cpu")
    assert history.history["accuracy"][-1] > 0.9


def test_divergence_stops_with_a_reason() -> None:
    x = np.linspace(-1, 1, 64).reshape(-1, 1) * 1e3
    model = Sequential(Linear(1, 1, seed=0))
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=1e6), x, x ** 3, epochs=5,
                  batch_size=8, device="cpu")
    assert "diverged" in history.stopped_reason
    assert math.isnan(history.history["loss"][-1])
    assert len(history.epoch) < 5


def test_accepts_a_torch_dataset_and_tensors() -> None:
    x, y = blobs(n=96, seed=5)
    dataset = torch.utils.data.TensorDataset(torch.tensor(x, dtype=torch.float32),
                                             torch.tensor(y))
    model = small_mlp()
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), dataset, None,
                  epochs=3, batch_size=16, device="cpu")
    assert history.history["accuracy"][-1] > 0.8
    output = predict(model, x)
    assert output.shape == (96, 3) and output.device.type == "cpu"
    accuracy = evaluate(model, CrossEntropyLoss(), x, y)["accuracy"]
    assert accuracy == pytest.approx(float((output.argmax(1).numpy() == y).mean()))


def test_bad_inputs_get_clear_messages() -> None:
    model = small_mlp()
    x, y = blobs(n=32)
    opt = Adam(model.parameters())
    with pytest.raises(ValueError, match="same number of samples"):
        fit(model, CrossEntropyLoss(), opt, x, y[:10], epochs=1)
    with pytest.raises(ValueError, match="whole numbers"):
        fit(model, CrossEntropyLoss(), opt, x, y + 0.5, epochs=1)
    with pytest.raises(ValueError, match="epochs must be an integer"):
        fit(model, CrossEntropyLoss(), opt, x, y, epochs=0)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        fit(object(), CrossEntropyLoss(), opt, x, y, epochs=1)
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        fit(model, CrossEntropyLoss(), "adam", x, y, epochs=1)
    with pytest.raises(ValueError, match="grad_clip_norm"):
        fit(model, CrossEntropyLoss(), opt, x, y, epochs=1, grad_clip_norm=0)
    with pytest.raises(ValueError, match="NaN"):
        fit(model, CrossEntropyLoss(), opt, np.full_like(x, np.nan), y, epochs=1)


def test_deterministic_flag_holds_during_fit_and_is_restored_after() -> None:
    class Probe(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.seen = torch.are_deterministic_algorithms_enabled()

    before = torch.are_deterministic_algorithms_enabled()
    for flag in (True, False):
        probe = Probe()
        _fit(epochs=1, deterministic=flag, callbacks=[probe])
        assert probe.seen is (flag or before)
        assert torch.are_deterministic_algorithms_enabled() == before


def test_verbose_shows_a_progress_bar_and_checkpoint_every(tmp_path, capsys) -> None:
    from nncourse.torch import load_checkpoint

    path = tmp_path / "every.pt"
    model, history = _fit(epochs=3, verbose=True, checkpoint_path=path)
    assert "epoch" in capsys.readouterr().err  # tqdm writes its bar to stderr
    assert load_checkpoint(path, small_mlp())["epoch"] == 3
    assert load_checkpoint(path, small_mlp())["history"]["history"] == history.history


def test_gpu_check_runs_its_cpu_part_and_says_what_it_skipped(tmp_path, monkeypatch) -> None:
    """``python -m benchmarks gpu`` without CUDA: the CPU rows, and the GPU parts named."""
    from benchmarks import bench_gpu

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = tmp_path / "report" / "gpu.md"
    text = bench_gpu.main(["--quick", "--out", str(out)])
    assert out.read_text() == text
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| MLP")]
    assert [(r[1].strip(), r[2].strip()) for r in rows[:3]] == [("32", "-"), ("128", "-"),
                                                                ("128", "-")]
    assert all(float(r[5].split()[0]) > 0 for r in rows[:3])  # fit/plain time ratios
    assert "Target: fit/plain <= 1.05 everywhere: met in" in text
    assert {r[2].strip() for r in rows[3:]} == {"float32", "float32, deterministic=True"}
    skipped = text.split("## Skipped")[1]
    assert "CUDA tests" in skipped and "bf16" in skipped and "CUDA" in skipped


def test_training_module_has_the_numpy_names_in_the_numpy_order() -> None:
    import nncourse.numpy.training as N
    import nncourse.torch.training as T

    assert T.__all__ == N.__all__
    assert list(inspect.signature(T.fit).parameters)[:15] == list(
        inspect.signature(N.fit).parameters)


# --- the twin fits keep the same books: every history entry, value by value -------------------
def _twin_runs(loss_name: str, lr: float, metrics, epochs: int = 3, y_kind: str = "class"):
    """The same seeded float64 model through the NumPy fit and the torch fit (no shuffle)."""
    import nncourse.numpy.layers as NL
    import nncourse.numpy.losses as NLo
    import nncourse.numpy.optim as NO
    from nncourse.numpy.training import fit as numpy_fit
    from nncourse.torch import from_numpy_model

    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 4))                 # 50 = 3 batches of 16 and a short one of 2
    outputs = {"CrossEntropyLoss": 3, "BCEWithLogitsLoss": 1, "MSELoss": 1}[loss_name]
    if y_kind == "class":
        y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    elif y_kind == "binary":
        y = (x[:, 0] > 0).astype(np.float64).reshape(-1, 1)
    else:
        y = (x @ np.array([1.0, -2.0, 0.5, 0.0])).reshape(-1, 1)
    numpy_model = NL.Sequential(NL.Linear(4, 8, seed=1), NL.Tanh(), NL.Linear(8, outputs, seed=2))
    torch_model = from_numpy_model(numpy_model, dtype=torch.float64)
    arguments = {"epochs": epochs, "batch_size": 16, "validation_data": (x[:20], y[:20]),
                 "metrics": metrics, "shuffle": False, "seed": 0}
    with np.errstate(all="ignore"):                # the diverging case overflows on purpose
        ours = numpy_fit(numpy_model, getattr(NLo, loss_name)(),
                         NO.SGD(numpy_model.parameters(), lr=lr), x, y, **arguments)
    theirs = fit(torch_model, globals()[loss_name](), SGD(torch_model.parameters(), lr=lr),
                 x, y, device="cpu", **arguments)
    return ours, theirs


@pytest.mark.parametrize(("loss_name", "lr", "metrics", "y_kind"), [
    ("CrossEntropyLoss", 0.3, ("accuracy", "f1", "precision", "recall"), "class"),
    ("BCEWithLogitsLoss", 0.5, ("accuracy", "f1"), "binary"),
    ("MSELoss", 0.05, ("accuracy",), "value"),           # regression: no accuracy in either
    ("MSELoss", 1e200, ("accuracy",), "value"),          # diverges in the first epoch
])
def test_the_twin_fits_record_the_same_values(loss_name, lr, metrics, y_kind) -> None:
    ours, theirs = _twin_runs(loss_name, lr, metrics, y_kind=y_kind)
    assert ours.history.keys() == theirs.history.keys()
    assert "accuracy" not in ours.history or loss_name != "MSELoss"
    assert ours.epoch == theirs.epoch
    for key, values in ours.history.items():
        np.testing.assert_allclose(theirs.history[key], values, rtol=1e-10, atol=1e-12,
                                   err_msg=key)
    assert ours.stopped_reason == theirs.stopped_reason
    if lr == 1e200:
        assert ours.stopped_reason is not None and "epoch 0, batch" in ours.stopped_reason


def test_evaluate_drops_accuracy_for_a_regression_loss_in_both_backends() -> None:
    import nncourse.numpy.layers as NL
    import nncourse.numpy.losses as NLo
    from nncourse.numpy.training import evaluate as numpy_evaluate
    from nncourse.torch import from_numpy_model

    x = np.random.default_rng(0).normal(size=(8, 2))
    y = x.sum(axis=1, keepdims=True)
    numpy_model = NL.Sequential(NL.Linear(2, 1, seed=0))
    ours = numpy_evaluate(numpy_model, NLo.MSELoss(), x, y)
    theirs = evaluate(from_numpy_model(numpy_model, dtype=torch.float64), MSELoss(), x, y)
    assert set(ours) == set(theirs) == {"loss"}
    assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-12)
