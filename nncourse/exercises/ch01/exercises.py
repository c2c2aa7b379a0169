"""Chapter 1's exercises: mini-batches, the Perceptron ``fit``, the epoch loop, a learning rate.

The epoch loop runs on the tiny model of :mod:`.runners`; its judge compares the weights
after training with the library loop run on the same data and seed, so no counter on a
learner-reachable object decides anything.

Example:
    >>> from nncourse.exercises import check
    >>> check("loop.learning_rate", 0.1).passed
    True
"""

from __future__ import annotations

import numpy as np

from ...i18n import _
from ..compare import as_array, describe_value
from ..registry import Case, Exercise, Probe, register
from . import mistakes as wrong
from .reference import train
from .runners import regression_data, train_tiny_model

LR_EPOCHS, LR_THRESHOLD = 10, 0.05   # loop.learning_rate: loss below threshold within N epochs


# ----------------------------------------------------------------------------- iterate_minibatches
def _mb_inputs(rng):
    n = 23
    ids = np.arange(n, dtype=np.float64)
    return {"x": np.stack([ids, -ids, 0.5 * ids], axis=1), "y": ids.copy(), "batch_size": 5,
            "rng": int(rng.integers(1 << 30))}


def _mb_judge(part: str):
    def judge(inputs, outputs):
        if not isinstance(outputs, list) or len(outputs) != 2:
            return _("iterate_minibatches must be a generator function: `yield` each "
                     "batch.")
        n, size = len(inputs["x"]), inputs["batch_size"]
        orders = []
        for epoch in outputs:
            order = []
            if not isinstance(epoch, list):
                return _("iterate_minibatches must be a generator function: `yield` "
                         "each batch.")
            for number, batch in enumerate(epoch):
                if not isinstance(batch, list) or len(batch) != 2:
                    return _("batch {number} is not a pair: yield (x_batch, y_batch) "
                             "together.").format(
                               number=number)
                xb, problem = as_array(batch[0], "x_batch")
                yb, problem_y = as_array(batch[1], "y_batch")
                if problem or problem_y:
                    return problem or problem_y
                if xb.ndim != 2 or xb.shape[1] != 3 or len(yb) != len(xb):
                    return _("batch {number}: x_batch has shape {xb_shape}, y_batch "
                             "{yb_shape}; expected (b, 3) and (b,) with b <= {size}.").format(
                               number=number, xb_shape=xb.shape, yb_shape=yb.shape, size=size)
                if part == "paired" and not np.array_equal(xb[:, 0], yb.ravel()):
                    return _("x_batch and y_batch rows do not belong together: index x "
                             "and y with the same permutation.")
                order.extend(xb[:, 0].astype(int).tolist())
            sizes = [len(batch[0]) for batch in epoch]
            want = [size] * (n // size) + ([n % size] if n % size else [])
            if part == "sizes" and sizes != want:
                return _("batch sizes {sizes}, expected {want}: full batches of {size} "
                         "and a smaller last one (keep the partial batch).").format(
                           sizes=sizes, want=want, size=size)
            orders.append(order)
        if part == "once":
            for order in orders:
                if sorted(order) != list(range(n)):
                    missing = sorted(set(range(n)) - set(order))
                    return _("an epoch must visit all {n} samples exactly once; saw "
                             "{len_order} (missing {missing_5}, repeated {order}).").format(
                               n=n, len_order=len(order), missing_5=missing[:5],
                               order=len(order) - len(set(order)))
        if part == "shuffled":
            if orders[0] == sorted(orders[0]):
                return _("the samples come in their original order: shuffle with "
                         "rng.permutation(len(x)).")
            if orders[0] == orders[1]:
                return _("both epochs used the same order: draw a new permutation from "
                         "the rng you are given on every call (do not create a new "
                         "generator inside).")
        return None
    return judge


register(Exercise(
    id="loop.iterate_minibatches", title="Shuffled mini-batches", chapter="ch01",
    reference="nncourse.numpy.training.iterate_minibatches", shared_inputs=True,
    call={"runner": "generator", "args": ["x", "y", "batch_size"], "kwargs": {"rng": "rng"},
          "generators": ["rng"], "repeat": 2, "limit": 28},
    expects={"returns": "a generator yielding (x_batch, y_batch) pairs",
             "inputs": {"x": "an array (23, 3)", "y": "an array (23,)",
                        "batch_size": "an int (5)", "rng": "a np.random.Generator"}},
    prompt="Write a generator `iterate_minibatches(x, y, batch_size, rng)` yielding "
           "(x_batch, y_batch) pairs: every sample exactly once per call, in a new random order "
           "drawn from rng (`rng.permutation(len(x))`), full batches of batch_size and the last "
           "batch possibly smaller. The checker calls it twice with the same rng (keyword "
           "`rng=rng`): the two calls must give different orders.",
    hints=["order = rng.permutation(len(x)); then slice order[start:start + batch_size]."],
    cases=[Case("batch sizes", 1, _mb_inputs, _mb_judge("sizes")),
           Case("every sample once", 1, _mb_inputs, _mb_judge("once")),
           Case("x and y paired", 1, _mb_inputs, _mb_judge("paired")),
           Case("shuffled", 1, _mb_inputs, _mb_judge("shuffled"))],
    mistakes=wrong.MINIBATCHES,
))


# ----------------------------------------------------------------------------- perceptron
def _perceptron_inputs(rng):
    X = rng.uniform(-3, 3, size=(80, 2))
    margin = X @ np.array([1.0, -1.0]) + 0.5
    X = X[np.abs(margin) > 0.8][:24]     # a clear margin: converges within 5 epochs (3000 seeds)
    y = (X @ np.array([1.0, -1.0]) + 0.5 > 0).astype(np.float64)
    return {"X": X, "y": y, "learning_rate": 0.1, "epochs": 12, "seed": int(rng.integers(1000))}


def _perceptron_judge(part: str):
    def judge(inputs, outputs):
        if not isinstance(outputs, list) or len(outputs) != 3:
            return _("returned {outputs}; expected the tuple (weights, bias, "
                     "errors_per_epoch).").format(
                       outputs=describe_value(outputs))
        weights, problem = as_array(outputs[0], "weights")
        if problem or weights.shape != (2,):
            return problem or _("weights has shape {shape}, expected (2,) = "
                                "(features,).").format(shape=weights.shape)
        bias, problem = as_array(outputs[1], "bias")
        if problem or bias.size != 1:
            return problem or _("bias has shape {shape}; expected a single "
                                "number.").format(shape=bias.shape)
        errors = outputs[2]
        if not isinstance(errors, list | np.ndarray):
            return _("errors_per_epoch has no entries for epochs={inputs_epochs}; expected one "
                     "per epoch.").format(inputs_epochs=inputs["epochs"])
        if len(errors) != inputs["epochs"]:
            return _("errors_per_epoch has {length} entries for "
                     "epochs={inputs_epochs}; expected one per epoch.").format(
                       length=len(errors), inputs_epochs=inputs['epochs'])
        if part == "separates":
            predictions = (inputs["X"] @ weights + float(bias.ravel()[0]) > 0).astype(float)
            wrong_count = int(np.sum(predictions != inputs["y"]))
            if wrong_count:
                return _("the returned weights misclassify {wrong_count} of "
                         "{len_predictions} separable training points: update w += "
                         "lr·(y - prediction)·x.").format(
                           wrong_count=wrong_count, len_predictions=len(predictions))
            if int(errors[-1]) != 0:
                return _("errors_per_epoch[-1] is {errors_1}, not 0, although the data "
                         "are separated: count only the samples that caused an update.").format(
                           errors_1=errors[-1])
        return None
    return judge


def _fewer_samples(inputs):
    return {**inputs, "X": inputs["X"][:1], "y": inputs["y"][:1], "epochs": 1}


register(Exercise(
    id="loop.perceptron_fit", title="The Perceptron fit() loop", chapter="ch01",
    reference="nncourse.exercises.ch01.reference.perceptron_fit", shared_inputs=True,
    call={"runner": "call", "args": ["X", "y", "learning_rate", "epochs", "seed"]},
    output_names=("weights", "bias", "errors_per_epoch"), counter="epochs",
    expects={"returns": "the tuple (weights, bias, errors_per_epoch): an array (features,), "
                        "a float and a list of one int per epoch",
             "shapes": {"weights": "(features,)", "bias": "a single float",
                        "errors_per_epoch": "(epochs,): one count per epoch"}},
    prompt="Fill in `perceptron_fit(X, y, learning_rate, epochs, seed=0) -> (weights, bias, "
           "errors_per_epoch)`: weights start at zeros (features,), bias at 0.0 (a float); "
           "labels 0/1, prediction 1 if X[i] @ w + b > 0 else 0, "
           "update = learning_rate * (y[i] - prediction) applied to w and b for every sample, "
           "a new order each epoch from rng = np.random.default_rng(seed) made once "
           "(rng.permutation(len(X))); errors_per_epoch lists, per epoch, how many samples "
           "caused an update.",
    hints=["update = learning_rate * (y[i] - prediction); w += update * X[i]; b += update.",
           "Count the samples with update != 0 in each epoch."],
    cases=[Case("returns weights, bias, errors", 1, _perceptron_inputs, shapes_only=True),
           Case("separates the data", 2, _perceptron_inputs, _perceptron_judge("separates")),
           Case("matches the reference order", 1, _perceptron_inputs,
                hint="Shuffle with rng.permutation(len(X)) once per epoch, rng made from seed.")],
    probes=[Probe("one sample, one epoch", _fewer_samples,
                  "with one sample and one epoch your result is {got}, expected {expected}: "
                  "from zero weights the prediction is 0, so a label-1 sample moves w by "
                  "learning_rate * X[0] and b by learning_rate.")],
    mistakes=wrong.PERCEPTRON,
))


# ----------------------------------------------------------------------------- fit_epochs
def _fit_inputs(rng):
    data = regression_data(rng, n=41)      # 16 + 16 + 9: the last batch is much smaller
    data["x"][-9:] *= 3.0                    # ...and its samples have larger losses
    return {**data, "lr": 0.01, "epochs": 5, "batch_size": 16, "seed": int(rng.integers(1000))}


def _one_full_batch(inputs):
    return {**inputs, "epochs": 1, "batch_size": len(inputs["x"])}


register(Exercise(
    id="loop.fit_epochs", title="The epoch loop", chapter="ch01",
    reference="nncourse.exercises.ch01.reference.train", shared_inputs=True,
    call={"runner": "nncourse.exercises.ch01.runners:train_tiny_model"},
    counter="epochs",
    expects={"returns": "a list with one float per epoch (the epoch's mean loss)",
             "inputs": {"model": "the course's model: model(x_batch), model.backward(grad)",
                        "loss_fn": "loss_fn.forward(prediction, y_batch) -> float, "
                                   "loss_fn.backward() -> gradient",
                        "optimizer": "optimizer.step()",
                        "x, y": "arrays (41, 3) and (41, 1)",
                        "epochs, batch_size, seed": "ints"},
             "shapes": {"losses": "(epochs,): one mean loss per epoch"}},
    prompt="Write `train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed) -> losses`: "
           "make rng = np.random.default_rng(seed) once; for each epoch, shuffle with "
           "rng.permutation(len(x)), then per mini-batch (keep the last, smaller one): "
           "prediction = model(x_batch), loss = loss_fn.forward(prediction, y_batch), "
           "model.backward(loss_fn.backward()), optimizer.step(); return a list with one loss "
           "per epoch, the mean over the epoch's samples (weight each batch loss by its size). "
           "The checker compares the weights after training with the library's loop.",
    hints=["The epoch loss is the mean over the epoch's samples: sum(batch_loss * batch_len) / N.",
           "range(epochs) runs exactly `epochs` times; range(1, epochs) runs one fewer."],
    cases=[Case("trains like the reference", 2, _fit_inputs, outputs=("weight", "bias")),
           Case("losses match the reference", 2, _fit_inputs, outputs=("losses",))],
    probes=[Probe("one epoch, one full batch", _one_full_batch,
                  "with one epoch of a single full batch your result is {got}, expected "
                  "{expected}: the epoch loss is the loss loss_fn.forward returned for each "
                  "batch before its optimizer.step(), averaged over the samples.",
                  outputs=("losses",))],
    mistakes=wrong.FIT_EPOCHS,
))


# ----------------------------------------------------------------------------- learning rate
def learning_rate_final_loss(learning_rate: float, epochs: int = LR_EPOCHS) -> float:
    """Final epoch loss of the library loop on the fixed regression task with this rate.

    Example:
        >>> learning_rate_final_loss(0.1) < LR_THRESHOLD
        True
    """
    inputs = {**regression_data(np.random.default_rng(2024)), "lr": float(learning_rate),
              "epochs": epochs, "batch_size": 15, "seed": 0}
    with np.errstate(over="ignore", invalid="ignore"):
        losses = train_tiny_model(train, inputs, {})["losses"]
    return float(losses[-1]) if len(losses) == epochs else float("nan")


def _lr_judge(inputs, outputs):
    if isinstance(outputs, bool) or not isinstance(outputs, int | float):
        return _("expected a number (the learning rate); got {outputs}. Write it as "
                 "learning_rate = 0.05 and pass learning_rate").format(
                   outputs=describe_value(outputs))
    outputs = float(outputs)
    if not outputs > 0:
        return _("expected a positive learning rate; got {outputs!r:.40}.").format(
                   outputs=outputs)
    loss = learning_rate_final_loss(outputs, inputs["epochs"])
    if np.isfinite(loss) and loss < LR_THRESHOLD:
        return None
    if not np.isfinite(loss) or loss > learning_rate_final_loss(0.0, 1):
        return _("lr = {outputs:g} diverges (final loss {loss:.3g}): the steps "
                 "overshoot more each time; try a smaller rate.").format(
                   outputs=outputs, loss=loss)
    if learning_rate_final_loss(0.7 * outputs, inputs["epochs"]) < loss:
        return _("lr = {outputs:g} oscillates near the stability limit: the loss ends "
                 "at {loss:.3g} after {inputs_epochs} epochs (needs < {lr_threshold}) "
                 "because every step overshoots; a somewhat smaller rate converges "
                 "faster.").format(
                   outputs=outputs, loss=loss, inputs_epochs=inputs['epochs'],
                   lr_threshold=LR_THRESHOLD)
    return _("lr = {outputs:g} reaches loss {loss:.3g} after {inputs_epochs} epochs, "
             "needs < {lr_threshold}; too slow: try a larger rate.").format(
               outputs=outputs, loss=loss, inputs_epochs=inputs['epochs'],
               lr_threshold=LR_THRESHOLD)


register(Exercise(
    id="loop.learning_rate", title="Pick a learning rate that converges", chapter="ch01",
    kind="widget", reference="nncourse.exercises.ch01.reference.learning_rate",
    call={"runner": "value"},
    expects={"returns": "a positive number (the learning rate)"},
    prompt=f"Find a learning rate for which the course's linear model (SGD, batch 15) gets its "
           f"training loss below {LR_THRESHOLD} within {LR_EPOCHS} epochs; write it down as "
           f"`learning_rate = ...` (a number) and record it with "
           f"`answer('loop.learning_rate', learning_rate)`.",
    hints=["Watch the loss curve: flat means too small, growing or NaN means too large."],
    widget={"log_slider": {"min": -4, "max": 0.5, "value": -3, "description": "learning rate"}},
    cases=[Case(f"converges within {LR_EPOCHS} epochs", 2, lambda rng: {"epochs": LR_EPOCHS},
                _lr_judge)],
    mistakes=wrong.LEARNING_RATE,
))
