"""Chapter 6 mistake models: wrong initialisers, statistics and batch norms, with their messages.

Example:
    >>> from nncourse.exercises import check
    >>> check("normalization.batchnorm", BATCHNORM_CONSTANT_STATISTICS).passed
    False
"""

from __future__ import annotations

import numpy as np

from ..registry import Mistake


# ----------------------------------------------------------------------------- initialisers
def xavier_uniform(shape, rng):
    """A correct Xavier uniform (the partner of the wrong He initialisers below)."""
    fan_out, fan_in = shape
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def he_normal(shape, rng):
    """A correct He normal (the partner of the wrong Xavier initialisers below)."""
    return rng.normal(0.0, np.sqrt(2 / shape[1]), size=shape)


def he_fan_out(shape, rng):
    """He with fan_out (shape[0]) instead of fan_in."""
    return rng.normal(0.0, np.sqrt(2 / shape[0]), size=shape)


def he_without_two(shape, rng):
    """He without the factor 2 (that is LeCun's 1 / fan_in)."""
    return rng.normal(0.0, np.sqrt(1 / shape[1]), size=shape)


def he_variance_as_std(shape, rng):
    """2 / fan_in used as the std (it is the variance)."""
    return rng.normal(0.0, 2 / shape[1], size=shape)


def xavier_normal_limit(shape, rng):
    """The uniform limit set to the normal std sqrt(2 / (fan_in + fan_out))."""
    limit = np.sqrt(2 / sum(shape))
    return rng.uniform(-limit, limit, size=shape)


def xavier_transposed(shape, rng):
    """Draws shape (fan_in, fan_out): the transpose."""
    fan_out, fan_in = shape
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_global_generator(shape, rng):
    """Draws from the global np.random instead of the generator it was given."""
    return np.random.normal(0.0, np.sqrt(2 / shape[1]), size=shape)


def he_uniform_draw(shape, rng):
    """Right std, wrong distribution: a uniform draw for He *normal*."""
    limit = np.sqrt(3) * np.sqrt(2 / shape[1])
    return rng.uniform(-limit, limit, size=shape)


INITIALISERS = [
    Mistake("He with fan_out", (xavier_uniform, he_fan_out), ("sqrt(2 / fan_out)",)),
    Mistake("He without the 2", (xavier_uniform, he_without_two), ("factor 2",)),
    Mistake("variance as std", (xavier_uniform, he_variance_as_std), ("variance",)),
    Mistake("normal std as uniform limit", (xavier_normal_limit, he_normal), ("sqrt(3)",)),
    Mistake("transposed shape", (xavier_transposed, he_normal), ("transposed",)),
    Mistake("global NumPy generator", (xavier_uniform, he_global_generator),
            ("global", "generator")),
    Mistake("He drawn uniform", (xavier_uniform, he_uniform_draw), ("not normal",)),
]


# ----------------------------------------------------------------------------- statistics
def stats_with_ddof(model, x):
    """std with ddof=1 instead of the population std."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        rows.append((np.mean(h), np.std(h, ddof=1), np.mean(np.all(h == 0, axis=0))))
    return rows


def stats_of_inputs(model, x):
    """Each row describes the layer's input, not its output."""
    rows, h = [], x
    for layer in model:
        rows.append((np.mean(h), np.std(h), np.mean(np.all(h == 0, axis=0))))
        h = layer.forward(h)
    return rows


def stats_zero_entries(model, x):
    """dead_fraction counts zero entries instead of all-zero columns."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        rows.append((np.mean(h), np.std(h), np.mean(h == 0)))
    return rows


def stats_linear_only(model, x):
    """Records only the Linear layers' outputs."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        if type(layer).__name__ == "Linear":
            rows.append((np.mean(h), np.std(h), np.mean(np.all(h == 0, axis=0))))
    return rows


def stats_nonpositive_dead(model, x):
    """Counts a unit as dead when it is <= 0 for every example (a tanh unit can be negative)."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        rows.append((np.mean(h), np.std(h), np.mean(np.all(h <= 0, axis=0))))
    return rows


def stats_in_another_order(model, x):
    """The row as (std, mean, dead_fraction): the first two swapped."""
    rows, h = [], x
    for layer in model:
        h = layer.forward(h)
        rows.append((np.std(h), np.mean(h), np.mean(np.all(h == 0, axis=0))))
    return rows


FORWARD_STATS = [
    Mistake("std with ddof=1", stats_with_ddof,
            "Your std divides by n - 1 (ddof=1); use the population std of the layer's output, "
            "np.std(h)."),
    Mistake("statistics of the input", stats_of_inputs,
            "Your rows describe each layer's input; record each layer's output instead "
            "(h = layer.forward(h) first, then summarise h)."),
    Mistake("zero entries instead of dead units", stats_zero_entries,
            "Your dead_fraction counts zero entries; a unit is dead only if it is 0 for every "
            "example of the batch (a whole column): np.mean(np.all(h == 0, axis=0))."),
    Mistake("Linear layers only", stats_linear_only,
            "You return a row for the Linear layers only; record every layer's output, the "
            "activation layers included (one row per layer of the Sequential)."),
    Mistake("negative counted as dead", stats_nonpositive_dead,
            "Your dead_fraction counts units that are <= 0 for every example; dead means "
            "exactly 0 for every example (a tanh unit that is always negative is alive): "
            "np.all(h == 0, axis=0)."),
    Mistake("std and mean swapped", stats_in_another_order,
            "Your rows hold (std, mean, ...): the order is (mean, std, dead_fraction)."),
]


# ----------------------------------------------------------------------------- batch norm
def _forward(x, gamma, beta, eps, ddof=0, with_eps=True, eps_outside=False):
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        if eps_outside:
            inv_std = 1 / (np.sqrt(var) + eps)
        else:
            inv_std = 1 / np.sqrt(var + (eps if with_eps else 0.0))
        x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def _backward(grad_out, cache):
    x_hat, inv_std, gamma = cache
    batch = grad_out.shape[0]
    g = grad_out * gamma
    grad_x = inv_std / batch * (batch * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return grad_x, (grad_out * x_hat).sum(axis=0), grad_out.sum(axis=0)


def batchnorm_forward(x, gamma, beta, eps):
    """A correct forward (the partner of the wrong backward passes below)."""
    return _forward(x, gamma, beta, eps)


def batchnorm_forward_unbiased(x, gamma, beta, eps):
    """The unbiased variance (ddof=1)."""
    return _forward(x, gamma, beta, eps, ddof=1)


def batchnorm_forward_without_eps(x, gamma, beta, eps):
    """No eps: a constant feature divides by zero."""
    return _forward(x, gamma, beta, eps, with_eps=False)


def batchnorm_forward_eps_outside(x, gamma, beta, eps):
    """eps added to the std, outside the square root."""
    return _forward(x, gamma, beta, eps, eps_outside=True)


def backward_constant_statistics(grad_out, cache):
    """Treats the batch mean and variance as constants."""
    x_hat, inv_std, gamma = cache
    _, grad_gamma, grad_beta = _backward(grad_out, cache)
    return grad_out * gamma * inv_std, grad_gamma, grad_beta


def backward_gamma_sum(grad_out, cache):
    """grad_gamma = sum(grad_out), without x_hat."""
    grad_x, _, grad_beta = _backward(grad_out, cache)
    return grad_x, grad_out.sum(axis=0), grad_beta


def backward_gamma_unsummed(grad_out, cache):
    """grad_gamma not summed over the batch."""
    grad_x, _, grad_beta = _backward(grad_out, cache)
    return grad_x, grad_out * cache[0], grad_beta


BATCHNORM_CONSTANT_STATISTICS = (batchnorm_forward, backward_constant_statistics)

BATCHNORM = [
    Mistake("unbiased variance", (batchnorm_forward_unbiased, _backward),
            "Your out uses the unbiased variance (ddof=1); batch norm normalises with the "
            "biased one, dividing by B: var = np.mean((x - mean)**2, axis=0)."),
    Mistake("no eps", (batchnorm_forward_without_eps, _backward),
            "Your forward leaves out eps: a feature that is constant over the batch has "
            "variance 0 and x_hat divides by zero. Use sqrt(var + eps)."),
    Mistake("eps outside the root", (batchnorm_forward_eps_outside, _backward),
            "You add eps to the std, outside the square root; batch norm adds it to the "
            "variance: x_hat = (x - mean) / sqrt(var + eps)."),
    Mistake("mean and variance as constants", BATCHNORM_CONSTANT_STATISTICS,
            "Your grad_x treats the batch mean and variance as constants; they depend on every "
            "row of x, which adds two terms: grad_x = inv_std / B * (B g - sum(g) - x_hat "
            "sum(g x_hat))."),
    Mistake("grad_gamma = sum(grad_out)", (batchnorm_forward, backward_gamma_sum),
            "Your grad_gamma sums grad_out alone; it is sum(grad_out * x_hat) over the batch."),
    Mistake("grad_gamma not summed", (batchnorm_forward, backward_gamma_unsummed),
            "Your grad_gamma has shape (B, C); gamma has shape (C,), so sum grad_out * x_hat "
            "over the batch axis (axis=0)."),
]


# ----------------------------------------------------------------------------- rescue
RESCUE = [
    Mistake("nothing changed", {"init": "normal_1", "activation": "relu", "batch_norm": False},
            ("explodes",)),
    Mistake("changed the init instead", {"init": "he_normal", "activation": "relu",
                                         "batch_norm": True}, ("keep init",)),
    Mistake("changed the activation", {"init": "normal_1", "activation": "tanh",
                                       "batch_norm": True}, ("keep init",)),
    Mistake("He init without batch norm", {"init": "he_normal", "activation": "relu",
                                           "batch_norm": False}, ("without changing it",)),
]
