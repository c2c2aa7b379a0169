"""Chapter 9 exercises: freeze a backbone, replace a head, per-group learning rates, label budgets.

The model exercises run the learner's function on a fresh :func:`nncourse.transfer.small_cnn`
and report plain facts (which parameters got a gradient and changed after one step, which
learning rate each parameter has); the judges compare them with what the library's own
:func:`~nncourse.transfer.freeze`, :func:`~nncourse.transfer.replace_head` and
:func:`~nncourse.transfer.param_groups` give. The widget exercise is judged against the
label-budget grid shipped in ``nncourse/pretrained/transfer_curves.json``.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.transfer import freeze, backbone
    >>> check("transfer.freeze_backbone", lambda model: freeze(backbone(model))).passed
    True
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .compare import answer_value
from .registry import Case, Exercise, Mistake, register

HEAD = "10."   # the head's parameter prefix in small_cnn (layer 10)
BUDGETS = (1, 5, 10, 50)
STRATEGY_CHOICES = ("scratch", "frozen", "finetune", "lower_lr")


# ----------------------------------------------------------------------------- freeze
def _one_step_report(model: Any) -> dict:
    """One SGD step on a random batch: which parameters got a gradient and which changed."""
    import torch

    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    stats = {n: b.detach().clone() for n, b in model.named_buffers() if "running" in n}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad] or
                                [torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    x = torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    loss = model(x).logsumexp(dim=1).mean()
    optimizer.zero_grad()
    if loss.requires_grad:  # everything frozen: there is nothing to differentiate
        loss.backward()
        optimizer.step()
    return {
        "gradient": sorted(n for n, p in model.named_parameters()
                           if p.grad is not None and bool(p.grad.abs().sum() > 0)),
        "changed": sorted(n for n, p in model.named_parameters()
                          if not torch.equal(p.detach(), before[n])),
        "stats_changed": sorted(n for n, b in model.named_buffers()
                                if n in stats and not torch.equal(b, stats[n])),
    }


def _freeze_run(fn: Any, inputs: dict) -> dict:
    from nncourse.transfer import small_cnn

    model = small_cnn(5, seed=inputs["seed"])
    fn(model)
    return _one_step_report(model)


def _reference_freeze(seed: int) -> dict:
    from nncourse.transfer import backbone, freeze, small_cnn

    model = small_cnn(5, seed=seed)
    freeze(backbone(model))
    return _one_step_report(model)


def _freeze_judge(inputs: dict, outputs: dict) -> str | None:
    expected = _reference_freeze(inputs["seed"])
    moving = [n for n in outputs["changed"] if not n.startswith(HEAD)]
    graded = [n for n in outputs["gradient"] if not n.startswith(HEAD)]
    if not any(n.startswith(HEAD) for n in outputs["changed"]):
        return ("the head got no gradient and did not change: you froze the head. "
                "The head must learn: freeze only backbone(model), every layer but the last.")
    if moving or graded:
        names = ", ".join(moving or graded)
        return (f"backbone parameters still get a gradient and change ({names}): set "
                "requires_grad_(False) on every parameter of backbone(model), not only the "
                "convolutions.")
    if outputs["stats_changed"] != expected["stats_changed"]:
        return (f"the weights are frozen but batch norm's running statistics still change "
                f"({', '.join(outputs['stats_changed'])}): a frozen backbone must also be in "
                "eval mode (call .eval() on its batch-norm layers).")
    return None


def _freeze_convolutions_only(model):
    for layer in list(model)[:6]:
        for p in layer.parameters():
            p.requires_grad_(False)


def _freeze_weights_leave_batchnorm_training(model):
    for layer in list(model)[:-1]:
        for p in layer.parameters():
            p.requires_grad_(False)


def _freeze_head_instead(model):
    for p in model[-1].parameters():
        p.requires_grad_(False)


register(Exercise(
    id="transfer.freeze_backbone", title="Freeze the backbone", chapter="ch09",
    run=_freeze_run,
    prompt="Write `freeze_backbone(model)` for the course CNN: after it, one optimizer step "
           "changes only the head (the last layer). The backbone gets no gradients, its "
           "weights stay put, and its batch norm keeps its running statistics.",
    hints=["`requires_grad_(False)` on every parameter of every layer but the last.",
           "Batch norm updates its running statistics in training mode, gradients or not: "
           "put it in eval mode."],
    cases=[Case("only the head learns", 2, lambda rng: {"seed": int(rng.integers(100))},
                _freeze_judge)],
    mistakes=[
        Mistake("nothing frozen", lambda model: model, ("backbone", "still get a gradient")),
        Mistake("head frozen too", lambda model: model.requires_grad_(False), ("froze the head",)),
        Mistake("only the convolutions frozen", _freeze_convolutions_only,
                ("backbone", "not only the convolutions")),
        Mistake("batch norm left in training mode", _freeze_weights_leave_batchnorm_training,
                ("running statistics", "eval mode")),
        Mistake("head frozen instead of the backbone", _freeze_head_instead,
                ("froze the head",)),
    ],
))


# ----------------------------------------------------------------------------- replace head
def _replace_run(fn: Any, inputs: dict) -> dict:
    import torch

    from nncourse.transfer import small_cnn

    model = small_cnn(5, seed=inputs["seed"])
    model.eval()
    original = {n: p.detach().clone() for n, p in model.named_parameters()}
    new = fn(model, inputs["num_classes"])
    if new is None:
        return {"returned": None}
    new.eval()
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = new(x)
    params = dict(new.named_parameters())
    layers = list(new)
    return {
        "returned": type(new).__name__, "out_shape": list(out.shape), "layers": len(layers),
        "backbone_kept": all(n in params and params[n].shape == v.shape
                             and torch.equal(params[n].detach(), v)
                             for n, v in original.items() if not n.startswith(HEAD)),
        "head_in": int(getattr(layers[-1], "in_features", -1)),
        "old_head_kept": any(torch.equal(p.detach(), original[HEAD + "weight"])
                             for p in params.values()
                             if p.shape == original[HEAD + "weight"].shape),
    }


def _replace_judge(inputs: dict, outputs: dict) -> str | None:
    from nncourse.transfer import replace_head, small_cnn

    reference = replace_head(small_cnn(5, seed=inputs["seed"]), inputs["num_classes"])
    n = inputs["num_classes"]
    if outputs.get("returned") is None:
        return "the function returned None: return the new model."
    if outputs["layers"] > len(reference):
        return ("the model has one layer too many: you appended a new layer after the old "
                "head instead of replacing it. Keep every layer but the last, then add the "
                "new Linear.")
    if outputs["layers"] < len(reference):
        return (f"the model has {outputs['layers']} layers, {len(reference)} expected: you "
                "removed more than the head (the last layer only must go).")
    if outputs["out_shape"] != [3, n]:
        return (f"the output has shape {tuple(outputs['out_shape'])}, expected (3, {n}): the "
                f"new head must have num_classes = {n} outputs.")
    if not outputs["backbone_kept"]:
        return ("the backbone's weights differ from the model you were given: you built a "
                "fresh network and lost the pretrained weights. Reuse the given layers.")
    if outputs["old_head_kept"]:
        return "the old head's weights are still there: the new head must be a fresh Linear."
    return None


def _ignores_num_classes(model, num_classes):
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-1], Linear(32, 5, seed=0))


def _fresh_network(model, num_classes):
    from nncourse.transfer import small_cnn

    return small_cnn(num_classes, seed=123)


def _appends_a_layer(model, num_classes):
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model), Linear(5, num_classes, seed=0))


def _drops_two_layers(model, num_classes):
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-2], Linear(32, num_classes, seed=0))


def _replaces_in_place_returns_nothing(model, num_classes):
    from nncourse.torch import Linear

    model[-1] = Linear(32, num_classes, seed=0)


register(Exercise(
    id="transfer.replace_head", title="Replace the head", chapter="ch09",
    run=_replace_run,
    prompt="Write `replace_head(model, num_classes)`: return a Sequential with the given "
           "model's layers except the last, followed by a fresh `Linear(32, num_classes)`.",
    hints=["`list(model)[:-1]` are the backbone's layers (the same objects, weights included)."],
    cases=[Case("five new classes", 1, lambda rng: {"seed": int(rng.integers(100)),
                                                    "num_classes": 5}, _replace_judge),
           Case("ten classes", 1, lambda rng: {"seed": int(rng.integers(100)),
                                               "num_classes": 10}, _replace_judge)],
    mistakes=[
        Mistake("num_classes ignored", _ignores_num_classes, ("num_classes",)),
        Mistake("a fresh network", _fresh_network, ("lost the pretrained weights",)),
        Mistake("new layer appended on top", _appends_a_layer, ("appended",)),
        Mistake("two layers dropped", _drops_two_layers, ("removed more than the head",)),
        Mistake("in place, returns None", _replaces_in_place_returns_nothing,
                ("returned None",)),
    ],
))


# ----------------------------------------------------------------------------- param groups
def _groups_run(fn: Any, inputs: dict) -> dict:
    import torch

    from nncourse.transfer import small_cnn

    model = small_cnn(5, seed=0)
    groups = fn(model, inputs["lr"], inputs["factor"])
    optimizer = torch.optim.Adam(groups)
    names = {id(p): n for n, p in model.named_parameters()}
    seen: dict[str, list[float]] = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            seen.setdefault(names.get(id(p), "?"), []).append(float(group["lr"]))
    return {"lrs": seen, "all": sorted(names.values())}


def _groups_judge(inputs: dict, outputs: dict) -> str | None:
    from nncourse.transfer import param_groups, small_cnn

    model = small_cnn(5, seed=0)
    names = {id(p): n for n, p in model.named_parameters()}
    expected = {names[id(p)]: g["lr"] for g in param_groups(model, inputs["lr"], inputs["factor"])
                for p in g["params"]}
    lrs = outputs["lrs"]
    twice = [n for n, v in lrs.items() if len(v) > 1]
    if twice:
        return f"parameters appear in more than one group ({', '.join(twice[:3])}): each once."
    missing = [n for n in expected if n not in lrs]
    if missing:
        return (f"parameters missing from the groups ({', '.join(missing[:4])}): they would "
                "never be trained.")
    got = {n: v[0] for n, v in lrs.items()}
    lr, factor = inputs["lr"], inputs["factor"]
    head_lr, body_lr = got[HEAD + "weight"], got["0.weight"]
    if np.isclose(head_lr, body_lr):
        return (f"the backbone and the head have the same learning rate ({head_lr:g}): the "
                f"backbone's must be lr * backbone_factor = {lr * factor:g}.")
    if np.isclose(head_lr, lr * factor) and np.isclose(body_lr, lr):
        return "the head and the backbone are swapped: the backbone gets the smaller rate."
    if np.isclose(body_lr, factor):
        return (f"the backbone's rate is backbone_factor itself ({factor:g}); multiply: "
                f"lr * backbone_factor = {lr * factor:g}.")
    wrong = [n for n, v in got.items() if not np.isclose(v, expected[n])]
    if wrong:
        return (f"{wrong[0]} has learning rate {got[wrong[0]]:g}, expected "
                f"{expected[wrong[0]]:g}.")
    return None


def _groups_swapped(model, lr, factor):
    return [{"params": [p for layer in list(model)[:-1] for p in layer.parameters()], "lr": lr},
            {"params": list(model[-1].parameters()), "lr": lr * factor}]


def _groups_factor_as_lr(model, lr, factor):
    return [{"params": [p for layer in list(model)[:-1] for p in layer.parameters()],
             "lr": factor},
            {"params": list(model[-1].parameters()), "lr": lr}]


def _groups_everything_twice(model, lr, factor):
    return [{"params": list(model.parameters()), "lr": lr * factor},
            {"params": list(model[-1].parameters()), "lr": lr}]


register(Exercise(
    id="transfer.param_groups", title="Per-group learning rates", chapter="ch09",
    run=_groups_run,
    prompt="Write `make_param_groups(model, lr, backbone_factor)`: optimizer groups with the "
           "backbone (every layer but the last) at `lr * backbone_factor` and the head at `lr`.",
    hints=["A group is a dict {'params': [...], 'lr': ...}; every parameter in exactly one."],
    cases=[Case("a tenth for the backbone", 1, lambda rng: {"lr": 1e-3, "factor": 0.1},
                _groups_judge),
           Case("another factor", 1, lambda rng: {"lr": 3e-3, "factor": 0.3}, _groups_judge)],
    mistakes=[
        Mistake("one learning rate",
                lambda model, lr, factor: [{"params": list(model.parameters()), "lr": lr}],
                ("same learning rate",)),
        Mistake("head and backbone swapped", _groups_swapped, ("swapped",)),
        Mistake("factor used as the rate", _groups_factor_as_lr, ("multiply",)),
        Mistake("head left out", lambda m, lr, f: _groups_swapped(m, lr, f)[:1], ("missing",)),
        Mistake("parameters in two groups", _groups_everything_twice, ("more than one",)),
    ],
))


# ----------------------------------------------------------------------------- label budget
def budget_gains(target: str = "mnist59") -> tuple[dict, dict]:
    """Gains and means per (strategy, labels per class), from the shipped grid.

    Returns:
        ``(gain, mean)``: mean test accuracy minus scratch's at the same budget, and the mean.
    """
    from nncourse.transfer import PRETRAINED_DIR

    grid = json.loads((PRETRAINED_DIR / "transfer_curves.json").read_text())
    mean = {(r["strategy"], r["n_per_class"]): float(np.mean(r["accuracy"]))
            for r in grid["runs"] if r["target"] == target and r["source"] == "mnist04"}
    return {(s, n): acc - mean[("scratch", n)] for (s, n), acc in mean.items()}, mean


def _budget_run(obj: Any, inputs: dict) -> dict:
    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected {'strategy': ..., 'n_per_class': ...} or the answer widget")
    return {"strategy": str(value.get("strategy")), "n_per_class": value.get("n_per_class")}


def _budget_judge(inputs: dict, outputs: dict) -> str | None:
    gains, mean = budget_gains()
    key = (outputs["strategy"], outputs["n_per_class"])
    if key not in gains:
        return (f"unknown choice {key}; strategies {list(STRATEGY_CHOICES)}, labels per "
                f"class {list(BUDGETS)}")
    best = max(gains.values())
    if key[0] == "scratch":
        return "scratch compared with itself gains 0 by definition: pick a transfer strategy."
    if np.isclose(mean[key], max(mean.values())) and gains[key] < best - 0.01:
        return (f"that is the highest accuracy ({mean[key]:.2f}), not the largest gain over "
                f"scratch: with {key[1]} labels per class scratch reaches "
                f"{mean[('scratch', key[1])]:.2f} too.")
    if gains[key] < 0:
        return (f"at {key[1]} labels per class {key[0]} is below scratch ({gains[key]:+.2f}): "
                "transfer hurts there.")
    if gains[key] < best - 0.01:
        return (f"a gain of {gains[key]:+.2f}, but another combination gains {best:+.2f}: "
                "look where scratch is weakest.")
    return None


def _budget_mistakes() -> list[Mistake]:
    gains, mean = budget_gains()
    best_abs = max(mean, key=mean.get)
    worst = min(gains, key=gains.get)
    ordered = sorted((k for k in gains if k[0] != "scratch"), key=gains.get)
    middle = next(k for k in ordered
                  if k != best_abs and 0 <= gains[k] < max(gains.values()) - 0.01)
    return [
        Mistake("scratch picked", {"strategy": "scratch", "n_per_class": 1}, ("by definition",)),
        Mistake("highest accuracy instead of gain",
                {"strategy": best_abs[0], "n_per_class": best_abs[1]}, ("not the largest gain",)),
        Mistake("a budget where transfer hurts",
                {"strategy": worst[0], "n_per_class": worst[1]}, ("below scratch",)),
        Mistake("a small gain", {"strategy": middle[0], "n_per_class": middle[1]},
                ("another combination",)),
    ]


register(Exercise(
    id="transfer.label_budget", title="Where does transfer help most?", chapter="ch09",
    kind="widget", run=_budget_run,
    prompt="On digits 5-9, find the strategy and the number of labels per class where "
           "starting from the pretrained model gains the most mean test accuracy over training "
           "from scratch; answer `{'strategy': ..., 'n_per_class': ...}`.",
    hints=["Gain = accuracy of the strategy minus scratch's, at the same label budget.",
           "With many labels scratch catches up; with few it has little to learn from."],
    widget={"dropdowns": {"strategy": list(STRATEGY_CHOICES), "n_per_class": list(BUDGETS)}},
    cases=[Case("largest gain over scratch", 2, lambda rng: {}, _budget_judge)],
    mistakes=_budget_mistakes(),
))
