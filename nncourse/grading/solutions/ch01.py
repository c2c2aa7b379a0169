"""Reference answers for chapter 1 (instructor side; see the package docstring).

``loop.iterate_minibatches`` and ``loop.fit_epochs`` are answered by the library
(:func:`nncourse.numpy.training.iterate_minibatches`, :func:`nncourse.numpy.training.fit`);
the Perceptron and the learning rate are answered here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.numpy.training import fit, iterate_minibatches


def perceptron_fit(X, y, learning_rate=0.1, epochs=10, seed=0):
    """The Perceptron: labels 0/1, step activation, one update per sample, shuffled epochs."""
    rng = np.random.default_rng(seed)
    weights, bias = np.zeros(X.shape[1]), 0.0
    errors_per_epoch = []
    for _ in range(epochs):
        errors = 0
        for i in rng.permutation(len(X)):       # a new order every epoch
            prediction = 1.0 if X[i] @ weights + bias > 0 else 0.0
            update = learning_rate * (y[i] - prediction)   # 0 when the sample is right
            weights = weights + update * X[i]
            bias += update
            errors += int(update != 0)
        errors_per_epoch.append(errors)
    return weights, bias, errors_per_epoch


def train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """The epoch loop of the exercise, answered by the library's ``fit``."""
    history = fit(model, loss_fn, optimizer, x, y, epochs=epochs, batch_size=batch_size,
                  metrics=(), seed=seed)
    return list(history.history["loss"])


SOLUTIONS: dict[str, Any] = {
    "loop.iterate_minibatches": iterate_minibatches,
    "loop.perceptron_fit": perceptron_fit,
    "loop.fit_epochs": train,
    "loop.learning_rate": 0.1,
}
