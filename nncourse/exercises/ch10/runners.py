"""How chapter 10's learner code is called (sandbox side). Each runner returns raw data only.

The seeded model is Linear(6, 8) -> ReLU [-> Dropout] -> Linear(8, 3); the data x (n, 6)
float64 and y (n,) int64 come as NumPy arrays, as in the lab.

* ``device_run``: two calls of ``device_step`` on the CPU (the losses returned and the weights
  after each step) or one on the ``meta`` device (where the returned loss, the parameters and
  their gradients live); each time, the device and dtype of what reached the loss function;
* ``accumulate_run``: the weights after one ``accumulated_step`` (a stale gradient is left in
  ``.grad`` before the call, as earlier code would);
* ``amp_run``: the weights, the scaler's scale, the autocast dtype seen in each forward and the
  weights' dtypes after two ``amp_step`` calls;
* ``resume_run``: train, ``save_state``, scramble everything, ``load_state``, finish: the epoch
  returned, the weights, the optimizer's state and torch's random state right after loading,
  and the final weights.

Torch's own error texts are put into sentences here (a meta tensor has no value, float64 met
float32 weights, float labels, a model and a batch on different devices).

Example:
    >>> from nncourse.exercises.ch10.reference import accumulated_step
    >>> sorted(accumulate_run(accumulated_step, {"seed": 0, "n": 8, "steps": 2}, {}))
    ['weights']
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner

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
    """The model's state as NumPy arrays (copied to the CPU; bfloat16 comes back as float32)."""
    import torch

    def plain(tensor: Any) -> np.ndarray:
        tensor = tensor.detach().cpu()
        return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy().copy()

    return {k: plain(v) for k, v in model.state_dict().items()}


_DEVICES = re.compile(r"is on (\w+)(?::\d+)? but its input is on (\w+)")


def _says(text: str, *patterns: str) -> bool:
    return any(pattern in text for pattern in patterns)


def _translated(exc: Exception) -> LearnerError | None:
    """Torch's error text as a sentence for the learner (None when it is none of these)."""
    text = str(exc)
    if _says(text, "copy out of meta"):
        return LearnerError(_("your step copies the loss back to the CPU (.cpu(), .numpy() or "
                              ".tolist()): on the meta device there is no value, and on a GPU "
                              "the copy makes the CPU wait at every step; return loss.detach(), "
                              "which stays on the device"))
    if _says(text, "cannot be called on meta", "meta tensor"):
        return LearnerError(_("your step reads the loss's value (.item() or float()): on the "
                              "meta device there is no value, and on a GPU reading it makes the "
                              "CPU wait at every step; return the tensor, loss.detach(), on the "
                              "device"))
    if _says(text, "float64 input", "Double", "same dtype"):
        return LearnerError(_("x reached the model as float64 (NumPy's default) but the "
                              "weights are float32: convert it with torch.as_tensor(x, "
                              "dtype=torch.float32, device=device)"))
    if _says(text, "targets must be integers", "expected scalar type Long"):
        return LearnerError(_("the labels y must be int64 class indices on the device: "
                              "torch.as_tensor(y, dtype=torch.long, device=device)"))
    found = _DEVICES.search(text)
    if found and found.group(1) == "cpu":
        return LearnerError(_("the model is still on the CPU while the batch is on {device}: "
                              "move it with model.to(device) before the forward "
                              "pass").format(device=found.group(2)))
    if found:
        return LearnerError(_("the batch is still on {batch_device} while the model is on "
                              "{model_device}: create x and y on the device, "
                              "torch.as_tensor(x, dtype=torch.float32, device=device)").format(
            batch_device=found.group(2), model_device=found.group(1)))
    if _says(text, "same device", "Expected all tensors"):
        return LearnerError(_("the model and the batch are on different devices: move the "
                              "model with model.to(device) and create x and y with "
                              "device=device"))
    return None


def _call(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except (RuntimeError, TypeError, ValueError, NotImplementedError) as exc:
        translated = _translated(exc)
        if translated is not None:
            raise translated from exc
        raise


def _loss_record(loss: Any) -> dict:
    import torch

    if not isinstance(loss, torch.Tensor):
        return {"type": type(loss).__name__}
    record = {"type": "Tensor", "device": loss.device.type, "requires_grad": loss.requires_grad,
              "shape": list(loss.shape)}
    if loss.device.type != "meta":
        record["value"] = float(loss.detach().cpu().double())
    return record


class _RecordingLoss:
    """The loss function handed to the learner: records where its inputs arrive, then computes."""

    def __init__(self, seen: list) -> None:
        from nncourse.torch import CrossEntropyLoss

        self.loss, self.seen = CrossEntropyLoss(), seen

    def __call__(self, output: Any, target: Any) -> Any:
        self.seen.append([getattr(getattr(output, "device", None), "type", "not a tensor"),
                          str(getattr(output, "dtype", type(output).__name__)),
                          getattr(getattr(target, "device", None), "type", "not a tensor"),
                          str(getattr(target, "dtype", type(target).__name__))])
        return self.loss(output, target)


@runner("scaling.device_step")
def device_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Steps of ``answer(model, loss_fn, optimizer, x, y, device)`` and what they left."""
    import torch

    from nncourse.torch import SGD

    model = make_model(inputs["seed"], torch.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    x, y = make_data(inputs["seed"], inputs["n"])
    device = inputs["device"]
    out: dict[str, Any] = {"losses": [], "weights": [], "loss_inputs": []}
    for _step in range(1 if device == "meta" else 2):
        out["losses"].append(_loss_record(_call(answer, model, _RecordingLoss(
            out["loss_inputs"]), optimizer, x.copy(), y.copy(), device)))
        if device != "meta":
            out["weights"].append(state_arrays(model))
    out["parameters_on"] = sorted({p.device.type for p in model.parameters()})
    out["gradients_on"] = sorted({"none" if p.grad is None else p.grad.device.type
                                  for p in model.parameters()})
    return out


@runner("scaling.accumulate")
def accumulate_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """The weights after ``answer(model, loss_fn, optimizer, x, y, steps)`` (float64, SGD 0.5)."""
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss

    model = make_model(inputs["seed"], torch.float64)
    optimizer = SGD(model.parameters(), lr=0.5)
    x, y = make_data(inputs["seed"], inputs["n"])
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x[:3] * 2.0), y[:3]).backward()  # a stale gradient left by earlier code
    _call(answer, model, loss_fn, optimizer, x, y, inputs["steps"])
    return {"weights": state_arrays(model)}


@runner("scaling.amp_step")
def amp_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Two ``answer(model, loss_fn, optimizer, x, y, scaler)`` calls (bf16 autocast on CPU)."""
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss

    model = make_model(inputs["seed"], torch.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=AMP_SCALE, growth_interval=1)
    x, y = make_data(inputs["seed"], inputs["n"])
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    seen: list = []
    model.register_forward_hook(lambda *_: seen.append(
        str(torch.get_autocast_dtype("cpu")) if torch.is_autocast_enabled("cpu") else "none"))
    for _step in range(2):
        _call(answer, model, CrossEntropyLoss(), optimizer, x, y, scaler)
    return {"weights": state_arrays(model), "scale": float(scaler.get_scale()),
            "autocast": seen, "dtypes": sorted({str(p.dtype) for p in model.parameters()})}


def _resume_epochs(model: Any, optimizer: Any, x: Any, y: Any, start: int, stop: int) -> None:
    """Epochs ``start .. stop-1``: a fresh ``torch.randperm`` order each, batches of 8."""
    import torch

    from nncourse.torch import CrossEntropyLoss, train_step

    for _epoch in range(start, stop):
        order = torch.randperm(len(x))
        for i in range(0, len(x), RESUME_BATCH):
            index = order[i:i + RESUME_BATCH]
            train_step(model, CrossEntropyLoss(), optimizer, x[index], y[index])


def _resume_start(seed: int, n: int) -> tuple[Any, Any, Any, Any]:
    import torch

    from nncourse.torch import Adam

    torch.manual_seed(seed)
    model = make_model(seed, torch.float32, dropout=0.3)
    x, y = make_data(seed, n)
    return (model, Adam(model.parameters(), lr=RESUME_LR),
            torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y))


def _optimizer_arrays(optimizer: Any) -> dict[str, Any]:
    """Adam's moments and step counts, by parameter index, as arrays and numbers."""
    state = optimizer.state_dict()["state"]
    return {f"{index}.{key}": (value.detach().cpu().numpy().copy()
                               if hasattr(value, "detach") else value)
            for index, entry in sorted(state.items()) for key, value in sorted(entry.items())}


def _load(load_state: Any, path: str, model: Any, optimizer: Any) -> Any:
    try:
        return load_state(path, model, optimizer)
    except Exception as exc:
        if type(exc).__name__ == "UnpicklingError" or "weights_only" in str(exc):
            raise LearnerError(_("torch.load(path, weights_only=True) could not read the "
                                 "checkpoint back: it reads tensors, numbers, strings, lists "
                                 "and dicts only. Save the weights and the optimizer as their "
                                 "state_dict() (not the objects themselves) and torch's random "
                                 "state as the tensor torch.get_rng_state() (NumPy's "
                                 "np.random.get_state() is a tuple of Python objects)")) from exc
        raise


@runner("scaling.resume")
def resume_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Train ``stop`` epochs, save, scramble, load, finish ``epochs``; what each step left."""
    import torch

    if not (isinstance(answer, tuple | list) and len(answer) == 2 and all(map(callable, answer))):
        raise LearnerError(_("pass the two functions together, as a pair: "
                             "check('scaling.resume', (save_state, load_state))"))
    save_state, load_state = answer
    # A file in the working directory: the grading sandbox lets learner code write only there.
    handle, path = tempfile.mkstemp(suffix=".pt", prefix=".resume-check-", dir=os.getcwd())
    os.close(handle)
    try:
        with torch.random.fork_rng():
            model, optimizer, x, y = _resume_start(inputs["seed"], inputs["n"])
            _resume_epochs(model, optimizer, x, y, 0, inputs["stop"])
            save_state(path, model, optimizer, inputs["stop"])
            torch.manual_seed(inputs["seed"] + 1000)  # a new process: other weights, other RNG
            model = make_model(inputs["seed"] + 7, torch.float32, dropout=0.3)
            optimizer = type(optimizer)(model.parameters(), lr=RESUME_LR)
            epoch = _load(load_state, path, model, optimizer)
            plain = epoch is None or isinstance(epoch, int | np.integer)
            out = {"epoch": epoch if plain else repr(epoch)[:40],
                   "weights": state_arrays(model), "optimizer": _optimizer_arrays(optimizer),
                   "random_state": torch.get_rng_state().numpy().copy()}
            start = int(epoch) if isinstance(epoch, int | np.integer) else inputs["epochs"]
            _resume_epochs(model, optimizer, x, y, max(0, min(start, inputs["epochs"])),
                           inputs["epochs"])
            out["final"] = state_arrays(model)
            return copy.deepcopy(out)
    finally:
        os.remove(path)
