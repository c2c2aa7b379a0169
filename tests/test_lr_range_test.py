"""lr_range_test: one implementation driving a NumPy and a torch model to the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers_torch import blobs

from nncourse.numpy.layers import Linear, ReLU, Sequential
from nncourse.numpy.losses import CrossEntropyLoss
from nncourse.numpy.optim import SGD
from nncourse.numpy.schedules import lr_range_test
from nncourse.numpy.training import train_step
from nncourse.torch import schedules as torch_schedules
from nncourse.torch.convert import from_numpy_model
from nncourse.torch.losses import CrossEntropyLoss as TorchCrossEntropyLoss
from nncourse.torch.optim import SGD as TorchSGD
from nncourse.torch.training import train_step as torch_train_step


def _batches(n: int = 30, size: int = 16) -> list[tuple[np.ndarray, np.ndarray]]:
    x, y = blobs(n=n * size, features=6, classes=3)
    return [(x[i:i + size], y[i:i + size]) for i in range(0, n * size, size)]


def test_numpy_and_torch_give_the_same_curve() -> None:
    assert torch_schedules.lr_range_test is lr_range_test
    batches = _batches()
    model = Sequential(Linear(6, 16, seed=0), ReLU(), Linear(16, 3, seed=1))
    twin = from_numpy_model(model, dtype=torch.float64)
    opt, twin_opt = SGD(model.parameters(), lr=1e-3), TorchSGD(twin.parameters(), lr=1e-3)
    loss_fn, twin_loss = CrossEntropyLoss(), TorchCrossEntropyLoss()
    ours = lr_range_test(lambda xb, yb: train_step(model, loss_fn, opt, xb, yb)[0], opt,
                         batches, min_lr=1e-3, max_lr=30.0)
    theirs = lr_range_test(
        lambda xb, yb: torch_train_step(twin, twin_loss, twin_opt, torch.as_tensor(xb),
                                        torch.as_tensor(yb))[0], twin_opt, batches,
        min_lr=1e-3, max_lr=30.0)
    np.testing.assert_allclose(theirs["losses"], ours["losses"], rtol=1e-8)
    assert theirs["suggested_lr"] == ours["suggested_lr"]
    assert ours["lrs"][0] == pytest.approx(1e-3)
    assert 1e-3 <= ours["suggested_lr"] <= 30.0


def test_rates_are_geometric_and_the_test_stops_when_the_loss_explodes() -> None:
    calls: list[float] = []

    class Holder:
        lr = 0.0

    holder = Holder()

    def step(xb: object, yb: object) -> float:
        calls.append(holder.lr)
        return 1.0 if holder.lr < 1.0 else math.inf

    found = lr_range_test(step, holder, [(None, None)] * 5, min_lr=1e-2, max_lr=1e2)
    np.testing.assert_allclose(calls, [1e-2, 1e-1, 1.0])      # stopped at the first inf
    assert found["stopped_early"] and len(found["smoothed"]) == 2
    with pytest.raises(ValueError, match="at least 2 batches"):
        lr_range_test(step, holder, [(None, None)])
    with pytest.raises(ValueError, match="min_lr must be < max_lr"):
        lr_range_test(step, holder, [(None, None)] * 3, min_lr=1.0, max_lr=0.1)
