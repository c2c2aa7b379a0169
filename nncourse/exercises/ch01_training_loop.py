"""Chapter 1 exercises: mini-batches, the Perceptron ``fit``, the epoch loop, a learning rate.

The training exercises run the learner's loop on a tiny model defined here (a Linear
regressor on the course's Module/Parameter base and an MSE loss), with counters around the
optimizer and the model, so an off-by-one loop shows up as the wrong number of steps.

Example:
    >>> from nncourse.exercises import check
    >>> check("loop.learning_rate", 0.1).passed
    True
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from . import mistakes_ch01 as wrong
from .compare import answer_value, as_array, compare_arrays, describe_value
from .registry import Case, Exercise, Mistake, register
from .tiny_model import library_fit_losses, regression_data, run_training

LR_EPOCHS, LR_THRESHOLD = 10, 0.05   # loop.learning_rate: loss below threshold within N epochs


def _reference(exercise_id: str):
    """The instructor-side reference answer (judges run in the trusted process only)."""
    from nncourse.grading.solutions import get_solution

    return get_solution(exercise_id)


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
        batches = itertools.islice(fn(inputs["x"], inputs["y"], inputs["batch_size"], rng=rng),
                                   limit)
        epochs.append([list(batch) if isinstance(batch, tuple | list) else batch
                       for batch in batches])
    return epochs


def _mb_judge(part: str):
    def judge(inputs, outputs):
        n, size = len(inputs["x"]), inputs["batch_size"]
        orders = []
        for epoch in outputs:
            order = []
            for number, batch in enumerate(epoch):
                if not isinstance(batch, list) or len(batch) != 2:
                    return f"batch {number} is not a pair: yield (x_batch, y_batch) together."
                xb, problem = as_array(batch[0], "x_batch")
                yb, problem_y = as_array(batch[1], "y_batch")
                if problem or problem_y:
                    return problem or problem_y
                if xb.ndim != 2 or xb.shape[1] != 3 or len(yb) != len(xb):
                    return f"batch {number}: x_batch has shape {xb.shape}, y_batch {yb.shape}; " \
                           f"expected (b, 3) and (b,) with b <= {size}."
                if part == "paired" and not np.array_equal(xb[:, 0], yb.ravel()):
                    return "x_batch and y_batch rows do not belong together: index x and y " \
                           "with the same permutation."
                order.extend(xb[:, 0].astype(int).tolist())
            sizes = [len(batch[0]) for batch in epoch]
            want = [size] * (n // size) + ([n % size] if n % size else [])
            if part == "sizes" and sizes != want:
                return f"batch sizes {sizes}, expected {want}: full batches of {size} and a " \
                       f"smaller last one (keep the partial batch)."
            orders.append(order)
        if part == "once":
            for order in orders:
                if sorted(order) != list(range(n)):
                    missing = sorted(set(range(n)) - set(order))
                    return f"an epoch must visit all {n} samples exactly once; saw {len(order)} " \
                           f"(missing {missing[:5]}, repeated {len(order) - len(set(order))})."
        if part == "shuffled":
            if orders[0] == sorted(orders[0]):
                return "the samples come in their original order: shuffle with " \
                       "rng.permutation(len(x))."
            if orders[0] == orders[1]:
                return "both epochs used the same order: draw a new permutation from the rng " \
                       "you are given on every call (do not create a new generator inside)."
        return None
    return judge


register(Exercise(
    id="loop.iterate_minibatches", title="Shuffled mini-batches", chapter="ch01",
    run=_mb_run,
    prompt="Write a generator `iterate_minibatches(x, y, batch_size, rng)` yielding "
           "(x_batch, y_batch): every sample exactly once per call, in a new random order drawn "
           "from rng, the last batch possibly smaller.",
    hints=["order = rng.permutation(len(x)); then slice order[start:start + batch_size]."],
    cases=[Case("batch sizes", 1, _mb_inputs, _mb_judge("sizes")),
           Case("every sample once", 1, _mb_inputs, _mb_judge("once")),
           Case("x and y paired", 1, _mb_inputs, _mb_judge("paired")),
           Case("shuffled", 1, _mb_inputs, _mb_judge("shuffled"))],
    mistakes=[Mistake("no shuffling", wrong.mb_in_order, "original order"),
              Mistake("drops the last partial batch", wrong.mb_drops_last,
                      ("keep the partial batch", "exactly once")),
              Mistake("x and y shuffled separately", wrong.mb_unpaired, "do not belong together"),
              Mistake("a new generator on every call", wrong.mb_new_generator,
                      "same order"),
              Mistake("yields only x", wrong.mb_only_x, "not a pair")],
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
            return f"returned {describe_value(outputs)}; expected the tuple " \
                   f"(weights, bias, errors_per_epoch)."
        weights, problem = as_array(outputs[0], "weights")
        if problem or weights.shape != (2,):
            return problem or f"weights has shape {weights.shape}, expected (2,) = (features,)."
        bias, problem = as_array(outputs[1], "bias")
        if problem or bias.size != 1:
            return problem or f"bias has shape {bias.shape}; expected a single number."
        errors = outputs[2]
        if not isinstance(errors, list | np.ndarray) or len(errors) != inputs["epochs"]:
            length = len(errors) if isinstance(errors, list | np.ndarray) else "no"
            return f"errors_per_epoch has {length} entries for epochs={inputs['epochs']}; " \
                   f"expected one per epoch."
        if part == "separates":
            predictions = (inputs["X"] @ weights + float(bias.ravel()[0]) > 0).astype(float)
            wrong_count = int(np.sum(predictions != inputs["y"]))
            if wrong_count:
                return f"the returned weights misclassify {wrong_count} of {len(predictions)} " \
                       f"separable training points: update w += lr·(y - prediction)·x."
            if int(errors[-1]) != 0:
                return f"errors_per_epoch[-1] is {errors[-1]}, not 0, although the data are " \
                       f"separated: count only the samples that caused an update."
        if part == "reference":
            want = _reference("loop.perceptron_fit")(**inputs)
            if float(bias.ravel()[0]) == 0.0 and want[1] != 0.0:
                return "bias stayed 0: update the bias on every mistake too, b += update."
            message = compare_arrays("weights", weights, want[0]) or \
                compare_arrays("errors_per_epoch", np.asarray(errors, float),
                               np.asarray(want[2], float))
            if message:
                return message.rstrip(".") + "; shuffle once per epoch with " \
                    "rng.permutation(len(X)), rng = np.random.default_rng(seed) made once."
        return None
    return judge


register(Exercise(
    id="loop.perceptron_fit", title="The Perceptron fit() loop", chapter="ch01",
    run=_perceptron_run,
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
    mistakes=[Mistake("update with the wrong sign", wrong.perceptron_wrong_sign, "misclassify"),
              Mistake("one epoch too few", wrong.perceptron_short, "entries for epochs"),
              Mistake("no shuffling", wrong.perceptron_unshuffled, "shuffle once per epoch"),
              Mistake("bias never updated", wrong.perceptron_no_bias, "bias"),
              Mistake("counts correct predictions as errors", wrong.perceptron_counts_correct,
                      "errors_per_epoch[-1]"),
              Mistake("returns only the weights", wrong.perceptron_weights_only,
                      "(weights, bias, errors_per_epoch)")],
))


# ----------------------------------------------------------------------------- fit_epochs
def _fit_inputs(rng):
    data = regression_data(rng, n=41)      # 16 + 16 + 9: the last batch is much smaller
    data["x"][-9:] *= 3.0                    # ...and its samples have larger losses
    return {**data, "lr": 0.01, "epochs": 5, "batch_size": 16, "seed": int(rng.integers(1000))}


def _fit_reference(inputs: dict) -> dict:
    """The library loop on fresh copies of the model: weighted, unweighted, same-order losses."""
    ref = {k: inputs[k] for k in ("x", "y", "weight", "bias", "lr", "epochs", "batch_size",
                                  "seed")}
    batches: list = []

    def recorded(*args):
        return library_fit_losses(*args, record=batches)

    weighted = np.asarray(run_training(recorded, ref)["losses"])
    unweighted = np.array([np.mean([loss for loss, _ in epoch]) for epoch in batches])
    same_order = np.asarray(run_training(wrong.fit_same_order, ref)["losses"])
    return {"weighted": weighted, "unweighted": unweighted, "same_order": same_order}


def _fit_judge(part: str):
    def judge(inputs, outputs):
        losses, problem = as_array(outputs["losses"], "losses")
        if problem:
            return problem + " (the list of per-epoch mean losses)."
        epochs, n, size = inputs["epochs"], len(inputs["x"]), inputs["batch_size"]
        steps_per_epoch = math.ceil(n / size)
        if part == "counts":
            if losses.shape != (epochs,):
                how = "one epoch too few" if losses.size == epochs - 1 else (
                    "one epoch too many" if losses.size == epochs + 1 else "the wrong number of "
                                                                           "epochs")
                return f"returned {losses.size} losses for epochs={epochs}: the loop runs " \
                       f"{how}; use `for epoch in range(epochs)` and append once per epoch."
            if not outputs.get("trained", False):
                return "the model's parameters never changed: each batch needs " \
                       "model.backward(loss_fn.backward()) and optimizer.step()."
            if outputs["samples"] != epochs * n:
                return f"the model saw {outputs['samples']} samples, expected {epochs} × {n}: " \
                       f"every epoch visits every sample once (keep the last partial batch)."
            if outputs["steps"] != epochs * steps_per_epoch:
                return f"optimizer.step() ran {outputs['steps']} times, expected " \
                       f"{epochs * steps_per_epoch} = epochs × ceil(N / batch_size)."
            return None
        ref = _fit_reference(inputs)
        expected = ref["weighted"]
        if losses.shape == expected.shape and np.all(np.isfinite(losses)):
            if np.allclose(losses, expected, rtol=1e-6):
                return None
            if np.allclose(losses, ref["unweighted"], rtol=1e-6):
                return "the epoch loss is the unweighted mean of the batch losses, but the last " \
                       "batch is smaller: weight each batch loss by its size, " \
                       "sum(batch_loss * len(batch)) / N."
            if np.allclose(losses, ref["same_order"], rtol=1e-6):
                return "every epoch reuses the same shuffle order: create " \
                       "rng = np.random.default_rng(seed) once, before the epoch loop, and draw " \
                       "a new permutation from it in each epoch."
            if np.allclose(losses, expected * n, rtol=1e-6):
                return "losses are the sum over the samples, not the mean: divide the epoch " \
                       "total by N."
        return compare_arrays("losses", losses, expected, rtol=1e-6)
    return judge


register(Exercise(
    id="loop.fit_epochs", title="The epoch loop", chapter="ch01",
    run=run_training,
    prompt="Write `train(model, loss_fn, optimizer, x, y, epochs, batch_size, seed) -> losses`: "
           "make rng = np.random.default_rng(seed) once; for each epoch, shuffle with "
           "rng.permutation(len(x)), then per mini-batch: prediction = model(x_batch), "
           "loss = loss_fn.forward(prediction, y_batch), model.backward(loss_fn.backward()), "
           "optimizer.step(); return one loss per epoch, the mean over the epoch's samples "
           "(weight each batch loss by its size).",
    hints=["The epoch loss is the mean over the epoch's samples: sum(batch_loss * batch_len) / N.",
           "range(epochs) runs exactly `epochs` times; range(1, epochs) runs one fewer."],
    cases=[Case("epochs and steps", 2, _fit_inputs, _fit_judge("counts")),
           Case("losses match the reference", 2, _fit_inputs, _fit_judge("losses"))],
    mistakes=[Mistake("one epoch too few", wrong.fit_short, "one epoch too few"),
              Mistake("drops the last partial batch", wrong.fit_drops_last,
                      "visits every sample once"),
              Mistake("unweighted mean of batch losses", wrong.fit_unweighted, "unweighted mean"),
              Mistake("a new generator every epoch", wrong.fit_same_order, "same shuffle order"),
              Mistake("epoch loss summed, not averaged", wrong.fit_sum, "not the mean")],
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
        losses = run_training(library_fit_losses, inputs)["losses"]
    return float(losses[-1]) if len(losses) == epochs else float("nan")


def _lr_run(obj, inputs):
    value = answer_value(obj)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"expected a number (the learning rate); got {describe_value(value)}. "
                        f"Write it as learning_rate = 0.05 and pass learning_rate")
    return float(value)


def _lr_judge(inputs, outputs):
    if not isinstance(outputs, float) or not outputs > 0:
        return f"expected a positive learning rate; got {outputs!r:.40}."
    loss = learning_rate_final_loss(outputs, inputs["epochs"])
    if np.isfinite(loss) and loss < LR_THRESHOLD:
        return None
    if not np.isfinite(loss) or loss > learning_rate_final_loss(0.0, 1):
        return f"lr = {outputs:g} diverges (final loss {loss:.3g}): the steps overshoot more " \
               f"each time; try a smaller rate."
    if learning_rate_final_loss(0.7 * outputs, inputs["epochs"]) < loss:
        return f"lr = {outputs:g} oscillates near the stability limit: the loss ends at " \
               f"{loss:.3g} after {inputs['epochs']} epochs (needs < {LR_THRESHOLD}) because " \
               f"every step overshoots; a somewhat smaller rate converges faster."
    return f"lr = {outputs:g} reaches loss {loss:.3g} after {inputs['epochs']} epochs, needs " \
           f"< {LR_THRESHOLD}; too slow: try a larger rate."


register(Exercise(
    id="loop.learning_rate", title="Pick a learning rate that converges", chapter="ch01",
    kind="widget", run=_lr_run,
    prompt=f"Find a learning rate for which the course's linear model (SGD, batch 15) gets its "
           f"training loss below {LR_THRESHOLD} within {LR_EPOCHS} epochs; write it down as "
           f"`learning_rate = ...` and record it with "
           f"`answer('loop.learning_rate', learning_rate)`.",
    hints=["Watch the loss curve: flat means too small, growing or NaN means too large."],
    widget={"log_slider": {"min": -4, "max": 0.5, "value": -3, "description": "learning rate"}},
    cases=[Case(f"converges within {LR_EPOCHS} epochs", 2, lambda rng: {"epochs": LR_EPOCHS},
                _lr_judge)],
    mistakes=[Mistake("far too small", 1e-3, "too slow"),
              Mistake("a little too small", 0.03, ("too slow", "larger")),
              Mistake("near the stability limit", 1.0, ("oscillates", "smaller")),
              Mistake("just below the limit", 0.9, "oscillates near the stability limit"),
              Mistake("above the limit", 1.1, "diverges"),
              Mistake("a string", "0.1", "expected a number")],
))
