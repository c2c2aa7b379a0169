"""``fit`` and :class:`Trainer`: the NumPy training loop on torch, from a laptop to many GPUs.

Same knobs and the same :class:`History` as :func:`nncourse.numpy.training.fit`
(epochs, batch size, shuffling, validation, callbacks, early stopping, progress
bar, live plot), plus what GPU training needs:

- ``device``: None picks CUDA, then MPS, then the CPU; or name one ("cpu", "cuda:1").
- a ``DataLoader`` that pins host memory when the device is CUDA (faster copies).
- ``amp``: mixed precision on CUDA ("auto", "bf16", "fp16" with a gradient scaler).
- ``grad_clip_norm``: rescale the gradients when their global norm exceeds it.
- ``checkpoint_path`` / ``resume``: save after every epoch; continue where a run stopped.
- ``seed``: seeds Python, NumPy and torch and asks for deterministic kernels.
- under ``torchrun``: DistributedDataParallel and a DistributedSampler, by itself.

The step itself is the one every chapter shows::

    output = model(x_batch); loss = loss_fn(output, y_batch)
    optimizer.zero_grad(); loss.backward(); optimizer.step()

Example:
    >>> history = fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y,
    ...               epochs=5, batch_size=64, validation_data=(x_val, y_val))
    >>> history.history["val_accuracy"][-1]
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from nncourse.numpy.training import History
from nncourse.torch import amp as amp_
from nncourse.torch.callbacks import (
    Callback,
    EarlyStopping,
    LivePlot,
    ProgressBar,
    SnapshotModel,
    overrides_batch_end,
)
from nncourse.torch.checkpoint import load_checkpoint, save_checkpoint
from nncourse.torch.data import TensorPairDataset, make_loader, set_epoch, to_tensor
from nncourse.torch.device import get_device
from nncourse.torch.distributed import (
    all_reduce_sum,
    cleanup_distributed,
    distributed_info,
    launched_by_torchrun,
    setup_distributed,
)
from nncourse.torch.evaluation import (
    evaluate,
    evaluate_tensors,
    is_loss,
    l2_term,
    metric_functions,
    metric_values,
    model_dtype,
    predict,
    train_step,
)
from nncourse.torch.reproducibility import deterministic_algorithms, seed_everything

__all__ = ["History", "Trainer", "fit", "evaluate", "predict", "train_step", "Callback",
           "EarlyStopping", "ProgressBar", "LivePlot"]


def _check_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


class Trainer:
    """Everything about *how* to train, set once; :meth:`fit` then runs on data.

    Args:
        model: a ``torch.nn.Module`` (e.g. an :class:`nncourse.torch.layers.Sequential`).
        loss_fn: called as ``loss_fn(output, target)`` -> 0-d tensor.
        optimizer: built on ``model.parameters()``.
        metrics: names ("accuracy", "precision", "recall", "f1") or ``f(y_true, y_pred)``;
            with an MSELoss the default accuracy is dropped.
        callbacks: Callback objects (EarlyStopping, ProgressBar, LivePlot, ...).
        device: None (CUDA > MPS > CPU), or "cpu", "cuda", "cuda:1", "mps".
        amp: None (float32), "auto", "bf16" or "fp16"; used on CUDA only.
        grad_clip_norm: clip the global gradient norm to this value (None: no clipping).
        scheduler: optional schedule; ``scheduler.step()`` after each epoch.
        l2: L2 strength lambda; adds lambda/2 * sum ||W||^2 over weight matrices.
        seed: seeds everything before training (None: leave the random state alone).
        deterministic: ask torch for deterministic kernels during training.
        checkpoint_path: save a checkpoint here after every ``checkpoint_every`` epochs.
        num_workers: DataLoader worker processes (0 loads in this process).
        verbose: add a ProgressBar.

    Example:
        >>> trainer = Trainer(model, CrossEntropyLoss(), AdamW(model.parameters()), amp="auto")
        >>> history = trainer.fit(x, y, epochs=10, batch_size=128)
    """

    def __init__(self, model: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer, *,
                 metrics: Sequence[str | Callable] = ("accuracy",),
                 callbacks: Sequence[Callback] = (), device: str | torch.device | None = None,
                 amp: str | None = None, grad_clip_norm: float | None = None,
                 scheduler: Any = None, l2: float = 0.0, seed: int | None = 0,
                 deterministic: bool = True, checkpoint_path: str | os.PathLike | None = None,
                 checkpoint_every: int = 1, num_workers: int = 0, verbose: bool = False) -> None:
        if not isinstance(model, nn.Module):
            hint = (" It looks like a NumPy model: convert it with "
                    "nncourse.torch.from_numpy_model(model).") if hasattr(model, "backward") else ""
            raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.{hint}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. nncourse.torch.optim"
                            f".Adam(model.parameters())); got {type(optimizer).__name__}.")
        if amp not in (None, False) and amp not in amp_.AMP_CHOICES:
            raise ValueError(f"Unknown amp {amp!r}. Expected None, " +
                             ", ".join(map(repr, amp_.AMP_CHOICES)) + ".")
        if grad_clip_norm is not None and not grad_clip_norm > 0:
            raise ValueError(f"grad_clip_norm must be > 0 or None; got {grad_clip_norm!r}.")
        if not float(l2) >= 0:
            raise ValueError(f"l2 must be >= 0; got {l2}.")
        if device is not None:
            get_device(device)  # fail now, with the list of valid names, not mid-training
        if is_loss(loss_fn, "MSELoss") and tuple(metrics) == ("accuracy",):
            metrics = ()  # accuracy means nothing for regression targets
        self.functions = metric_functions(metrics)
        self.callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback objects; got {type(cb).__name__}.")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, \
            scheduler
        self.device_name, self.amp, self.grad_clip_norm = device, amp, grad_clip_norm
        self.l2, self.seed, self.deterministic = float(l2), seed, deterministic
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.checkpoint_every = _check_int(checkpoint_every, "checkpoint_every")
        self.num_workers = _check_int(num_workers, "num_workers", minimum=0)
        self.device: torch.device | None = None
        self.scaler: Any = None

    # ------------------------------------------------------------------ data
    def _targets(self, y: Any, dtype: torch.dtype, name: str) -> torch.Tensor:
        y = to_tensor(y, dtype, name)
        if is_loss(self.loss_fn, "CrossEntropyLoss") and y.dim() == 1:
            if y.is_floating_point():
                if not torch.equal(y, y.round()):
                    raise ValueError(f"{name} holds class labels for CrossEntropyLoss, so it must "
                                     "contain whole numbers; got fractional values.")
                y = y.long()
        return y

    def _tensors(self, x: Any, y: Any, dtype: torch.dtype, names: tuple[str, str]) -> tuple:
        """CPU tensors from arrays, with the NumPy fit's checks (done once, in torch)."""
        x, y = to_tensor(x, dtype, names[0]), self._targets(y, dtype, names[1])
        if x.dim() == 0 or y.dim() == 0:
            raise ValueError(f"{names[0]} and {names[1]} must be arrays with one row per sample.")
        if len(x) != len(y):
            raise ValueError(
                f"{names[0]} and {names[1]} must have the same number of samples (first "
                f"dimension); got {len(x)} and {len(y)}. Check that inputs and labels line up.")
        if len(x) == 0:
            raise ValueError(f"{names[0]} is empty; fit needs at least one sample.")
        for name, tensor in zip(names, (x, y), strict=True):
            # A NaN or inf makes the sum non-finite: one cheap reduction; the exact (slower)
            # element-wise test runs only to confirm, since a huge sum may overflow.
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor.sum())) \
                    and not bool(torch.isfinite(tensor).all()):
                bad = int((~torch.isfinite(tensor)).sum())
                raise ValueError(f"{name} contains {bad} NaN or infinite value(s). Clean the data "
                                 "(or check the preprocessing) before training.")
        return x, y

    # ------------------------------------------------------------------ fit
    def fit(self, x_train: Any, y_train: Any = None, epochs: int = 1, batch_size: int = 32,
            validation_data: tuple | None = None, shuffle: bool = True,
            resume: bool = False) -> History:
        """Train for ``epochs`` epochs (counting those a resumed checkpoint already did).

        Args:
            x_train: (N, ...) inputs (array or tensor), or a map-style torch Dataset
                of ``(x, y)`` pairs with ``y_train=None``.
            y_train: (N, ...) targets: class labels, one-hot rows or values.
            epochs: total epochs (>= 1).
            batch_size: samples per step *per process* (under torchrun the global batch
                is ``batch_size * world_size``).
            validation_data: optional ``(x_val, y_val)`` evaluated after each epoch.
            shuffle: a new order every epoch, drawn from ``seed + epoch``.
            resume: continue from ``checkpoint_path`` if that file exists.

        Returns:
            History: ``history.history`` has "lr", "loss", the metrics and "val_*" lists.
        """
        epochs = _check_int(epochs, "epochs")
        batch_size = _check_int(batch_size, "batch_size")
        if resume and self.checkpoint_path is None:
            raise ValueError("resume=True needs checkpoint_path=... to know what to resume from.")
        owns_group = launched_by_torchrun() and not distributed_info().world_size > 1
        if owns_group:
            setup_distributed()
        try:
            with deterministic_algorithms(self.deterministic):
                return self._fit(x_train, y_train, epochs, batch_size, validation_data,
                                 shuffle, resume)
        finally:
            if owns_group:
                cleanup_distributed()

    def _fit(self, x_train: Any, y_train: Any, epochs: int, batch_size: int,
             validation_data: tuple | None, shuffle: bool, resume: bool) -> History:
        info = distributed_info()
        device = info.device if info.world_size > 1 else get_device(self.device_name)
        self.device = device
        if self.seed is not None:
            seed_everything(self.seed)
        model = self.model.to(device)
        dtype = model_dtype(model)
        if isinstance(x_train, torch.utils.data.Dataset) and y_train is None:
            dataset = x_train
        else:
            dataset = TensorPairDataset(*self._tensors(x_train, y_train, dtype,
                                                       ("x_train", "y_train")))
        loader = make_loader(dataset, batch_size, shuffle, self.seed, info.world_size,
                             info.rank, pin_memory=device.type == "cuda",
                             num_workers=self.num_workers)
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val).")
            validation = self._tensors(*validation_data, dtype, ("x_val", "y_val"))
        amp_dtype = amp_.resolve_amp(self.amp, device)
        autocast = functools.partial(amp_.autocast, device, amp_dtype) if amp_dtype else None
        self.scaler = amp_.make_grad_scaler(amp_dtype, device)
        net: nn.Module = model
        if info.world_size > 1:
            # DDP averages gradients across processes inside backward().
            net = DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None)

        history, start_epoch = History(), 0
        if resume and self.checkpoint_path.is_file():
            state = load_checkpoint(self.checkpoint_path, model, self.optimizer, self.scheduler,
                                    self.scaler)
            start_epoch = int(state["epoch"])
            saved = state.get("history") or {}
            history.history = {k: list(v) for k, v in saved.get("history", {}).items()}
            history.epoch = list(saved.get("epoch", []))
        callbacks = [cb for cb in self.callbacks
                     if info.is_main or not isinstance(cb, ProgressBar)
                     and type(cb).__name__ != "LivePlot"]  # only rank 0 draws
        for cb in callbacks:
            cb.model, cb.optimizer = SnapshotModel(model), self.optimizer
        batch_callbacks = [cb for cb in callbacks if overrides_batch_end(cb)]
        for cb in callbacks:
            cb.on_train_begin({"epochs": epochs, "steps_per_epoch": len(loader)})
        for epoch in range(start_epoch, epochs):
            net.train()
            set_epoch(loader, epoch)
            for cb in callbacks:
                cb.on_epoch_begin(epoch, {})
            logs: dict[str, float] = {"lr": float(self.optimizer.param_groups[0]["lr"])}
            losses, sizes, outputs, targets = [], [], [], []
            for batch, (xb, yb) in enumerate(loader):
                if self.functions:
                    targets.append(yb)
                xb = xb.to(device, non_blocking=True)
                yb = yb.to(device, non_blocking=True)
                loss, output = self._step(net, model, xb, yb, autocast)
                # Kept on the device: reading a float each step would make the GPU wait.
                losses.append(loss.detach())
                sizes.append(len(xb))
                if self.functions:
                    outputs.append(output.detach())
                if batch_callbacks:
                    batch_logs = {"loss": float(loss.detach()), "size": len(xb)}
                    for cb in batch_callbacks:
                        cb.on_batch_end(batch, batch_logs)
            count = sum(sizes)
            batch_losses = torch.stack(losses)
            if batch_losses.dtype in (torch.float16, torch.bfloat16):
                batch_losses = batch_losses.float()  # sum in at least float32
            weights = torch.tensor(sizes, dtype=batch_losses.dtype, device=device)
            # Mean loss per batch -> sum over samples: (steps,) @ (steps,) -> ()
            totals = torch.stack([batch_losses @ weights,
                                  torch.tensor(float(count), dtype=weights.dtype,
                                               device=device)])
            train_metrics = metric_values(self.loss_fn, self.functions, torch.cat(outputs),
                                          torch.cat(targets)) if self.functions else {}
            if info.world_size > 1:
                # Sum losses, counts and count-weighted metrics over processes.
                values = torch.tensor([v * count for v in train_metrics.values()],
                                      dtype=totals.dtype, device=device)
                totals, values = all_reduce_sum(totals), all_reduce_sum(values)
                train_metrics = {k: float(v / totals[1]) for k, v in zip(train_metrics, values,
                                                                      strict=True)}
            logs["loss"] = float(totals[0] / totals[1])
            if not math.isfinite(logs["loss"]):
                history.stopped_reason = (
                    f"loss became {logs['loss']} in epoch {epoch}: training diverged. Lower the "
                    "learning rate, check the inputs are scaled, or set grad_clip_norm.")
                logs["loss"] = math.nan
                history.append(epoch, logs)
                break
            logs.update(train_metrics)
            if validation is not None:
                val = evaluate_tensors(model, self.loss_fn, *validation, self.functions, 1024,
                                       autocast)
                logs.update({"val_" + k: v for k, v in val.items()})
            history.append(epoch, logs)
            stop = False
            for cb in callbacks:
                stop = bool(cb.on_epoch_end(epoch, dict(logs))) or cb.stop_training or stop
            if self.scheduler is not None:
                self.scheduler.step()
            if self.checkpoint_path is not None and info.is_main and (
                    (epoch + 1) % self.checkpoint_every == 0 or epoch + 1 == epochs or stop):
                save_checkpoint(self.checkpoint_path, model, self.optimizer, epoch + 1,
                                history, self.scheduler, self.scaler)
            if stop:
                reasons = [cb.stop_reason for cb in callbacks if cb.stop_reason]
                history.stopped_reason = "; ".join(reasons) or f"a callback stopped at {epoch}"
                break
        for cb in callbacks:
            cb.on_train_end({"history": history})
        return history

    def _step(self, net: nn.Module, model: nn.Module, xb: torch.Tensor, yb: torch.Tensor,
              autocast: Callable | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward, backward, (clip), step on one batch; returns (loss, output)."""
        if autocast is not None:
            with autocast():  # matrix products in 16 bits, reductions kept in float32
                output = net(xb)
                loss = self.loss_fn(output, yb)
        else:
            output = net(xb)
            loss = self.loss_fn(output, yb)
        if self.l2:
            loss = loss + l2_term(model, self.l2)
        self.optimizer.zero_grad(set_to_none=True)
        scaler = self.scaler
        if scaler is not None:
            scaler.scale(loss).backward()  # a scaled loss keeps small fp16 gradients nonzero
        else:
            loss.backward()
        if self.grad_clip_norm is not None:
            if scaler is not None:
                scaler.unscale_(self.optimizer)  # clip the true gradients, not scaled ones
            torch.nn.utils.clip_grad_norm_(model.parameters(), self.grad_clip_norm)
        if scaler is not None:
            scaler.step(self.optimizer)  # skipped if the gradients overflowed
            scaler.update()
        else:
            self.optimizer.step()
        return loss, output

    def evaluate(self, x: Any, y: Any, batch_size: int | None = 1024) -> dict[str, float]:
        """Mean loss and the trainer's metrics on ``(x, y)``, on the model's device."""
        dtype = model_dtype(self.model)
        x, y = self._tensors(x, y, dtype, ("x", "y"))
        return evaluate_tensors(self.model, self.loss_fn, x, y, self.functions, batch_size)

    def predict(self, x: Any, batch_size: int | None = 1024) -> torch.Tensor:
        """Model outputs (N, ...) in evaluation mode, as a CPU tensor."""
        return predict(self.model, x, batch_size)


def fit(model: nn.Module, loss_fn: Any, optimizer: torch.optim.Optimizer, x_train: Any,
        y_train: Any, epochs: int, batch_size: int = 32, validation_data: tuple | None = None,
        metrics: Sequence[str | Callable] = ("accuracy",), callbacks: Sequence[Callback] = (),
        shuffle: bool = True, seed: int | None = 0, verbose: bool = False, *,
        scheduler: Any = None, l2: float = 0.0, device: str | torch.device | None = None,
        amp: str | None = None, grad_clip_norm: float | None = None,
        checkpoint_path: str | os.PathLike | None = None, resume: bool = False,
        num_workers: int = 0, deterministic: bool = True) -> History:
    """Train a torch model with mini-batches; the signature of the NumPy ``fit`` and more.

    The arguments up to ``l2`` mean what they mean in :func:`nncourse.numpy.training.fit`;
    the rest are described in :class:`Trainer` (``device``, ``amp``, ``grad_clip_norm``,
    ``checkpoint_path``, ``num_workers``, ``deterministic``) and :meth:`Trainer.fit`
    (``resume``).

    Returns:
        History with the NumPy keys: "lr", "loss", "accuracy", "val_loss", "val_accuracy", ...

    Example:
        >>> history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y,
        ...               epochs=10, batch_size=64, device="cpu", seed=0)
    """
    trainer = Trainer(model, loss_fn, optimizer, metrics=metrics, callbacks=callbacks,
                      device=device, amp=amp, grad_clip_norm=grad_clip_norm,
                      scheduler=scheduler, l2=l2, seed=seed, deterministic=deterministic,
                      checkpoint_path=checkpoint_path, num_workers=num_workers, verbose=verbose)
    return trainer.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                       validation_data=validation_data, shuffle=shuffle, resume=resume)
