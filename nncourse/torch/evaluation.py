"""One training step, evaluation and prediction for torch models (the NumPy ``fit`` helpers).

``train_step`` is the four lines every chapter shows, on tensors:
forward, loss, ``backward()``, ``optimizer.step()``. ``evaluate`` and ``predict``
run in evaluation mode without building a graph (``torch.no_grad``).

Example:
    >>> loss, output = train_step(model, CrossEntropyLoss(), opt, x_batch, y_batch)
    >>> evaluate(model, CrossEntropyLoss(), x_test, y_test)["accuracy"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

# Metric names and loss-kind checks are shared with the NumPy fit (one definition).
from nncourse.numpy.training import is_loss, metric_functions
from nncourse.torch.device import check_same_device, module_device

__all__ = ["train_step", "evaluate", "predict", "metric_functions", "is_loss", "metric_values",
           "model_dtype", "l2_term"]


def model_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of the model's first floating parameter (inputs are converted to it)."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.get_default_dtype()


def metric_values(loss_fn: Any, functions: dict[str, Callable], outputs: torch.Tensor,
                  targets: torch.Tensor) -> dict[str, float]:
    """Evaluate the metric functions on a whole epoch's outputs (moved to NumPy once).

    BCEWithLogits outputs are logits: ``logit > 0`` means class 1.
    """
    if not functions:
        return {}
    prediction = _full_precision(outputs.detach()).cpu().numpy()
    if is_loss(loss_fn, "BCEWithLogitsLoss"):
        prediction = (prediction.reshape(len(prediction), -1)[:, 0] > 0).astype(np.int64)
    truth = targets.detach().cpu().numpy()
    return {name: float(f(truth, prediction)) for name, f in functions.items()}


def l2_term(model: nn.Module, strength: float) -> torch.Tensor:
    """``strength / 2 * sum ||W||^2`` over weight matrices (biases and 1-D parameters skipped)."""
    weights = [p for name, p in model.named_parameters()
               if not name.endswith("bias") and p.dim() >= 2]
    return 0.5 * strength * sum((_full_precision(w).pow(2).sum() for w in weights),
                                torch.zeros((), device=module_device(model)))


def train_step(model: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer,
               x_batch: torch.Tensor, y_batch: torch.Tensor,
               l2: float = 0.0) -> tuple[float, torch.Tensor]:
    """One forward, backward and optimizer step on a batch.

    Args:
        model, loss_fn, optimizer: as :func:`nncourse.torch.fit`.
        x_batch: (B, ...) inputs on the model's device. y_batch: (B, ...) targets, same device.
        l2: L2 strength on weight matrices (added to the loss).

    Returns:
        (batch loss as a float, model output (B, ...) from before the update).

    Raises:
        ValueError: the batch is on a different device than the model.

    Example:
        >>> loss, out = train_step(model, MSELoss(), SGD(model.parameters(), lr=0.1), x, y)
    """
    check_same_device(module_device(model), (x_batch, y_batch), ("x_batch", "y_batch"))
    output = model(x_batch)
    loss = loss_fn(output, y_batch)
    if l2:
        loss = loss + l2_term(model, l2)
    optimizer.zero_grad()  # torch accumulates into .grad, so clear it first
    loss.backward()        # autograd fills every parameter's .grad
    optimizer.step()
    return float(loss.detach()), output.detach()


def _full_precision(tensor: torch.Tensor) -> torch.Tensor:
    """16-bit results (from autocast) as float32; float32 and float64 stay as they are."""
    return tensor.float() if tensor.dtype in (torch.float16, torch.bfloat16) else tensor


def _batches(x: torch.Tensor, batch_size: int | None) -> list[slice]:
    size = batch_size or max(1, len(x))
    return [slice(i, i + size) for i in range(0, len(x), size)]


def _as_input(x: Any, model: nn.Module) -> torch.Tensor:
    tensor = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if tensor.is_floating_point() or tensor.dtype in (torch.bool, torch.int32, torch.int64):
        tensor = tensor.to(model_dtype(model))
    return tensor


@torch.no_grad()
def predict(model: nn.Module, x: Any, batch_size: int | None = 1024) -> torch.Tensor:
    """Model outputs in evaluation mode, computed in batches on the model's device.

    Args:
        model: a torch model. x: (N, ...) array or tensor (converted to the model's dtype).
        batch_size: samples per forward pass (None: all at once).

    Returns:
        (N, ...) outputs as a CPU tensor; the model's previous mode is restored.

    Example:
        >>> predict(model, x_test).argmax(dim=1)
    """
    x = _as_input(x, model)
    device = module_device(model)
    was_training = model.training
    model.eval()
    try:
        outputs = [_full_precision(model(x[s].to(device))).cpu()
                   for s in _batches(x, batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(outputs, dim=0)


@torch.no_grad()
def evaluate(model: nn.Module, loss_fn: Any, x: Any, y: Any,
             metrics: Sequence[str | Callable] = ("accuracy",),
             batch_size: int | None = 1024) -> dict[str, float]:
    """Mean loss and metrics over a data set, in evaluation mode, on the model's device.

    Args:
        model, loss_fn: as :func:`nncourse.torch.fit`. x: (N, ...) inputs; y: (N, ...) targets.
        metrics: metric names or functions (as fit); accuracy is dropped for MSELoss.
        batch_size: samples per forward pass (None: all at once).

    Returns:
        ``{"loss": ..., "<metric>": ...}``.

    Example:
        >>> evaluate(model, CrossEntropyLoss(), x_test, y_test)["accuracy"]
    """
    if is_loss(loss_fn, "MSELoss") and tuple(metrics) == ("accuracy",):
        metrics = ()
    x = _as_input(x, model)
    y = y if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    if y.is_floating_point():
        y = y.to(model_dtype(model))
    return evaluate_tensors(model, loss_fn, x, y, metric_functions(metrics), batch_size)


@torch.no_grad()
def evaluate_tensors(model: nn.Module, loss_fn: Any, x: torch.Tensor, y: torch.Tensor,
                     functions: dict[str, Callable], batch_size: int | None,
                     autocast: Any = None) -> dict[str, float]:
    """:func:`evaluate` on prepared CPU tensors (what ``fit`` calls for validation)."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples; got {len(x)} and "
                         f"{len(y)}.")
    device = module_device(model)
    was_training = model.training
    model.eval()
    losses, outputs = [], []
    try:
        for s in _batches(x, batch_size):
            xb, yb = x[s].to(device, non_blocking=True), y[s].to(device, non_blocking=True)
            if autocast is not None:
                with autocast():
                    out = model(xb)
                    loss = loss_fn(out, yb)
            else:
                out = model(xb)
                loss = loss_fn(out, yb)
            losses.append(_full_precision(loss) * len(xb))  # mean loss -> sum over the batch
            outputs.append(_full_precision(out))
    finally:
        model.train(was_training)
    logs = {"loss": float(torch.stack(losses).sum()) / len(x)}
    logs.update(metric_values(loss_fn, functions, torch.cat(outputs), y))
    return logs
