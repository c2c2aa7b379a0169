"""Chapter 10 exercises: a step on a device, gradient accumulation, autocast with a scaler,
checkpoint-and-resume, a memory budget, and the batch size that DDP equals.

The runners (:mod:`.runners`) return what the learner's code produced: losses, weights, the
devices of parameters and gradients, the scale, the state right after loading. The judges
compare it with the reference's run through the same runner (:mod:`.reference`), in the
trusted process; the widgets are judged by the memory explorer's own numbers
(:mod:`nncourse.widgets.scaling`) and :data:`nncourse.ddp_demo.RECIPE`.

Example:
    >>> from nncourse.exercises import check
    >>> check("scaling.memory_budget", {"batch_size": 2048, "accumulation_steps": 4}).passed
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes


def _close(got: Any, expected: dict, atol: float) -> bool:
    return isinstance(got, dict) and set(got) == set(expected) and all(
        np.shape(got[k]) == np.shape(expected[k]) and
        np.allclose(got[k], expected[k], atol=atol, rtol=0) for k in expected)


# ----------------------------------------------------------------------------- device step
def _loss_problem(record: dict, want: dict) -> str | None:
    if record["type"] != "Tensor":
        return _("device_step returned a {kind}; return the batch loss as a tensor on the "
                 "device: loss.detach()").format(kind=record["type"])
    if record["device"] != want["device"]:
        return _("the returned loss is on {device}, not on the device passed in ({wanted}): "
                 "return loss.detach(), which stays where the loss was computed").format(
            device=record["device"], wanted=want["device"])
    if record["requires_grad"]:
        return _("return loss.detach(): the returned loss still holds the whole autograd "
                 "graph")
    if record["shape"] != want["shape"]:
        return _("the returned loss has shape {shape}; expected a scalar, shape "
                 "[]").format(shape=record["shape"])
    return None


def _device_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    device = inputs["device"]
    if output["parameters_on"] != expected["parameters_on"]:
        return (_("after the step the model's parameters are on "
                  "{output_parameters_on}; move the model to the device passed in "
                  "({device}) with model.to(device)").format(
                    output_parameters_on=output['parameters_on'], device=device))
    if output["gradients_on"] != expected["gradients_on"]:
        return (_("no gradient reached the parameters on the device: forward, "
                  "loss.backward() and optimizer.step(), all on the device"))
    for got, want in zip(output["loss_inputs"], expected["loss_inputs"], strict=False):
        if got[2:] != want[2:]:
            return (_("the labels reached the loss on {got_2} as {got_3}; they must be "
                      "on the device ({want_2}) as {want_3} class indices: "
                      "torch.as_tensor(y, dtype=torch.long, device=device)").format(
                        got_2=got[2], got_3=got[3], want_2=want[2], want_3=want[3]))
        if got[:2] != want[:2]:
            return (_("the model's output reached the loss on {got_0} as {got_1}; "
                      "expected {want_0} and {want_1}: run the model on the device").format(
                        got_0=got[0], got_1=got[1], want_0=want[0], want_1=want[1]))
    if len(output["loss_inputs"]) != len(expected["loss_inputs"]):
        return (_("the loss function was called {loss_inputs} times in "
                  "{len_output_losses} step(s); call it once per step on the whole "
                  "batch").format(
                    loss_inputs=len(output['loss_inputs']),
                    len_output_losses=len(output['losses'])))
    for step, (record, want) in enumerate(zip(output["losses"], expected["losses"],
                                              strict=True)):
        problem = _loss_problem(record, want)
        if problem:
            return problem
        if "value" in want and not np.isclose(record["value"], want["value"], atol=1e-6):
            return (_("the loss of step {step_1} is {record_value:.6g}, expected "
                      "{want_value:.6g}: forward the whole batch (x as float32, y as "
                      "int64 labels) through the model and return loss_fn(model(x), y)").format(
                        step_1=step + 1, record_value=record['value'], want_value=want['value']))
        if step < len(expected["weights"]) and \
                not _close(output["weights"][step], expected["weights"][step], 1e-6):
            if step == 0:
                return (_("the weights after one step differ from one optimizer step "
                          "on the batch: zero the gradients, forward, loss, backward, "
                          "then optimizer.step()"))
            return (_("the first step is right but the second is not: it used the "
                      "first step's gradient too. Call optimizer.zero_grad() before "
                      "loss.backward()"))
    return None


def _device_inputs(device: str):
    return lambda rng: {"seed": int(rng.integers(1000)), "n": 12, "device": device}


register(Exercise(
    id="scaling.device_step", title="One training step on a device", chapter="ch10",
    reference="nncourse.exercises.ch10.reference.device_step",
    call={"runner": "nncourse.exercises.ch10.runners:device_run"}, check_global_rng=False,
    expects={"returns": "the batch loss as a detached tensor on the device (loss.detach())",
             "inputs": {"x": "a float64 NumPy array (B, 6)",
                        "y": "a NumPy array (B,) of int64 labels",
                        "device": "a device name, 'cpu' or 'meta' here"}},
    prompt="Write `device_step(model, loss_fn, optimizer, x, y, device)`: x (B, 6) float64 and "
           "y (B,) integer labels are NumPy arrays; move the model and the batch to `device` "
           "(x as the model's float32, y as int64), take one optimizer step, and return the "
           "loss as a detached tensor on the device.",
    hints=["torch.as_tensor(x, dtype=torch.float32, device=device); model.to(device).",
           "optimizer.zero_grad() before loss.backward(); return loss.detach()."],
    cases=[Case("matches one optimizer step on the CPU", 2, _device_inputs("cpu"),
                _device_judge),
           Case("runs on another device (meta)", 2, _device_inputs("meta"), _device_judge)],
    mistakes=mistakes.DEVICE,
))


# ----------------------------------------------------------------------------- accumulation
def _accumulate_inputs(n: int, steps: int):
    return lambda rng: {"seed": int(rng.integers(1000)), "n": n, "steps": steps}


register(Exercise(
    id="scaling.accumulate", title="Gradient accumulation equals one large batch",
    chapter="ch10", reference="nncourse.exercises.ch10.reference.accumulated_step",
    call={"runner": "nncourse.exercises.ch10.runners:accumulate_run"}, check_global_rng=False,
    expects={"returns": "nothing: the optimizer step changes the model's weights",
             "inputs": {"x": "a float64 tensor (B, 6)", "y": "an int64 tensor (B,)",
                        "steps": "the number of micro-batches"}},
    prompt="Write `accumulated_step(model, loss_fn, optimizer, x, y, steps)`: split the batch "
           "into `steps` micro-batches (torch.tensor_split), accumulate their gradients, and "
           "take one optimizer step, so the update equals one step on the whole batch.",
    hints=["Weight each micro-batch's mean loss by len(x_micro) / len(x) before backward.",
           "zero_grad once before the loop; step once after it."],
    cases=[Case("4 equal micro-batches", 2, _accumulate_inputs(16, 4), rtol=0, atol=1e-10),
           Case("uneven micro-batches (10 samples in 3)", 2, _accumulate_inputs(10, 3),
                rtol=0, atol=1e-10),
           Case("one micro-batch", 1, _accumulate_inputs(8, 1), rtol=0, atol=1e-10)],
    probes=[Probe("steps = 1", lambda inputs: {**inputs, "steps": 1},
                  "With steps = 1 (one micro-batch, the whole batch) your update must equal one "
                  "ordinary step: zero_grad, loss, backward, step."),
            Probe("equal micro-batches", lambda inputs: {**inputs, "n": 12, "steps": 3},
                  "With 12 samples in 3 equal micro-batches each micro-batch's mean loss "
                  "counts 1/3 (its share len(x_micro) / len(x))."),
            Probe("uneven micro-batches", lambda inputs: {**inputs, "n": 10, "steps": 3},
                  "With 10 samples in 3 micro-batches (4, 3, 3) each mean loss must be "
                  "weighted by its share len(x_micro) / len(x): 0.4, 0.3, 0.3.")],
    mistakes=mistakes.ACCUMULATE,
))


# ----------------------------------------------------------------------------- mixed precision
def _amp_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    if output["dtypes"] != expected["dtypes"]:
        return (_("the weights are {output_dtypes}: autocast keeps float32 weights and "
                  "runs only the matrix products in 16 bits").format(
                    output_dtypes=output['dtypes']))
    if "none" in output["autocast"] or not output["autocast"]:
        return (_("the forward pass ran without autocast: wrap the forward and the "
                  "loss in torch.autocast('cpu', dtype=torch.bfloat16)"))
    if output["autocast"] != expected["autocast"]:
        return (_("autocast ran with {output_autocast_0}, not bfloat16: pass "
                  "dtype=torch.bfloat16").format(
                    output_autocast_0=output['autocast'][0]))
    if output["scale"] != expected["scale"]:
        return (_("the scale is {output_scale:g} after two steps, expected "
                  "{expected_scale:g}: scaler.scale(loss).backward(), "
                  "scaler.step(optimizer), then scaler.update(), once per step").format(
                    output_scale=output['scale'], expected_scale=expected['scale']))
    if not _close(output["weights"], expected["weights"], 1e-5):
        return (_("the weights differ from two bfloat16 autocast steps through the "
                  "scaler: scaler.scale(loss).backward(), scaler.step(optimizer), "
                  "scaler.update()"))
    return None


register(Exercise(
    id="scaling.amp_step", title="Autocast and a gradient scaler", chapter="ch10",
    reference="nncourse.exercises.ch10.reference.amp_step",
    call={"runner": "nncourse.exercises.ch10.runners:amp_run"}, check_global_rng=False,
    expects={"returns": "nothing: the step changes the model's weights and the scaler"},
    prompt="Write `amp_step(model, loss_fn, optimizer, x, y, scaler)`: the forward pass and "
           "the loss under `torch.autocast('cpu', dtype=torch.bfloat16)`, then backward on the "
           "scaled loss, the optimizer step through the scaler, and the scaler's update.",
    hints=["scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update().",
           "The weights stay float32: do not call model.to(torch.bfloat16)."],
    cases=[Case("bf16 autocast + scaler, two steps", 3,
                lambda rng: {"seed": int(rng.integers(1000)), "n": 16}, _amp_judge)],
    mistakes=mistakes.AMP,
))


# ----------------------------------------------------------------------------- resume
def _resume_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    stop = inputs["stop"]
    if output["epoch"] != expected["epoch"]:
        return (_("load_state returned {output_epoch!r}; it must return the number of "
                  "finished epochs saved with the checkpoint ({stop}), an int, so "
                  "training continues with epoch {stop}").format(
                    output_epoch=output['epoch'], stop=stop))
    if not _close(output["weights"], expected["weights"], 0.0):
        return _("the model's weights were not restored: model.load_state_dict(...)")
    if not _close(output["optimizer"], expected["optimizer"], 0.0):
        return (_("the optimizer's state (Adam's moments and step count) was not "
                  "restored: save optimizer.state_dict() and load it with "
                  "optimizer.load_state_dict(...)"))
    if not np.array_equal(output["random_state"], expected["random_state"]):
        return (_("torch's random state was not restored: the shuffle order and the "
                  "dropout masks after resuming differ. Save torch.get_rng_state() and "
                  "restore it with torch.set_rng_state(...)"))
    if not _close(output["final"], expected["final"], 0.0):
        return _("the resumed run is not bit-identical to the uninterrupted one")
    return None


register(Exercise(
    id="scaling.resume", title="Checkpoint and resume, bit-identically", chapter="ch10",
    kind="functions", reference="nncourse.exercises.ch10.reference.RESUME",
    call={"runner": "nncourse.exercises.ch10.runners:resume_run"}, check_global_rng=False,
    expects={"returns": "nothing from save_state; the number of finished epochs (an int) "
                        "from load_state"},
    prompt="Write `save_state(path, model, optimizer, epoch)` and `load_state(path, model, "
           "optimizer) -> epoch`; check them together: "
           "check('scaling.resume', (save_state, load_state)). Training interrupted after "
           "epoch 2 and resumed must end with exactly the weights of an uninterrupted run.",
    hints=["Save model.state_dict(), optimizer.state_dict(), epoch and torch.get_rng_state().",
           "torch.load(path, weights_only=True); then load each part back."],
    cases=[Case("resumed run is bit-identical", 3,
                lambda rng: {"seed": int(rng.integers(1000)), "n": 24, "stop": 2,
                             "epochs": 4}, _resume_judge)],
    mistakes=mistakes.RESUME,
))


# ----------------------------------------------------------------------------- memory budget
def _whole(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == int(number) and not isinstance(value, bool) else None


def _memory_judge(inputs: dict, output: Any) -> str | None:
    from nncourse.widgets import scaling

    keys = ("batch_size", "accumulation_steps")
    if not isinstance(output, dict) or not set(keys) <= set(output):
        return (_("the answer needs the keys 'batch_size' and 'accumulation_steps': "
                  "the memory explorer, or its state dict {'batch_size': ..., "
                  "'accumulation_steps': ...}"))
    batch, steps = _whole(output["batch_size"]), _whole(output["accumulation_steps"])
    if batch is None or steps is None or batch < 1 or steps < 1:
        return (_("batch_size and accumulation_steps must both be whole numbers of at "
                  "least 1; got {output_batch_size!r} and {accumulation_steps!r}").format(
                    output_batch_size=output['batch_size'],
                    accumulation_steps=output['accumulation_steps']))
    need = scaling.training_memory(scaling.WIDE_MLP, batch)["total"] / 2**20
    if need > scaling.BUDGET_MIB:
        return (_("a micro-batch of {batch} needs {need:,.0f} MiB, more than the "
                  "{scaling_budget_mib} MiB budget: take a smaller micro-batch and "
                  "more steps").format(
                    batch=batch, need=need, scaling_budget_mib=scaling.BUDGET_MIB))
    if batch * steps != scaling.TARGET_BATCH:
        return (_("{batch} x {steps} = {batch_steps} samples per optimizer step; the "
                  "recipe asks for {scaling_target_batch}").format(
                    batch=batch, steps=steps, batch_steps=batch * steps,
                    scaling_target_batch=scaling.TARGET_BATCH))
    best = scaling.largest_fitting_batch(scaling.WIDE_MLP)
    if batch < best:
        return (_("this fits, but a micro-batch of {best} fits too and needs only "
                  "{best2} steps: larger micro-batches keep the GPU busier").format(
                    best=best, best2=scaling.TARGET_BATCH // best))
    return None


register(Exercise(
    id="scaling.memory_budget", title="Fit a large batch into a memory budget",
    chapter="ch10", kind="widget", reference="nncourse.exercises.ch10.reference.memory_budget",
    call={"runner": "value"},
    expects={"returns": "the memory explorer or {'batch_size': ..., 'accumulation_steps': ...}",
             "keys": {"the explorer's state": ["batch_size", "accumulation_steps"]}},
    prompt="With the memory explorer, choose a micro-batch and a number of accumulation "
           "steps for the 784-4096-4096-10 MLP (float32, Adam) so that one optimizer step "
           "sees 8192 samples, the step fits in 512 MiB, and the micro-batch is as large as "
           "fits; then `answer('scaling.memory_budget', explorer)`.",
    hints=["Weights, gradients and Adam's two moments do not depend on the batch; the "
           "activations grow with it.",
           "micro-batch x accumulation steps = 8192."],
    widget={"dropdowns": {"batch_size": [str(b) for b in (256, 512, 1024, 2048, 4096, 8192)],
                          "accumulation_steps": ["1", "2", "4", "8", "16", "32"]}},
    cases=[Case("fits and sees 8192 samples", 2, lambda rng: {}, _memory_judge)],
    mistakes=mistakes.MEMORY,
))


# ----------------------------------------------------------------------------- DDP batch size
def _ddp_judge(inputs: dict, output: Any) -> str | None:
    from nncourse.ddp_demo import RECIPE

    per_process, world = RECIPE["per_process_batch"], 2
    value = _whole(output)
    if value is None:
        return _("answer with a whole number of samples; got {output!r:.40}").format(
                   output=output)
    if value == per_process * world:
        return None
    if value == per_process:
        return (_("{per_process} is each process's share; together the {world} "
                  "processes see {world} x {per_process} samples per step").format(
                    per_process=per_process, world=world))
    if value < per_process:
        return (_("each process already sees the batch size you pass to fit; one "
                  "process must see more, not less"))
    return (_("{value} samples per step is more than the {world} processes see "
              "together ({world} x {per_process} per process)").format(
                value=value, world=world, per_process=per_process))


register(Exercise(
    id="scaling.ddp_batch", title="The batch size DDP equals", chapter="ch10", kind="value",
    reference="nncourse.exercises.ch10.reference.ddp_batch", call={"runner": "value"},
    expects={"returns": "a whole number of samples"},
    prompt="Two processes each train with batch_size=8 under DDP. Which batch size must one "
           "process use for the same updates?",
    hints=["DDP averages the gradients of all processes before every step."],
    cases=[Case("global batch", 1, lambda rng: {}, _ddp_judge)],
    mistakes=mistakes.DDP,
))
