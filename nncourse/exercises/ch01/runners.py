"""Chapter 1's sandbox-side runner: the learner's epoch loop on a tiny linear regressor.

The learner's ``train`` runs on a Linear regressor built on the course's Module/Parameter base,
an MSE loss and the library's SGD. The runner returns only what the learner's code produced:
the losses it returned and the model's weights after training. The judge re-runs the
library's loop on the same data and seed and compares the weights: a loop that skips a batch,
runs an epoch too few, or nudges a weight by hand ends elsewhere. No counter on a learner-
reachable object is read.

Sandbox-safe: imports NumPy, :mod:`nncourse.numpy` and :mod:`nncourse.exercises.runtime`.

Example:
    >>> from nncourse.exercises.ch01.reference import train
    >>> inputs = {**regression_data(np.random.default_rng(0)), "lr": 0.05, "epochs": 2,
    ...           "batch_size": 8, "seed": 0}
    >>> len(train_tiny_model(train, inputs, {})["losses"])
    2
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import runner


def model_classes() -> tuple[type, type]:
    """``(TinyLinear, TinyMSE)``: the model and loss the learner's loop trains."""
    from nncourse.numpy.module import Module, Parameter

    class TinyLinear(Module):
        """y = x @ weight.T + bias with weight (out, in) as in the course's Linear."""

        def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
            self.weight, self.bias = Parameter(weight), Parameter(bias)

        def forward(self, x):
            self.x = x
            return x @ self.weight.data.T + self.bias.data   # (B, in) @ (in, out) -> (B, out)

        def backward(self, grad_out):
            self.weight.grad = grad_out.T @ self.x          # (out, B) @ (B, in) -> (out, in)
            self.bias.grad = grad_out.sum(axis=0)
            return grad_out @ self.weight.data

    class TinyMSE:
        """Mean squared error with forward/backward (callable like forward)."""

        def forward(self, prediction, target):
            self.diff = prediction - target.reshape(prediction.shape)
            return float(np.mean(self.diff**2))

        __call__ = forward

        def backward(self):
            return 2 * self.diff / self.diff.size

    return TinyLinear, TinyMSE


def regression_data(rng: np.random.Generator, n: int = 45) -> dict:
    """A noisy linear regression task with 3 features and a small random initial weight."""
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=n)
    return {"x": x, "y": y.reshape(-1, 1), "weight": rng.normal(scale=0.1, size=(1, 3)),
            "bias": np.zeros(1)}


@runner("ch01.train_tiny_model")
def train_tiny_model(train: Any, inputs: dict, spec: dict) -> dict:
    """Run ``train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed)`` on the task.

    Returns:
        ``{"losses": what train returned, "weight": ..., "bias": ...}`` (the parameters after
        training).
    """
    from nncourse.numpy.optim import SGD

    TinyLinear, TinyMSE = model_classes()
    model = TinyLinear(np.array(inputs["weight"]), np.array(inputs["bias"]))
    optimizer = SGD(model.parameters(), lr=inputs["lr"])
    losses = train(model, TinyMSE(), optimizer, inputs["x"], inputs["y"], inputs["epochs"],
                   inputs["batch_size"], inputs["seed"])
    return {"losses": losses, "weight": np.array(model.weight.data),
            "bias": np.array(model.bias.data)}
