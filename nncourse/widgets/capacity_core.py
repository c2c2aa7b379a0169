"""The capacity explorer's computation, without widgets (judges and pages import this).

Fit a polynomial (closed-form ridge regression) or an MLP (nncourse.numpy layers, Adam, L2 and
dropout) to a few noisy samples of a sine and measure training and validation error.

Example:
    >>> fit = compute_capacity("polynomial", capacity=12, n_train=15)
    >>> fit["train_error"] < fit["val_error"]
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse._checks import check_choice
from nncourse.datasets import make_regression_1d
from nncourse.widgets._threads import single_threaded_blas

__all__ = ["MODELS", "MAX_DEGREE", "X_SCALE", "ERROR_RANGE", "polynomial_features",
           "fit_polynomial", "train_mlp", "compute_capacity"]

MODELS = ("polynomial", "mlp")
MAX_DEGREE = 20
X_SCALE = np.pi  # the sine data live on [-pi, pi]; features use x / pi in [-1, 1]
ERROR_RANGE = (1e-3, 1e2)


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """Legendre polynomials P_0..P_degree of x / pi: (N,) -> (N, degree + 1).

    Legendre rather than raw powers keeps the least-squares problem well conditioned.
    """
    return np.polynomial.legendre.legvander(np.asarray(x).ravel() / X_SCALE, int(degree))


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int, l2: float = 0.0) -> np.ndarray:
    """Ridge regression weights: argmin_w ||Phi w - y||^2 / N + l2 ||w_{1:}||^2 (bias free)."""
    phi = polynomial_features(x, degree)  # (N, D)
    penalty = l2 * len(y) * np.eye(phi.shape[1])
    penalty[0, 0] = 0.0  # the constant term is not penalised
    # (D, N) @ (N, D) -> (D, D); lstsq also copes with more features than points.
    return np.linalg.lstsq(phi.T @ phi + penalty, phi.T @ y, rcond=None)[0]


def _mse(prediction: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((np.ravel(prediction) - np.ravel(target)) ** 2))


def train_mlp(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, width: int,
              epochs: int, l2: float = 0.0, dropout: float = 0.0, lr: float = 0.01,
              seed: int = 0) -> dict[str, Any]:
    """Full-batch Adam on Linear(1, w) -> Tanh -> [Dropout] -> Linear(w, w) -> Tanh -> Linear(w, 1).

    Returns:
        dict with "model" (the weights of the epoch with the lowest validation error: early
        stopping), "train_curve", "val_curve" (per epoch) and "best_epoch" (1-based).
    """
    from nncourse.numpy.layers import Dropout, Linear, Sequential, Tanh
    from nncourse.numpy.losses import MSELoss
    from nncourse.numpy.optim import Adam
    from nncourse.numpy.training import train_step

    rng = np.random.default_rng(seed)
    layers = [Linear(1, width, rng=rng), Tanh()]
    if dropout > 0:
        layers.append(Dropout(dropout, rng=rng))
    layers += [Linear(width, width, rng=rng), Tanh(), Linear(width, 1, rng=rng)]
    model = Sequential(*layers)
    optimizer = Adam(model.parameters(), lr=lr)
    loss_fn = MSELoss()
    inputs, val_inputs = x.reshape(-1, 1) / X_SCALE, x_val.reshape(-1, 1) / X_SCALE
    targets = y.reshape(-1, 1)
    train_curve, val_curve = [], []
    best, best_state, best_epoch = np.inf, model.state_dict(), 0
    for epoch in range(int(epochs)):
        model.train()
        train_step(model, loss_fn, optimizer, inputs, targets, l2=l2)
        model.eval()
        train_curve.append(_mse(model(inputs), y))
        val_curve.append(_mse(model(val_inputs), y_val))
        if val_curve[-1] < best:
            best, best_state, best_epoch = val_curve[-1], model.state_dict(), epoch + 1
    model.load_state_dict(best_state)
    model.eval()
    return {"model": model, "train_curve": np.array(train_curve), "val_curve": np.array(val_curve),
            "best_epoch": best_epoch}


def compute_capacity(model: str = "polynomial", capacity: int = 9, n_train: int = 15,
                     l2: float = 0.0, dropout: float = 0.0, epochs: int = 300,
                     noise: float = 0.25, seed: int = 0) -> dict[str, Any]:
    """Fit noisy sine data and measure training and validation error.

    Args:
        model: "polynomial" (capacity = degree) or "mlp" (capacity = hidden width).
        capacity: degree (0..20) or width (>= 1).
        n_train: training points (>= 2); validation uses 200 fresh points.
        l2: L2 strength (ridge for the polynomial, weight decay term for the MLP).
        dropout: MLP only, drop probability in [0, 1).
        epochs: MLP only; the model kept is the one of the best validation epoch.
        noise: std of the label noise.
        seed: fixes the data (and the MLP's initial weights).

    Returns:
        dict with the data ("x_train", "y_train", "x_val", "y_val"), the fit on a grid
        ("x_plot", "y_plot"), "train_error", "val_error" (MSE), and either "sweep" (for the
        polynomial: errors for every degree 0..20 at this L2) or "train_curve", "val_curve",
        "best_epoch" (for the MLP).
    """
    check_choice(model, "model", MODELS)
    capacity, n_train = int(capacity), int(n_train)
    if n_train < 2:
        raise ValueError(f"n_train must be >= 2; got {n_train}.")
    if capacity < (0 if model == "polynomial" else 1):
        raise ValueError(f"capacity must be >= {0 if model == 'polynomial' else 1}; got "
                         f"{capacity}.")
    if l2 < 0 or not 0 <= dropout < 1:
        raise ValueError(f"l2 must be >= 0 and dropout in [0, 1); got {l2}, {dropout}.")
    x, y = make_regression_1d(n_train, "sine", noise=noise, seed=seed)
    x_val, y_val = make_regression_1d(200, "sine", noise=noise, seed=seed + 10_000)
    x_plot = np.linspace(-X_SCALE, X_SCALE, 200)
    result: dict[str, Any] = {"model": model, "capacity": capacity, "x_train": x.ravel(),
                              "y_train": y, "x_val": x_val.ravel(), "y_val": y_val,
                              "x_plot": x_plot, "truth": np.sin(x_plot)}
    if model == "polynomial":
        capacity = min(capacity, MAX_DEGREE)
        sweep_train, sweep_val = [], []
        for degree in range(MAX_DEGREE + 1):
            w = fit_polynomial(x, y, degree, l2)
            sweep_train.append(_mse(polynomial_features(x, degree) @ w, y))
            sweep_val.append(_mse(polynomial_features(x_val, degree) @ w, y_val))
        w = fit_polynomial(x, y, capacity, l2)
        result.update(y_plot=polynomial_features(x_plot, capacity) @ w,
                      train_error=sweep_train[capacity], val_error=sweep_val[capacity],
                      sweep={"capacity": np.arange(MAX_DEGREE + 1),
                             "train": np.array(sweep_train), "val": np.array(sweep_val)})
    else:
        with single_threaded_blas():
            run = train_mlp(x, y, x_val, y_val, capacity, epochs, l2, dropout, seed=seed)
        net = run["model"]
        result.update(y_plot=net(x_plot.reshape(-1, 1) / X_SCALE).ravel(),
                      train_error=_mse(net(x / X_SCALE), y),
                      val_error=_mse(net(x_val / X_SCALE), y_val),
                      train_curve=run["train_curve"], val_curve=run["val_curve"],
                      best_epoch=run["best_epoch"])
    return result
