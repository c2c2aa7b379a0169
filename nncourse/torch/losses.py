"""Loss functions on torch tensors, the twins of :mod:`nncourse.numpy.losses`.

Same names and the same call, ``loss_fn(prediction, target)``, with the same
``reduction=``, ``weight``, ``pos_weight``, ``ignore_index`` and ``label_smoothing`` options
(the losses ``torch.nn`` has that these do not are listed, with the reason, in
:mod:`nncourse.numpy.losses`). The one difference: a NumPy loss returns a float and has an explicit
``backward()``; a torch loss returns a 0-d tensor and you call
``loss.backward()`` on it, which autograd turns into every parameter's ``.grad``.

Example:
    >>> loss_fn = CrossEntropyLoss()
    >>> loss = loss_fn(model(x), y)    # logits (B, C), y (B,) class indices or (B, C) one-hot
    >>> loss.backward()
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nncourse._checks import (
    check_batch,
    check_broadcast_weight,
    check_class_weight,
    check_cross_entropy_options,
    check_loss_reduction,
    check_number,
)

__all__ = ["mse_loss", "binary_cross_entropy_with_logits", "softmax_cross_entropy", "MSELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "l1_penalty", "l2_penalty"]


def _as_tensor_like(target: object, prediction: torch.Tensor) -> torch.Tensor:
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(target)
    return target.to(prediction.device)


def _check_same_shape(prediction: torch.Tensor, target: torch.Tensor, loss: str) -> None:
    check_batch(prediction, f"{loss}: prediction")  # a mean over 0 entries is NaN
    if prediction.shape != target.shape:
        hint = ""
        if prediction.numel() == target.numel():
            hint = f" Reshape the target with target.reshape({tuple(prediction.shape)})."
        raise ValueError(
            f"{loss}: prediction and target must have the same shape; got prediction "
            f"{tuple(prediction.shape)} and target {tuple(target.shape)}.{hint}"
        )


def _reduce_entries(per_entry: torch.Tensor, reduction: str) -> torch.Tensor:
    """Mean or sum over every entry (0-d), or the entries themselves ("none")."""
    if reduction == "none":
        return per_entry
    return per_entry.sum() if reduction == "sum" else per_entry.mean()


def _broadcast_weight(weight: Any, logits: torch.Tensor, name: str) -> torch.Tensor:
    """``weight`` checked by the NumPy rule, as a tensor of the logits' dtype and device."""
    values = weight.detach().cpu().numpy() if isinstance(weight, torch.Tensor) else weight
    return torch.as_tensor(check_broadcast_weight(values, tuple(logits.shape), name),
                           dtype=logits.dtype, device=logits.device)


def mse_loss(prediction: torch.Tensor, target: torch.Tensor,
             reduction: str = "mean") -> torch.Tensor:
    """Squared error ``(prediction - target)**2`` per element, then its mean (the default).

    Args:
        prediction: any shape.
        target: the same shape.
        reduction: "mean" over every element, "sum", or "none" (the per-element tensor).

    Returns:
        0-d tensor ("mean", "sum") or a tensor of the prediction's shape ("none").

    Example:
        >>> mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0]))
        tensor(2.)
    """
    reduction = check_loss_reduction(reduction)
    target = _as_tensor_like(target, prediction).to(prediction.dtype)
    _check_same_shape(prediction, target, "mse_loss")
    return _reduce_entries((prediction - target) ** 2, reduction)


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor,
                                     reduction: str = "mean", weight: Any = None,
                                     pos_weight: Any = None) -> torch.Tensor:
    """Binary cross-entropy on raw scores: ``w [softplus(z) - y z + (p - 1) y softplus(-z)]``.

    Stable for any ``z``; the ``p`` term (``-log sigmoid(z) = softplus(-z)``) is there only
    when ``pos_weight`` is given, the ``w`` factor only when ``weight`` is.

    Args:
        logits: any shape.
        target: same shape, values in [0, 1].
        reduction: "mean" over every element, "sum", or "none" (the per-element tensor).
        weight: None, or numbers >= 0 broadcast to the logits: how much each entry counts.
        pos_weight: None, or numbers >= 0 along the last axis: how much positive targets
            count.

    Returns:
        0-d tensor ("mean", "sum") or a tensor of the logits' shape ("none").

    Example:
        >>> binary_cross_entropy_with_logits(torch.zeros(2), torch.ones(2))
        tensor(0.6931)
    """
    reduction = check_loss_reduction(reduction)
    target = _as_tensor_like(target, logits).to(logits.dtype)
    _check_same_shape(logits, target, "BCEWithLogitsLoss")
    if target.device.type == "cpu" and target.numel() and (
            float(target.min()) < 0 or float(target.max()) > 1):
        raise ValueError("BCEWithLogitsLoss: targets must be 0/1 labels or probabilities in "
                         "[0, 1]; for more than two classes use CrossEntropyLoss.")
    # log(1 + e^z) - y z, with log(1 + e^z) = log(e^0 + e^z) computed by logaddexp, which
    # never overflows. Its derivative is sigmoid(z) everywhere; the equal form
    # max(z, 0) + log1p(e^{-|z|}) has kinks whose autograd slopes give 1 - y, not
    # sigmoid(0) - y, at a logit of exactly 0.
    zeros = torch.zeros_like(logits)
    per_entry = torch.logaddexp(zeros, logits) - logits * target
    if pos_weight is not None:
        p = _broadcast_weight(pos_weight, logits, "pos_weight")
        per_entry = per_entry + (p - 1) * target * torch.logaddexp(zeros, -logits)
    if weight is not None:
        per_entry = per_entry * _broadcast_weight(weight, logits, "weight")
    return _reduce_entries(per_entry, reduction)


def _reduce(per_sample: torch.Tensor, shares: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    return per_sample.sum() / shares.sum()      # every target ignored: 0/0 = NaN, as torch


def softmax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                          label_smoothing: float = 0.0, weight: Any = None,
                          ignore_index: int = -100, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy of softmax(logits) against the targets, as ``torch.nn.CrossEntropyLoss``.

    Per sample: ``loss_b = -sum_c A_bc log softmax(z_b)_c`` with ``A_bc = w_c t_bc`` (class
    weight times the target distribution, label smoothing mixed in; 0 for a target equal to
    ``ignore_index``); "mean" is ``sum_b loss_b / sum_b d_b`` with ``d_b`` the weight of sample
    b's class (1 for probability rows), "sum" is ``sum_b loss_b``, "none" the (B,) losses.

    Args:
        logits: (B, C) raw class scores.
        targets: (B,) integer class indices, or (B, C) one-hot rows / class probabilities.
        label_smoothing: move this much probability mass from the true class to a uniform
            spread over all classes (as ``torch.nn.CrossEntropyLoss``).
        weight: None, or (C,) numbers >= 0 (a tensor, array or list): how much each class
            counts.
        ignore_index: class-index targets equal to it contribute nothing.
        reduction: "mean", "sum" or "none".

    Returns:
        0-d tensor ("mean", "sum"; NaN when every target is ignored) or (B,) ("none").

    Example:
        >>> softmax_cross_entropy(torch.zeros(1, 2), torch.tensor([1]))
        tensor(0.6931)
    """
    ignore_index, reduction = check_cross_entropy_options(ignore_index, reduction)
    if logits.dim() != 2:
        raise ValueError(
            f"Cross-entropy expects logits of shape (batch, classes); got "
            f"{tuple(logits.shape)}." + (" Add a batch dimension with logits[None]."
                                         if logits.dim() == 1 else ""))
    check_batch(logits, "Cross-entropy: logits")  # a mean over 0 rows is NaN
    targets = _as_tensor_like(targets, logits)
    batch, classes = logits.shape
    w = torch.ones(classes, dtype=logits.dtype, device=logits.device) if weight is None else \
        _class_weight(weight, classes, logits)
    log_probs = F.log_softmax(logits, dim=1)  # log(softmax) in one stable step, (B, C)
    if targets.dim() == 1 and not targets.is_floating_point() and targets.dtype != torch.bool:
        if targets.shape[0] != batch:
            raise ValueError(f"Cross-entropy: {batch} rows of logits but {targets.shape[0]} "
                             "targets. Pass one class index per row.")
        kept = targets != ignore_index                                  # (B,) bool
        # Range check only for CPU tensors: on a GPU it would stall every step.
        if targets.device.type == "cpu" and bool(kept.any()):
            labels = targets[kept]
            if int(labels.min()) < 0 or int(labels.max()) >= classes:
                bad = labels[(labels < 0) | (labels >= classes)]
                raise ValueError(f"Cross-entropy: class indices must be in [0, {classes - 1}] "
                                 f"for {classes} classes; got {bad[:5].tolist()}. Check the "
                                 "labels or the output layer's out_features.")
        safe = torch.where(kept, targets, torch.zeros_like(targets)).long()   # (B,)
        # Pick log p of the true class in each row: (B, C) -> (B,)
        picked = log_probs.gather(1, safe.unsqueeze(1)).squeeze(1)
        shares = torch.where(kept, w[safe], torch.zeros_like(w[safe]))        # d_b, (B,)
        per_sample = -(1 - label_smoothing) * shares * picked
        if label_smoothing:
            # the uniform part: (eps / C) sum_c w_c log p_c, for the samples not ignored
            smooth = (log_probs * w).sum(dim=1) * kept.to(logits.dtype)
            per_sample = per_sample - label_smoothing / classes * smooth
        return _reduce(per_sample, shares, reduction)
    if targets.dim() == 2 and tuple(targets.shape) == (batch, 1) and classes > 1 \
            and not targets.is_floating_point():
        raise ValueError(f"Cross-entropy: class-index targets must have shape ({batch},); got "
                         f"{tuple(targets.shape)}. Flatten them with targets.reshape(-1).")
    if targets.dim() == 2:
        targets = targets.to(logits.dtype)
        if targets.shape != logits.shape:
            raise ValueError(f"Cross-entropy: one-hot/probability targets must have the logits' "
                             f"shape {tuple(logits.shape)}; got {tuple(targets.shape)}.")
        if label_smoothing:
            targets = targets * (1 - label_smoothing) + label_smoothing / classes
        weighted = targets * w                                          # A = w_c t_bc, (B, C)
        # a class with no target mass adds exactly 0, even where log p is -inf: (B, C) -> (B,)
        per_sample = torch.where(weighted != 0, -weighted * log_probs,
                                 torch.zeros_like(log_probs)).sum(dim=1)
        return _reduce(per_sample, torch.ones_like(per_sample), reduction)
    if targets.dim() == 1:
        raise TypeError(f"Cross-entropy: class-index targets must be integers; got dtype "
                        f"{targets.dtype}. Convert them with targets.long(), or pass one-hot "
                        f"targets of shape {tuple(logits.shape)}.")
    raise ValueError(f"Cross-entropy: targets must be class indices of shape ({batch},) or "
                     f"one-hot rows of shape {tuple(logits.shape)}; got shape "
                     f"{tuple(targets.shape)}.")


def _class_weight(weight: Any, classes: int, logits: torch.Tensor) -> torch.Tensor:
    """``weight`` checked by the NumPy rule, as a tensor of the logits' dtype and device."""
    values = weight.detach().cpu().numpy() if isinstance(weight, torch.Tensor) else weight
    return torch.as_tensor(check_class_weight(values, classes), dtype=logits.dtype,
                           device=logits.device)


def _weights(parameters: Any) -> list[torch.Tensor]:
    params = list(parameters.parameters() if isinstance(parameters, nn.Module) else parameters)
    for p in params:
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"Penalties take tensors (model.parameters()); got "
                            f"{type(p).__name__}.")
    return params


def _check_strength(strength: Any) -> float:
    return check_number(strength, "strength", 0, hint="Use 0 for no penalty, e.g. 1e-4.")


def l1_penalty(parameters: Iterable[torch.Tensor] | nn.Module, strength: float) -> torch.Tensor:
    """``strength * sum |w|`` over the parameters (add it to the loss; autograd does the rest).

    Example:
        >>> l1_penalty([torch.tensor([3.0, -4.0])], 0.1)
        tensor(0.7000)
    """
    s = _check_strength(strength)
    return s * sum((p.abs().sum() for p in _weights(parameters)), torch.tensor(0.0))


def l2_penalty(parameters: Iterable[torch.Tensor] | nn.Module, strength: float) -> torch.Tensor:
    """``strength / 2 * sum w**2`` over the parameters (its gradient is ``strength * w``).

    Example:
        >>> l2_penalty([torch.tensor([3.0, 4.0])], 0.1)
        tensor(1.2500)
    """
    s = _check_strength(strength)
    return 0.5 * s * sum(((p * p).sum() for p in _weights(parameters)), torch.tensor(0.0))


class MSELoss(nn.Module):
    """Mean squared error as a module: ``loss_fn(prediction, target) -> 0-d tensor``.

    Args:
        reduction: "mean" (default), "sum" or "none" (one loss per element).

    Example:
        >>> MSELoss()(torch.ones(3, 1), torch.zeros(3, 1))
        tensor(1.)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_loss_reduction(reduction)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_loss(prediction, target, reduction=self.reduction)


class BCEWithLogitsLoss(nn.Module):
    """Binary cross-entropy on logits (sigmoid folded in for stability).

    Args:
        weight: None, or numbers >= 0 that broadcast to the logits: how much each entry counts.
        reduction: "mean" (default), "sum" or "none" (one loss per element).
        pos_weight: None, or numbers >= 0 along the last axis: how much positive targets
            count (about negatives / positives for a rare positive class).

    Example:
        >>> BCEWithLogitsLoss()(torch.zeros(4, 1), torch.ones(4, 1))
        tensor(0.6931)
    """

    def __init__(self, weight: Any = None, *, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__()
        self.weight = weight
        self.reduction = check_loss_reduction(reduction)
        self.pos_weight = pos_weight

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return binary_cross_entropy_with_logits(prediction, target, reduction=self.reduction,
                                                weight=self.weight, pos_weight=self.pos_weight)


class CrossEntropyLoss(nn.Module):
    """Softmax cross-entropy on logits; targets are class indices (B,) or one-hot (B, C).

    Args:
        weight: None, or (C,) numbers >= 0: how much each class counts.
        ignore_index: class-index targets equal to it count for nothing.
        reduction: "mean", "sum" or "none" (see :func:`softmax_cross_entropy`).
        label_smoothing: in [0, 1); see :func:`softmax_cross_entropy`.

    Example:
        >>> CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor([0, 2]))
        tensor(1.0986)
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        if weight is not None and np.ndim(weight) == 0:     # CrossEntropyLoss(0.1) as before
            raise TypeError(f"weight must be None or one number per class; got {weight!r}. "
                            "For label smoothing write CrossEntropyLoss(label_smoothing=...).")
        self.weight = weight
        self.ignore_index, self.reduction = check_cross_entropy_options(ignore_index, reduction)
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", 0, 1,
                                            high_open=True, hint="A typical value is 0.1.")

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return softmax_cross_entropy(prediction, target, self.label_smoothing, self.weight,
                                     self.ignore_index, self.reduction)
