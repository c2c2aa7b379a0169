"""The tiny training task of chapter 1's exercises: a linear model, an MSE loss, counters.

The learner's loop runs on a Linear regressor built on the course's Module/Parameter base, with
counters around the optimizer and the model, so an off-by-one loop shows up as the wrong number
of steps. :func:`library_fit_losses` runs the library's :func:`nncourse.numpy.training.fit` on
the same task: the judges' reference.

Example:
    >>> inputs = {**regression_data(np.random.default_rng(0)), "lr": 0.05, "epochs": 2,
    ...           "batch_size": 8, "seed": 0}
    >>> run_training(library_fit_losses, inputs)["steps"]
    12
"""

from __future__ import annotations

import numpy as np


def library_fit_losses(model, loss_fn, optimizer, x, y, epochs, batch_size, seed,
                       record=None):
    """Per-epoch losses of the library's :func:`nncourse.numpy.training.fit` (no metrics).

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


def _model_classes():
    from nncourse.numpy.module import Module, Parameter

    class TinyLinear(Module):
        """y = x @ weight.T + bias with weight (out, in) as in the course's Linear."""

        def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
            self.weight, self.bias = Parameter(weight), Parameter(bias)
            self.forward_samples = 0

        def forward(self, x):
            self.forward_samples += len(x)
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


class _CountingOptimizer:
    """Wraps SGD and counts step() calls."""

    def __init__(self, model, lr: float) -> None:
        from nncourse.numpy.optim import SGD

        self._sgd = SGD(model.parameters(), lr=lr)
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        self._sgd.step()

    def zero_grad(self) -> None:
        self._sgd.zero_grad()

    def __getattr__(self, name):
        return getattr(self._sgd, name)


def regression_data(rng, n: int = 45):
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=n)
    return {"x": x, "y": y.reshape(-1, 1), "weight": rng.normal(scale=0.1, size=(1, 3)),
            "bias": np.zeros(1)}


def run_training(train, inputs: dict) -> dict:
    """Run a ``train`` function on the tiny model; return losses and the counters."""
    TinyLinear, TinyMSE = _model_classes()
    model = TinyLinear(inputs["weight"], inputs["bias"])
    optimizer = _CountingOptimizer(model, inputs["lr"])
    losses = train(model, TinyMSE(), optimizer, inputs["x"], inputs["y"], inputs["epochs"],
                   inputs["batch_size"], inputs["seed"])
    # The final parameters go back too: counters can be set by learner code, so the judge also
    # checks that training really moved the weights.
    return {"losses": losses, "steps": optimizer.steps, "samples": model.forward_samples,
            "trained": bool(not np.array_equal(model.weight.data, inputs["weight"])
                            or not np.array_equal(model.bias.data, inputs["bias"]))}
