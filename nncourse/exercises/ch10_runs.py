"""The runs chapter 10's checks share: the seeded model and data, and the references.

Each reference is one call of the library (``train_step``, ``autocast`` with a
``GradScaler``, an uninterrupted training loop); the variants reproduce the plausible
wrong answers, so a judge can name the mistake it sees.

Example:
    >>> losses, weights = device_reference(seed=0, n=12)
    >>> len(losses), sorted(weights[0])[:1]
    (2, ['0.bias'])
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

FEATURES, HIDDEN, CLASSES = 6, 8, 3
AMP_SCALE = 2.0**8
RESUME_BATCH, RESUME_LR = 8, 0.01


def make_model(seed: int, dtype: Any, dropout: float = 0.0) -> Any:
    """Linear(6, 8) -> ReLU [-> Dropout] -> Linear(8, 3), weights drawn with ``seed``."""
    from nncourse.torch import Dropout, Linear, ReLU, Sequential

    layers = [Linear(FEATURES, HIDDEN, seed=seed, dtype=dtype), ReLU()]
    if dropout:
        layers.append(Dropout(dropout))  # masks from torch's global generator
    return Sequential(*layers, Linear(HIDDEN, CLASSES, seed=seed + 1, dtype=dtype))


def make_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 6) float64 and y (n,) int64 labels."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, FEATURES)), rng.integers(0, CLASSES, size=n).astype(np.int64)


def state_arrays(model: Any) -> dict[str, np.ndarray]:
    """The model's parameters as NumPy arrays (copied to the CPU, dtype kept; NumPy has no
    bfloat16, so such weights come back as float32).
    """
    import torch

    def plain(tensor: Any) -> np.ndarray:
        tensor = tensor.detach().cpu()
        return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy().copy()

    return {k: plain(v) for k, v in model.state_dict().items()}


def device_reference(seed: int, n: int) -> tuple[list[float], list[dict]]:
    """Two :func:`nncourse.torch.train_step` calls (SGD 0.1) on the CPU: losses, weights."""
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss, train_step

    model = make_model(seed, torch.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    x, y = make_data(seed, n)
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    losses, weights = [], []
    for _ in range(2):
        losses.append(train_step(model, CrossEntropyLoss(), optimizer, x, y)[0])
        weights.append(state_arrays(model))
    return losses, weights


def _accum_setup(inputs: dict) -> tuple[Any, Any, Any, Any]:
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss

    model = make_model(inputs["seed"], torch.float64)
    x, y = make_data(inputs["seed"], inputs["n"])
    return model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), (torch.as_tensor(x),
                                                                        torch.as_tensor(y))


def accumulation_reference(inputs: dict) -> dict[str, np.ndarray]:
    """One :func:`nncourse.torch.train_step` on the whole batch (float64, SGD 0.5)."""
    from nncourse.torch import train_step

    model, optimizer, loss_fn, (x, y) = _accum_setup(inputs)
    train_step(model, loss_fn, optimizer, x, y)
    return state_arrays(model)


def _gradient(model: Any, loss: Any) -> list:
    import torch

    return list(torch.autograd.grad(loss, list(model.parameters())))


def accumulation_variants(inputs: dict) -> dict[str, dict[str, np.ndarray]]:
    """The weights each wrong accumulation gives (sum, equal weights, zero_grad or step in
    the loop, a stale gradient kept).
    """
    import torch

    from nncourse.torch import train_step

    model, optimizer, loss_fn, (x, y) = _accum_setup(inputs)
    n, k = len(x), inputs["steps"]
    chunks = list(zip(torch.tensor_split(x, k), torch.tensor_split(y, k), strict=True))
    means = [_gradient(model, loss_fn(model(xc), yc)) for xc, yc in chunks]
    weights = [len(xc) / n for xc, _ in chunks]
    full = _gradient(model, loss_fn(model(x), y))
    stale = _gradient(model, loss_fn(model(x[:3] * 2.0), y[:3]))
    grads = {
        "sum": [sum(g[i] for g in means) for i in range(len(full))],
        "equal_weights": [sum(g[i] for g in means) / k for i in range(len(full))],
        "zero_inside": [means[-1][i] * weights[-1] for i in range(len(full))],
        "stale": [full[i] + stale[i] for i in range(len(full))],
    }
    start = copy.deepcopy(model)
    out = {}
    for name, grad in grads.items():
        moved = copy.deepcopy(start)
        with torch.no_grad():
            for p, g in zip(moved.parameters(), grad, strict=True):
                p -= optimizer.param_groups[0]["lr"] * g
        out[name] = state_arrays(moved)
    from nncourse.torch import SGD

    stepped = copy.deepcopy(start)
    opt = SGD(stepped.parameters(), lr=optimizer.param_groups[0]["lr"])
    for (xc, yc), w in zip(chunks, weights, strict=True):
        train_step(stepped, lambda out, target, w=w: loss_fn(out, target) * w, opt, xc, yc)
    out["step_inside"] = state_arrays(stepped)
    return out


def amp_reference(inputs: dict, scaled_step: bool = False) -> tuple[dict, float]:
    """Two steps under :func:`nncourse.torch.amp.autocast` (CPU, bfloat16) with a GradScaler.

    ``scaled_step=True`` gives the mistake: ``optimizer.step()`` on the scaled gradients.
    """
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss
    from nncourse.torch.amp import autocast

    model = make_model(inputs["seed"], torch.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=AMP_SCALE, growth_interval=1)
    x, y = make_data(inputs["seed"], inputs["n"])
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    for _ in range(2):
        with autocast(torch.device("cpu"), torch.bfloat16):
            loss = CrossEntropyLoss()(model(x), y)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        if scaled_step:
            optimizer.step()
            continue
        scaler.step(optimizer)
        scaler.update()
    return state_arrays(model), float(scaler.get_scale())


def _resume_epochs(model: Any, optimizer: Any, x: Any, y: Any, start: int, stop: int) -> None:
    """Epochs ``start .. stop-1``: a fresh ``torch.randperm`` order each, batches of 8."""
    import torch

    from nncourse.torch import CrossEntropyLoss, train_step

    for _ in range(start, stop):
        order = torch.randperm(len(x))
        for i in range(0, len(x), RESUME_BATCH):
            index = order[i:i + RESUME_BATCH]
            train_step(model, CrossEntropyLoss(), optimizer, x[index], y[index])


def _resume_start(inputs: dict) -> tuple[Any, Any, Any, Any]:
    import torch

    from nncourse.torch import Adam

    torch.manual_seed(inputs["seed"])
    model = make_model(inputs["seed"], torch.float32, dropout=0.3)
    x, y = make_data(inputs["seed"], inputs["n"])
    return (model, Adam(model.parameters(), lr=RESUME_LR),
            torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y))


def resume_reference(inputs: dict) -> dict[str, np.ndarray]:
    """The uninterrupted run: ``epochs`` epochs in one go (what resuming must reproduce)."""
    import torch

    with torch.random.fork_rng():
        model, optimizer, x, y = _resume_start(inputs)
        _resume_epochs(model, optimizer, x, y, 0, inputs["epochs"])
        return state_arrays(model)


def _same_optimizer_state(a: dict, b: dict) -> bool:
    import torch

    sa, sb = a["state"], b["state"]
    return bool(sa) and set(sa) == set(sb) and all(
        set(sa[i]) == set(sb[i]) and all(torch.equal(torch.as_tensor(sa[i][k]),
                                                     torch.as_tensor(sb[i][k])) for k in sa[i])
        for i in sa)


def resume_loop(save_state: Any, load_state: Any, path: str, inputs: dict) -> dict:
    """Train ``stop`` epochs, ``save_state``, scramble everything, ``load_state``, finish.

    Returns what the judge reads: the epoch ``load_state`` returned, whether the weights,
    the optimizer's state and the random state came back, and the final weights.
    """
    import torch

    from nncourse.torch import Adam

    with torch.random.fork_rng():
        model, optimizer, x, y = _resume_start(inputs)
        _resume_epochs(model, optimizer, x, y, 0, inputs["stop"])
        saved = (state_arrays(model), copy.deepcopy(optimizer.state_dict()),
                 torch.get_rng_state())
        save_state(path, model, optimizer, inputs["stop"])
        torch.manual_seed(inputs["seed"] + 1000)  # a new process: other weights, other RNG
        model = make_model(inputs["seed"] + 7, torch.float32, dropout=0.3)
        optimizer = Adam(model.parameters(), lr=RESUME_LR)
        epoch = load_state(path, model, optimizer)
        now = state_arrays(model)
        out = {"epoch": int(epoch) if isinstance(epoch, int | np.integer) else None,
               "weights_restored": all(np.array_equal(now[k], saved[0][k]) for k in now),
               "optimizer_restored": _same_optimizer_state(optimizer.state_dict(), saved[1]),
               "rng_restored": bool(torch.equal(torch.get_rng_state(), saved[2]))}
        if out["epoch"] is not None and 0 <= out["epoch"] <= inputs["epochs"]:
            _resume_epochs(model, optimizer, x, y, out["epoch"], inputs["epochs"])
        out["final"] = state_arrays(model)
        return out
