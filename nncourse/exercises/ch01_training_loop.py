"""Chapter 1 exercises: mini-batches, the Perceptron ``fit``, the epoch loop, a learning rate.

The training exercises run the learner's loop on a tiny model defined here (a Linear
regressor on the course's Module/Parameter base and an MSE loss), with counters around the
optimizer and the model, so an off-by-one loop shows up as the wrong number of steps.

Example:
    >>> from nncourse.exercises import check
    >>> check("loop.fit_epochs", train_solution).passed
    True
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .compare import answer_value, as_array, compare_arrays
from .registry import Case, Exercise, register

LR_EPOCHS, LR_THRESHOLD = 10, 0.05   # loop.learning_rate: loss below threshold within N epochs


# ----------------------------------------------------------------------------- solutions
def iterate_minibatches_solution(x, y, batch_size, rng):
    """Reference: a new random order each call, the last batch may be smaller."""
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        yield x[index], y[index]


def perceptron_fit_solution(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Reference Perceptron fit: labels 0/1, step activation, one update per sample."""
    rng = np.random.default_rng(seed)
    weights, bias = np.zeros(X.shape[1]), 0.0
    errors_per_epoch = []
    for _ in range(epochs):
        errors = 0
        for i in rng.permutation(len(X)):       # shuffle every epoch
            prediction = 1.0 if X[i] @ weights + bias > 0 else 0.0
            update = learning_rate * (y[i] - prediction)   # 0 when the sample is right
            weights = weights + update * X[i]
            bias += update
            errors += int(update != 0)
        errors_per_epoch.append(errors)
    return weights, bias, errors_per_epoch


def train_solution(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """Reference loop: returns the mean loss over the samples of each epoch."""
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        total = 0.0
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            index = order[start:start + batch_size]
            prediction = model(x[index])
            loss = loss_fn.forward(prediction, y[index])
            model.backward(loss_fn.backward())
            optimizer.step()
            total += loss * len(index)           # weight by batch size: the last one is small
        losses.append(total / len(x))
    return losses


LEARNING_RATE_SOLUTION = 0.1


# ----------------------------------------------------------------------------- tiny model
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


def _regression_data(rng, n: int = 45):
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
    return {"losses": losses, "steps": optimizer.steps, "samples": model.forward_samples}


# ----------------------------------------------------------------------------- iterate_minibatches
def _mb_inputs(rng):
    n = 23
    ids = np.arange(n, dtype=np.float64)
    return {"x": np.stack([ids, -ids, 0.5 * ids], axis=1), "y": ids.copy(), "batch_size": 5,
            "seed": int(rng.integers(1 << 30))}


def _mb_run(fn, inputs):
    rng = np.random.default_rng(inputs["seed"])
    limit = len(inputs["x"]) + 5                     # a generator that never stops is cut
    epochs = []
    for _ in range(2):
        batches = itertools.islice(fn(inputs["x"], inputs["y"], inputs["batch_size"], rng), limit)
        epochs.append([list(batch) for batch in batches])
    return epochs


def _mb_judge(part: str):
    def judge(inputs, outputs):
        n, size = len(inputs["x"]), inputs["batch_size"]
        orders = []
        for epoch in outputs:
            order = []
            for number, batch in enumerate(epoch):
                if len(batch) != 2:
                    return f"batch {number} is not a pair (x_batch, y_batch)"
                xb, problem = as_array(batch[0], "x_batch")
                yb, problem_y = as_array(batch[1], "y_batch")
                if problem or problem_y:
                    return problem or problem_y
                if xb.ndim != 2 or xb.shape[1] != 3 or len(yb) != len(xb):
                    return f"batch {number}: x_batch {xb.shape}, y_batch {yb.shape}; expected " \
                           f"(b, 3) and (b,) with b <= {size}"
                if part == "paired" and not np.array_equal(xb[:, 0], yb.ravel()):
                    return "x_batch and y_batch rows do not belong together: index x and y " \
                           "with the same permutation"
                order.extend(xb[:, 0].astype(int).tolist())
            sizes = [len(batch[0]) for batch in epoch]
            want = [size] * (n // size) + ([n % size] if n % size else [])
            if part == "sizes" and sizes != want:
                return f"batch sizes {sizes}, expected {want}: full batches of {size} and a " \
                       f"smaller last one (keep the partial batch)"
            orders.append(order)
        if part == "once":
            for order in orders:
                if sorted(order) != list(range(n)):
                    missing = sorted(set(range(n)) - set(order))
                    return f"an epoch must visit all {n} samples exactly once; saw {len(order)} " \
                           f"(missing {missing[:5]}, repeated {len(order) - len(set(order))})"
        if part == "shuffled":
            if orders[0] == sorted(orders[0]):
                return "the samples come in their original order: shuffle with " \
                       "rng.permutation(len(x))"
            if orders[0] == orders[1]:
                return "both epochs used the same order: draw a new permutation per call"
        return None
    return judge


register(Exercise(
    id="loop.iterate_minibatches", title="Shuffled mini-batches", chapter="ch01",
    run=_mb_run, solution=iterate_minibatches_solution,
    prompt="Write a generator `iterate_minibatches(x, y, batch_size, rng)` yielding "
           "(x_batch, y_batch): every sample exactly once per call, in a new random order drawn "
           "from rng, the last batch possibly smaller.",
    hints=["order = rng.permutation(len(x)); then slice order[start:start + batch_size]."],
    cases=[Case("batch sizes", 1, _mb_inputs, _mb_judge("sizes")),
           Case("every sample once", 1, _mb_inputs, _mb_judge("once")),
           Case("x and y paired", 1, _mb_inputs, _mb_judge("paired")),
           Case("shuffled", 1, _mb_inputs, _mb_judge("shuffled"))],
))


# ----------------------------------------------------------------------------- perceptron
def _perceptron_inputs(rng):
    X = rng.uniform(-3, 3, size=(80, 2))
    margin = X @ np.array([1.0, -1.0]) + 0.5
    X = X[np.abs(margin) > 0.8][:40]               # a clear margin: the Perceptron converges
    y = (X @ np.array([1.0, -1.0]) + 0.5 > 0).astype(np.float64)
    return {"X": X, "y": y, "learning_rate": 0.1, "epochs": 30, "seed": int(rng.integers(1000))}


def _perceptron_run(fn, inputs):
    return fn(inputs["X"], inputs["y"], inputs["learning_rate"], inputs["epochs"], inputs["seed"])


def _perceptron_judge(part: str):
    def judge(inputs, outputs):
        if not isinstance(outputs, list) or len(outputs) != 3:
            return "expected (weights, bias, errors_per_epoch)"
        weights, problem = as_array(outputs[0], "weights")
        if problem or weights.shape != (2,):
            return problem or f"weights has shape {weights.shape}, expected (2,) = (features,)"
        bias, problem = as_array(outputs[1], "bias")
        if problem or bias.size != 1:
            return problem or f"bias has shape {bias.shape}; expected a single number"
        errors = outputs[2]
        if not isinstance(errors, list | np.ndarray) or len(errors) != inputs["epochs"]:
            length = len(errors) if isinstance(errors, list | np.ndarray) else "no"
            return f"errors_per_epoch has {length} entries for epochs={inputs['epochs']}; " \
                   f"expected one per epoch"
        if part == "separates":
            predictions = (inputs["X"] @ weights + float(bias.ravel()[0]) > 0).astype(float)
            wrong = int(np.sum(predictions != inputs["y"]))
            if wrong:
                return f"the returned weights misclassify {wrong} of {len(predictions)} " \
                       f"separable training points: update w += lr·(y - prediction)·x"
            if int(errors[-1]) != 0:
                return "errors_per_epoch[-1] is not 0 although the data are separated"
        if part == "reference":
            want = perceptron_fit_solution(**inputs)
            return compare_arrays("weights", weights, want[0]) or \
                compare_arrays("errors_per_epoch", np.asarray(errors, float),
                               np.asarray(want[2], float))
        return None
    return judge


register(Exercise(
    id="loop.perceptron_fit", title="The Perceptron fit() loop", chapter="ch01",
    run=_perceptron_run, solution=perceptron_fit_solution,
    prompt="Fill in `perceptron_fit(X, y, learning_rate, epochs, seed=0) -> (weights, bias, "
           "errors_per_epoch)`: labels 0/1, prediction 1 if X[i] @ w + b > 0, an update on every "
           "mistake, a new order each epoch from rng = np.random.default_rng(seed) "
           "(rng.permutation(len(X))).",
    hints=["update = learning_rate * (y[i] - prediction); w += update * X[i]; b += update.",
           "Count the samples with update != 0 in each epoch."],
    cases=[Case("returns weights, bias, errors", 1, _perceptron_inputs,
                _perceptron_judge("shapes")),
           Case("separates the data", 2, _perceptron_inputs, _perceptron_judge("separates")),
           Case("matches the reference order", 1, _perceptron_inputs,
                _perceptron_judge("reference"),
                hint="Shuffle with rng.permutation(len(X)) once per epoch, rng made from seed.")],
))


# ----------------------------------------------------------------------------- fit_epochs
def _fit_inputs(rng):
    data = _regression_data(rng)
    return {**data, "lr": 0.05, "epochs": 5, "batch_size": 8, "seed": int(rng.integers(1000))}


def _fit_judge(part: str):
    def judge(inputs, outputs):
        losses, problem = as_array(outputs["losses"], "losses")
        if problem:
            return problem + " (the list of per-epoch mean losses)"
        epochs, n, size = inputs["epochs"], len(inputs["x"]), inputs["batch_size"]
        steps_per_epoch = math.ceil(n / size)
        if part == "counts":
            if losses.shape != (epochs,):
                how = "one epoch too few" if losses.size == epochs - 1 else (
                    "one epoch too many" if losses.size == epochs + 1 else "wrong epochs")
                return f"returned {losses.size} losses for epochs={epochs}: the loop runs " \
                       f"{how} — use `for epoch in range(epochs)` and append once per epoch"
            if outputs["samples"] != epochs * n:
                return f"the model saw {outputs['samples']} samples, expected {epochs} × {n}: " \
                       f"every epoch visits every sample once (keep the last partial batch)"
            if outputs["steps"] != epochs * steps_per_epoch:
                return f"optimizer.step() ran {outputs['steps']} times, expected " \
                       f"{epochs * steps_per_epoch} = epochs × ceil(N / batch_size)"
            return None
        if not np.all(np.isfinite(losses)) or losses[-1] >= losses[0]:
            return f"the loss did not go down ({losses[0]:.3g} -> {losses[-1]:.3g})"
        ref = {k: inputs[k] for k in ("x", "y", "weight", "bias", "lr", "epochs", "batch_size",
                                      "seed")}
        expected = np.asarray(run_training(train_solution, ref)["losses"])
        unweighted = np.asarray(run_training(_train_unweighted, ref)["losses"])
        if losses.shape == expected.shape and np.allclose(losses, unweighted, rtol=1e-6):
            return None
        return compare_arrays("losses", losses, expected, rtol=1e-6)
    return judge


def _train_unweighted(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """Like train_solution but the epoch loss is the plain mean of the batch losses."""
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        batch_losses = []
        for start in range(0, len(x), batch_size):
            index = order[start:start + batch_size]
            batch_losses.append(loss_fn.forward(model(x[index]), y[index]))
            model.backward(loss_fn.backward())
            optimizer.step()
        losses.append(float(np.mean(batch_losses)))
    return losses


register(Exercise(
    id="loop.fit_epochs", title="The epoch loop", chapter="ch01",
    run=run_training, solution=train_solution,
    prompt="Write `train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed) -> losses`: "
           "for each epoch, shuffle with rng = np.random.default_rng(seed) "
           "(rng.permutation(len(x))), then per mini-batch: forward, loss_fn.forward, "
           "model.backward(loss_fn.backward()), optimizer.step(); return one mean loss per epoch.",
    hints=["The epoch loss is the mean over the epoch's samples: sum(batch_loss * batch_len) / N.",
           "range(epochs) runs exactly `epochs` times; range(1, epochs) runs one fewer."],
    cases=[Case("epochs and steps", 2, _fit_inputs, _fit_judge("counts")),
           Case("losses match the reference", 1, _fit_inputs, _fit_judge("losses"))],
))


# ----------------------------------------------------------------------------- learning rate
def learning_rate_final_loss(learning_rate: float, epochs: int = LR_EPOCHS) -> float:
    """Final epoch loss of the reference loop on the fixed regression task with this rate.

    Example:
        >>> learning_rate_final_loss(LEARNING_RATE_SOLUTION) < LR_THRESHOLD
        True
    """
    inputs = {**_regression_data(np.random.default_rng(2024)), "lr": float(learning_rate),
              "epochs": epochs, "batch_size": 15, "seed": 0}
    with np.errstate(over="ignore", invalid="ignore"):
        return float(run_training(train_solution, inputs)["losses"][-1])


def _lr_run(obj, inputs):
    value = answer_value(obj)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"expected a number (the learning rate); got {type(value).__name__}")
    return float(value)


def _lr_judge(inputs, outputs):
    if not isinstance(outputs, float) or not outputs > 0:
        return f"expected a positive learning rate; got {outputs!r:.40}"
    loss = learning_rate_final_loss(outputs, inputs["epochs"])
    if np.isfinite(loss) and loss < LR_THRESHOLD:
        return None
    if not np.isfinite(loss) or loss > learning_rate_final_loss(0.0, 1):
        return f"lr = {outputs:g} diverges (final loss {loss:.3g}); try a smaller rate"
    return f"lr = {outputs:g} reaches loss {loss:.3g} after {inputs['epochs']} epochs, needs " \
           f"< {LR_THRESHOLD}; too slow — try a larger rate"


register(Exercise(
    id="loop.learning_rate", title="Pick a learning rate that converges", chapter="ch01",
    kind="widget", run=_lr_run, solution=LEARNING_RATE_SOLUTION,
    prompt=f"Find a learning rate for which the course's linear model (SGD, batch 15) gets its "
           f"training loss below {LR_THRESHOLD} within {LR_EPOCHS} epochs.",
    hints=["Watch the loss curve: flat means too small, growing or NaN means too large."],
    widget={"log_slider": {"min": -4, "max": 0.5, "value": -3, "description": "learning rate"}},
    cases=[Case(f"converges within {LR_EPOCHS} epochs", 2, lambda rng: {"epochs": LR_EPOCHS},
                _lr_judge)],
))
