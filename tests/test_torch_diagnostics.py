"""nncourse.torch.diagnostics: the twin of the NumPy reference, value for value (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers_torch import blobs

import nncourse.numpy.diagnostics as reference
import nncourse.torch.diagnostics as twin
from nncourse.numpy.layers import BatchNorm1d, Linear, ReLU, Sequential, Sigmoid, Tanh
from nncourse.numpy.losses import CrossEntropyLoss
from nncourse.numpy.optim import SGD
from nncourse.numpy.training import fit
from nncourse.torch.convert import from_numpy_model
from nncourse.torch.losses import CrossEntropyLoss as TorchCrossEntropyLoss
from nncourse.torch.optim import SGD as TorchSGD
from nncourse.torch.training import fit as torch_fit

FIELDS = ("mean", "std", "grad_mean", "grad_std", "saturated", "dead")


def _models() -> tuple[Sequential, torch.nn.Module]:
    model = Sequential(Linear(4, 6, seed=0), BatchNorm1d(6), Tanh(), Linear(6, 5, seed=1),
                       ReLU(), Linear(5, 3, seed=2), Sigmoid(), Linear(3, 3, seed=3))
    return model, from_numpy_model(model, dtype=torch.float64)


def test_same_public_names_in_the_same_order() -> None:
    assert twin.__all__ == reference.__all__


@pytest.mark.parametrize("values", [np.array([[1.0, -3.0, 0.5]]), np.zeros((0, 2)), np.zeros(4)])
def test_elementwise_statistics_agree(values: np.ndarray) -> None:
    ours, theirs = reference.tensor_statistics(values), twin.tensor_statistics(
        torch.as_tensor(values))
    np.testing.assert_allclose(list(theirs.values()), list(ours.values()), atol=1e-12)
    out = np.array([[0.0, 0.999, math.sqrt(0.9)], [0.0, -0.2, 0.1]])
    assert twin.saturation_fraction(torch.as_tensor(out), "tanh") == \
        reference.saturation_fraction(out, "tanh")
    assert twin.dead_fraction(torch.as_tensor(out)) == reference.dead_fraction(out)
    assert math.isnan(twin.dead_fraction(torch.zeros(0, 3)))
    with pytest.raises(ValueError, match="dead_fraction"):
        twin.saturation_fraction(torch.ones(2), "relu")
    with pytest.raises(ValueError, match="batch, units"):
        twin.dead_fraction(torch.ones(3))


def test_update_ratio_agrees_and_handles_zeros() -> None:
    rng = np.random.default_rng(0)
    w, u = rng.normal(size=(4, 3)), 1e-3 * rng.normal(size=(4, 3))
    assert twin.update_to_data_ratio(torch.as_tensor(u), torch.as_tensor(w)) == pytest.approx(
        reference.update_to_data_ratio(u, w), rel=1e-12)
    assert twin.update_to_data_ratio(torch.zeros(3), torch.zeros(3)) == 0.0
    assert twin.update_to_data_ratio(torch.tensor([0.0, 1.0]), torch.ones(2)) == math.inf
    with pytest.raises(ValueError, match="shape"):
        twin.update_to_data_ratio(torch.zeros(3), torch.zeros(2))


@pytest.mark.parametrize("batch", [2, 9])
@pytest.mark.parametrize("with_loss", [False, True])
def test_layer_statistics_parity(batch: int, with_loss: bool) -> None:
    numpy_model, torch_model = _models()
    rng = np.random.default_rng(batch)
    x, y = rng.normal(size=(batch, 4)), rng.integers(0, 3, size=batch)
    ours = reference.layer_statistics(numpy_model, x, y if with_loss else None,
                                      CrossEntropyLoss() if with_loss else None, seed=5,
                                      keep_values=True)
    theirs = twin.layer_statistics(torch_model, torch.as_tensor(x), y if with_loss else None,
                                   TorchCrossEntropyLoss() if with_loss else None, seed=5,
                                   keep_values=True)
    assert [s["name"] for s in theirs] == [s["name"] for s in ours]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose([b[k] for k in FIELDS], [a[k] for k in FIELDS], atol=1e-8,
                                   rtol=1e-8, err_msg=a["name"])
        np.testing.assert_allclose(b["grad_values"], a["grad_values"], atol=1e-8, rtol=1e-8)


def test_layer_statistics_leaves_grads_and_running_stats_alone() -> None:
    _, model = _models()
    for p in model.parameters():
        p.grad = torch.full_like(p, 7.0)
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    twin.layer_statistics(model, torch.randn(8, 4, dtype=torch.float64))
    assert all(bool(torch.all(p.grad == 7.0)) for p in model.parameters())
    for name, value in model.named_buffers():
        assert torch.equal(value, buffers[name]), name


def test_parameter_statistics_parity() -> None:
    numpy_model, torch_model = _models()
    names = [s["name"] for s in twin.parameter_statistics(torch_model)]
    assert names == [s["name"] for s in reference.parameter_statistics(numpy_model)]


def test_recorder_matches_the_numpy_recorder_step_for_step() -> None:
    x, y = blobs(n=40, features=4, classes=3)
    numpy_model = Sequential(Linear(4, 8, seed=0), Tanh(), Linear(8, 3, seed=1))
    torch_model = from_numpy_model(numpy_model, dtype=torch.float64)
    ours, theirs = reference.DiagnosticsRecorder(x[:16], every=2), twin.DiagnosticsRecorder(
        x[:16], every=2)
    fit(numpy_model, CrossEntropyLoss(), SGD(numpy_model.parameters(), lr=0.1), x, y, epochs=2,
        batch_size=16, callbacks=[ours], shuffle=False)
    torch_fit(torch_model, TorchCrossEntropyLoss(), TorchSGD(torch_model.parameters(), lr=0.1),
              x, y, epochs=2, batch_size=16, callbacks=[theirs], shuffle=False)
    assert list(theirs.update_ratios) == list(ours.update_ratios)
    for name, values in ours.update_ratios.items():
        assert len(values) == 6                                  # 2 x ceil(40 / 16)
        np.testing.assert_allclose(theirs.update_ratios[name], values, rtol=1e-8)
    assert theirs.steps == ours.steps == [1, 2, 4, 6]
    for a, b in zip(ours.records[-1], theirs.records[-1], strict=True):
        np.testing.assert_allclose([b[k] for k in FIELDS], [a[k] for k in FIELDS], atol=1e-8)
