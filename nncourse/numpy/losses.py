"""Loss functions and their gradients, plus L1/L2 penalties.

Each loss class has ``forward(prediction, target) -> float`` and ``backward() ->
dL/dprediction`` (same shape as ``prediction``), mirroring ``torch.nn``: every loss takes
``reduction=`` ("mean", the default, "sum" or "none"; with "none", ``backward(grad_output)``
takes dL/dloss). The math is in pure functions that exercises target.

Classification losses take *logits* (raw scores) and fold the sigmoid/softmax
into the loss with the log-sum-exp trick, so logits of +-1000 give finite losses
and gradients.

Penalty convention: ``l2_penalty = strength / 2 * sum ||w||^2`` so that its gradient
is ``strength * w`` (what ``weight_decay`` adds in SGD); ``l1_penalty = strength *
sum |w|`` with gradient ``strength * sign(w)``.

What ``torch.nn`` offers beyond this, and why it is not here:

- ``size_average=`` and ``reduce=``: deprecated in torch itself; ``reduction=`` replaces both.
- ``BCELoss`` (on probabilities) and ``NLLLoss`` (on log-probabilities): the course's models
  output logits, and folding the sigmoid/softmax into the loss is what keeps logits of
  +-1000 finite. ``BCEWithLogitsLoss``/``CrossEntropyLoss`` on the logits compute the same
  numbers in one stable step.
- ``L1Loss``, ``HuberLoss``, ``SmoothL1Loss``, ``KLDivLoss`` and margin losses: no chapter
  trains with them (regression uses MSE). In the torch path ``torch.nn``'s own losses work
  with ``fit`` unchanged, and ``fit`` treats the first three as regression losses.
- ``CrossEntropyLoss`` on (B, C, d1, ...) logits (one class per pixel or token): the course
  classifies whole inputs, so logits are (B, C).

Example:
    >>> loss_fn = CrossEntropyLoss()
    >>> loss = loss_fn.forward(np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([0, 1]))
    >>> round(loss, 4), loss_fn.backward().shape
    (0.1269, (2, 2))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nncourse._checks import (
    as_float_array,
    as_input,
    check_batch,
    check_broadcast_weight,
    check_class_weight,
    check_cross_entropy_options,
    check_grad_out,
    check_loss_reduction,
    check_number,
)
from nncourse.numpy.activations import log_softmax, sigmoid, softmax

__all__ = ["mse_loss", "mse_loss_backward", "binary_cross_entropy_with_logits",
           "binary_cross_entropy_with_logits_backward", "softmax_cross_entropy",
           "softmax_cross_entropy_backward", "MSELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "l1_penalty", "l1_penalty_grad", "add_l1_penalty_grad",
           "l2_penalty", "l2_penalty_grad", "add_l2_penalty_grad"]


# Predictions go through as_input, which does not scan for NaN: a diverging model must yield a
# NaN loss that training can report. Targets are data and are scanned.
def _float_target(prediction: np.ndarray, target: Any, loss: str) -> np.ndarray:
    check_batch(prediction, f"{loss}: prediction")  # a mean over 0 entries is NaN
    target = as_float_array(target, "target")
    if target.shape != prediction.shape:
        if target.size == prediction.size and (target.ndim == 1 or prediction.ndim == 1):
            hint = f" Reshape it with target.reshape({prediction.shape})."
        else:
            hint = ""
        raise ValueError(f"{loss}: prediction and target must have the same shape; got "
                         f"{prediction.shape} and {target.shape}.{hint}")
    return target


def _reduce_entries(per_entry: np.ndarray, reduction: str) -> Any:
    """Mean or sum over every entry (a float), or the entries themselves ("none")."""
    if reduction == "none":
        return per_entry
    if reduction == "sum":
        return float(np.sum(per_entry))
    return float(np.mean(per_entry))


def _entry_grad(grad: np.ndarray, reduction: str, grad_output: Any) -> np.ndarray:
    """Scale dloss_i/dprediction_i by dL/dloss_i: 1/N ("mean"), 1 ("sum"), grad_output ("none")."""
    if reduction == "none":
        if grad_output is None:
            raise ValueError("reduction='none' returns one loss per entry; its backward needs "
                             "grad_output, dL/dloss of the prediction's shape (np.ones_like("
                             "prediction) for a sum).")
        upstream = as_float_array(grad_output, "grad_output")
        check_grad_out(upstream, grad.shape, "The loss's backward")
        return grad * upstream
    if reduction == "mean":
        return grad / grad.size
    return grad


def mse_loss(prediction: np.ndarray, target: np.ndarray, reduction: str = "mean") -> Any:
    """Squared error ``(prediction - target)^2`` per entry, then its mean (the default).

    Args:
        prediction: any shape.
        target: the same shape.
        reduction: "mean" over every entry, "sum", or "none" (the per-entry array), as torch.

    Returns:
        a float ("mean", "sum") or an array of the prediction's shape ("none").

    Example:
        >>> mse_loss(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
        0.5
        >>> mse_loss(np.array([1.0, 3.0]), np.array([0.0, 3.0]), reduction="none")
        array([1., 0.])
    """
    reduction = check_loss_reduction(reduction)
    diff = prediction - target
    return _reduce_entries(diff * diff, reduction)


def mse_loss_backward(prediction: np.ndarray, target: np.ndarray, reduction: str = "mean",
                      grad_output: Any = None) -> np.ndarray:
    """dL/dprediction of :func:`mse_loss`: ``g_i * 2 (prediction_i - target_i)``.

    ``g_i = 1 / N`` for "mean" (N = all entries), 1 for "sum", and ``grad_output[i]``
    (dL/dloss_i, the prediction's shape) for "none".

    Example:
        >>> mse_loss_backward(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
        array([1., 0.])
    """
    reduction = check_loss_reduction(reduction)
    diff = prediction - target
    if reduction == "mean":
        return (2.0 / diff.size) * diff
    return _entry_grad(2.0 * diff, reduction, grad_output)


def binary_cross_entropy_with_logits(logits: np.ndarray, targets: np.ndarray,
                                     reduction: str = "mean", weight: Any = None,
                                     pos_weight: Any = None) -> Any:
    """``-w [p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]`` per entry, computed stably.

    With ``p = 1`` this is ``max(z, 0) - z y + log(1 + exp(-|z|))``: ``exp`` only sees
    non-positive numbers, so logits of +-1000 are fine. A ``pos_weight`` p adds
    ``(p - 1) y softplus(-z)`` (since ``-log sigmoid(z) = softplus(-z)``), as torch.

    Args:
        logits: any shape.
        targets: the same shape, values in [0, 1].
        reduction: "mean" over every entry, "sum", or "none" (the per-entry array).
        weight: None, or numbers >= 0 broadcast to the logits' shape: w, how much each
            entry counts.
        pos_weight: None, or numbers >= 0 broadcast along the last axis: p, how much the
            positive targets count (> 1 raises recall on a rare positive class).

    Returns:
        a float ("mean", "sum") or an array of the logits' shape ("none").

    Example:
        >>> round(binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])), 4)
        0.6931
        >>> round(binary_cross_entropy_with_logits(np.zeros(2), np.array([1.0, 0.0]),
        ...                                        reduction="sum", pos_weight=3.0), 4)
        2.7726
    """
    reduction = check_loss_reduction(reduction)
    per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    if pos_weight is not None:
        p = check_broadcast_weight(pos_weight, logits.shape, "pos_weight")
        softplus_minus_z = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))
        per_entry = per_entry + (p - 1.0) * targets * softplus_minus_z
    if weight is not None:
        per_entry = per_entry * check_broadcast_weight(weight, logits.shape, "weight")
    return _reduce_entries(per_entry, reduction)


def binary_cross_entropy_with_logits_backward(logits: np.ndarray, targets: np.ndarray,
                                              reduction: str = "mean", weight: Any = None,
                                              pos_weight: Any = None,
                                              grad_output: Any = None) -> np.ndarray:
    """dL/dlogits: ``g_i w_i [sigmoid(z_i) - y_i + (p - 1) y_i (sigmoid(z_i) - 1)]``.

    Without weights this is ``(sigmoid(z) - y) / N`` for "mean"; ``g_i`` is 1/N ("mean"),
    1 ("sum") or ``grad_output[i]`` ("none", the logits' shape).

    Example:
        >>> binary_cross_entropy_with_logits_backward(np.array([0.0]), np.array([1.0]))
        array([-0.5])
    """
    reduction = check_loss_reduction(reduction)
    probability = sigmoid(logits)
    grad = probability - targets
    if pos_weight is not None:
        p = check_broadcast_weight(pos_weight, logits.shape, "pos_weight")
        grad = grad + (p - 1.0) * targets * (probability - 1.0)
    if weight is not None:
        grad = grad * check_broadcast_weight(weight, logits.shape, "weight")
    return _entry_grad(grad, reduction, grad_output)


def _check_logits(logits: np.ndarray) -> None:
    if logits.ndim != 2:
        raise ValueError(f"Cross-entropy expects logits of shape (batch, classes); got "
                         f"{logits.shape}." + (" Add a batch dimension with logits[None]."
                                              if logits.ndim == 1 else ""))
    check_batch(logits, "Cross-entropy: logits")  # a mean over 0 rows is NaN


def _target_probabilities(
        logits: np.ndarray, targets: Any, label_smoothing: float = 0.0,
        ignore_index: int = -100) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(class indices or None, target distribution or None) after validation.

    Integer targets of shape (B,) stay indices; ``ignore_index`` entries are allowed (and
    left to the caller to mask). (B, C) float targets are one-hot rows or class
    probabilities (with ``label_smoothing`` mixed in).
    """
    targets = np.asarray(targets)
    batch, classes = logits.shape
    if targets.ndim == 1 and targets.dtype.kind in "iu":
        if targets.shape[0] != batch:
            raise ValueError(f"Cross-entropy: {batch} rows of logits but {targets.shape[0]} "
                             f"targets. Pass one class index per row.")
        kept = targets[targets != ignore_index]
        if kept.size and (kept.min() < 0 or kept.max() >= classes):
            bad = kept[(kept < 0) | (kept >= classes)]
            raise ValueError(f"Cross-entropy: class indices must be in [0, {classes - 1}] for "
                             f"{classes} classes; got {bad[:5].tolist()}. Check the labels or "
                             f"the output layer's out_features.")
        return targets, None
    if targets.ndim == 2 and targets.shape == (batch, 1) and classes > 1 \
            and targets.dtype.kind in "iu":
        raise ValueError(f"Cross-entropy: class-index targets must have shape ({batch},); got "
                         f"{targets.shape}. Flatten them with targets.ravel().")
    if targets.ndim == 2:
        probs = as_float_array(targets, "targets")
        if probs.shape != logits.shape:
            raise ValueError(f"Cross-entropy: one-hot/probability targets must have the "
                             f"logits' shape {logits.shape}; got {probs.shape}.")
        if label_smoothing:
            probs = probs * (1.0 - label_smoothing) + label_smoothing / classes
        return None, probs
    if targets.ndim == 1 and targets.dtype.kind in "fb":
        raise TypeError(f"Cross-entropy: class-index targets must be integers; got dtype "
                        f"{targets.dtype}. Convert them with targets.astype(np.int64), or "
                        f"pass one-hot targets of shape {logits.shape}.")
    raise ValueError(f"Cross-entropy: targets must be class indices of shape ({batch},) or "
                     f"one-hot rows of shape {logits.shape}; got shape {targets.shape} and "
                     f"dtype {targets.dtype}.")


def _weighted_targets(logits: np.ndarray, targets: Any, label_smoothing: float,
                      weight: Any, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """``(A, d)``: A (B, C) = class weight * target distribution, d (B,) the mean's shares.

    For class indices y_b: ``t_b = (1 - eps) onehot(y_b) + eps / C``, ``A_bc = w_c t_bc``,
    ``d_b = w[y_b]``; a sample whose target is ``ignore_index`` has ``A_b = 0`` and ``d_b = 0``.
    For probability rows p_b: ``t_b = (1 - eps) p_b + eps / C`` and ``d_b = 1`` (as torch).
    """
    batch, classes = logits.shape
    w = np.ones(classes) if weight is None else check_class_weight(weight, classes)
    indices, probs = _target_probabilities(logits, targets, label_smoothing, ignore_index)
    if indices is None:
        assert probs is not None                # the other of the pair is always given
        return probs * w, np.ones(batch)                                        # (B, C), (B,)
    kept = indices != ignore_index                                              # (B,) bool
    safe = np.where(kept, indices, 0)                                           # any valid column
    distribution = np.full(logits.shape, label_smoothing / classes)             # (B, C)
    distribution[np.arange(batch), safe] += 1.0 - label_smoothing
    distribution *= kept[:, None]                                               # ignored rows: 0
    return distribution * w, np.where(kept, w[safe], 0.0)


def _reduce(per_sample: np.ndarray, shares: np.ndarray, reduction: str) -> Any:
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return float(np.sum(per_sample))
    with np.errstate(invalid="ignore", divide="ignore"):   # every target ignored: NaN, as torch
        return float(np.sum(per_sample) / np.sum(shares))


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray,
                          label_smoothing: float = 0.0, weight: Any = None,
                          ignore_index: int = -100, reduction: str = "mean") -> Any:
    """Cross-entropy of softmax(logits) against the targets, as ``torch.nn.CrossEntropyLoss``.

    Per sample: ``loss_b = -sum_c A_bc log softmax(z_b)_c`` with ``A_bc = w_c t_bc`` (class
    weight times the target distribution, label smoothing mixed in; 0 for a target equal to
    ``ignore_index``). ``reduction="mean"`` returns ``sum_b loss_b / sum_b d_b`` where ``d_b``
    is the weight of sample b's class (so without weights: the mean over the samples not
    ignored; for probability rows ``d_b = 1``); ``"sum"`` returns ``sum_b loss_b``; ``"none"``
    the (B,) array of ``loss_b``.

    Args:
        logits: (B, C) raw scores.
        targets: (B,) integer class indices, or (B, C) one-hot / probability rows.
        label_smoothing: mix the targets with the uniform distribution (as torch).
        weight: None, or (C,) numbers >= 0: how much each class counts.
        ignore_index: a class-index target with this value contributes nothing (index
            targets only).
        reduction: "mean", "sum" or "none".

    Returns:
        a float ("mean", "sum"; NaN when every target is ignored, as torch) or a (B,) array.

    Example:
        >>> round(softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1])), 4)
        0.6931
        >>> softmax_cross_entropy(np.zeros((2, 2)), np.array([1, -100]), reduction="none")
        array([0.69314718, 0.        ])
    """
    ignore_index, reduction = check_cross_entropy_options(ignore_index, reduction)
    logits = as_input(logits, "logits")
    _check_logits(logits)
    weighted, shares = _weighted_targets(logits, targets, label_smoothing, weight, ignore_index)
    log_p = log_softmax(logits, axis=1)                    # (B, C), stable for any logit size
    # a class with no target mass adds exactly 0, even where log p is -inf: (B, C) -> (B,)
    per_sample = np.sum(np.where(weighted != 0, -weighted * log_p, 0.0), axis=1)
    return _reduce(per_sample, shares, reduction)


def softmax_cross_entropy_backward(logits: np.ndarray, targets: np.ndarray,
                                   label_smoothing: float = 0.0, weight: Any = None,
                                   ignore_index: int = -100, reduction: str = "mean",
                                   grad_output: Any = None) -> np.ndarray:
    """dL/dlogits: ``g_b * (softmax(z_b) * sum_c A_bc - A_b)``, A as :func:`softmax_cross_entropy`.

    ``g_b = 1 / sum_d d_d`` for "mean" (so ``(softmax - onehot) / B`` without weights),
    1 for "sum", and ``grad_output[b]`` (dL/dloss_b, shape (B,)) for "none".

    Example:
        >>> softmax_cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1]))
        array([[ 0.5, -0.5]])
    """
    ignore_index, reduction = check_cross_entropy_options(ignore_index, reduction)
    logits = as_input(logits, "logits")
    _check_logits(logits)
    weighted, shares = _weighted_targets(logits, targets, label_smoothing, weight, ignore_index)
    # d loss_b / d z_bj = softmax_bj * sum_c A_bc - A_bj    (B, C)
    grad = softmax(logits, axis=1) * weighted.sum(axis=1, keepdims=True) - weighted
    if reduction == "none":
        if grad_output is None:
            raise ValueError("reduction='none' returns one loss per sample; its backward "
                             "needs grad_output, dL/dloss of shape (B,) (np.ones(B) for a sum).")
        upstream = as_float_array(grad_output, "grad_output", ndim=1)
        if upstream.shape != (logits.shape[0],):
            raise ValueError(f"grad_output must have shape ({logits.shape[0]},), one value per "
                             f"sample; got {upstream.shape}.")
        return grad * upstream[:, None]
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: NaN
            grad = grad / np.sum(shares)
    return grad


class _Loss:
    """Shared ``__call__`` (= forward) and the backward-before-forward guard."""

    def __call__(self, prediction: np.ndarray, target: np.ndarray) -> float:
        return self.forward(prediction, target)

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def _require_forward(self) -> None:
        if getattr(self, "_saved", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward. "
                               f"Compute the loss first: loss = loss_fn.forward(prediction, "
                               f"target).")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    """Mean squared error for regression.

    Args:
        reduction: "mean" (default), "sum" or "none" (one loss per entry;
            ``backward(grad_output)`` then takes dL/dloss of the prediction's shape).

    Example:
        >>> loss_fn = MSELoss()
        >>> loss_fn.forward(np.array([[1.0], [3.0]]), np.array([[0.0], [3.0]]))
        0.5
        >>> loss_fn.backward()
        array([[1.],
               [0.]])
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        self.reduction = check_loss_reduction(reduction)

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> Any:
        prediction = as_input(prediction, "prediction")
        target = _float_target(prediction, target, "MSELoss")
        self._saved = (prediction, target)
        return mse_loss(prediction, target, reduction=self.reduction)

    def backward(self, grad_output: Any = None) -> np.ndarray:
        self._require_forward()
        return mse_loss_backward(*self._saved, reduction=self.reduction,
                                 grad_output=grad_output)

    def __repr__(self) -> str:
        return "MSELoss()" if self.reduction == "mean" else \
            f"MSELoss(reduction={self.reduction!r})"


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid folded in, stable for any logit size).

    Targets are 0/1 (or probabilities in [0, 1]) with the logits' shape.

    Args:
        weight: None, or numbers >= 0 that broadcast to the logits: how much each entry counts.
        reduction: "mean" (default), "sum" or "none" (one loss per entry;
            ``backward(grad_output)`` then takes dL/dloss of the logits' shape).
        pos_weight: None, or numbers >= 0 along the last axis: how much positive targets
            count (about negatives / positives for a rare positive class).

    Example:
        >>> loss_fn = BCEWithLogitsLoss()
        >>> round(loss_fn.forward(np.array([[1000.0], [-1000.0]]), np.array([[1.0], [0.0]])), 4)
        0.0
    """

    def __init__(self, weight: Any = None, *, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        self.weight = None if weight is None else as_float_array(weight, "weight")
        self.reduction = check_loss_reduction(reduction)
        self.pos_weight = None if pos_weight is None else as_float_array(pos_weight,
                                                                         "pos_weight")

    def _options(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "weight": self.weight,
                "pos_weight": self.pos_weight}

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> Any:
        prediction = as_input(prediction, "prediction")
        target = _float_target(prediction, target, "BCEWithLogitsLoss")
        if target.size and (target.min() < 0 or target.max() > 1):
            raise ValueError(f"BCEWithLogitsLoss: targets must be in [0, 1] (class 0 or 1, or "
                             f"a probability); got values in [{target.min()}, {target.max()}].")
        self._saved = (prediction, target)
        return binary_cross_entropy_with_logits(prediction, target, **self._options())

    def backward(self, grad_output: Any = None) -> np.ndarray:
        self._require_forward()
        return binary_cross_entropy_with_logits_backward(*self._saved, **self._options(),
                                                         grad_output=grad_output)

    def __repr__(self) -> str:
        extra = [f"{k}={v.tolist() if isinstance(v, np.ndarray) else v!r}"
                 for k, v in self._options().items()
                 if v is not None and not (k == "reduction" and v == "mean")]
        return f"BCEWithLogitsLoss({', '.join(extra)})"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, as ``torch.nn.CrossEntropyLoss``.

    Args:
        weight: None, or (C,) numbers >= 0: how much each class counts (rare classes up).
        ignore_index: class-index targets equal to it count for nothing (e.g. padding).
        reduction: "mean" (weighted mean over the samples not ignored), "sum" or "none"
            (one loss per sample; ``backward(grad_output)`` then takes dL/dloss, (B,)).
        label_smoothing: in [0, 1); spreads that much target mass uniformly over classes.

    Targets: (B,) integer class indices, or (B, C) one-hot / probability rows.

    Example:
        >>> loss_fn = CrossEntropyLoss()
        >>> round(loss_fn.forward(np.array([[0.0, 0.0]]), np.array([0])), 4)
        0.6931
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        if weight is not None and np.ndim(weight) == 0:     # CrossEntropyLoss(0.1) as before
            raise TypeError(f"weight must be None or one number per class; got {weight!r}. "
                            "For label smoothing write CrossEntropyLoss(label_smoothing=...).")
        self.weight = None if weight is None else as_float_array(weight, "weight", ndim=1)
        self.ignore_index, self.reduction = check_cross_entropy_options(ignore_index, reduction)
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", 0, 1,
                                            high_open=True, hint="A typical value is 0.1.")

    def _options(self) -> dict[str, Any]:
        return {"label_smoothing": self.label_smoothing, "weight": self.weight,
                "ignore_index": self.ignore_index, "reduction": self.reduction}

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> Any:
        logits = as_input(prediction, "logits")
        self._saved = (logits, target)
        return softmax_cross_entropy(logits, target, **self._options())

    def backward(self, grad_output: Any = None) -> np.ndarray:
        self._require_forward()
        logits, target = self._saved
        return softmax_cross_entropy_backward(logits, target, **self._options(),
                                              grad_output=grad_output)

    def __repr__(self) -> str:
        extra = "" if self.weight is None else f"weight={self.weight.tolist()}, "
        extra += "" if self.ignore_index == -100 else f"ignore_index={self.ignore_index}, "
        extra += "" if self.reduction == "mean" else f"reduction={self.reduction!r}, "
        return f"CrossEntropyLoss({extra}label_smoothing={self.label_smoothing})"


def _weights(parameters: Iterable[Any]) -> list[Any]:
    params = list(parameters.parameters() if hasattr(parameters, "parameters") else parameters)
    for p in params:
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"Penalties take Parameters (model.parameters()); got "
                            f"{type(p).__name__}.")
    return params


def _check_strength(strength: Any) -> float:
    return check_number(strength, "strength", 0, hint="Use 0 for no penalty, e.g. 1e-4.")


def l2_penalty(parameters: Iterable[Any], strength: float) -> float:
    """``strength / 2 * sum ||w||^2`` over ``parameters`` (so the gradient is ``strength * w``).

    Args:
        parameters: Parameters (e.g. ``model.parameters()``; filter out biases if you wish),
            or a model.
        strength: lambda >= 0.

    Example:
        >>> from nncourse.numpy.module import Parameter
        >>> l2_penalty([Parameter(np.array([3.0, 4.0]))], 0.1)
        1.25
    """
    s = _check_strength(strength)
    return 0.5 * s * float(sum(np.sum(p.data * p.data) for p in _weights(parameters)))


def l2_penalty_grad(parameters: Iterable[Any], strength: float) -> list[np.ndarray]:
    """Gradients of :func:`l2_penalty`, one array per parameter: ``strength * w``."""
    s = _check_strength(strength)
    return [s * p.data for p in _weights(parameters)]


def add_l2_penalty_grad(parameters: Iterable[Any], strength: float) -> None:
    """Add ``strength * w`` to each ``p.grad`` in place (call after backward, before step)."""
    s = _check_strength(strength)
    for p in _weights(parameters):
        p.grad += s * p.data


def l1_penalty(parameters: Iterable[Any], strength: float) -> float:
    """``strength * sum |w|`` over ``parameters``.

    Example:
        >>> from nncourse.numpy.module import Parameter
        >>> l1_penalty([Parameter(np.array([3.0, -4.0]))], 0.1)
        0.7000000000000001
    """
    s = _check_strength(strength)
    return s * float(sum(np.sum(np.abs(p.data)) for p in _weights(parameters)))


def l1_penalty_grad(parameters: Iterable[Any], strength: float) -> list[np.ndarray]:
    """(Sub)gradients of :func:`l1_penalty`: ``strength * sign(w)`` (0 at w = 0)."""
    s = _check_strength(strength)
    return [s * np.sign(p.data) for p in _weights(parameters)]


def add_l1_penalty_grad(parameters: Iterable[Any], strength: float) -> None:
    """Add ``strength * sign(w)`` to each ``p.grad`` in place."""
    s = _check_strength(strength)
    for p in _weights(parameters):
        p.grad += s * np.sign(p.data)
