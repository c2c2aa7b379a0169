"""Chapter 1 mistake catalogue: plausible wrong answers, as a learner would submit them.

Each function is one entry of an exercise's ``mistakes=[Mistake(...)]``; the catalogue test
runs it through ``check`` and asserts the feedback names the mistake. Where the mistake is a
change to a correct loop, the loop is the library's (or the instructor-side reference, loaded
only when the mistake runs), so no answer is written out here.

Example:
    >>> from nncourse.exercises import check
    >>> check("loop.iterate_minibatches", mb_in_order).passed
    False
"""

from __future__ import annotations

import numpy as np


def _reference(exercise_id: str):
    from nncourse.grading.solutions import get_solution

    return get_solution(exercise_id)


# ----------------------------------------------------------------------------- iterate_minibatches
def mb_in_order(x, y, batch_size, rng):
    """Never shuffles."""
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def mb_drops_last(x, y, batch_size, rng):
    """Stops before the partial batch."""
    order = rng.permutation(len(x))
    for start in range(0, len(x) - batch_size + 1, batch_size):
        yield x[order[start:start + batch_size]], y[order[start:start + batch_size]]


def mb_unpaired(x, y, batch_size, rng):
    """Shuffles x and y with two different permutations."""
    order_x, order_y = rng.permutation(len(x)), rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order_x[start:start + batch_size]], y[order_y[start:start + batch_size]]


def mb_new_generator(x, y, batch_size, rng):
    """Ignores the rng it is given and seeds a new one: the same order on every call."""
    order = np.random.default_rng(0).permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]], y[order[start:start + batch_size]]


def mb_only_x(x, y, batch_size, rng):
    """Yields the inputs without their targets."""
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]]


# ----------------------------------------------------------------------------- perceptron
def perceptron_wrong_sign(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Moves the boundary away from each mistake."""
    weights, bias, errors = _reference("loop.perceptron_fit")(X, y, learning_rate, epochs, seed)
    return -weights, -bias, errors


def perceptron_short(X, y, learning_rate=0.1, epochs=10, seed=0):
    """range(1, epochs): one epoch too few."""
    return _reference("loop.perceptron_fit")(X, y, learning_rate, epochs - 1, seed)


def perceptron_unshuffled(X, y, learning_rate=0.1, epochs=10, seed=0):
    """An order that does not come from rng = np.random.default_rng(seed)."""
    return _reference("loop.perceptron_fit")(X, y, learning_rate, epochs, seed + 1)


def perceptron_no_bias(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Never updates (or returns) the bias."""
    weights, _, errors = _reference("loop.perceptron_fit")(X, y, learning_rate, epochs, seed)
    return weights, 0.0, errors


def perceptron_counts_correct(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Counts the samples that were right instead of the mistakes."""
    weights, bias, errors = _reference("loop.perceptron_fit")(X, y, learning_rate, epochs, seed)
    return weights, bias, [len(X) - e for e in errors]


def perceptron_weights_only(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Returns the weights alone."""
    return _reference("loop.perceptron_fit")(X, y, learning_rate, epochs, seed)[0]


# ----------------------------------------------------------------------------- fit_epochs
def _fit(*args, **kwargs):
    from .tiny_model import library_fit_losses

    return library_fit_losses(*args, **kwargs)


def fit_short(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """range(1, epochs)."""
    return _fit(model, loss_fn, optimizer, x, y, epochs - 1, batch_size, seed)


def fit_drops_last(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """Loops over full batches only."""
    keep = len(x) - len(x) % batch_size
    return _fit(model, loss_fn, optimizer, x[:keep], y[:keep], epochs, batch_size, seed)


def fit_unweighted(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """np.mean(batch_losses): the small last batch counts as much as a full one."""
    batches: list = []
    _fit(model, loss_fn, optimizer, x, y, epochs, batch_size, seed, record=batches)
    return [float(np.mean([loss for loss, _ in epoch])) for epoch in batches]


def fit_same_order(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """rng = np.random.default_rng(seed) inside the epoch loop: every epoch the same order."""
    return [_fit(model, loss_fn, optimizer, x, y, 1, batch_size, seed)[0] for _ in range(epochs)]


def fit_sum(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """The epoch total, never divided by N."""
    return [loss * len(x) for loss in _fit(model, loss_fn, optimizer, x, y, epochs, batch_size,
                                           seed)]
