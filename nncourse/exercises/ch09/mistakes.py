"""Chapter 9 mistake models: plausible wrong answers, each with the message it earns.

Every model is a runnable wrong answer, written as a learner would write it, with a docstring
that says the slip. The judge runs it on the same inputs as the learner's answer; when the two
agree, the learner reads its message.

Example:
    >>> from nncourse.exercises import check
    >>> check("transfer.replace_head", appends_a_layer).passed
    False
"""

from __future__ import annotations

from ..registry import Mistake
from .budget import budget_gains


# ----------------------------------------------------------------------------- freeze
def freezes_nothing(model):
    """Returns the model unchanged."""
    return model


def freezes_everything(model):
    """requires_grad_(False) on the whole model, head included."""
    return model.requires_grad_(False)


def freezes_convolutions_only(model):
    """Only the two convolution blocks (layers 0-5) are frozen."""
    for layer in list(model)[:6]:
        for p in layer.parameters():
            p.requires_grad_(False)
    return model


def leaves_batchnorm_training(model):
    """No gradients for the backbone, but batch norm stays in training mode."""
    for layer in list(model)[:-1]:
        for p in layer.parameters():
            p.requires_grad_(False)
    return model


def freezes_head_instead(model):
    """The head is frozen, the backbone left to learn."""
    for p in model[-1].parameters():
        p.requires_grad_(False)
    return model


def whole_model_eval(model):
    """model.eval() alone: batch norm keeps its statistics, but every weight still learns."""
    return model.eval()


FREEZE = [
    Mistake("nothing frozen", freezes_nothing,
            "Nothing is frozen: every backbone parameter still gets a gradient and changes. "
            "Call requires_grad_(False) on every parameter of every layer but the last, and "
            "put the backbone's batch norm in eval mode."),
    Mistake("head frozen too", freezes_everything,
            "The head is frozen too: it got no gradient and did not change. Freeze only the "
            "backbone, list(model)[:-1]; the head must learn."),
    Mistake("only the convolutions frozen", freezes_convolutions_only,
            "Only the convolutions are frozen: the backbone's Linear and batch-norm parameters "
            "still get a gradient. Freeze every layer but the last, not only the convolutions."),
    Mistake("batch norm left in training mode", leaves_batchnorm_training,
            "The weights are frozen but batch norm's running statistics still change: a frozen "
            "backbone must also be in eval mode (call .eval() on its batch-norm layers)."),
    Mistake("head frozen instead of the backbone", freezes_head_instead,
            "You froze the head and left the backbone learning: it is the other way round. "
            "Freeze list(model)[:-1]; the head, model[-1], must learn."),
    Mistake("eval mode only", whole_model_eval,
            "model.eval() stops batch norm's statistics but not the gradients: the backbone's "
            "weights still change. Also call requires_grad_(False) on every backbone "
            "parameter."),
]


# ----------------------------------------------------------------------------- replace head
def ignores_num_classes(model, num_classes):
    """The new head has 5 outputs whatever num_classes says."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-1], Linear(32, 5, seed=0))


def fresh_network(model, num_classes):
    """A brand-new network: the pretrained weights are lost."""
    from nncourse.transfer import small_cnn

    return small_cnn(num_classes, seed=123)


def appends_a_layer(model, num_classes):
    """A new Linear appended after the old head instead of replacing it."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model), Linear(5, num_classes, seed=0))


def drops_two_layers(model, num_classes):
    """list(model)[:-2]: the last ReLU goes too."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-2], Linear(32, num_classes, seed=0))


def replaces_in_place(model, num_classes):
    """Replaces the last layer in place and returns nothing."""
    from nncourse.torch import Linear

    model[-1] = Linear(32, num_classes, seed=0)


def keeps_old_head_weights(model, num_classes):
    """The new head starts from the old head's weights (copied into the first rows)."""
    import torch

    from nncourse.torch import Linear, Sequential

    new_head = Linear(32, num_classes, seed=0)
    with torch.no_grad():
        rows = min(num_classes, model[-1].out_features)
        new_head.weight[:rows] = model[-1].weight[:rows]
    return Sequential(*list(model)[:-1], new_head)


HEAD = [
    Mistake("num_classes ignored", ignores_num_classes,
            "The new head ignores num_classes: it must have num_classes outputs, "
            "Linear(32, num_classes)."),
    Mistake("a fresh network", fresh_network,
            "The backbone's weights differ from the model you were given: you built a fresh "
            "network and lost the pretrained weights. Reuse the given layers, list(model)[:-1]."),
    Mistake("new layer appended on top", appends_a_layer,
            "The model has one layer too many: you appended a new layer after the old head "
            "instead of replacing it. Keep every layer but the last, then add the new Linear."),
    Mistake("two layers dropped", drops_two_layers,
            "You removed more than the head: list(model)[:-2] drops the last ReLU too; keep "
            "list(model)[:-1]."),
    Mistake("in place, returns None", replaces_in_place,
            "replace_head returned None: build the new Sequential and return it."),
    Mistake("old head's weights kept", keeps_old_head_weights,
            "The new head starts from the old head's weights: the new head must be a fresh "
            "Linear(32, num_classes)."),
]


# ----------------------------------------------------------------------------- param groups
def _backbone_params(model):
    return [p for layer in list(model)[:-1] for p in layer.parameters()]


def one_rate(model, lr, backbone_factor):
    """Every parameter in one group at lr."""
    return [{"params": list(model.parameters()), "lr": lr}]


def groups_swapped(model, lr, backbone_factor):
    """The backbone at lr and the head at lr * backbone_factor."""
    return [{"params": _backbone_params(model), "lr": lr},
            {"params": list(model[-1].parameters()), "lr": lr * backbone_factor}]


def factor_as_rate(model, lr, backbone_factor):
    """backbone_factor itself used as the backbone's learning rate."""
    return [{"params": _backbone_params(model), "lr": backbone_factor},
            {"params": list(model[-1].parameters()), "lr": lr}]


def head_left_out(model, lr, backbone_factor):
    """Only the backbone's group: the head is never trained."""
    return [{"params": _backbone_params(model), "lr": lr * backbone_factor}]


def everything_twice(model, lr, backbone_factor):
    """All parameters in the first group, the head again in the second."""
    return [{"params": list(model.parameters()), "lr": lr * backbone_factor},
            {"params": list(model[-1].parameters()), "lr": lr}]


def groups_as_dict(model, lr, backbone_factor):
    """A dict of the two groups instead of a list."""
    return {"backbone": {"params": _backbone_params(model), "lr": lr * backbone_factor},
            "head": {"params": list(model[-1].parameters()), "lr": lr}}


GROUPS = [
    Mistake("one learning rate", one_rate,
            "The backbone and the head have the same learning rate: the backbone's must be "
            "lr * backbone_factor."),
    Mistake("head and backbone swapped", groups_swapped,
            "The head and the backbone are swapped: the backbone gets the smaller rate, "
            "lr * backbone_factor, and the head lr."),
    Mistake("factor used as the rate", factor_as_rate,
            "The backbone's rate is backbone_factor itself; multiply: lr * backbone_factor."),
    Mistake("head left out", head_left_out,
            "The head's parameters are missing from the groups: they would never be trained."),
    Mistake("parameters in two groups", everything_twice,
            "Some parameters appear in more than one group: each belongs to exactly one."),
    Mistake("groups as a dict", groups_as_dict,
            "make_param_groups returned a dict; the optimizer takes a list of groups"),
]


# ----------------------------------------------------------------------------- label budget
def budget_mistakes() -> list[Mistake]:
    """The label-budget catalogue, read from the shipped grid."""
    gains, mean = budget_gains()
    best_abs = max(mean, key=mean.get)
    worst = min(gains, key=gains.get)
    ordered = sorted((k for k in gains if k[0] != "scratch"), key=gains.get)
    middle = next(k for k in ordered
                  if k != best_abs and 0 <= gains[k] < max(gains.values()) - 0.01)
    return [
        Mistake("scratch picked", {"strategy": "scratch", "n_per_class": 1},
                "Scratch compared with itself gains 0 by definition: pick a transfer strategy."),
        Mistake("highest accuracy instead of gain",
                {"strategy": best_abs[0], "n_per_class": best_abs[1]},
                "That is the highest accuracy, not the largest gain over scratch."),
        Mistake("a budget where transfer hurts",
                {"strategy": worst[0], "n_per_class": worst[1]},
                "There transfer is below scratch: it hurts."),
        Mistake("a small gain", {"strategy": middle[0], "n_per_class": middle[1]},
                "Another combination gains more: look where scratch is weakest."),
        Mistake("the answer as a tuple", ("finetune", 5),
                "The answer is a dict {'strategy': ..., 'n_per_class': ...}."),
    ]
