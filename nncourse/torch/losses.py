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

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MSELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "mse_loss",
           "binary_cross_entropy_with_logits", "softmax_cross_entropy",
           "l1_penalty", "l2_penalty"]


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
    # log(1 + e^z) - y z = max(z, 0) - y z + log(1 + e^{-|z|}) never overflows.
    return (torch.clamp(logits, min=0) - logits * target
            + torch.log1p(torch.exp(-logits.abs()))).mean()


def softmax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy averaged over the batch.

    Args:
        logits: (B, C) raw class scores.
        targets: (B,) integer class indices, or (B, C) one-hot / class probabilities.

    Returns:
        0-d tensor: ``mean_b( -sum_c y_bc log softmax(z_b)_c )``.

    Example:
        >>> softmax_cross_entropy(torch.zeros(1, 2), torch.tensor([1]))
        tensor(0.6931)
    """
    if logits.dim() != 2:
        raise ValueError(
            f"CrossEntropyLoss expects logits of shape (batch, classes); got "
            f"{tuple(logits.shape)}. Flatten extra dimensions or add a batch dimension."
        )
    targets = _as_tensor_like(targets, logits)
    log_probs = F.log_softmax(logits, dim=1)  # log(softmax) in one stable step
    if targets.dim() == 1:
        if targets.shape[0] != logits.shape[0]:
            raise ValueError(
                f"CrossEntropyLoss: {logits.shape[0]} rows of logits but {targets.shape[0]} "
                "targets. Give one class index per example."
            )
        if targets.is_floating_point():
            if not torch.all(targets == targets.round()):
                raise ValueError("CrossEntropyLoss: 1-D targets must be integer class indices.")
            targets = targets.long()
        if targets.numel() and (targets.min() < 0 or targets.max() >= logits.shape[1]):
            raise ValueError(
                f"CrossEntropyLoss: class indices must be in [0, {logits.shape[1] - 1}]; got "
                f"values from {int(targets.min())} to {int(targets.max())}."
            )
        # Pick log p of the true class in each row: (B, C) -> (B,)
        return -log_probs.gather(1, targets.long().unsqueeze(1)).mean()
    targets = targets.to(logits.dtype)
    _check_same_shape(logits, targets, "CrossEntropyLoss (one-hot targets)")
    return -(targets * log_probs).sum(dim=1).mean()


def l1_penalty(params: Iterable[torch.Tensor], strength: float) -> torch.Tensor:
    """``strength * sum |w|`` over the given parameters (add it to the loss).

    Example:
        >>> l1_penalty([torch.tensor([1.0, -2.0])], 0.1)
        tensor(0.3000)
    """
    return strength * sum((p.abs().sum() for p in params), torch.tensor(0.0))


def l2_penalty(params: Iterable[torch.Tensor], strength: float) -> torch.Tensor:
    """``strength / 2 * sum w**2`` over the given parameters (its gradient is ``strength * w``).

    Example:
        >>> l2_penalty([torch.tensor([1.0, -2.0])], 0.1)
        tensor(0.2500)
    """
    return 0.5 * strength * sum(((p * p).sum() for p in params), torch.tensor(0.0))


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

    Example:
        >>> CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor([0, 2]))
        tensor(1.0986)
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return softmax_cross_entropy(prediction, target)
