"""Loss functions on torch tensors, the twins of :mod:`nncourse.numpy.losses`.

Same names and the same call, ``loss_fn(prediction, target)``, with mean
reduction. The one difference: a NumPy loss returns a float and has an explicit
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

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["mse_loss", "binary_cross_entropy_with_logits", "softmax_cross_entropy", "MSELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "l1_penalty", "l2_penalty"]


def _as_tensor_like(target: object, prediction: torch.Tensor) -> torch.Tensor:
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(target)
    return target.to(prediction.device)


def _check_same_shape(prediction: torch.Tensor, target: torch.Tensor, loss: str) -> None:
    if prediction.shape != target.shape:
        hint = ""
        if prediction.numel() == target.numel():
            hint = f" Reshape the target with target.reshape({tuple(prediction.shape)})."
        raise ValueError(
            f"{loss}: prediction and target must have the same shape; got prediction "
            f"{tuple(prediction.shape)} and target {tuple(target.shape)}.{hint}"
        )


def mse_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error, ``mean((prediction - target)**2)`` over every element.

    Args:
        prediction: any shape. target: the same shape.

    Returns:
        0-d tensor.

    Example:
        >>> mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0]))
        tensor(2.)
    """
    target = _as_tensor_like(target, prediction).to(prediction.dtype)
    _check_same_shape(prediction, target, "mse_loss")
    return ((prediction - target) ** 2).mean()


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on raw scores: ``mean(softplus(z) - y z)``, stable for any ``z``.

    Args:
        logits: any shape. target: same shape, values in [0, 1].

    Returns:
        0-d tensor.

    Example:
        >>> binary_cross_entropy_with_logits(torch.zeros(2), torch.ones(2))
        tensor(0.6931)
    """
    target = _as_tensor_like(target, logits).to(logits.dtype)
    _check_same_shape(logits, target, "BCEWithLogitsLoss")
    if target.device.type == "cpu" and target.numel() and (
            float(target.min()) < 0 or float(target.max()) > 1):
        raise ValueError("BCEWithLogitsLoss: targets must be 0/1 labels or probabilities in "
                         "[0, 1]; for more than two classes use CrossEntropyLoss.")
    # log(1 + e^z) - y z = max(z, 0) - y z + log(1 + e^{-|z|}) never overflows.
    return (torch.clamp(logits, min=0) - logits * target
            + torch.log1p(torch.exp(-logits.abs()))).mean()


def softmax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                          label_smoothing: float = 0.0) -> torch.Tensor:
    """Softmax cross-entropy averaged over the batch.

    Args:
        logits: (B, C) raw class scores.
        targets: (B,) integer class indices, or (B, C) one-hot rows / class probabilities.
        label_smoothing: move this much probability mass from the true class to a uniform
            spread over all classes (as ``torch.nn.CrossEntropyLoss``).

    Returns:
        0-d tensor: ``mean_b( -sum_c y_bc log softmax(z_b)_c )``.

    Example:
        >>> softmax_cross_entropy(torch.zeros(1, 2), torch.tensor([1]))
        tensor(0.6931)
    """
    if logits.dim() != 2:
        raise ValueError(
            f"Cross-entropy expects logits of shape (batch, classes); got "
            f"{tuple(logits.shape)}." + (" Add a batch dimension with logits[None]."
                                         if logits.dim() == 1 else ""))
    targets = _as_tensor_like(targets, logits)
    batch, classes = logits.shape
    log_probs = F.log_softmax(logits, dim=1)  # log(softmax) in one stable step, (B, C)
    if targets.dim() == 1 and not targets.is_floating_point() and targets.dtype != torch.bool:
        if targets.shape[0] != batch:
            raise ValueError(f"Cross-entropy: {batch} rows of logits but {targets.shape[0]} "
                             "targets. Pass one class index per row.")
        # Range check only for CPU tensors: on a GPU it would stall every step.
        if targets.device.type == "cpu" and targets.numel() and (
                int(targets.min()) < 0 or int(targets.max()) >= classes):
            bad = targets[(targets < 0) | (targets >= classes)]
            raise ValueError(f"Cross-entropy: class indices must be in [0, {classes - 1}] for "
                             f"{classes} classes; got {bad[:5].tolist()}. Check the labels or "
                             "the output layer's out_features.")
        # Pick log p of the true class in each row: (B, C) -> (B,)
        picked = log_probs.gather(1, targets.long().unsqueeze(1)).squeeze(1)
        if label_smoothing == 0:
            return -picked.mean()
        smooth = log_probs.mean(dim=1)  # the uniform part: (1/C) sum_c log p_c
        return -((1 - label_smoothing) * picked + label_smoothing * smooth).mean()
    if targets.dim() == 2:
        targets = targets.to(logits.dtype)
        if targets.shape != logits.shape:
            raise ValueError(f"Cross-entropy: one-hot/probability targets must have the logits' "
                             f"shape {tuple(logits.shape)}; got {tuple(targets.shape)}.")
        if label_smoothing:
            targets = targets * (1 - label_smoothing) + label_smoothing / classes
        return -(targets * log_probs).sum(dim=1).mean()
    if targets.dim() == 1:
        raise TypeError(f"Cross-entropy: class-index targets must be integers; got dtype "
                        f"{targets.dtype}. Convert them with targets.long(), or pass one-hot "
                        f"targets of shape {tuple(logits.shape)}.")
    raise ValueError(f"Cross-entropy: targets must be class indices of shape ({batch},) or "
                     f"one-hot rows of shape {tuple(logits.shape)}; got shape "
                     f"{tuple(targets.shape)}.")


def _weights(parameters: Any) -> list[torch.Tensor]:
    params = list(parameters.parameters() if isinstance(parameters, nn.Module) else parameters)
    for p in params:
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"Penalties take tensors (model.parameters()); got "
                            f"{type(p).__name__}.")
    return params


def _check_strength(strength: Any) -> float:
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or \
            not strength >= 0:
        raise ValueError(f"strength must be a number >= 0; got {strength!r}.")
    return float(strength)


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

    Example:
        >>> MSELoss()(torch.ones(3, 1), torch.zeros(3, 1))
        tensor(1.)
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_loss(prediction, target)


class BCEWithLogitsLoss(nn.Module):
    """Binary cross-entropy on logits (sigmoid folded in for stability).

    Example:
        >>> BCEWithLogitsLoss()(torch.zeros(4, 1), torch.ones(4, 1))
        tensor(0.6931)
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return binary_cross_entropy_with_logits(prediction, target)


class CrossEntropyLoss(nn.Module):
    """Softmax cross-entropy on logits; targets are class indices (B,) or one-hot (B, C).

    Args:
        label_smoothing: in [0, 1); see :func:`softmax_cross_entropy`.

    Example:
        >>> CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor([0, 2]))
        tensor(1.0986)
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        super().__init__()
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
                or not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be a number in [0, 1); got "
                             f"{label_smoothing!r}.")
        self.label_smoothing = float(label_smoothing)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return softmax_cross_entropy(prediction, target, self.label_smoothing)
