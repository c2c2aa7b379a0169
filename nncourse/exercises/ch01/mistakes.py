"""Chapter 1's mistake models: each a runnable wrong answer and the message it earns, once.

Where the mistake is a change to a correct loop, the loop is the chapter's reference (or the
library's), so no answer is written out twice.

Example:
    >>> from nncourse.exercises import check
    >>> check("loop.iterate_minibatches", mb_in_order).passed
    False
"""

from __future__ import annotations

import numpy as np

from ..registry import Mistake
from .reference import perceptron_fit, train


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
    weights, bias, errors = perceptron_fit(X, y, learning_rate, epochs, seed)
    return -weights, -bias, errors


def perceptron_short(X, y, learning_rate=0.1, epochs=10, seed=0):
    """range(1, epochs): one epoch too few."""
    return perceptron_fit(X, y, learning_rate, epochs - 1, seed)


def perceptron_unshuffled(X, y, learning_rate=0.1, epochs=10, seed=0):
    """An order that does not come from rng = np.random.default_rng(seed)."""
    return perceptron_fit(X, y, learning_rate, epochs, seed + 1)


def perceptron_no_bias(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Never updates (or returns) the bias."""
    weights, _, errors = perceptron_fit(X, y, learning_rate, epochs, seed)
    return weights, 0.0, errors


def perceptron_counts_correct(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Counts the samples that were right instead of the mistakes."""
    weights, bias, errors = perceptron_fit(X, y, learning_rate, epochs, seed)
    return weights, bias, [len(X) - e for e in errors]


def perceptron_weights_only(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Returns the weights alone."""
    return perceptron_fit(X, y, learning_rate, epochs, seed)[0]


# ----------------------------------------------------------------------------- fit_epochs
def _fit(*args, **kwargs):
    return train(*args, **kwargs)


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


MINIBATCHES = [
    Mistake("no shuffling", mb_in_order, ("original order",)),
    Mistake("drops the last partial batch", mb_drops_last,
            ("keep the partial batch", "exactly once")),
    Mistake("x and y shuffled separately", mb_unpaired, ("do not belong together",)),
    Mistake("a new generator on every call", mb_new_generator, ("same order",)),
    Mistake("yields only x", mb_only_x, ("not a pair",)),
]

PERCEPTRON = [
    Mistake("update with the wrong sign", perceptron_wrong_sign,
            "the weights and bias have the wrong sign: each update moves the boundary away "
            "from the mistake; update = learning_rate * (y[i] - prediction), then "
            "w += update * X[i] and b += update."),
    Mistake("one epoch too few", perceptron_short,
            "your result is what epochs - 1 gives: the loop runs one epoch too few (range(epochs) "
            "runs exactly `epochs` times; range(1, epochs) runs one fewer)."),
    Mistake("no shuffling", perceptron_unshuffled,
            "the weights differ from the reference order: shuffle once per epoch with "
            "rng.permutation(len(X)), rng = np.random.default_rng(seed) made once, before the "
            "epoch loop."),
    Mistake("bias never updated", perceptron_no_bias,
            "bias stayed 0: update the bias on every mistake too, b += update."),
    Mistake("counts correct predictions as errors", perceptron_counts_correct,
            "errors_per_epoch counts the samples that were right: count only the samples that "
            "caused an update (update != 0)."),
    Mistake("returns only the weights", perceptron_weights_only,
            "your function returned only the weights; return the tuple "
            "(weights, bias, errors_per_epoch)."),
]

FIT_EPOCHS = [
    Mistake("one epoch too few", fit_short,
            "your loop runs one epoch too few: use `for epoch in range(epochs)` and append one "
            "loss per epoch."),
    Mistake("drops the last partial batch", fit_drops_last,
            "the last, smaller batch is left out: every epoch visits every sample once; keep "
            "the partial batch (slice order[start:start + batch_size] up to len(x))."),
    Mistake("unweighted mean of batch losses", fit_unweighted,
            "the epoch loss is the unweighted mean of the batch losses, but the last batch is "
            "smaller: weight each batch loss by its size, sum(batch_loss * len(batch)) / N."),
    Mistake("a new generator every epoch", fit_same_order,
            "every epoch reuses the same shuffle order: create rng = np.random.default_rng(seed) "
            "once, before the epoch loop, and draw a new permutation from it in each epoch."),
    Mistake("epoch loss summed, not averaged", fit_sum,
            "the losses are the sum over the samples, not the mean: divide the epoch total "
            "by N."),
]

LEARNING_RATE = [
    Mistake("far too small", 1e-3, ("too slow",)),
    Mistake("a little too small", 0.03, ("too slow", "larger")),
    Mistake("near the stability limit", 1.0, ("oscillates", "smaller")),
    Mistake("just below the limit", 0.9, ("oscillates near the stability limit",)),
    Mistake("above the limit", 1.1, ("diverges",)),
    Mistake("a string", "0.1", ("expected a number",)),
]
