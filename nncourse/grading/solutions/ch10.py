"""Reference answers for chapter 10 (instructor side; see the package docstring)."""

from __future__ import annotations

from typing import Any

import torch

from nncourse.ddp_demo import RECIPE
from nncourse.torch.checkpoint import load_checkpoint, save_checkpoint
from nncourse.torch.device import module_dtype
from nncourse.widgets.scaling import TARGET_BATCH, WIDE_MLP, largest_fitting_batch


def device_step(model, loss_fn, optimizer, x, y, device):
    """One step on ``device``: model and batch moved there, the loss returned as a tensor."""
    model.to(device)
    x = torch.as_tensor(x, dtype=module_dtype(model), device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach()  # stays on the device: no wait for the GPU


def accumulated_step(model, loss_fn, optimizer, x, y, steps):
    """``steps`` micro-batches, gradients summed with weights len(micro)/len(x), one step."""
    optimizer.zero_grad()
    for x_micro, y_micro in zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps),
                                strict=True):
        loss = loss_fn(model(x_micro), y_micro) * (len(x_micro) / len(x))
        loss.backward()  # adds to .grad
    optimizer.step()


def amp_step(model, loss_fn, optimizer, x, y, scaler):
    """Forward and loss in bfloat16 autocast; scaled backward; step and update through scaler."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def save_state(path, model, optimizer, epoch):
    """The library's checkpoint: weights, optimizer, epoch and random states."""
    save_checkpoint(path, model, optimizer, epoch=epoch)


def load_state(path, model, optimizer):
    """Load it back; return the number of finished epochs."""
    return load_checkpoint(path, model, optimizer)["epoch"]


SOLUTIONS: dict[str, Any] = {
    "scaling.device_step": device_step,
    "scaling.accumulate": accumulated_step,
    "scaling.amp_step": amp_step,
    "scaling.resume": (save_state, load_state),
    "scaling.memory_budget": {"batch_size": largest_fitting_batch(WIDE_MLP),
                              "accumulation_steps": TARGET_BATCH // largest_fitting_batch(
                                  WIDE_MLP)},
    "scaling.ddp_batch": 2 * RECIPE["per_process_batch"],
}
