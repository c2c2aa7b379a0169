"""How chapter 9's learner code is called (sandbox side). Each runner returns raw data only.

* ``freeze_run``: the learner's function on a fresh course CNN; the model's parameter names with
  their ``requires_grad`` flags and every module's training mode. The judge rebuilds the model
  from these and takes the optimizer step itself.
* ``replace_run``: the learner's function on a fresh CNN; the returned model's layer types, its
  state dict and its output on a fixed batch.
* ``groups_run``: the learner's groups, each as the names of its parameters and its settings.

Example:
    >>> from nncourse.transfer import replace_head
    >>> replace_run(replace_head, {"seed": 0, "num_classes": 7}, {})["out"].shape
    (3, 7)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


def _model(answer_output: Any, given: Any) -> Any:
    import torch

    return answer_output if isinstance(answer_output, torch.nn.Module) else given


@runner("transfer.freeze_backbone")
def freeze_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Flags after ``answer(model)``: requires_grad per parameter, training per module."""
    from nncourse.transfer import small_cnn

    given = small_cnn(5, seed=inputs["seed"])
    model = _model(answer(given), given)
    return {"requires_grad": {name: bool(p.requires_grad)
                              for name, p in model.named_parameters()},
            "training": {name or "model": bool(m.training) for name, m in model.named_modules()}}


def _plain_state(model: Any) -> dict[str, np.ndarray]:
    return {name: value.detach().cpu().double().numpy().copy()
            for name, value in model.state_dict().items() if value.is_floating_point()}


@runner("transfer.replace_head")
def replace_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """The model ``answer(model, num_classes)`` returns: layer types, state, output."""
    import torch

    from nncourse.transfer import small_cnn

    given = small_cnn(5, seed=inputs["seed"])
    new = answer(given, inputs["num_classes"])
    if new is None:
        raise LearnerError(_("replace_head returned None: build the new Sequential and return "
                             "it (changing model in place is not enough)"))
    if not isinstance(new, torch.nn.Module):
        raise LearnerError(_("replace_head returned {kind}; it should return the new model, a "
                             "Sequential").format(kind=type(new).__name__))
    new.eval()
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = new(x)
    return {"layers": [type(m).__name__ for m in new.children()], "state": _plain_state(new),
            "out": out.detach().double().numpy()}


def _group(group: Any, names: dict[int, str], index: int) -> dict:
    if not isinstance(group, dict) or "params" not in group:
        raise LearnerError(_("group {index} is {kind}; each group is a dict {{'params': [list "
                             "of parameters], 'lr': number}}").format(
            index=index, kind=type(group).__name__))
    params = group["params"]
    params = [params] if hasattr(params, "data_ptr") else list(params)
    lr = group.get("lr")
    if isinstance(lr, bool) or not isinstance(lr, int | float):
        raise LearnerError(_("group {index} has lr = {lr!r:.40}; each group needs a number "
                             "under 'lr'").format(index=index, lr=lr))
    return {"params": [names.get(id(p), "not a parameter of the model") for p in params],
            "lr": float(lr), "keys": sorted(map(str, group))}


@runner("transfer.param_groups")
def groups_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """The groups ``answer(model, lr, backbone_factor)`` returns, parameters by name."""
    from nncourse.transfer import small_cnn

    model = small_cnn(5, seed=0)
    groups = answer(model, inputs["lr"], inputs["factor"])
    if isinstance(groups, dict):
        raise LearnerError(_("make_param_groups returned a dict; the optimizer takes a list of "
                             "groups, each a dict: [{'params': backbone_params, 'lr': lr * "
                             "backbone_factor}, {'params': head_params, 'lr': lr}]"))
    if groups is None or not isinstance(groups, list | tuple):
        raise LearnerError(_("make_param_groups returned {kind}; it should return a list of "
                             "two dicts {{'params': [...], 'lr': ...}}").format(
            kind=type(groups).__name__))
    names = {id(p): name for name, p in model.named_parameters()}
    return {"groups": [_group(group, names, i) for i, group in enumerate(groups)]}
