"""Gradient checking: compare a hand-written backward pass with finite differences.

The central difference ``(f(x + h) - f(x - h)) / 2h`` has error O(h^2); in float64
with ``h = 1e-6`` a correct backward pass agrees to a relative error around 1e-9,
while a wrong one is off by 1e-2 or more. Float32 is far too coarse for this
(its rounding error alone is ~1e-7 / h), so float32 input is refused.

Example:
    >>> from nncourse.numpy.layers import Linear
    >>> errors = check_layer_gradients(Linear(3, 2, seed=0), np.ones((4, 3)))
    >>> sorted(errors), all(e < 1e-7 for e in errors.values())
    (['bias', 'input', 'weight'], True)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradients", "check_layer_gradients"]

_TINY = 1e-300


def _require_float64(x: Any, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array (it is perturbed in place); got "
                        f"{type(x).__name__}. Use np.asarray({name}, dtype=np.float64).")
    if x.dtype != np.float64:
        raise TypeError(f"Gradient checks need float64: {name} has dtype {x.dtype}, whose "
                        f"rounding error swamps the finite difference. Convert with "
                        f"{name}.astype(np.float64) (and the layer's parameters too).")
    return x


def numerical_gradient(f: Callable[[], float] | Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Central-difference estimate of d f / d x, one entry at a time.

    Each entry of ``x`` is nudged in place by +-h, ``f`` is re-evaluated and the entry is
    restored, so ``f`` may read ``x`` directly (e.g. a layer's ``weight.data``).

    Args:
        f: scalar function; called as ``f(x)`` (or ``f()`` if it takes no argument).
        x: float64 array, modified temporarily and restored exactly.
        h: step size.

    Returns:
        an array of ``x``'s shape.

    Example:
        >>> x = np.array([1.0, 2.0])
        >>> np.round(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 6)
        array([2., 4.])
    """
    _require_float64(x, "x")
    if not h > 0:
        raise ValueError(f"h must be > 0; got {h!r}.")
    try:
        takes_argument = len(inspect.signature(f).parameters) > 0
    except (TypeError, ValueError):
        takes_argument = True

    def evaluate() -> float:
        return float(f(x) if takes_argument else f())

    grad = np.zeros_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so it can be perturbed in place; pass "
                         "np.ascontiguousarray(x).")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = evaluate()
        flat[i] = old - h
        minus = evaluate()
        flat[i] = old  # restore exactly
        grad_flat[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max|a - b| / max(|a| + |b|)``: scale-free, 0 when equal, tiny-guarded when both are 0.

    Example:
        >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
        0.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of the same shape; got {a.shape} and "
                         f"{b.shape}.")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), _TINY))


def check_gradients(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray,
                    h: float = 1e-6) -> float:
    """Relative error between ``analytic`` and the numerical gradient of ``f`` at ``x``.

    Example:
        >>> x = np.array([1.0, -2.0])
        >>> check_gradients(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2) < 1e-8
        True
    """
    return relative_error(analytic, numerical_gradient(f, x, h))


def check_layer_gradients(layer: Any, x: np.ndarray, seed: int = 0,
                          h: float = 1e-6) -> dict[str, float]:
    """Check a layer's backward pass (input and every parameter) against finite differences.

    The scalar loss is ``sum(layer(x) * R)`` with a fixed random ``R``, so every output
    entry matters with its own weight and ``dL/dout = R``.

    Args:
        layer: a Module with ``forward``/``backward`` (deterministic forward: e.g. Dropout
            must be in eval mode or checked through its pure functions).
        x: float64 input.
        seed: for ``R``.
        h: finite-difference step.

    Returns:
        ``{"input": err, "<param name>": err, ...}`` relative errors (good: < 1e-7).

    Example:
        >>> from nncourse.numpy.layers import Tanh
        >>> check_layer_gradients(Tanh(), np.linspace(-1, 1, 6).reshape(2, 3))["input"] < 1e-7
        True
    """
    x = np.array(_require_float64(x, "x"), copy=True)
    params = dict(layer.named_parameters())
    for name, p in params.items():
        _require_float64(p.data, f"parameter {name!r}")
    out = layer.forward(x)
    # A stream of its own: R must not equal an x drawn with the same seed (for batch norm,
    # R = x makes the true input gradient vanish and the check meaningless).
    projection = np.random.default_rng([seed, 7919]).normal(size=np.shape(out))
    grad_x = layer.backward(projection.copy())
    analytic = {name: np.array(p.grad, copy=True) for name, p in params.items()}

    def loss() -> float:
        return float(np.sum(layer.forward(x) * projection))

    errors = {"input": check_gradients(lambda _: loss(), x, grad_x, h)}
    for name, p in params.items():
        errors[name] = check_gradients(lambda _: loss(), p.data, analytic[name], h)
    return errors
