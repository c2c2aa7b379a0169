"""Chapter 10's mistake catalogue: plausible wrong answers and the words their feedback names.

Each wrong answer is written as a learner would write it; the catalogue test checks that it
earns less than full points and that the feedback contains the listed words.
"""

from __future__ import annotations

from .registry import Mistake


def _torch():
    import torch

    return torch


# ----------------------------------------------------------------------------- device step
def _step(model, loss_fn, optimizer, x, y, zero=True):
    loss = loss_fn(model(x), y)
    if zero:
        optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def device_float64(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    model.to(device)
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_no_zero_grad(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    model.to(device)
    x = torch.as_tensor(x, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    return _step(model, loss_fn, optimizer, x, y, zero=False).detach()


def device_returns_float(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    model.to(device)
    x = torch.as_tensor(x, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    return _step(model, loss_fn, optimizer, x, y).item()


def device_batch_on_cpu(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    model.to(device)
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_model_on_cpu(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    x = torch.as_tensor(x, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    return _step(model, loss_fn, optimizer, x, y).detach()


def device_float_labels(model, loss_fn, optimizer, x, y, device):
    torch = _torch()
    model.to(device)
    x = torch.as_tensor(x, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, dtype=torch.float32, device=device)
    return _step(model, loss_fn, optimizer, x, y).detach()


# ----------------------------------------------------------------------------- accumulation
def _chunks(x, y, steps):
    torch = _torch()
    return list(zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps), strict=True))


def accum_sum(model, loss_fn, optimizer, x, y, steps):
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        loss_fn(model(xc), yc).backward()
    optimizer.step()


def accum_equal_weights(model, loss_fn, optimizer, x, y, steps):
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) / steps).backward()
    optimizer.step()


def accum_zero_inside(model, loss_fn, optimizer, x, y, steps):
    for xc, yc in _chunks(x, y, steps):
        optimizer.zero_grad()
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
    optimizer.step()


def accum_step_inside(model, loss_fn, optimizer, x, y, steps):
    optimizer.zero_grad()
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
        optimizer.step()
        optimizer.zero_grad()


def accum_stale(model, loss_fn, optimizer, x, y, steps):
    for xc, yc in _chunks(x, y, steps):
        (loss_fn(model(xc), yc) * len(xc) / len(x)).backward()
    optimizer.step()


# ----------------------------------------------------------------------------- mixed precision
def _amp(model, loss_fn, optimizer, x, y, scaler, dtype=None, direct=False, update=True,
         cast=False):
    torch = _torch()
    if cast:
        model.to(torch.bfloat16)
    if dtype is None:
        loss = loss_fn(model(x), y)
    else:
        with torch.autocast("cpu", dtype=dtype):
            loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    if direct:
        optimizer.step()
        return
    scaler.step(optimizer)
    if update:
        scaler.update()


def amp_no_autocast(model, loss_fn, optimizer, x, y, scaler):
    _amp(model, loss_fn, optimizer, x, y, scaler)


def amp_float16(model, loss_fn, optimizer, x, y, scaler):
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype=_torch().float16)


def amp_optimizer_step(model, loss_fn, optimizer, x, y, scaler):
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype=_torch().bfloat16, direct=True)


def amp_no_update(model, loss_fn, optimizer, x, y, scaler):
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype=_torch().bfloat16, update=False)


def amp_cast_weights(model, loss_fn, optimizer, x, y, scaler):
    _amp(model, loss_fn, optimizer, x, y, scaler, dtype=_torch().bfloat16, cast=True)


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


def save_model_only(path, model, optimizer, epoch):
    _save(path, model, optimizer, epoch, opt=False)


def save_no_rng(path, model, optimizer, epoch):
    _save(path, model, optimizer, epoch, rng=False)


def load_next_epoch(path, model, optimizer):
    return _load(path, model, optimizer, offset=1)


def load_no_optimizer(path, model, optimizer):
    return _load(path, model, optimizer, opt=False)


def load_epoch_only(path, model, optimizer):
    return _torch().load(path, weights_only=True)["epoch"]


MISTAKES: dict[str, list[Mistake]] = {
    "scaling.device_step": [
        Mistake("NumPy float64 batch", device_float64, "float64"),
        Mistake("no zero_grad", device_no_zero_grad, "zero_grad"),
        Mistake("loss read with .item()", device_returns_float, "Python number"),
        Mistake("batch left on the CPU", device_batch_on_cpu, "batch x is still on the CPU"),
        Mistake("model left on the CPU", device_model_on_cpu, "model is still on the CPU"),
        Mistake("labels as floats", device_float_labels, "int64 class indices"),
    ],
    "scaling.accumulate": [
        Mistake("micro-batch losses summed", accum_sum, "steps times too large"),
        Mistake("equal weights for unequal micro-batches", accum_equal_weights,
                "weighted them equally"),
        Mistake("zero_grad inside the loop", accum_zero_inside, "only the last micro-batch"),
        Mistake("step inside the loop", accum_step_inside, "stepped after every micro-batch"),
        Mistake("stale gradient kept", accum_stale, "left from before"),
    ],
    "scaling.amp_step": [
        Mistake("no autocast", amp_no_autocast, "without autocast"),
        Mistake("float16 autocast", amp_float16, "not bfloat16"),
        Mistake("optimizer.step on scaled gradients", amp_optimizer_step,
                "still multiplied by the scale"),
        Mistake("no scaler.update()", amp_no_update, "scaler.update()"),
        Mistake("weights cast to bfloat16", amp_cast_weights, "float32 weights"),
    ],
    "scaling.resume": [
        Mistake("optimizer state not saved", (save_model_only, load_no_optimizer),
                "optimizer's state"),
        Mistake("optimizer state not loaded", (_save, load_no_optimizer), "optimizer's state"),
        Mistake("random state not saved", (save_no_rng, _load), "random state"),
        Mistake("resumes one epoch late", (_save, load_next_epoch), "number of finished epochs"),
        Mistake("nothing loaded but the epoch", (_save, load_epoch_only), "weights were not"),
    ],
    "scaling.memory_budget": [
        Mistake("whole batch at once", {"batch_size": 8192, "accumulation_steps": 1},
                "more than the 512 MiB budget"),
        Mistake("micro-batch of 4096", {"batch_size": 4096, "accumulation_steps": 2},
                "more than the 512 MiB budget"),
        Mistake("too few steps", {"batch_size": 1024, "accumulation_steps": 4},
                "asks for 8192"),
        Mistake("smaller micro-batch than fits", {"batch_size": 1024, "accumulation_steps": 8},
                "fits too"),
        Mistake("accumulation without the micro-batch", {"batch_size": 2048,
                                                         "accumulation_steps": 1},
                "asks for 8192"),
    ],
    "scaling.ddp_batch": [
        Mistake("per-process batch", 8, "each process's share"),
        Mistake("halved", 4, "more, not less"),
        Mistake("doubled twice", 32, "more than the 2 processes see together"),
        Mistake("the whole data set", 128, "more than the 2 processes see together"),
    ],
}
