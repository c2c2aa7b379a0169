"""Chapter 10's learner-only answers: a device step, accumulation, an AMP step, resume, values.

Each is the few lines the lab asks for, written on the library (:func:`nncourse.torch.device`
helpers, :func:`nncourse.torch.checkpoint.save_checkpoint`); the widget and value answers come
from the library's own numbers (:mod:`nncourse.widgets.scaling`, :data:`nncourse.ddp_demo.RECIPE`).

Example:
    >>> memory_budget()
    {'batch_size': 2048, 'accumulation_steps': 4}
"""

from __future__ import annotations

from typing import Any


def device_step(model: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any, device: Any) -> Any:
    """One step on ``device``: model and batch moved there, the loss returned as a tensor."""
    import torch

    from nncourse.torch.device import module_dtype

    model.to(device)
    x = torch.as_tensor(x, dtype=module_dtype(model), device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach()  # stays on the device: no wait for the GPU


def accumulated_step(model: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any,
                     steps: int) -> None:
    """``steps`` micro-batches, gradients summed with weights len(micro)/len(x), one step."""
    import torch

    optimizer.zero_grad()
    for x_micro, y_micro in zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps),
                                strict=True):
        loss = loss_fn(model(x_micro), y_micro) * (len(x_micro) / len(x))
        loss.backward()  # adds to .grad
    optimizer.step()


def amp_step(model: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any, scaler: Any) -> None:
    """Forward and loss in bfloat16 autocast; scaled backward; step and update through scaler."""
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def save_state(path: Any, model: Any, optimizer: Any, epoch: int) -> None:
    """The library's checkpoint: weights, optimizer, epoch and random states."""
    from nncourse.torch.checkpoint import save_checkpoint

    save_checkpoint(path, model, optimizer, epoch=epoch)


def load_state(path: Any, model: Any, optimizer: Any) -> int:
    """Load it back; return the number of finished epochs."""
    from nncourse.torch.checkpoint import load_checkpoint

    return load_checkpoint(path, model, optimizer)["epoch"]


#: scaling.resume: the pair the learner writes.
RESUME = (save_state, load_state)


def memory_budget() -> dict[str, int]:
    """The largest micro-batch that fits, and the steps that make 8192 samples."""
    from nncourse.widgets.scaling import TARGET_BATCH, WIDE_MLP, largest_fitting_batch

    batch = largest_fitting_batch(WIDE_MLP)
    return {"batch_size": batch, "accumulation_steps": TARGET_BATCH // batch}


def ddp_batch() -> int:
    """Two processes of ``per_process_batch`` samples each."""
    from nncourse.ddp_demo import RECIPE

    return 2 * RECIPE["per_process_batch"]
