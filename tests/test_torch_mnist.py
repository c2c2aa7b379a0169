"""The MNIST recipe on nncourse.torch reaches the NumPy fit's accuracy (same seed and recipe)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_torch import blobs

import nncourse.numpy.layers as N
from nncourse.numpy.losses import CrossEntropyLoss as NumpyCrossEntropy
from nncourse.numpy.optim import Adam as NumpyAdam
from nncourse.numpy.training import fit as numpy_fit
from nncourse.torch import evaluate, fit, from_numpy_model
from nncourse.torch.losses import CrossEntropyLoss
from nncourse.torch.optim import Adam


def test_history_keys_equal_the_numpy_fit() -> None:
    x, y = blobs(n=64, seed=0)
    numpy_model = N.Sequential(N.Linear(6, 8, seed=0), N.ReLU(), N.Linear(8, 3, seed=1))
    torch_model = from_numpy_model(numpy_model)
    numpy_history = numpy_fit(numpy_model, NumpyCrossEntropy(),
                              NumpyAdam(numpy_model.parameters()), x, y, epochs=2,
                              batch_size=16, validation_data=(x, y))
    torch_history = fit(torch_model, CrossEntropyLoss(), Adam(torch_model.parameters()), x, y,
                        epochs=2, batch_size=16, validation_data=(x, y), device="cpu")
    assert list(torch_history.history) == list(numpy_history.history)
    assert torch_history.epoch == numpy_history.epoch


@pytest.mark.slow
def test_mnist_recipe_accuracy_matches_numpy_within_1_5_points() -> None:
    from nncourse.recipes import MNIST_RECIPE, build_mnist_mlp, mnist_data, mnist_recipe

    _, numpy_history, numpy_accuracy = mnist_recipe(seed=0)
    (x_train, y_train), (x_test, y_test) = mnist_data(seed=0)
    model = from_numpy_model(build_mnist_mlp(seed=0))  # the same initial weights, float32
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest on a shared machine
    try:
        history = fit(model, CrossEntropyLoss(),
                      Adam(model.parameters(), lr=MNIST_RECIPE["lr"]), x_train, y_train,
                      epochs=MNIST_RECIPE["epochs"], batch_size=MNIST_RECIPE["batch_size"],
                      seed=0, device="cpu")
    finally:
        torch.set_num_threads(threads)
    torch_accuracy = evaluate(model, CrossEntropyLoss(), x_test, y_test)["accuracy"]
    assert torch_accuracy > 0.9
    assert abs(torch_accuracy - numpy_accuracy) <= 0.015, (torch_accuracy, numpy_accuracy)
    assert list(history.history) == list(numpy_history.history)
    assert np.all(np.diff(history.history["loss"]) < 0)  # the loss falls every epoch
