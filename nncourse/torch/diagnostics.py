"""Training diagnostics on torch modules: the twin of :mod:`nncourse.numpy.diagnostics`.

Same names, same order, same definitions; the values agree with the NumPy reference to
rounding error (the tests compare them in float64). Gradients come from autograd:
:func:`layer_statistics` asks ``torch.autograd.grad`` for dL/d(output) of every layer, so the
parameters' ``.grad`` are never touched.

Example:
    >>> model = Sequential(Linear(4, 8, seed=0), Tanh(), Linear(8, 2, seed=1))
    >>> [s["name"] for s in layer_statistics(model, torch.ones(16, 4))]
    ['0: Linear', '1: Tanh', '2: Linear']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from nncourse._checks import check_positive, check_sequential_layers
from nncourse.numpy.callbacks import Callback

# The definitions are the reference's, so both backends judge saturation the same way.
from nncourse.numpy.diagnostics import SAMPLE_SIZE, SATURATING, SATURATION_THRESHOLD

__all__ = ["SATURATION_THRESHOLD", "tensor_statistics", "saturation_fraction", "dead_fraction",
           "update_to_data_ratio", "layer_statistics", "parameter_statistics",
           "DiagnosticsRecorder"]


def _tensor(values: Any, name: str) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        return values.detach()
    try:
        return torch.as_tensor(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a tensor or a numeric array; got "
                        f"{type(values).__name__}.") from None


def tensor_statistics(values: Any) -> dict[str, float]:
    """Mean, standard deviation (population), minimum and maximum of all entries.

    Args:
        values: a tensor (or array) of any shape; empty gives NaN everywhere.

    Returns:
        ``{"mean", "std", "min", "max"}`` as Python floats.

    Example:
        >>> tensor_statistics(torch.tensor([1.0, 3.0]))
        {'mean': 2.0, 'std': 1.0, 'min': 1.0, 'max': 3.0}
    """
    x = _tensor(values, "values")
    if x.numel() == 0:
        return dict.fromkeys(("mean", "std", "min", "max"), math.nan)
    x = x.to(torch.float64) if not x.is_floating_point() else x
    return {"mean": float(x.mean()), "std": float(x.std(correction=0)), "min": float(x.min()),
            "max": float(x.max())}


def saturation_fraction(out: Any, activation: str,
                        threshold: float = SATURATION_THRESHOLD) -> float:
    r"""Share of entries where a sigmoid or tanh is flat, from its output (as NumPy's).

    tanh: :math:`1 - o^2 < \tau`; sigmoid: :math:`o(1 - o) / (1/4) < \tau`.

    Example:
        >>> saturation_fraction(torch.tensor([0.0, 0.99]), "tanh")
        0.5
    """
    o = _tensor(out, "out")
    check_positive(threshold, "threshold")
    name = str(activation).lower()
    if name == "tanh":
        derivative = 1.0 - o * o
    elif name == "sigmoid":
        derivative = o * (1.0 - o) / 0.25
    else:
        raise ValueError(f"saturation_fraction needs activation 'tanh' or 'sigmoid'; got "
                         f"{activation!r}. For ReLU units use dead_fraction.")
    return float((derivative < threshold).double().mean()) if o.numel() else math.nan


def dead_fraction(out: Any) -> float:
    """Share of units (columns) whose output is exactly 0 for every example of the batch.

    Example:
        >>> dead_fraction(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
        0.5
    """
    o = _tensor(out, "out")
    if o.dim() < 2:
        raise ValueError(f"dead_fraction expects an output of shape (batch, units); got shape "
                         f"{tuple(o.shape)}. Pass a whole batch, e.g. out[None] for one example.")
    if o.numel() == 0:
        return math.nan
    units = o.reshape(o.shape[0], -1)               # (B, ...) -> (B, units)
    return float((units == 0).all(dim=0).double().mean())


def update_to_data_ratio(update: Any, data: Any) -> float:
    r"""std(update) / std(data): one step's size relative to the weights (~1e-3 is healthy).

    Example:
        >>> update_to_data_ratio(torch.tensor([0.0, 0.002]), torch.tensor([-1.0, 1.0]))
        0.001
    """
    u, w = _tensor(update, "update"), _tensor(data, "data")
    if u.shape != w.shape:
        raise ValueError(f"update has shape {tuple(u.shape)} but data has shape "
                         f"{tuple(w.shape)}; pass the change of one parameter and that "
                         f"parameter's values.")
    update_std = float(u.double().std(correction=0)) if u.numel() else 0.0
    data_std = float(w.double().std(correction=0)) if w.numel() else 0.0
    if data_std == 0.0:
        return 0.0 if update_std == 0.0 else math.inf
    return update_std / data_std


def _layers(model: Any) -> list[torch.nn.Module]:
    model = getattr(model, "module", model)         # a callback's SnapshotModel view
    return check_sequential_layers(model, "layer_statistics")


def _record(index: int, layer: Any, out: torch.Tensor, grad: torch.Tensor,
            keep_values: bool) -> dict[str, Any]:
    kind = type(layer).__name__
    act, grd = tensor_statistics(out), tensor_statistics(grad)
    record: dict[str, Any] = {
        "index": index, "name": f"{index}: {kind}", "kind": kind,
        "mean": act["mean"], "std": act["std"], "grad_mean": grd["mean"], "grad_std": grd["std"],
        "saturated": saturation_fraction(out, kind) if kind in SATURATING else math.nan,
        "dead": dead_fraction(out) if out.dim() >= 2 else math.nan,
    }
    if keep_values:
        record["values"] = out.detach().reshape(-1)[:SAMPLE_SIZE].cpu().numpy().copy()
        record["grad_values"] = grad.detach().reshape(-1)[:SAMPLE_SIZE].cpu().numpy().copy()
    return record


def layer_statistics(model: Any, x: Any, y: Any = None, loss_fn: Any = None, seed: int = 0,
                     keep_values: bool = False) -> list[dict[str, Any]]:
    """Forward ``x`` through each layer and a gradient back; statistics per layer.

    As :func:`nncourse.numpy.diagnostics.layer_statistics`: the loss's gradient if ``loss_fn``
    is given, else a standard-normal upstream gradient drawn with NumPy's generator (seed), so
    both backends use the same one. Running statistics are restored; ``.grad`` is untouched.

    Returns:
        One dict per layer: "index", "name", "kind", "mean", "std", "grad_mean", "grad_std",
        "saturated", "dead" (and "values", "grad_values" with ``keep_values``).

    Example:
        >>> model = Sequential(Linear(3, 5, seed=0), ReLU())
        >>> layer_statistics(model, torch.ones(4, 3))[1]["dead"] <= 1.0
        True
    """
    layers = _layers(model)
    h = _tensor(x, "x")
    first = next((p for layer in layers for p in layer.parameters()), None)
    if first is not None:
        h = h.to(device=first.device, dtype=first.dtype)
    buffers = [b for layer in layers for b in layer.buffers()]
    saved = [b.detach().clone() for b in buffers]
    try:
        with torch.enable_grad():
            outputs = []
            for layer in layers:
                h = layer(h)
                outputs.append(h)
            if loss_fn is not None:
                if y is None:
                    raise ValueError("layer_statistics got a loss_fn without targets y; pass "
                                     "both or neither (then a random upstream gradient is used).")
                target = torch.as_tensor(y, device=h.device)
                loss = loss_fn(h, target)
                grads = torch.autograd.grad(loss, outputs, allow_unused=True)
            else:
                upstream = np.random.default_rng(seed).normal(size=tuple(h.shape))
                grad_output = torch.as_tensor(upstream, dtype=h.dtype, device=h.device)
                grads = torch.autograd.grad(outputs[-1], outputs, grad_outputs=grad_output,
                                            allow_unused=True)
    finally:
        with torch.no_grad():
            for buffer, value in zip(buffers, saved, strict=True):
                buffer.copy_(value)
    found = [torch.zeros_like(out) if g is None else g for out, g in zip(outputs, grads,
                                                                           strict=True)]
    return [_record(i, layer, out.detach(), g.detach(), keep_values)
            for i, (layer, out, g) in enumerate(zip(layers, outputs, found, strict=True))]


def parameter_statistics(model: Any) -> list[dict[str, Any]]:
    """Per weight matrix (2 or more dimensions): std of data and gradient, and their ratio.

    Example:
        >>> [s["name"] for s in parameter_statistics(Sequential(Linear(2, 3), ReLU()))]
        ['0.weight']
    """
    model = getattr(model, "module", model)
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"parameter_statistics needs a model with named_parameters(); got "
                        f"{type(model).__name__}. Pass the model itself, e.g. a Sequential.")
    found = []
    for name, p in model.named_parameters():
        if p.dim() < 2:
            continue
        grad = p.grad if p.grad is not None else torch.zeros_like(p)
        found.append({"name": name, "shape": tuple(p.shape),
                      "data_std": float(p.detach().double().std(correction=0)),
                      "grad_std": float(grad.detach().double().std(correction=0)),
                      "grad_to_data": update_to_data_ratio(grad, p)})
    return found


class DiagnosticsRecorder(Callback):
    """A ``fit`` callback recording update-to-data ratios every step and layer statistics.

    Same arguments and attributes as :class:`nncourse.numpy.diagnostics.DiagnosticsRecorder`.

    Example:
        >>> recorder = DiagnosticsRecorder(X[:256], every=10)
        >>> fit(model, loss_fn, optimizer, X, y, epochs=3, callbacks=[recorder])
    """

    def __init__(self, x_probe: Any, y_probe: Any = None, loss_fn: Any = None, every: int = 10,
                 keep_values: bool = False) -> None:
        self.x_probe = _tensor(x_probe, "x_probe")
        self.y_probe, self.loss_fn = y_probe, loss_fn
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1 (record every that many steps); "
                             f"got {every!r}.")
        self.every, self.keep_values = every, bool(keep_values)
        self.update_ratios: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.records: list[list[dict[str, Any]]] = []
        self._step = 0
        self._previous: dict[str, torch.Tensor] = {}

    def _weights(self) -> dict[str, torch.Tensor]:
        model = getattr(self.model, "module", self.model)
        return {name: p for name, p in model.named_parameters() if p.dim() >= 2}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Remember the starting weights; reset what was recorded."""
        self._step = 0
        self.steps, self.records = [], []
        self._previous = {name: p.detach().clone() for name, p in self._weights().items()}
        self.update_ratios = {name: [] for name in self._previous}

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Record this step's update ratios and, every ``every`` steps, layer statistics."""
        self._step += 1
        with torch.no_grad():
            for name, p in self._weights().items():
                before = self._previous[name]
                self.update_ratios[name].append(update_to_data_ratio(p - before, before))
                before.copy_(p)
        if self._step == 1 or self._step % self.every == 0:
            self.steps.append(self._step)
            self.records.append(layer_statistics(self.model, self.x_probe, self.y_probe,
                                                 self.loss_fn, keep_values=self.keep_values))
