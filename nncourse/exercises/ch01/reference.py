"""Chapter 1's references for the learner-only tasks: the Perceptron, the epoch loop, a rate.

``loop.iterate_minibatches`` is answered by the library
(:func:`nncourse.numpy.training.iterate_minibatches`); the epoch loop here is the library's
:func:`nncourse.numpy.training.fit` without metrics.

Example:
    >>> X = np.array([[2.0, 0.0], [-2.0, 0.0]]); y = np.array([1.0, 0.0])
    >>> perceptron_fit(X, y, 0.1, 3, seed=0)[2]
    [1, 0, 0]
"""

from __future__ import annotations

import numpy as np

#: A learning rate that gets the lab's task below the threshold (the widget's reference).
LEARNING_RATE = 0.1


def perceptron_fit(X, y, learning_rate=0.1, epochs=10, seed=0):
    """The Perceptron: labels 0/1, step activation, one update per sample, shuffled epochs.

    Args:
        X: inputs (N, features); y: labels 0/1 (N,).
        learning_rate, epochs: the step and the number of passes.
        seed: seed of ``rng = np.random.default_rng(seed)``, made once; each epoch visits the
            samples in the order ``rng.permutation(len(X))``.

    Returns:
        ``(weights (features,), bias (float), errors_per_epoch (list of int))``, counting
        the samples that caused an update in each epoch.
    """
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


def train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed, record=None):
    """The epoch loop: the library's ``fit`` (no metrics); per-epoch mean losses.

    ``record`` (a list) receives one ``[(batch loss, batch size), ...]`` list per epoch.
    """
    from nncourse.numpy.callbacks import Callback
    from nncourse.numpy.training import fit

    class _Batches(Callback):
        def on_epoch_begin(self, epoch, logs):
            if record is not None:
                record.append([])

        def on_batch_end(self, batch, logs):
            if record is not None:
                record[-1].append((logs["loss"], logs["size"]))

    history = fit(model, loss_fn, optimizer, x, y, epochs=epochs, batch_size=batch_size,
                  metrics=(), seed=seed, callbacks=[_Batches()])
    return list(history.history["loss"])


def learning_rate() -> float:
    """The widget exercise's reference value."""
    return LEARNING_RATE
