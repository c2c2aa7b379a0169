"""Named training recipes shared by chapters, tests and benchmarks (one definition each).

A recipe joins data (:mod:`nncourse.datasets`) to the NumPy reference, so it lives
beside both rather than inside :mod:`nncourse.numpy`, which needs NumPy alone.

``mnist_recipe`` is the classic Keras example: Flatten, Dense(128, relu), Dense(10),
softmax cross-entropy, Adam(1e-3), batch 32, 5 epochs -- here on the 5000-image
MNIST subset with a stratified 20 % holdout.

Example:
    >>> model, history, test_accuracy = mnist_recipe(seed=0)
    >>> test_accuracy > 0.9
    True
"""

from __future__ import annotations

import numpy as np

from nncourse.datasets import load_mnist_subset, train_val_test_split
from nncourse.numpy.layers import Flatten, Linear, ReLU, Sequential
from nncourse.numpy.losses import CrossEntropyLoss
from nncourse.numpy.module import Module
from nncourse.numpy.optim import Adam
from nncourse.numpy.training import History, evaluate, fit

__all__ = ["MNIST_RECIPE", "mnist_data", "build_mnist_mlp", "mnist_recipe"]

MNIST_RECIPE = {"hidden": 128, "lr": 1e-3, "batch_size": 32, "epochs": 5, "test_fraction": 0.2}


Split = tuple[np.ndarray, np.ndarray]


def mnist_data(seed: int = 0) -> tuple[Split, Split]:
    """The recipe's data: ``((x_train, y_train), (x_test, y_test))``, pixels in [0, 1].

    The split is stratified (each digit keeps its 10 % share) and depends only on ``seed``.
    """
    X, y = load_mnist_subset(flatten=False, normalize=True)  # (5000, 28, 28)
    train, _, test = train_val_test_split(X, y, val_fraction=0.0,
                                          test_fraction=MNIST_RECIPE["test_fraction"], seed=seed)
    return train, test


def build_mnist_mlp(seed: int = 0) -> Module:
    """Flatten -> Linear(784, 128) -> ReLU -> Linear(128, 10), weights drawn with ``seed``."""
    return Sequential(Flatten(), Linear(784, MNIST_RECIPE["hidden"], seed=seed), ReLU(),
                      Linear(MNIST_RECIPE["hidden"], 10, seed=seed + 1))


def mnist_recipe(seed: int = 0, epochs: int | None = None,
                 verbose: bool = False) -> tuple[Module, History, float]:
    """Train the Keras MNIST recipe with nncourse.numpy.

    Args:
        seed: fixes the split, the initial weights and the batch order.
        epochs: override the recipe's 5 epochs (e.g. 1 for a quick demo).
        verbose: show a progress bar.

    Returns:
        (trained model, History, accuracy on the held-out 20 %).
    """
    (x_train, y_train), (x_test, y_test) = mnist_data(seed)
    model = build_mnist_mlp(seed)
    loss_fn = CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=MNIST_RECIPE["lr"])
    history = fit(model, loss_fn, optimizer, x_train, y_train,
                  epochs=epochs or MNIST_RECIPE["epochs"], batch_size=MNIST_RECIPE["batch_size"],
                  seed=seed, verbose=verbose)
    test_accuracy = evaluate(model, loss_fn, x_test, y_test, metrics=("accuracy",))["accuracy"]
    return model, history, test_accuracy
