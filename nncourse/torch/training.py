"""The training loop on torch: mini-batches, ``fit``, ``evaluate`` and ``predict``.

:func:`fit` is :func:`nncourse.numpy.training.fit` line by line, with autograd doing
the backward pass::

    for each epoch:
        for each mini-batch (x_b, y_b):                # already on the device
            prediction = model(x_b)                    # forward
            loss = loss_fn(prediction, y_b)
            optimizer.zero_grad(); loss.backward()     # fills param.grad
            optimizer.step()                           # updates the weights

What a GPU adds sits behind one object each, in its own module, so the loop stays the
loop: ``make_batches`` (:mod:`~nncourse.torch.data`: the data set kept on the device, or
a pinned DataLoader), ``MixedPrecision`` (:mod:`~nncourse.torch.amp`: autocast, gradient
scaler), ``session``, ``wrap_model``, ``average_over_processes`` (DDP under torchrun:
:mod:`~nncourse.torch.distributed`), ``Checkpointer`` (:mod:`~nncourse.torch.checkpoint`)
and ``prepare_callbacks``. The loss is summed on the device and read once per epoch.

Example:
    >>> history = fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y,
    ...               epochs=5, batch_size=64, validation_data=(x_val, y_val))
    >>> history.history["val_accuracy"][-1]
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

# History, metric names and loss-kind checks are shared with the NumPy fit (one definition).
from nncourse._checks import (
    check_batchnorm_batches,
    check_int,
    check_optimizer_owns,
    check_seed,
)
from nncourse.numpy.training import (
    History,
    choose_metrics,
    diverged_logs,
    divergence_reason,
    is_loss,
    metric_values,
    step_scheduler,
)
from nncourse.torch.amp import MixedPrecision
from nncourse.torch.callbacks import (
    Callback,
    EarlyStopping,
    LivePlot,
    ProgressBar,
    prepare_callbacks,
)
from nncourse.torch.checkpoint import Checkpointer
from nncourse.torch.data import prepare_data
from nncourse.torch.device import check_same_device, get_device, module_device, module_dtype
from nncourse.torch.distributed import (
    average_over_processes,
    gather_over_processes,
    session,
    wrap_model,
)
from nncourse.torch.reproducibility import deterministic_algorithms, seed_everything

__all__ = ["History", "iterate_minibatches", "train_step", "fit", "evaluate", "predict",
           "Callback", "EarlyStopping", "ProgressBar", "LivePlot"]

_FULL_PRECISION = MixedPrecision(None, torch.device("cpu"))  # the plain step: no autocast


def _full_precision(tensor: torch.Tensor) -> torch.Tensor:
    """16-bit results (from autocast) as float32; float32 and float64 stay as they are."""
    return tensor.float() if tensor.dtype in (torch.float16, torch.bfloat16) else tensor


def iterate_minibatches(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool = True,
                        rng: torch.Generator | int | None = None
                        ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x_batch, y_batch)`` covering every sample exactly once, on x's device.

    Args:
        x: inputs, shape (N, ...). y: targets, shape (N, ...), same device.
        batch_size: samples per batch (>= 1); the last, smaller batch is kept.
        shuffle: visit the samples in a new random order (drawn from ``rng``).
        rng: a torch Generator (CPU), or a seed for one.

    Example:
        >>> [len(xb) for xb, _ in iterate_minibatches(torch.zeros(5, 2), torch.zeros(5), 2)]
        [2, 2, 1]
    """
    batch_size = check_int(batch_size, "batch_size")
    if not isinstance(rng, torch.Generator):
        seed = check_seed(rng, "rng", hint="Pass a seed such as 0, None, or a torch.Generator.")
        rng = torch.Generator().manual_seed(0 if seed is None else seed)
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x and y must have the same length; got {n} and {len(y)}.")
    if shuffle:
        order = torch.randperm(n, generator=rng).to(x.device)  # (N,) indices, on x's device
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            yield x[index], y[index]
    else:
        for start in range(0, n, batch_size):  # slices are views: no copy
            yield x[start:start + batch_size], y[start:start + batch_size]


def _l2_term(model: nn.Module, strength: float) -> torch.Tensor:
    """``strength / 2 * sum ||W||^2`` over weight matrices (biases and 1-D parameters skipped)."""
    weights = [p for name, p in model.named_parameters()
               if not name.endswith("bias") and p.dim() >= 2]
    return 0.5 * strength * sum((_full_precision(w).pow(2).sum() for w in weights),
                                torch.zeros((), device=module_device(model)))


def _train_step(net: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer,
                x_batch: torch.Tensor, y_batch: torch.Tensor, l2: float = 0.0,
                precision: MixedPrecision = _FULL_PRECISION, clip: float | None = None,
                model: nn.Module | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`train_step` returning tensors (nothing waits for the GPU); ``net`` may be DDP."""
    model = net if model is None else model
    with precision.autocast():             # float32, or 16-bit matrix products (amp.py)
        output = net(x_batch)
        loss = loss_fn(output, y_batch)
    if l2:
        loss = loss + _l2_term(model, l2)
    optimizer.zero_grad()                  # torch accumulates into .grad, so clear it first
    precision.backward(loss)               # loss.backward(); scaled first with float16
    if clip is not None:
        precision.clip_grad_norm(model, optimizer, clip)
    precision.step(optimizer)              # optimizer.step(); skipped on a float16 overflow
    return loss.detach(), output.detach()


def train_step(model: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer,
               x_batch: torch.Tensor, y_batch: torch.Tensor,
               l2: float = 0.0) -> tuple[float, torch.Tensor]:
    """One forward, backward and optimizer step on a batch.

    Args:
        model, loss_fn, optimizer: as :func:`fit`.
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
    loss, output = _train_step(model, loss_fn, optimizer, x_batch, y_batch, l2)
    return float(loss), output


def _metric_values(loss_fn: Any, functions: dict[str, Callable], outputs: list[torch.Tensor],
                   targets: list[torch.Tensor], sharded: bool = False) -> dict[str, float]:
    """The metric functions on a whole epoch's outputs, moved to NumPy once.

    ``sharded``: each process holds its own shard (the training epoch under DDP), so every
    process's outputs and targets are gathered first and each metric is the global one (F1 of
    all samples, not a mean of per-process F1s). The prediction rule and the metrics are the
    NumPy fit's (:func:`nncourse.numpy.training.metric_values`).
    """
    if not functions:
        return {}
    prediction = _full_precision(torch.cat(outputs)).cpu().numpy()
    truth = torch.cat(targets).cpu().numpy()
    if sharded:
        prediction, truth = gather_over_processes(prediction), gather_over_processes(truth)
    return metric_values(loss_fn, functions, prediction, truth)


def _as_input(x: Any, model: nn.Module) -> torch.Tensor:
    tensor = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if tensor.is_floating_point() or tensor.dtype in (torch.bool, torch.int32, torch.int64):
        tensor = tensor.to(module_dtype(model))
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
    size = max(1, len(x)) if batch_size is None else check_int(batch_size, "batch_size")
    try:
        outputs = [_full_precision(model(x[i:i + size].to(device))).cpu()
                   for i in range(0, len(x), size)]
    finally:
        model.train(was_training)
    return torch.cat(outputs, dim=0)


def evaluate(model: nn.Module, loss_fn: Any, x: Any, y: Any,
             metrics: Sequence[str | Callable] = ("accuracy",),
             batch_size: int | None = 1024) -> dict[str, float]:
    """Mean loss and metrics over a data set, in evaluation mode, on the model's device.

    Args:
        model, loss_fn: as :func:`fit`. x: (N, ...) inputs; y: (N, ...) targets.
        metrics: metric names or functions (as fit); accuracy is dropped for MSELoss.
        batch_size: samples per forward pass (None: all at once).

    Returns:
        ``{"loss": ..., "<metric>": ...}``; the model's previous mode is restored.

    Example:
        >>> evaluate(model, CrossEntropyLoss(), x_test, y_test)["accuracy"]
    """
    x = _as_input(x, model)
    y = y if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    if y.is_floating_point():
        y = y.to(module_dtype(model))
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples; got {len(x)} and "
                         f"{len(y)}.")
    return _evaluate(model, loss_fn, x, y, choose_metrics(loss_fn, metrics), batch_size)


@torch.no_grad()
def _evaluate(model: nn.Module, loss_fn: Any, x: torch.Tensor, y: torch.Tensor,
              functions: dict[str, Callable], batch_size: int | None,
              precision: MixedPrecision = _FULL_PRECISION) -> dict[str, float]:
    device = module_device(model)
    was_training = model.training
    model.eval()
    size = max(1, len(x)) if batch_size is None else check_int(batch_size, "batch_size")
    sum_dtype = torch.promote_types(module_dtype(model), torch.float32)
    total, outputs, targets = torch.zeros((), device=device, dtype=sum_dtype), [], []
    try:
        for i in range(0, len(x), size):
            xb = x[i:i + size].to(device, non_blocking=True)
            yb = y[i:i + size].to(device, non_blocking=True)
            with precision.autocast():
                out = model(xb)
                loss = loss_fn(out, yb)
            total += _full_precision(loss) * len(xb)  # mean loss -> sum over the batch
            outputs.append(out)
            targets.append(yb)
    finally:
        model.train(was_training)
    logs = {"loss": float(total) / len(x)}
    logs.update(_metric_values(loss_fn, functions, outputs, targets))
    return logs


def _first_diverged_batch(losses: list[torch.Tensor]) -> tuple[int | None, float]:
    """(index, value) of this process's first non-finite batch loss; read only on divergence."""
    values = torch.stack(losses).detach().cpu() if losses else torch.zeros(0)
    bad = torch.nonzero(~torch.isfinite(values)).flatten()
    return (int(bad[0]), float(values[bad[0]])) if len(bad) else (None, math.nan)


def fit(model: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer, x_train: Any,
        y_train: Any, epochs: int, batch_size: int = 32, validation_data: tuple | None = None,
        metrics: Sequence[str | Callable] = ("accuracy",), callbacks: Sequence[Callback] = (),
        shuffle: bool = True, seed: int | None = 0, verbose: bool = False, *,
        scheduler: Any = None, l2: float = 0.0, device: str | torch.device | None = None,
        amp: str | None = None, grad_clip_norm: float | None = None,
        checkpoint_path: str | os.PathLike | None = None, checkpoint_every: int = 1,
        resume: bool = False, deterministic: bool = False, data_on_device: bool | None = None,
        num_workers: int = 0) -> History:
    """Train a torch model with mini-batches; the NumPy ``fit``'s arguments and a GPU's.

    Args:
        model, loss_fn, optimizer, x_train, y_train, epochs, batch_size: as in
            :func:`nncourse.numpy.training.fit`, and so are ``validation_data``, ``metrics``,
            ``callbacks``, ``shuffle``, ``seed``, ``verbose``, ``scheduler`` and ``l2``.
            ``x_train`` may also be a map-style torch
            Dataset of ``(x, y)`` pairs with ``y_train=None``. Under torchrun ``batch_size``
            is per process (the global batch is ``batch_size * world_size``).
        device: None (CUDA, else MPS, else CPU), "cpu", "cuda", "cuda:1", "mps".
        amp: None (full precision), "auto", "bf16" or "fp16" (CUDA only; see
            :mod:`nncourse.torch.amp` for when "auto" turns it on).
        grad_clip_norm: rescale the gradients when their global norm exceeds it.
        checkpoint_path: save there after every ``checkpoint_every`` epochs;
            ``resume=True`` continues from it (bit-identically) when it exists.
        deterministic: ask torch for deterministic kernels. On the CPU the kernels used
            here are deterministic anyway; on a GPU this makes reruns bit-identical and
            costs speed (see the README's GPU measurements).
        data_on_device: keep the whole training set on the device (None: when it fits,
            see :func:`nncourse.torch.data.fits_on_device`); False uses a pinned DataLoader.
        num_workers: DataLoader worker processes (> 0 implies the DataLoader).

    Returns:
        A History with the NumPy keys ("lr", "loss", "accuracy", "val_loss", "val_accuracy",
        ...). If the loss becomes NaN/inf, training stops and ``stopped_reason`` says so.

    Example:
        >>> history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y,
        ...               epochs=10, batch_size=64, device="cpu", seed=0)
    """
    if not isinstance(model, nn.Module):
        hint = (" It looks like a NumPy model: convert it with "
                "nncourse.torch.from_numpy_model(model).") if hasattr(model, "backward") else ""
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.{hint}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. nncourse.torch.optim"
                        f".Adam(model.parameters())); got {type(optimizer).__name__}.")
    epochs, batch_size = check_int(epochs, "epochs"), check_int(batch_size, "batch_size")
    checkpoint_every = check_int(checkpoint_every, "checkpoint_every")
    num_workers = check_int(num_workers, "num_workers", minimum=0)
    check_optimizer_owns([p for group in optimizer.param_groups for p in group["params"]],
                         model.parameters(), "fit")
    if hasattr(x_train, "__len__"):
        check_batchnorm_batches(len(x_train), batch_size, model.modules(), "fit")
    if grad_clip_norm is not None and not grad_clip_norm > 0:
        raise ValueError(f"grad_clip_norm must be > 0 or None; got {grad_clip_norm!r}.")
    if not float(l2) >= 0:
        raise ValueError(f"l2 must be >= 0; got {l2}.")
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path=... to know what to resume from.")
    if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                        or len(validation_data) != 2):
        raise ValueError("validation_data must be a pair (x_val, y_val).")
    functions = choose_metrics(loss_fn, metrics)   # no accuracy for a regression loss
    device = get_device(device)  # fails now, with the list of valid names, not mid-training
    with session(device) as info, deterministic_algorithms(deterministic):
        device = info.device if info.world_size > 1 else device
        if seed is not None:
            seed_everything(seed)
        model = model.to(device)
        dtype = module_dtype(model)
        batches, validation = prepare_data(                                   # data.py
            x_train, y_train, validation_data, batch_size, shuffle, seed, device, dtype,
            is_loss(loss_fn, "CrossEntropyLoss"), info, data_on_device, num_workers)
        zero = torch.zeros((), dtype=torch.promote_types(dtype, torch.float32), device=device)
        precision = MixedPrecision(amp, device, model, batch_size)            # amp.py
        net = wrap_model(model, info)                                         # distributed.py
        checkpoints = Checkpointer(checkpoint_path, model, optimizer, scheduler,
                                   precision.scaler, checkpoint_every, info.is_main)
        callbacks, batch_callbacks = prepare_callbacks(callbacks, model, optimizer, verbose,
                                                       info.is_main)
        history = History()
        start = checkpoints.resume(history) if resume else 0
        for cb in callbacks:
            cb.on_train_begin({"epochs": epochs, "steps_per_epoch": len(batches)})
        for epoch in range(start, epochs):
            net.train()
            batches.set_epoch(epoch)  # the order is drawn from seed + epoch
            for cb in callbacks:
                cb.on_epoch_begin(epoch, {})
            logs: dict[str, float] = {"lr": float(optimizer.param_groups[0]["lr"])}
            total, count, outputs, targets, losses = zero.clone(), 0, [], [], []
            for batch, (xb, yb) in enumerate(batches):
                loss, output = _train_step(net, loss_fn, optimizer, xb, yb, l2, precision,
                                           grad_clip_norm, model)
                total += loss * len(xb)  # on the device: reading a float makes the GPU wait
                count += len(xb)         # (mean batch loss * batch size: the short last batch
                losses.append(loss)      # weighs what it holds)
                if functions:
                    outputs.append(output)
                    targets.append(yb)
                for cb in batch_callbacks:
                    cb.on_batch_end(batch, {"loss": float(loss), "size": len(xb)})
            # One host sync per epoch (and, under DDP, one all_reduce over processes); the
            # epoch runs to its end, as the NumPy fit's does after a diverged batch.
            logs["loss"] = average_over_processes(total, count)
            if not math.isfinite(logs["loss"]):
                batch_index, bad_loss = _first_diverged_batch(losses)
                history.stopped_reason = divergence_reason(
                    epoch, batch_index, bad_loss if batch_index is not None else logs["loss"])
                history.append(epoch, diverged_logs(logs, list(functions),
                                                    validation is not None))
                break
            logs.update(_metric_values(loss_fn, functions, outputs, targets, sharded=True))
            if validation is not None:
                val = _evaluate(model, loss_fn, *validation, functions, 1024, precision)
                logs.update({"val_" + k: v for k, v in val.items()})
            history.append(epoch, logs)
            stop = False
            for cb in callbacks:
                stop = bool(cb.on_epoch_end(epoch, dict(logs))) or cb.stop_training or stop
            step_scheduler(scheduler, logs)
            checkpoints.on_epoch_end(epoch, epochs, history, stop)             # checkpoint.py
            if stop:
                reasons = [cb.stop_reason for cb in callbacks if cb.stop_reason]
                history.stopped_reason = "; ".join(reasons) or f"a callback stopped at {epoch}"
                break
        for cb in callbacks:
            cb.on_train_end({"history": history})
    return history
