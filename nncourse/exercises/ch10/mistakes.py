"""Chapter 10 mistake models: plausible wrong answers, each with the message it earns.

Every model is a runnable wrong answer, written as a learner would write it, with a docstring
that says the slip. The judge runs it on the same inputs as the learner's answer; when the two
agree (or raise the same way), the learner reads its message.

Example:
    >>> from nncourse.exercises import check
    >>> check("scaling.accumulate", accumulate_sum).passed
    False
"""

from __future__ import annotations

import numpy as np

from ..registry import Mistake


def _torch():
    import torch

    return torch


def _tensors(x, y, device, x_dtype="float32", y_dtype="long"):
    torch = _torch()
    return (torch.as_tensor(x, dtype=getattr(torch, x_dtype), device=device),
            torch.as_tensor(y, dtype=getattr(torch, y_dtype), device=device))


def _step(model, loss_fn, optimizer, x, y, zero=True):
    loss = loss_fn(model(x), y)
    if zero:
        optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


# ----------------------------------------------------------------------------- device step
def device_float64(model, loss_fn, optimizer, x, y, device):
    """torch.from_numpy keeps NumPy's float64."""
    torch = _torch()
    model.to(device)
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_no_zero_grad(model, loss_fn, optimizer, x, y, device):
    """No optimizer.zero_grad(): gradients add up from step to step."""
    model.to(device)
    x, y = _tensors(x, y, device)
    return _step(model, loss_fn, optimizer, x, y, zero=False).detach()


def device_item(model, loss_fn, optimizer, x, y, device):
    """Returns loss.item(), a Python number read from the device."""
    model.to(device)
    x, y = _tensors(x, y, device)
    return _step(model, loss_fn, optimizer, x, y).item()


def device_cpu_loss(model, loss_fn, optimizer, x, y, device):
    """Returns loss.detach().cpu(): copied back from the device every step."""
    model.to(device)
    x, y = _tensors(x, y, device)
    return _step(model, loss_fn, optimizer, x, y).detach().cpu()


def device_batch_on_cpu(model, loss_fn, optimizer, x, y, device):
    """The model moves, the batch stays on the CPU."""
    model.to(device)
    x, y = _tensors(x, y, "cpu")
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_model_on_cpu(model, loss_fn, optimizer, x, y, device):
    """The batch moves, the model stays on the CPU."""
    x, y = _tensors(x, y, device)
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_float_labels(model, loss_fn, optimizer, x, y, device):
    """The labels as float32 instead of int64 class indices."""
    model.to(device)
    x, y = _tensors(x, y, device, y_dtype="float32")
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_attached_loss(model, loss_fn, optimizer, x, y, device):
    """Returns the loss itself, still attached to the autograd graph."""
    model.to(device)
    x, y = _tensors(x, y, device)
    return _step(model, loss_fn, optimizer, x, y)


def device_no_step(model, loss_fn, optimizer, x, y, device):
    """model.to(device) and a zero loss: no training step at all."""
    model.to(device)
    return _torch().zeros((), device=device)


DEVICE = [
    Mistake("NumPy float64 batch", device_float64,
            "x reached the model as float64 (NumPy's default) but the weights are float32: "
            "convert it with torch.as_tensor(x, dtype=torch.float32, device=device)."),
    Mistake("no zero_grad", device_no_zero_grad,
            "The first step is right but the second is not: it used the first step's gradient "
            "too. Call optimizer.zero_grad() before loss.backward()."),
    Mistake("loss read with .item()", device_item,
            "You read the loss as a Python number (.item()): on a GPU that makes the CPU wait "
            "for every step. Return the tensor: loss.detach()."),
    Mistake("loss copied to the CPU", device_cpu_loss,
            "You copied the loss back to the CPU (.cpu()): on a GPU that makes the CPU wait "
            "for every step. Return loss.detach(), which stays on the device."),
    Mistake("batch left on the CPU", device_batch_on_cpu,
            "The batch x is still on the CPU: create it on the device like the model, "
            "torch.as_tensor(x, dtype=torch.float32, device=device)."),
    Mistake("model left on the CPU", device_model_on_cpu,
            "The model is still on the CPU: move it with model.to(device) before the forward "
            "pass."),
    Mistake("labels as floats", device_float_labels,
            "The labels y must be int64 class indices: torch.as_tensor(y, dtype=torch.long, "
            "device=device)."),
    Mistake("loss not detached", device_attached_loss,
            "Return loss.detach(): the returned loss still holds the whole autograd graph."),
    Mistake("no training step", device_no_step,
            "No training step was taken: forward the batch, compute the loss, "
            "loss.backward() and optimizer.step(), all on the device."),
]


# ----------------------------------------------------------------------------- accumulation
def _chunks(x, y, steps):
    torch = _torch()
    return list(zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps), strict=True))


def accumulate_sum(model, loss_fn, optimizer, x, y, steps):
    """The micro-batch mean losses summed, unweighted."""
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        loss_fn(model(xc), yc).backward()
    optimizer.step()


def accumulate_equal_weights(model, loss_fn, optimizer, x, y, steps):
    """Each micro-batch weighted 1/steps, whatever its size."""
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) / steps).backward()
    optimizer.step()


def accumulate_zero_inside(model, loss_fn, optimizer, x, y, steps):
    """optimizer.zero_grad() inside the loop: only the last micro-batch counts."""
    for xc, yc in _chunks(x, y, steps):
        optimizer.zero_grad()
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
    optimizer.step()


def accumulate_step_inside(model, loss_fn, optimizer, x, y, steps):
    """optimizer.step() after every micro-batch."""
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
        optimizer.step()
        optimizer.zero_grad()


def accumulate_stale(model, loss_fn, optimizer, x, y, steps):
    """No zero_grad at all: a gradient left from before the call is added in."""
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
    optimizer.step()


def accumulate_first_chunk(model, loss_fn, optimizer, x, y, steps):
    """One micro-batch only (the loop breaks after the first)."""
    optimizer.zero_grad()
    xc, yc = _chunks(x, y, steps)[0]
    (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
    optimizer.step()


ACCUMULATE = [
    Mistake("micro-batch losses summed", accumulate_sum,
            "The gradient is the sum of the micro-batch mean losses, steps times too large: "
            "weight each micro-batch loss by its share len(x_micro) / len(x)."),
    Mistake("equal weights for unequal micro-batches", accumulate_equal_weights,
            "The micro-batches have unequal sizes but you weighted them equally (1/steps): "
            "multiply each micro-batch loss by len(x_micro) / len(x)."),
    Mistake("zero_grad inside the loop", accumulate_zero_inside,
            "Only the last micro-batch's gradient was used: optimizer.zero_grad() belongs "
            "before the loop, not inside it."),
    Mistake("step inside the loop", accumulate_step_inside,
            "You stepped after every micro-batch: call optimizer.step() once, after the loop."),
    Mistake("stale gradient kept", accumulate_stale,
            "A gradient left from before the call was added in: call optimizer.zero_grad() "
            "once before accumulating."),
    Mistake("one micro-batch only", accumulate_first_chunk,
            "Only the first micro-batch contributed: loop over all of "
            "zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps))."),
]


# ----------------------------------------------------------------------------- mixed precision
def _amp(model, loss_fn, optimizer, x, y, scaler, dtype="bfloat16", direct=False, update=True,
         cast=False, scaled=True):
    torch = _torch()
    if cast:
        model.to(torch.bfloat16)
    if dtype is None:
        loss = loss_fn(model(x), y)
    else:
        with torch.autocast("cpu", dtype=getattr(torch, dtype)):
            loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    (scaler.scale(loss) if scaled else loss).backward()
    if direct:
        optimizer.step()
        return
    scaler.step(optimizer)
    if update:
        scaler.update()


def amp_no_autocast(model, loss_fn, optimizer, x, y, scaler):
    """No autocast: the forward pass runs in float32."""
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype=None)


def amp_float16(model, loss_fn, optimizer, x, y, scaler):
    """autocast with float16 instead of bfloat16."""
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype="float16")


def amp_optimizer_step(model, loss_fn, optimizer, x, y, scaler):
    """optimizer.step() on the still-scaled gradients."""
    _amp(model, loss_fn, optimizer, x, y, scaler, direct=True)


def amp_no_update(model, loss_fn, optimizer, x, y, scaler):
    """scaler.update() never called."""
    _amp(model, loss_fn, optimizer, x, y, scaler, update=False)


def amp_cast_weights(model, loss_fn, optimizer, x, y, scaler):
    """The model converted to bfloat16."""
    _amp(model, loss_fn, optimizer, x, y, scaler, cast=True)


def amp_unscaled_backward(model, loss_fn, optimizer, x, y, scaler):
    """loss.backward() without scaler.scale, then scaler.step: the gradients get divided."""
    _amp(model, loss_fn, optimizer, x, y, scaler, scaled=False)


AMP = [
    Mistake("no autocast", amp_no_autocast,
            "The forward pass ran without autocast: wrap the forward and the loss in "
            "torch.autocast('cpu', dtype=torch.bfloat16)."),
    Mistake("float16 autocast", amp_float16,
            "Autocast ran with float16, not bfloat16: pass dtype=torch.bfloat16."),
    Mistake("optimizer.step on scaled gradients", amp_optimizer_step,
            "The update used gradients still multiplied by the scale: step with "
            "scaler.step(optimizer), which unscales them first, not optimizer.step()."),
    Mistake("no scaler.update()", amp_no_update,
            "The scale never changed: call scaler.update() after scaler.step(optimizer)."),
    Mistake("weights cast to bfloat16", amp_cast_weights,
            "The weights were converted to bfloat16: autocast keeps float32 weights and runs "
            "only the matrix products in 16 bits."),
    Mistake("backward without scaler.scale", amp_unscaled_backward,
            "You called loss.backward() on the unscaled loss, and scaler.step then divided the "
            "gradients by the scale: call scaler.scale(loss).backward()."),
]


# ----------------------------------------------------------------------------- resume
def _save(path, model, optimizer, epoch, rng=True, opt=True):
    torch = _torch()
    state = {"model": model.state_dict(), "epoch": epoch}
    if opt:
        state["optimizer"] = optimizer.state_dict()
    if rng:
        state["rng"] = torch.get_rng_state()
    torch.save(state, path)


def _load(path, model, optimizer, opt=True, offset=0):
    torch = _torch()
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    if opt and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    if "rng" in state:
        torch.set_rng_state(state["rng"])
    return state["epoch"] + offset


def save_everything(path, model, optimizer, epoch):
    """Weights, optimizer, epoch and torch's random state (right)."""
    _save(path, model, optimizer, epoch)


def load_everything(path, model, optimizer):
    """Loads all of it back (right)."""
    return _load(path, model, optimizer)


def save_model_only(path, model, optimizer, epoch):
    """Weights and epoch only."""
    _save(path, model, optimizer, epoch, opt=False)


def save_no_rng(path, model, optimizer, epoch):
    """Everything but the random state."""
    _save(path, model, optimizer, epoch, rng=False)


def save_numpy_rng(path, model, optimizer, epoch):
    """NumPy's global random state instead of torch's."""
    _torch().save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                   "epoch": epoch, "rng": np.random.get_state()}, path)


def load_numpy_rng(path, model, optimizer):
    """Loads NumPy's random state back."""
    state = _torch().load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    np.random.set_state(state["rng"])
    return state["epoch"]


def load_next_epoch(path, model, optimizer):
    """Returns epoch + 1."""
    return _load(path, model, optimizer, offset=1)


def load_no_optimizer(path, model, optimizer):
    """The optimizer's state is not loaded."""
    return _load(path, model, optimizer, opt=False)


def load_epoch_only(path, model, optimizer):
    """Reads the epoch and nothing else."""
    return _torch().load(path, weights_only=True)["epoch"]


RESUME = [
    Mistake("optimizer state not saved", (save_model_only, load_no_optimizer),
            "The optimizer's state (Adam's moments and step count) was not restored: save "
            "optimizer.state_dict() and load it with optimizer.load_state_dict(...)."),
    Mistake("optimizer state not loaded", (save_everything, load_no_optimizer),
            "The optimizer's state (Adam's moments and step count) was saved but not loaded: "
            "call optimizer.load_state_dict(...).",
            feedback=("optimizer.load_state_dict",)),
    Mistake("random state not saved", (save_no_rng, load_everything),
            "The random state was not restored: the shuffle order and the dropout masks after "
            "resuming differ. Save torch.get_rng_state() and restore it with "
            "torch.set_rng_state(...)."),
    Mistake("NumPy's random state", (save_numpy_rng, load_numpy_rng),
            "The checkpoint holds something torch.load(path, weights_only=True) cannot read: "
            "only tensors, numbers, strings, lists and dicts come back. NumPy's random state "
            "is a tuple of Python objects, and the shuffle order and dropout masks come from "
            "torch's generator anyway: save torch.get_rng_state().",
            feedback=("weights_only=True", "torch.get_rng_state()")),
    Mistake("resumes one epoch late", (save_everything, load_next_epoch),
            "load_state must return the number of finished epochs saved with the checkpoint, "
            "so that training continues with the next one; yours returns one more."),
    Mistake("nothing loaded but the epoch", (save_everything, load_epoch_only),
            "Only the epoch came back: the model's weights were not restored "
            "(model.load_state_dict(...)), nor the optimizer or the random state."),
]


# ----------------------------------------------------------------------------- values
MEMORY = [
    Mistake("whole batch at once", {"batch_size": 8192, "accumulation_steps": 1},
            "A micro-batch of 8192 needs more than the 512 MiB budget: take a smaller "
            "micro-batch and more accumulation steps."),
    Mistake("micro-batch of 4096", {"batch_size": 4096, "accumulation_steps": 2},
            "A micro-batch of 4096 needs more than the 512 MiB budget: take a smaller "
            "micro-batch and more steps."),
    Mistake("too few steps", {"batch_size": 1024, "accumulation_steps": 4},
            "1024 x 4 = 4096 samples per optimizer step; the recipe asks for 8192."),
    Mistake("smaller micro-batch than fits", {"batch_size": 1024, "accumulation_steps": 8},
            "This fits, but a micro-batch of 2048 fits too and needs only 4 steps: larger "
            "micro-batches keep the GPU busier."),
    Mistake("the steps forgotten", {"batch_size": 2048, "accumulation_steps": 1},
            "2048 x 1 = 2048 samples per optimizer step; the recipe asks for 8192: raise the "
            "accumulation steps."),
    Mistake("a key misspelt", {"batch": 2048, "accumulation_steps": 4},
            "The answer needs the keys 'batch_size' and 'accumulation_steps' (the explorer's "
            "state)."),
]

DDP = [
    Mistake("per-process batch", 8,
            "8 is each process's share; together the 2 processes see 2 x 8 samples per step."),
    Mistake("halved", 4,
            "Each process already sees the batch size you pass to fit; one process must see "
            "more, not less."),
    Mistake("doubled twice", 32,
            "32 samples per step is more than the 2 processes see together (2 x 8)."),
    Mistake("the whole data set", 128,
            "128 samples per step is more than the 2 processes see together (2 x 8)."),
]
