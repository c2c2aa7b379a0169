"""Loss functions (mean over the batch) and their gradients, plus L1/L2 penalties.

Each loss class has ``forward(prediction, target) -> float`` and ``backward() ->
dL/dprediction`` (same shape as ``prediction``), mirroring ``torch.nn`` with the
default ``reduction="mean"``. The math is in pure functions that exercises target.

Classification losses take *logits* (raw scores) and fold the sigmoid/softmax
into the loss with the log-sum-exp trick, so logits of +-1000 give finite losses
and gradients.

Penalty convention: ``l2_penalty = strength / 2 * sum ||w||^2`` so that its gradient
is ``strength * w`` (what ``weight_decay`` adds in SGD); ``l1_penalty = strength *
sum |w|`` with gradient ``strength * sign(w)``.

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

from nncourse._checks import as_float_array, as_input, check_batch, check_number
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


def mse_loss(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error ``mean((prediction - target)^2)`` over every entry.

    Example:
        >>> mse_loss(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
        0.5
    """
    diff = prediction - target
    return float(np.mean(diff * diff))


def mse_loss_backward(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """dL/dprediction of :func:`mse_loss`: ``2 (prediction - target) / N`` (N = all entries).

    Example:
        >>> mse_loss_backward(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
        array([1., 0.])
    """
    return (2.0 / prediction.size) * (prediction - target)


def binary_cross_entropy_with_logits(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean of ``-[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]``, computed stably.

    Uses the identity ``loss = max(z, 0) - z y + log(1 + exp(-|z|))``: ``exp`` only sees
    non-positive numbers, so logits of +-1000 are fine.

    Example:
        >>> round(binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])), 4)
        0.6931
    """
    per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    return float(np.mean(per_entry))


def binary_cross_entropy_with_logits_backward(logits: np.ndarray,
                                              targets: np.ndarray) -> np.ndarray:
    """dL/dlogits of the mean BCE-with-logits: ``(sigmoid(z) - y) / N``.

    Example:
        >>> binary_cross_entropy_with_logits_backward(np.array([0.0]), np.array([1.0]))
        array([-0.5])
    """
    return (sigmoid(logits) - targets) / logits.size


def _check_logits(logits: np.ndarray) -> None:
    if logits.ndim != 2:
        raise ValueError(f"Cross-entropy expects logits of shape (batch, classes); got "
                         f"{logits.shape}." + (" Add a batch dimension with logits[None]."
                                              if logits.ndim == 1 else ""))
    check_batch(logits, "Cross-entropy: logits")  # a mean over 0 rows is NaN


def _target_probabilities(
        logits: np.ndarray, targets: Any,
        label_smoothing: float = 0.0) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(class indices or None, target distribution or None) after validation.

    Integer targets of shape (B,) stay indices (fast path); (B, C) float targets are
    one-hot rows or class probabilities.
    """
    targets = np.asarray(targets)
    batch, classes = logits.shape
    if targets.ndim == 1 and targets.dtype.kind in "iu":
        if targets.shape[0] != batch:
            raise ValueError(f"Cross-entropy: {batch} rows of logits but {targets.shape[0]} "
                             f"targets. Pass one class index per row.")
        if targets.size and (targets.min() < 0 or targets.max() >= classes):
            bad = targets[(targets < 0) | (targets >= classes)]
            raise ValueError(f"Cross-entropy: class indices must be in [0, {classes - 1}] for "
                             f"{classes} classes; got {bad[:5].tolist()}. Check the labels or "
                             f"the output layer's out_features.")
        if label_smoothing == 0:
            return targets, None
        probs = np.full(logits.shape, label_smoothing / classes, dtype=logits.dtype)
        probs[np.arange(batch), targets] += 1.0 - label_smoothing
        return None, probs
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


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray,
                          label_smoothing: float = 0.0) -> float:
    """Mean of ``-log softmax(logits)[target]`` (or ``-sum(p * log softmax)`` for rows p).

    Args:
        logits: (B, C) raw scores.
        targets: (B,) integer class indices, or (B, C) one-hot / probability rows.
        label_smoothing: mix the targets with the uniform distribution (as torch).

    Returns:
        the mean loss over the batch.

    Example:
        >>> round(softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1])), 4)
        0.6931
    """
    logits = as_input(logits, "logits")
    _check_logits(logits)
    indices, probs = _target_probabilities(logits, targets, label_smoothing)
    log_p = log_softmax(logits, axis=1)  # (B, C), stable for any logit size
    if indices is not None:
        return float(-np.mean(log_p[np.arange(len(indices)), indices]))
    return float(-np.sum(probs * log_p) / logits.shape[0])


def softmax_cross_entropy_backward(logits: np.ndarray, targets: np.ndarray,
                                   label_smoothing: float = 0.0) -> np.ndarray:
    """dL/dlogits of the mean cross-entropy: ``(softmax(logits) - onehot) / B``.

    Example:
        >>> softmax_cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1]))
        array([[ 0.5, -0.5]])
    """
    logits = as_input(logits, "logits")
    _check_logits(logits)
    indices, probs = _target_probabilities(logits, targets, label_smoothing)
    grad = softmax(logits, axis=1)  # (B, C), a new array we may modify
    if indices is not None:
        grad[np.arange(len(indices)), indices] -= 1.0
    else:
        grad -= probs
    grad /= logits.shape[0]
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

    Example:
        >>> loss_fn = MSELoss()
        >>> loss_fn.forward(np.array([[1.0], [3.0]]), np.array([[0.0], [3.0]]))
        0.5
        >>> loss_fn.backward()
        array([[1.],
               [0.]])
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        prediction = as_input(prediction, "prediction")
        target = _float_target(prediction, target, "MSELoss")
        self._saved = (prediction, target)
        return mse_loss(prediction, target)

    def backward(self) -> np.ndarray:
        self._require_forward()
        return mse_loss_backward(*self._saved)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid folded in, stable for any logit size).

    Targets are 0/1 (or probabilities in [0, 1]) with the logits' shape.

    Example:
        >>> loss_fn = BCEWithLogitsLoss()
        >>> round(loss_fn.forward(np.array([[1000.0], [-1000.0]]), np.array([[1.0], [0.0]])), 4)
        0.0
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        prediction = as_input(prediction, "prediction")
        target = _float_target(prediction, target, "BCEWithLogitsLoss")
        if target.size and (target.min() < 0 or target.max() > 1):
            raise ValueError(f"BCEWithLogitsLoss: targets must be in [0, 1] (class 0 or 1, or "
                             f"a probability); got values in [{target.min()}, {target.max()}].")
        self._saved = (prediction, target)
        return binary_cross_entropy_with_logits(prediction, target)

    def backward(self) -> np.ndarray:
        self._require_forward()
        return binary_cross_entropy_with_logits_backward(*self._saved)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits, as ``torch.nn.CrossEntropyLoss`` (mean reduction).

    Args:
        label_smoothing: in [0, 1); spreads that much target mass uniformly over classes.

    Targets: (B,) integer class indices, or (B, C) one-hot / probability rows.

    Example:
        >>> loss_fn = CrossEntropyLoss()
        >>> round(loss_fn.forward(np.array([[0.0, 0.0]]), np.array([0])), 4)
        0.6931
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", 0, 1,
                                            high_open=True, hint="A typical value is 0.1.")

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        logits = as_input(prediction, "logits")
        self._saved = (logits, target)
        return softmax_cross_entropy(logits, target, self.label_smoothing)

    def backward(self) -> np.ndarray:
        self._require_forward()
        logits, target = self._saved
        return softmax_cross_entropy_backward(logits, target, self.label_smoothing)

    def __repr__(self) -> str:
        return f"CrossEntropyLoss(label_smoothing={self.label_smoothing})"


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
