"""Training diagnostics: per-layer statistics of activations, gradients and updates.

What an experienced practitioner looks at when a network trains badly, as plain functions:

- :func:`tensor_statistics` -- mean, std, min, max of any array;
- :func:`saturation_fraction` -- the share of sigmoid/tanh units on a flat part of the curve;
- :func:`dead_fraction` -- the share of units that output exactly 0 for every example;
- :func:`update_to_data_ratio` -- std(update) / std(weights), Karpathy's ~1e-3 guide line;
- :func:`layer_statistics` -- one forward and one backward pass through a ``Sequential``,
  recording every layer's output and the gradient arriving at it;
- :func:`parameter_statistics` -- per weight matrix: std of the data and of the gradient;
- :class:`DiagnosticsRecorder` -- a training callback that records all of it as ``fit`` runs.

:mod:`nncourse.torch.diagnostics` has the same names, in the same order, on torch modules.
:mod:`nncourse.plots.diagnostics` draws the results.

Example:
    >>> model = Sequential(Linear(4, 8, seed=0), Tanh(), Linear(8, 2, seed=1))
    >>> stats = layer_statistics(model, np.ones((16, 4)))
    >>> [s["name"] for s in stats]
    ['0: Linear', '1: Tanh', '2: Linear']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nncourse._checks import as_float_array, check_positive, check_sequential_layers
from nncourse.numpy.callbacks import Callback

__all__ = ["SATURATION_THRESHOLD", "tensor_statistics", "saturation_fraction", "dead_fraction",
           "update_to_data_ratio", "layer_statistics", "parameter_statistics",
           "DiagnosticsRecorder"]

#: A unit is saturated where its derivative is below this share of the derivative's maximum.
SATURATION_THRESHOLD = 0.1
#: Layer classes whose output is judged for saturation (the output is the activation's value).
SATURATING = ("Sigmoid", "Tanh")
#: Values kept per layer for histograms (rows are exchangeable, so the first ones will do).
SAMPLE_SIZE = 2048


def tensor_statistics(values: Any) -> dict[str, float]:
    """Mean, standard deviation (population, ddof=0), minimum and maximum of all entries.

    Args:
        values: an array of any shape; empty arrays give NaN everywhere.

    Returns:
        ``{"mean", "std", "min", "max"}`` as Python floats.

    Example:
        >>> tensor_statistics(np.array([1.0, 3.0]))
        {'mean': 2.0, 'std': 1.0, 'min': 1.0, 'max': 3.0}
    """
    x = as_float_array(values, "values", allow_nan=True)
    if x.size == 0:
        return dict.fromkeys(("mean", "std", "min", "max"), math.nan)
    return {"mean": float(np.mean(x)), "std": float(np.std(x)), "min": float(np.min(x)),
            "max": float(np.max(x))}


def saturation_fraction(out: Any, activation: str,
                        threshold: float = SATURATION_THRESHOLD) -> float:
    r"""Share of entries where a sigmoid or tanh is flat, computed from its *output*.

    .. math::

        \text{tanh: } 1 - o^2 < \tau, \qquad
        \text{sigmoid: } \frac{o (1 - o)}{1/4} < \tau

    i.e. the local derivative is below ``threshold`` times its maximum (1 for tanh, 1/4 for
    sigmoid). A saturated unit passes on less than that share of the gradient.

    Args:
        out: the activation's output, any shape.
        activation: ``"tanh"`` or ``"sigmoid"`` (case-insensitive).
        threshold: :math:`\tau` in (0, 1].

    Returns:
        A fraction in [0, 1] (NaN for an empty array).

    Example:
        >>> saturation_fraction(np.array([0.0, 0.99]), "tanh")
        0.5
    """
    o = as_float_array(out, "out", allow_nan=True)
    check_positive(threshold, "threshold")
    name = str(activation).lower()
    if name == "tanh":
        derivative = 1.0 - o * o
    elif name == "sigmoid":
        derivative = o * (1.0 - o) / 0.25
    else:
        raise ValueError(f"saturation_fraction needs activation 'tanh' or 'sigmoid'; got "
                         f"{activation!r}. For ReLU units use dead_fraction.")
    return float(np.mean(derivative < threshold)) if o.size else math.nan


def dead_fraction(out: Any) -> float:
    """Share of units (columns) whose output is exactly 0 for every example of the batch.

    Such a ReLU unit gets no gradient from this batch, and if it is 0 for every input it
    never recovers.

    Args:
        out: layer output of shape (B, units) (more dimensions are flattened into units).

    Returns:
        A fraction in [0, 1] (NaN for no units or an empty batch).

    Example:
        >>> dead_fraction(np.array([[0.0, 1.0], [0.0, 0.0]]))
        0.5
    """
    o = as_float_array(out, "out", allow_nan=True)
    if o.ndim < 2:
        raise ValueError(f"dead_fraction expects an output of shape (batch, units); got shape "
                         f"{o.shape}. Pass a whole batch, e.g. out[None] for one example.")
    if o.size == 0:
        return math.nan
    units = o.reshape(o.shape[0], -1)               # (B, ...) -> (B, units)
    return float(np.mean(np.all(units == 0, axis=0)))


def update_to_data_ratio(update: Any, data: Any) -> float:
    r"""How large one optimizer step is relative to the weights: std(update) / std(data).

    .. math::

        r = \frac{\operatorname{std}(\Delta W)}{\operatorname{std}(W)}

    Around :math:`10^{-3}` is a healthy rate of change per step; :math:`10^{-1}` rewrites
    the weights within a few steps, :math:`10^{-5}` barely moves them.

    Args:
        update: the change of the weights in one step (``after - before``).
        data: the weights before the step, same shape.

    Returns:
        The ratio; ``inf`` if the weights are all equal but the update is not, 0 if both are.

    Example:
        >>> update_to_data_ratio(np.array([0.0, 0.002]), np.array([-1.0, 1.0]))
        0.001
    """
    u = as_float_array(update, "update", allow_nan=True)
    w = as_float_array(data, "data", allow_nan=True)
    if u.shape != w.shape:
        raise ValueError(f"update has shape {u.shape} but data has shape {w.shape}; pass the "
                         f"change of one parameter and that parameter's values.")
    update_std, data_std = float(np.std(u)), float(np.std(w))
    if data_std == 0.0:
        return 0.0 if update_std == 0.0 else math.inf
    return update_std / data_std


def _layers(model: Any) -> list[Any]:
    return check_sequential_layers(model, "layer_statistics")


def _record(index: int, layer: Any, out: np.ndarray, grad: np.ndarray,
            keep_values: bool) -> dict[str, Any]:
    kind = type(layer).__name__
    act, grd = tensor_statistics(out), tensor_statistics(grad)
    record: dict[str, Any] = {
        "index": index, "name": f"{index}: {kind}", "kind": kind,
        "mean": act["mean"], "std": act["std"], "grad_mean": grd["mean"], "grad_std": grd["std"],
        "saturated": saturation_fraction(out, kind) if kind in SATURATING else math.nan,
        "dead": dead_fraction(out) if out.ndim >= 2 else math.nan,
    }
    if keep_values:
        record["values"] = out.ravel()[:SAMPLE_SIZE].copy()
        record["grad_values"] = grad.ravel()[:SAMPLE_SIZE].copy()
    return record


def layer_statistics(model: Any, x: Any, y: Any = None, loss_fn: Any = None, seed: int = 0,
                     keep_values: bool = False) -> list[dict[str, Any]]:
    """Send ``x`` forward through each layer and a gradient back; statistics per layer.

    The gradient is the loss's (``loss_fn.forward(out, y)``, then ``loss_fn.backward()``)
    if a loss is given, else a random upstream gradient with standard-normal entries (seeded)
    -- what an initialization study uses. The model is left as it was found: parameter
    gradients and running statistics (batch norm) are restored afterwards.

    Args:
        model: a ``Sequential`` (any iterable of layers with forward/backward).
        x: a batch of inputs (B, features).
        y: targets for ``loss_fn`` (or None).
        loss_fn: a loss with ``forward(out, y)`` and ``backward()`` (None: random gradient).
        seed: seeds the random upstream gradient.
        keep_values: also keep up to 2048 output and gradient values per layer ("values",
            "grad_values") for histograms.

    Returns:
        One dict per layer, in order: "index", "name" ("1: Tanh"), "kind" (class name),
        "mean"/"std" of the layer's output, "grad_mean"/"grad_std" of dL/d(output),
        "saturated" (sigmoid/tanh layers; NaN elsewhere) and "dead" (units 0 for the whole
        batch).

    Example:
        >>> model = Sequential(Linear(3, 5, seed=0), ReLU())
        >>> layer_statistics(model, np.ones((4, 3)))[1]["dead"] <= 1.0
        True
    """
    layers = _layers(model)
    h = as_float_array(x, "x")
    grads_before = [(p, p.grad.copy()) for p in model.parameters()]
    buffers_before = {name: np.array(b, copy=True) for name, b in model.named_buffers()}
    try:
        outputs = []
        for layer in layers:
            h = layer.forward(h)
            outputs.append(h)
        if loss_fn is not None:
            if y is None:
                raise ValueError("layer_statistics got a loss_fn without targets y; pass both "
                                 "or neither (then a random upstream gradient is used).")
            loss_fn.forward(h, y)
            grad = loss_fn.backward()
        else:
            grad = np.random.default_rng(seed).normal(size=h.shape)
        grads_at_output = [np.empty(0)] * len(layers)
        for index in range(len(layers) - 1, -1, -1):
            grads_at_output[index] = grad
            grad = layers[index].backward(grad)
    finally:
        for p, saved in grads_before:
            p.grad = saved
        for name, saved in buffers_before.items():
            _buffer_owner(model, name)[...] = saved
    return [_record(i, layer, out, g, keep_values)
            for i, (layer, out, g) in enumerate(zip(layers, outputs, grads_at_output,
                                                    strict=True))]


def _buffer_owner(model: Any, dotted: str) -> np.ndarray:
    """The live buffer array called ``dotted`` ("1.running_mean") inside ``model``."""
    for name, buffer in model.named_buffers():
        if name == dotted:
            return buffer
    raise KeyError(dotted)


def parameter_statistics(model: Any) -> list[dict[str, Any]]:
    """Per weight matrix (parameters with 2 or more dimensions): spread of data and gradient.

    Returns:
        One dict per weight: "name", "shape", "data_std", "grad_std" and
        "grad_to_data" = grad_std / data_std (inf for constant weights with a gradient).

    Example:
        >>> [s["name"] for s in parameter_statistics(Sequential(Linear(2, 3), ReLU()))]
        ['0.weight']
    """
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"parameter_statistics needs a model with named_parameters(); got "
                        f"{type(model).__name__}. Pass the model itself, e.g. a Sequential.")
    found = []
    for name, p in model.named_parameters():
        if p.data.ndim < 2:
            continue
        found.append({"name": name, "shape": tuple(p.data.shape),
                      "data_std": float(np.std(p.data)), "grad_std": float(np.std(p.grad)),
                      "grad_to_data": update_to_data_ratio(p.grad, p.data)})
    return found


class DiagnosticsRecorder(Callback):
    """A ``fit`` callback recording update-to-data ratios every step and layer statistics.

    After every optimizer step it computes :func:`update_to_data_ratio` for each weight
    matrix (the change since the previous step over the weights before it). Every ``every``
    steps (and after the first) it runs :func:`layer_statistics` on a fixed probe batch.

    Args:
        x_probe: a fixed batch used for the layer statistics (a few hundred examples).
        y_probe, loss_fn: optional targets and loss for real gradients (else a random one).
        every: record layer statistics every this many steps (>= 1).
        keep_values: keep value samples for histograms.

    Attributes:
        update_ratios: weight name -> list of ratios, one per step.
        steps: the steps (1-based) at which layer statistics were recorded.
        records: the :func:`layer_statistics` result at each of those steps.

    Example:
        >>> recorder = DiagnosticsRecorder(X[:256], every=10)
        >>> fit(model, loss_fn, optimizer, X, y, epochs=3, callbacks=[recorder])
        >>> recorder.update_ratios["0.weight"][:3]
    """

    def __init__(self, x_probe: Any, y_probe: Any = None, loss_fn: Any = None, every: int = 10,
                 keep_values: bool = False) -> None:
        self.x_probe = as_float_array(x_probe, "x_probe")
        self.y_probe, self.loss_fn = y_probe, loss_fn
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1 (record every that many steps); "
                             f"got {every!r}.")
        self.every, self.keep_values = every, bool(keep_values)
        self.update_ratios: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.records: list[list[dict[str, Any]]] = []
        self._step = 0
        self._previous: dict[str, np.ndarray] = {}

    def _weights(self) -> dict[str, Any]:
        return {name: p for name, p in self.model.named_parameters() if p.data.ndim >= 2}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Remember the starting weights; reset what was recorded."""
        self._step = 0
        self.steps, self.records = [], []
        self._previous = {name: p.data.copy() for name, p in self._weights().items()}
        self.update_ratios = {name: [] for name in self._previous}

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Record this step's update ratios and, every ``every`` steps, layer statistics."""
        self._step += 1
        for name, p in self._weights().items():
            before = self._previous[name]
            self.update_ratios[name].append(update_to_data_ratio(p.data - before, before))
            before[...] = p.data
        if self._step == 1 or self._step % self.every == 0:
            self.steps.append(self._step)
            self.records.append(layer_statistics(self.model, self.x_probe, self.y_probe,
                                                 self.loss_fn, keep_values=self.keep_values))
