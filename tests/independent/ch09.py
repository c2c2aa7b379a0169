"""Lab 9's exercises, solved from the lab's words only."""

from __future__ import annotations


def freeze_backbone(model):
    """Every backbone parameter requires_grad_(False); the backbone's batch norm in eval mode."""
    import torch

    *backbone, _head = list(model)
    for layer in backbone:
        for param in layer.parameters():
            param.requires_grad_(False)
        for module in layer.modules():
            if isinstance(module, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
                module.eval()
    return model


def replace_head(model, num_classes):
    """A new Sequential: the given layers but the last, then a fresh Linear(32, num_classes)."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*[model[i] for i in range(len(model) - 1)], Linear(32, num_classes))


def make_param_groups(model, lr, backbone_factor):
    """Two groups: the backbone at lr * backbone_factor, the head at lr."""
    head = list(model[len(model) - 1].parameters())
    head_ids = {id(p) for p in head}
    backbone = [p for p in model.parameters() if id(p) not in head_ids]
    return [{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]


#: Exercise 4: fine-tuning with 5 labels per class (the format the lab states).
LABEL_BUDGET = {"strategy": "finetune", "n_per_class": 5}


#: exercise id -> the answer above.
ANSWERS = {
    "transfer.freeze_backbone": freeze_backbone,
    "transfer.replace_head": replace_head,
    "transfer.param_groups": make_param_groups,
    "transfer.label_budget": LABEL_BUDGET,
}
