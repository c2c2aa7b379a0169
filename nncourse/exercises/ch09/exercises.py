"""Chapter 9 exercises: freeze a backbone, replace a head, per-group learning rates, label budgets.

The runners (:mod:`.runners`) return raw data: the parameter flags and module modes a learner's
``freeze_backbone`` left, the model ``replace_head`` returned (layer types, state, output),
the groups ``make_param_groups`` built, by parameter name. The judges derive every fact in the
trusted process: they rebuild the course CNN from the flags and take the optimizer step
themselves, compare the returned state with the pretrained one, map each parameter to its
learning rate. References: :func:`nncourse.exercises.ch09.reference.freeze_backbone` (the
library's :func:`~nncourse.transfer.freeze` of :func:`~nncourse.transfer.backbone`),
:func:`nncourse.transfer.replace_head`, :func:`nncourse.transfer.param_groups`, and the
label-budget grid shipped in ``nncourse/pretrained/transfer_curves.json``.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.transfer import freeze, backbone
    >>> check("transfer.freeze_backbone", lambda model: freeze(backbone(model))).passed
    True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ...i18n import _
from ..registry import Case, Exercise, register
from . import mistakes
from .budget import BUDGETS, STRATEGY_CHOICES, budget_gains


# ----------------------------------------------------------------------------- freeze
def one_step_facts(seed: int, flags: dict) -> dict | str:
    """Rebuild the CNN with the learner's flags and modes, take one SGD step, report facts.

    Returns:
        ``{"gradient", "changed", "stats_changed"}`` (sorted parameter/buffer names), or a
        sentence when the flags do not describe the course CNN.
    """
    import torch

    from nncourse.transfer import small_cnn

    model = small_cnn(5, seed=seed)
    params = dict(model.named_parameters())
    if set(flags["requires_grad"]) != set(params):
        return _("the model's parameters are not those of the model you were given: change "
                 "model in place (requires_grad_ and eval on its layers) and return it")
    for name, p in params.items():
        p.requires_grad_(bool(flags["requires_grad"][name]))
    for name, module in model.named_modules():
        module.training = bool(flags["training"].get(name or "model", True))
    before = {n: p.detach().clone() for n, p in params.items()}
    stats = {n: b.detach().clone() for n, b in model.named_buffers() if "running" in n}
    trainable = [p for p in params.values() if p.requires_grad]
    optimizer = torch.optim.SGD(trainable or [torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    x = torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    loss = model(x).logsumexp(dim=1).mean()
    if loss.requires_grad:          # everything frozen: there is nothing to differentiate
        loss.backward()
        optimizer.step()
    return {"gradient": sorted(n for n, p in params.items()
                               if p.grad is not None and bool(p.grad.abs().sum() > 0)),
            "changed": sorted(n for n, p in params.items() if not torch.equal(p, before[n])),
            "stats_changed": sorted(n for n, b in model.named_buffers()
                                    if n in stats and not torch.equal(b, stats[n]))}


def _freeze_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    got, want = one_step_facts(inputs["seed"], output), one_step_facts(inputs["seed"], expected)
    if isinstance(got, str):
        return got
    assert isinstance(want, dict)
    head = [n for n in want["changed"]]
    if not set(head) <= set(got["changed"]):
        return (_("the head got no gradient and did not change: the head must learn; "
                  "freeze only the backbone, every layer but the last"))
    moving = sorted(set(got["changed"]) - set(want["changed"]))
    if moving:
        return (_("backbone parameters still get a gradient and change "
                  "({join_moving}): set requires_grad_(False) on every parameter of "
                  "every layer but the last").format(
                    join_moving=', '.join(moving)))
    if got["stats_changed"] != want["stats_changed"]:
        return (_("the weights are frozen but batch norm's running statistics still "
                  "change ({stats_changed}): a frozen backbone must also be in eval "
                  "mode (call .eval() on its batch-norm layers)").format(
                    stats_changed=', '.join(got['stats_changed'])))
    return None


register(Exercise(
    id="transfer.freeze_backbone", title="Freeze the backbone", chapter="ch09",
    reference="nncourse.exercises.ch09.reference.freeze_backbone",
    call={"runner": "nncourse.exercises.ch09.runners:freeze_run"}, check_global_rng=False,
    expects={"returns": "the model, changed in place",
             "inputs": {"model": "the course CNN, a Sequential (model[-1] is the head)"}},
    prompt="Write `freeze_backbone(model)` for the course CNN: after it, one optimizer step "
           "changes only the head (the last layer, `model[-1]`). The backbone "
           "(`list(model)[:-1]`) gets no gradients, its weights stay put, and its batch norm "
           "keeps its running statistics (eval mode). Change `model` in place and return it.",
    hints=["`requires_grad_(False)` on every parameter of every layer but the last.",
           "Batch norm updates its running statistics in training mode, gradients or not: "
           "put it in eval mode."],
    cases=[Case("only the head learns", 2, lambda rng: {"seed": int(rng.integers(100))},
                _freeze_judge)],
    mistakes=mistakes.FREEZE,
))


# ----------------------------------------------------------------------------- replace head
@lru_cache(maxsize=128)
def _pretrained_state(seed: int) -> dict[str, np.ndarray]:
    from nncourse.transfer import small_cnn

    return {name: value.detach().double().numpy().copy()
            for name, value in small_cnn(5, seed=seed).state_dict().items()
            if value.is_floating_point()}


def _replace_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    n, layers, state = inputs["num_classes"], output["layers"], output["state"]
    if len(layers) > len(expected["layers"]):
        return (_("the model has one layer too many: you appended a new layer after "
                  "the old head instead of replacing it. Keep every layer but the "
                  "last, then add the new Linear"))
    if len(layers) < len(expected["layers"]):
        return (_("the model has {len_layers} layers, {len_expected_layers} expected: "
                  "you removed more than the head (the last layer only must go)").format(
                    len_layers=len(layers), len_expected_layers=len(expected['layers'])))
    if layers[-1] != "Linear":
        return _("the new head is a {layers_1}; it should be a fresh Linear(32, "
                 "num_classes)").format(
                   layers_1=layers[-1])
    if tuple(np.shape(output["out"])) != (3, n):
        return (_("the output has shape {out}, expected (3, {n}): the new head must "
                  "have num_classes = {n} outputs").format(
                    out=tuple(np.shape(output['out'])), n=n))
    pretrained, head = _pretrained_state(inputs["seed"]), f"{len(layers) - 1}."
    kept = [name for name, value in pretrained.items() if not name.startswith(head)]
    if any(name not in state or np.shape(state[name]) != value.shape or
           not np.array_equal(state[name], value) for name in kept
           for value in (pretrained[name],)):
        return (_("the backbone's weights differ from the model you were given: you "
                  "built a fresh network and lost the pretrained weights. Reuse the "
                  "given layers"))
    old = pretrained[head + "weight"]
    new = np.asarray(state.get(head + "weight"))
    rows = min(len(old), len(new))
    if new.ndim == 2 and new.shape[1] == old.shape[1] and np.array_equal(new[:rows], old[:rows]):
        return _("the old head's weights are still there: the new head must be a fresh "
                 "Linear")
    return None


register(Exercise(
    id="transfer.replace_head", title="Replace the head", chapter="ch09",
    reference="nncourse.transfer.replace_head",
    call={"runner": "nncourse.exercises.ch09.runners:replace_run"}, check_global_rng=False,
    expects={"returns": "a new Sequential: the given layers but the last, then "
                        "Linear(32, num_classes)",
             "inputs": {"model": "the course CNN, a Sequential",
                        "num_classes": "an int >= 2"}},
    prompt="Write `replace_head(model, num_classes)`: return a Sequential with the given "
           "model's layers except the last, followed by a fresh `Linear(32, num_classes)`.",
    hints=["`list(model)[:-1]` are the backbone's layers (the same objects, weights included)."],
    cases=[Case("five new classes", 1, lambda rng: {"seed": int(rng.integers(100)),
                                                    "num_classes": 5}, _replace_judge),
           Case("ten classes", 1, lambda rng: {"seed": int(rng.integers(100)),
                                               "num_classes": 10}, _replace_judge)],
    mistakes=mistakes.HEAD,
))


# ----------------------------------------------------------------------------- param groups
def _rates(output: dict) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {}
    for group in output["groups"]:
        for name in group["params"]:
            rates.setdefault(name, []).append(group["lr"])
    return rates


def _groups_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    lr, factor = inputs["lr"], inputs["factor"]
    got, want = _rates(output), {n: v[0] for n, v in _rates(expected).items()}
    strangers = [n for n in got if n not in want]
    if strangers:
        return (_("a group holds something that is not a parameter of the model: put "
                  "the model's own parameters in the groups (layer.parameters())"))
    twice = [n for n, v in got.items() if len(v) > 1]
    if twice:
        return (_("parameters appear in more than one group ({join_twice_3}): each "
                  "belongs to exactly one").format(
                    join_twice_3=', '.join(twice[:3])))
    missing = [n for n in want if n not in got]
    if missing:
        return (_("parameters missing from the groups ({join_missing_4}): they would "
                  "never be trained").format(
                    join_missing_4=', '.join(missing[:4])))
    wrong = [n for n in want if not np.isclose(got[n][0], want[n])]
    if wrong:
        head = [n for n in wrong if np.isclose(want[n], lr)]
        body = [n for n in wrong if n not in head]
        parts = []
        if body:
            parts.append(_("the backbone's {name} has learning rate {got:g}, expected lr * "
                           "backbone_factor = {want:g}").format(
                name=body[0], got=got[body[0]][0], want=lr * factor))
        if head:
            parts.append(_("the head's {name} has {got:g}, expected lr = {lr:g}").format(
                name=head[0], got=got[head[0]][0], lr=lr))
        return "; ".join(parts)
    return None


register(Exercise(
    id="transfer.param_groups", title="Per-group learning rates", chapter="ch09",
    reference="nncourse.transfer.param_groups",
    call={"runner": "nncourse.exercises.ch09.runners:groups_run"}, check_global_rng=False,
    expects={"returns": "a list of two dicts {'params': [...], 'lr': number}",
             "keys": {"a group": ["params", "lr"]}},
    prompt="Write `make_param_groups(model, lr, backbone_factor)`: a list of optimizer groups, "
           "each a dict `{'params': [...], 'lr': ...}`, with the backbone (every layer but the "
           "last) at `lr * backbone_factor` and the head at `lr`.",
    hints=["A group is a dict {'params': [...], 'lr': ...}; every parameter in exactly one."],
    cases=[Case("a tenth for the backbone", 1, lambda rng: {"lr": 1e-3, "factor": 0.1},
                _groups_judge),
           Case("another factor", 1, lambda rng: {"lr": 3e-3, "factor": 0.3}, _groups_judge)],
    mistakes=mistakes.GROUPS,
))


# ----------------------------------------------------------------------------- label budget
def _budget_judge(inputs: dict, output: Any) -> str | None:
    if not isinstance(output, dict) or not {"strategy", "n_per_class"} <= set(output):
        return (_("the answer is a dict {{'strategy': ..., 'n_per_class': ...}} (or "
                  "the answer widget); got {type} {output!r:.60}").format(
                    type=type(output).__name__, output=output))
    gains, mean = budget_gains()
    key = (output["strategy"], output["n_per_class"])
    if key not in gains:
        return (_("unknown choice {key}: strategy is one of {strategy_choices}, "
                  "n_per_class one of {list_budgets}").format(
                    key=key, strategy_choices=list(STRATEGY_CHOICES), list_budgets=list(BUDGETS)))
    best = max(gains.values())
    if key[0] == "scratch":
        return _("scratch compared with itself gains 0 by definition: pick a transfer "
                 "strategy")
    if np.isclose(mean[key], max(mean.values())) and gains[key] < best - 0.01:
        return (_("that is the highest accuracy ({mean_key:.2f}), not the largest gain "
                  "over scratch: with {key_1} labels per class scratch reaches "
                  "{mean_scratch_key_1:.2f} too").format(
                    mean_key=mean[key], key_1=key[1],
                    mean_scratch_key_1=mean[('scratch', key[1])]))
    if gains[key] < 0:
        return (_("at {key_1} labels per class {key_0} is below scratch "
                  "({gains_key:+.2f}): transfer hurts there").format(
                    key_1=key[1], key_0=key[0], gains_key=gains[key]))
    if gains[key] < best - 0.01:
        return (_("a gain of {gains_key:+.2f}, but another combination gains "
                  "{best:+.2f}: look where scratch is weakest").format(
                    gains_key=gains[key], best=best))
    return None


register(Exercise(
    id="transfer.label_budget", title="Where does transfer help most?", chapter="ch09",
    kind="widget", reference="nncourse.exercises.ch09.reference.best_budget",
    call={"runner": "value"},
    expects={"returns": "a dict {'strategy': ..., 'n_per_class': ...}",
             "keys": {"choice": ["strategy", "n_per_class"]},
             "valid": {"strategy": list(STRATEGY_CHOICES), "n_per_class": list(BUDGETS)}},
    prompt="On digits 5-9, find the strategy and the number of labels per class where "
           "starting from the pretrained model gains the most mean test accuracy over training "
           "from scratch; answer `{'strategy': ..., 'n_per_class': ...}` with a strategy of "
           f"{list(STRATEGY_CHOICES)} and n_per_class of {list(BUDGETS)}.",
    hints=["Gain = accuracy of the strategy minus scratch's, at the same label budget.",
           "With many labels scratch catches up; with few it has little to learn from."],
    widget={"dropdowns": {"strategy": list(STRATEGY_CHOICES), "n_per_class": list(BUDGETS)}},
    cases=[Case("largest gain over scratch", 2, lambda rng: {}, _budget_judge)],
    mistakes=mistakes.budget_mistakes(),
))
