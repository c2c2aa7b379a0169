"""Chapter 10 exercises: a step on a device, gradient accumulation, autocast with a scaler,
checkpoint-and-resume, a memory budget, and the batch size that DDP equals.

Every exercise is gradable on a CPU: the "other device" is PyTorch's ``meta`` device (tensors
with shapes and no data), mixed precision is bfloat16 autocast on the CPU. Judges compute
their reference with the library (:func:`nncourse.torch.train_step`,
:func:`nncourse.torch.amp.autocast`, :func:`nncourse.torch.save_checkpoint`,
:mod:`nncourse.widgets.scaling`, :data:`nncourse.ddp_demo.RECIPE`).

Example:
    >>> from nncourse.exercises import check
    >>> check("scaling.memory_budget", {"batch_size": 2048, "accumulation_steps": 4}).passed
    True
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .ch10_runs import (
    AMP_SCALE,
    accumulation_reference,
    accumulation_variants,
    amp_reference,
    device_reference,
    make_data,
    make_model,
    resume_loop,
    resume_reference,
    state_arrays,
)
from .compare import answer_value
from .mistakes_ch10 import MISTAKES
from .registry import Case, Exercise, register

FEATURES, CLASSES = 6, 3


def _close(got: dict, expected: dict, atol: float) -> bool:
    return set(got) == set(expected) and all(
        np.shape(got[k]) == np.shape(expected[k]) and np.allclose(got[k], expected[k], atol=atol,
                                                                  rtol=0) for k in expected)


# ----------------------------------------------------------------------------- device step
def _device_run(fn, inputs):
    import torch

    model = make_model(inputs["seed"], torch.float32)
    from nncourse.torch import SGD, CrossEntropyLoss

    optimizer = SGD(model.parameters(), lr=0.1)
    x, y = make_data(inputs["seed"], inputs["n"])
    out: dict = {"losses": [], "weights": []}
    try:
        for _ in range(2):
            loss = fn(model, CrossEntropyLoss(), optimizer, x, y, inputs["device"])
            if not isinstance(loss, torch.Tensor):
                return {"returned": type(loss).__name__}
            out["loss_device"] = str(loss.device)
            out["loss_grad"] = bool(loss.requires_grad)
            if loss.device.type != "meta":
                out["losses"].append(float(loss))
                out["weights"].append(state_arrays(model))
    except NotImplementedError:
        raise  # the stub: check() reports "not implemented yet"
    except Exception as exc:  # the message names the device or dtype that was wrong
        return {"raised": f"{type(exc).__name__}: {exc}"}
    out["param_devices"] = sorted({str(p.device) for p in model.parameters()})
    return out


def _device_problem(outputs) -> str | None:
    raised = outputs.get("raised", "")
    if "item() cannot be called on meta" in raised or "meta tensors" in raised:
        return ("you read the loss as a Python number (.item() or float()): on a GPU that makes "
                "the CPU wait for every step. Return the tensor: loss.detach()")
    if "float64" in raised or "Double" in raised:
        return ("x reached the model as float64 (NumPy's default): convert it to the model's "
                "float32 with torch.as_tensor(x, dtype=torch.float32, device=device)")
    if "targets must be integers" in raised:
        return "the labels y must be int64 class indices: torch.as_tensor(y, dtype=torch.long)"
    if "is on cpu but its input is on meta" in raised:
        return "the model is still on the CPU: move it with model.to(device) before the forward"
    if "is on meta but its input is on cpu" in raised:
        return "the batch x is still on the CPU: move it with x.to(device) like the model"
    if raised:
        return f"the step raised {raised[:200]}"
    if "returned" in outputs:
        return (f"device_step returned a {outputs['returned']}; return the batch loss as a "
                f"tensor: loss.detach()")
    if outputs.get("loss_grad"):
        return "return loss.detach(): the returned loss still holds the whole autograd graph"
    return None


def _device_judge_cpu(inputs, outputs):
    problem = _device_problem(outputs)
    if problem:
        return problem
    losses, weights = device_reference(inputs["seed"], inputs["n"])
    if not np.allclose(outputs["losses"][0], losses[0], atol=1e-6):
        return f"first loss {outputs['losses'][0]:.6g}, expected {losses[0]:.6g}"
    if not _close(outputs["weights"][0], weights[0], 1e-6):
        return "the weights after one step differ from nncourse.torch.train_step's"
    if not _close(outputs["weights"][1], weights[1], 1e-6):
        return ("the first step is right but the second is not: the second used the first "
                "step's gradient too. Call optimizer.zero_grad() before loss.backward()")
    return None


def _device_judge_meta(inputs, outputs):
    problem = _device_problem(outputs)
    if problem:
        return problem
    if outputs["param_devices"] != ["meta"] or outputs["loss_device"] != "meta":
        return (f"the model's parameters are on {outputs['param_devices']} and the loss on "
                f"{outputs['loss_device']}; both should be on the device passed in (meta)")
    return None


def _device_inputs(device):
    return lambda rng: {"seed": int(rng.integers(1000)), "n": 12, "device": device}


register(Exercise(
    id="scaling.device_step", title="One training step on a device", chapter="ch10",
    run=_device_run,
    prompt="Write `device_step(model, loss_fn, optimizer, x, y, device)`: x (B, 6) float64 and "
           "y (B,) integer labels are NumPy arrays; move the model and the batch to `device` "
           "(x as the model's float32, y as int64), take one optimizer step, and return the "
           "loss as a detached tensor on the device.",
    hints=["torch.as_tensor(x, dtype=torch.float32, device=device); model.to(device).",
           "optimizer.zero_grad() before loss.backward(); return loss.detach()."],
    cases=[Case("matches train_step on the CPU", 2, _device_inputs("cpu"), _device_judge_cpu),
           Case("runs on another device (meta)", 2, _device_inputs("meta"),
                _device_judge_meta)],
    mistakes=MISTAKES["scaling.device_step"],
))


# ----------------------------------------------------------------------------- accumulation
def _accum_run(fn, inputs):
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss

    model = make_model(inputs["seed"], torch.float64)
    optimizer = SGD(model.parameters(), lr=0.5)
    x, y = make_data(inputs["seed"], inputs["n"])
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x[:3] * 2.0), y[:3]).backward()  # a stale gradient left by earlier code
    fn(model, loss_fn, optimizer, x, y, inputs["steps"])
    return {"weights": state_arrays(model)}


def _accum_judge(inputs, outputs):
    got = outputs["weights"]
    if _close(got, accumulation_reference(inputs), 1e-10):
        return None
    variants = accumulation_variants(inputs)
    messages = {
        "sum": "the gradient is the sum of the micro-batch mean losses, steps times too large: "
               "divide each micro-batch loss by the number of steps (weighted by its size)",
        "equal_weights": "the micro-batches have unequal sizes but you weighted them equally: "
                         "multiply each micro-batch loss by len(x_micro) / len(x)",
        "zero_inside": "only the last micro-batch's gradient was used: optimizer.zero_grad() "
                       "belongs before the loop, not inside it",
        "step_inside": "you stepped after every micro-batch: call optimizer.step() once, after "
                       "the loop",
        "stale": "a gradient left from before the call was added in: call "
                 "optimizer.zero_grad() once before accumulating",
    }
    for name, message in messages.items():
        if name in variants and _close(got, variants[name], 1e-10):
            return message
    return ("the weights differ from one optimizer step on the whole batch "
            "(nncourse.torch.train_step)")


def _accum_inputs(n, steps):
    return lambda rng: {"seed": int(rng.integers(1000)), "n": n, "steps": steps}


register(Exercise(
    id="scaling.accumulate", title="Gradient accumulation equals one large batch",
    chapter="ch10", run=_accum_run,
    prompt="Write `accumulated_step(model, loss_fn, optimizer, x, y, steps)`: split the batch "
           "into `steps` micro-batches (torch.tensor_split), accumulate their gradients, and "
           "take one optimizer step, so the update equals one step on the whole batch.",
    hints=["Weight each micro-batch's mean loss by len(x_micro) / len(x) before backward.",
           "zero_grad once before the loop; step once after it."],
    cases=[Case("4 equal micro-batches", 2, _accum_inputs(16, 4), _accum_judge),
           Case("uneven micro-batches (10 samples in 3)", 2, _accum_inputs(10, 3),
                _accum_judge),
           Case("one micro-batch", 1, _accum_inputs(8, 1), _accum_judge)],
    mistakes=MISTAKES["scaling.accumulate"],
))


# ----------------------------------------------------------------------------- mixed precision
def _amp_run(fn, inputs):
    import torch

    from nncourse.torch import SGD, CrossEntropyLoss

    model = make_model(inputs["seed"], torch.float32)
    optimizer = SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=AMP_SCALE, growth_interval=1)
    x, y = make_data(inputs["seed"], inputs["n"])
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    seen: list = []
    model.register_forward_hook(lambda *_: seen.append(
        torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else None))
    try:
        for _ in range(2):
            fn(model, CrossEntropyLoss(), optimizer, x, y, scaler)
    except NotImplementedError:
        raise  # the stub: check() reports "not implemented yet"
    except Exception as exc:
        return {"raised": f"{type(exc).__name__}: {exc}"}
    return {"weights": state_arrays(model), "scale": float(scaler.get_scale()),
            "autocast": [str(d) for d in seen],
            "dtypes": sorted({str(p.dtype) for p in model.parameters()})}


def _amp_judge(inputs, outputs):
    raised = outputs.get("raised", "")
    if any(text in raised for text in ("has already been called", "No inf checks")):
        return ("call scaler.step(optimizer) and then scaler.update() once per step "
                "(the scaler raised: " + raised[:120] + ")")
    if "bfloat16" in raised and "weights" in raised:
        return ("the weights were converted to bfloat16: autocast keeps float32 weights and "
                "runs only the matrix products in 16 bits")
    if raised:
        return f"the step raised {raised[:200]}"
    if outputs["dtypes"] != ["torch.float32"]:
        return (f"the weights are {outputs['dtypes']}: autocast keeps float32 weights and runs "
                f"only the matrix products in 16 bits")
    if not outputs["autocast"] or "None" in outputs["autocast"]:
        return ("the forward pass ran without autocast: wrap it in "
                "torch.autocast('cpu', dtype=torch.bfloat16)")
    if set(outputs["autocast"]) != {"torch.bfloat16"}:
        return (f"autocast ran with {outputs['autocast'][0]}, not bfloat16: pass "
                f"dtype=torch.bfloat16")
    if _close(outputs["weights"], amp_reference(inputs, scaled_step=True)[0], 1e-3):
        return ("the update used gradients still multiplied by the scale: step with "
                "scaler.step(optimizer), which unscales them first, not optimizer.step()")
    weights, scale = amp_reference(inputs)
    if outputs["scale"] != scale:
        return (f"the scale is {outputs['scale']:g} after two steps, expected {scale:g}: call "
                f"scaler.update() after scaler.step(optimizer)")
    if _close(outputs["weights"], weights, 1e-5):
        return None
    return "the weights differ from a bfloat16 autocast step with the scaler"


register(Exercise(
    id="scaling.amp_step", title="Autocast and a gradient scaler", chapter="ch10",
    run=_amp_run,
    prompt="Write `amp_step(model, loss_fn, optimizer, x, y, scaler)`: the forward pass and "
           "the loss under `torch.autocast('cpu', dtype=torch.bfloat16)`, then backward on the "
           "scaled loss, the optimizer step through the scaler, and the scaler's update.",
    hints=["scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update().",
           "The weights stay float32: do not call model.to(torch.bfloat16)."],
    cases=[Case("bf16 autocast + scaler, two steps", 3,
                lambda rng: {"seed": int(rng.integers(1000)), "n": 16}, _amp_judge)],
    mistakes=MISTAKES["scaling.amp_step"],
))


# ----------------------------------------------------------------------------- resume
def _resume_run(pair, inputs):
    save_state, load_state = pair
    # A file in the working directory: the grading sandbox lets learner code write only there.
    handle, path = tempfile.mkstemp(suffix=".pt", prefix=".resume-check-", dir=os.getcwd())
    os.close(handle)
    try:
        return resume_loop(save_state, load_state, path, inputs)
    finally:
        os.remove(path)


def _resume_judge(inputs, outputs):
    stop = inputs["stop"]
    if outputs.get("epoch") != stop:
        return (f"load_state returned {outputs.get('epoch')!r}; it must return the number of "
                f"finished epochs saved with the checkpoint ({stop}), so training continues "
                f"with epoch {stop}")
    if not outputs["weights_restored"]:
        return "the model's weights were not restored: model.load_state_dict(...)"
    if not outputs["optimizer_restored"]:
        return ("the optimizer's state (Adam's moments and step count) was not restored: save "
                "optimizer.state_dict() and load it with optimizer.load_state_dict(...)")
    if not outputs["rng_restored"]:
        return ("the random state was not restored: the shuffle order and the dropout masks "
                "after resuming differ. Save torch.get_rng_state() and restore it")
    reference = resume_reference(inputs)
    if not all(np.array_equal(outputs["final"][k], reference[k]) for k in reference):
        return "the resumed run is not bit-identical to the uninterrupted one"
    return None


register(Exercise(
    id="scaling.resume", title="Checkpoint and resume, bit-identically", chapter="ch10",
    kind="functions", run=_resume_run,
    prompt="Write `save_state(path, model, optimizer, epoch)` and `load_state(path, model, "
           "optimizer) -> epoch`; check them together: "
           "check('scaling.resume', (save_state, load_state)). Training interrupted after "
           "epoch 2 and resumed must end with exactly the weights of an uninterrupted run.",
    hints=["Save model.state_dict(), optimizer.state_dict(), epoch and torch.get_rng_state().",
           "torch.load(path, weights_only=True); then load each part back."],
    cases=[Case("resumed run is bit-identical", 3,
                lambda rng: {"seed": int(rng.integers(1000)), "n": 24, "stop": 2,
                             "epochs": 4}, _resume_judge)],
    mistakes=MISTAKES["scaling.resume"],
))


# ----------------------------------------------------------------------------- memory budget
def _budget_run(obj, inputs):
    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected the MemoryBudgetExplorer or a dict "
                        "{'batch_size': ..., 'accumulation_steps': ...}")
    return {k: int(value[k]) for k in ("batch_size", "accumulation_steps")}


def _budget_judge(inputs, outputs):
    from nncourse.widgets import scaling as S

    batch, steps = outputs["batch_size"], outputs["accumulation_steps"]
    if batch < 1 or steps < 1:
        return "the micro-batch and the accumulation steps must both be at least 1"
    need = S.training_memory(S.WIDE_MLP, batch)["total"] / 2**20
    if need > S.BUDGET_MIB:
        return (f"a micro-batch of {batch} needs {need:,.0f} MiB, more than the "
                f"{S.BUDGET_MIB} MiB budget: take a smaller micro-batch and more steps")
    if batch * steps != S.TARGET_BATCH:
        return (f"{batch} x {steps} = {batch * steps} samples per optimizer step; the recipe "
                f"asks for {S.TARGET_BATCH}")
    best = S.largest_fitting_batch(S.WIDE_MLP)
    if batch < best:
        return (f"this fits, but a micro-batch of {best} fits too and needs only "
                f"{S.TARGET_BATCH // best} steps: larger micro-batches keep the GPU busier")
    return None


register(Exercise(
    id="scaling.memory_budget", title="Fit a large batch into a memory budget",
    chapter="ch10", kind="widget", run=_budget_run,
    prompt="With the memory explorer, choose a micro-batch and a number of accumulation "
           "steps for the 784-4096-4096-10 MLP (float32, Adam) so that one optimizer step "
           "sees 8192 samples, the step fits in 512 MiB, and the micro-batch is as large as "
           "fits; then `answer('scaling.memory_budget', explorer)`.",
    hints=["Weights, gradients and Adam's two moments do not depend on the batch; the "
           "activations grow with it.",
           "micro-batch x accumulation steps = 8192."],
    widget={"dropdowns": {"batch_size": [str(b) for b in (256, 512, 1024, 2048, 4096, 8192)],
                          "accumulation_steps": ["1", "2", "4", "8", "16", "32"]}},
    cases=[Case("fits and sees 8192 samples", 2, lambda rng: {}, _budget_judge)],
    mistakes=MISTAKES["scaling.memory_budget"],
))


# ----------------------------------------------------------------------------- DDP batch size
def _ddp_judge(inputs, outputs):
    from nncourse.ddp_demo import RECIPE

    per_process, world = RECIPE["per_process_batch"], 2
    value = outputs
    if not isinstance(value, int | float) or value != int(value):
        return "answer with a whole number of samples"
    if value == per_process * world:
        return None
    if value == per_process:
        return (f"{per_process} is each process's share; together the {world} processes see "
                f"{world} x {per_process} samples per step")
    if value < per_process:
        return ("each process already sees the batch size you pass to fit; one process must "
                "see more, not less")
    return (f"{int(value)} samples per step is more than the {world} processes see together "
            f"({world} x {per_process} per process)")


register(Exercise(
    id="scaling.ddp_batch", title="The batch size DDP equals", chapter="ch10", kind="value",
    run=lambda value, inputs: answer_value(value),
    prompt="Two processes each train with batch_size=8 under DDP. Which batch size must one "
           "process use for the same updates?",
    hints=["DDP averages the gradients of all processes before every step."],
    cases=[Case("global batch", 1, lambda rng: {}, _ddp_judge)],
    mistakes=MISTAKES["scaling.ddp_batch"],
))

