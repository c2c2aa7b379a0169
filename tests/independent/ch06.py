"""Chapter 6 answers written only from lab 6's words (not from the library or the reference)."""

from __future__ import annotations

import numpy as np


def xavier_uniform(shape, rng):
    """Lab: U(-b, b), b = sqrt(6 / (n_in + n_out)), shape (fan_out, fan_in), drawn with rng."""
    n_out, n_in = shape
    bound = (6 / (n_in + n_out)) ** 0.5
    return rng.uniform(low=-bound, high=bound, size=(n_out, n_in))


def he_normal(shape, rng):
    """Lab: N(0, 2 / n_in), drawn with rng.normal."""
    n_out, n_in = shape
    return rng.normal(loc=0.0, scale=np.sqrt(2 / n_in), size=(n_out, n_in))


INITIALISERS = (xavier_uniform, he_normal)


def forward_with_stats(model, x):
    """Lab part 4: per layer, (mean, population std, share of columns that are 0 for every row)."""
    rows = []
    h = x
    for layer in model:
        h = layer.forward(h)
        dead = [bool(np.all(h[:, unit] == 0)) for unit in range(h.shape[1])]
        rows.append([float(h.mean()), float(h.std()), sum(dead) / len(dead)])
    return np.array(rows)


def batchnorm_forward(x, gamma, beta, eps):
    """Lab part 6: x_hat = (x - mu_B) / sqrt(var_B + eps) (biased), y = gamma x_hat + beta."""
    batch = x.shape[0]
    mu = x.sum(axis=0) / batch
    var = ((x - mu) ** 2).sum(axis=0) / batch
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "var": var, "eps": eps, "gamma": gamma}


def batchnorm_backward(grad_out, cache):
    """Lab part 6: g = dL/dy * gamma; dL/dx = (B g - sum g - x_hat sum(g x_hat)) / (B sqrt(..))."""
    x_hat, gamma = cache["x_hat"], cache["gamma"]
    batch = grad_out.shape[0]
    g = grad_out * gamma
    grad_x = (batch * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) / (
        batch * np.sqrt(cache["var"] + cache["eps"]))
    return grad_x, (grad_out * x_hat).sum(axis=0), grad_out.sum(axis=0)


BATCHNORM = (batchnorm_forward, batchnorm_backward)


def rescue_explorer():
    """Lab part 7: keep normal_1 and relu; switch batch norm on with set_state."""
    from nncourse.widgets.initialization import InitializationExplorer

    explorer = InitializationExplorer(init="normal_1", activation="relu", depth=20, width=64)
    explorer.set_state(batch_norm=True)
    return explorer


ANSWERS = {
    "init.xavier_he": INITIALISERS,
    "diagnostics.forward_stats": forward_with_stats,
    "normalization.batchnorm": BATCHNORM,
    "normalization.rescue_naive_init": rescue_explorer,
}
