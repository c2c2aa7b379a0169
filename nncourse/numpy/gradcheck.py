"""Gradient checking: compare a hand-written backward pass with finite differences.

The central difference ``(f(x + h) - f(x - h)) / 2h`` has error O(h^2); in float64
with ``h = 1e-6`` a correct backward pass agrees to a relative error around 1e-9,
while a wrong one is off by 1e-2 or more. Float32 is far too coarse for this
(its rounding error alone is ~1e-7 / h), so float32 input is refused.

Where the true gradient is 0 (the bias before a batch norm, a dead unit), the relative
error is meaningless: both gradients are round-off and their relative difference is ~1.
So the checks combine two tests (:func:`gradient_error`): the relative error where
the gradient is large, the absolute error ``max|analytic - numerical|`` where it is near 0,
and say which one decided. The round-off of a finite difference grows with the loss: each
evaluation of ``f`` is exact to about ``eps * |f|`` (``eps = 2.2e-16``), so the difference
quotient carries ``eps * |f| / h``. The absolute tolerance therefore grows with it:

    atol_used = max(atol, ROUNDOFF_FACTOR * eps * loss_scale / h)

with ``loss_scale`` the largest ``|f|`` met while differentiating. Exactly this passes: a
check whose error ``max|a - n| / max(max(|a| + |n|), atol_used / rtol)`` is below ``rtol``.
A true zero gradient (``a = 0``) thus passes whenever the finite difference's noise is below
``atol_used``: for a bias behind ``BatchNorm1d(64)`` at batch 128 (``|f|`` about 200) the
noise is ~3e-8 and ``atol_used`` ~7e-7, while ``ATOL = 1e-8`` alone would fail it.

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

__all__ = ["numerical_gradient", "relative_error", "GradientError", "gradient_error",
           "roundoff_atol", "check_gradients", "check_layer_gradients"]

_TINY = 1e-300
#: Relative error below which a gradient passes (float64, h = 1e-6).
RTOL = 1e-7
#: Smallest absolute error below which a gradient that is ~0 passes (for a loss of size ~1).
ATOL = 1e-8
#: The absolute tolerance is at least this many times ``eps * loss_scale / h``: the measured
#: round-off of a central difference is up to about one such unit.
ROUNDOFF_FACTOR = 16.0
_EPS = float(np.finfo(np.float64).eps)


def _require_float64(x: Any, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array (it is perturbed in place); got "
                        f"{type(x).__name__}. Use np.asarray({name}, dtype=np.float64).")
    if not x.flags.writeable:
        raise ValueError(f"{name} is read-only, but the check perturbs it in place; pass a "
                         f"writable copy, {name}.copy().")
    if x.dtype != np.float64:
        raise TypeError(f"Gradient checks need float64: {name} has dtype {x.dtype}, whose "
                        f"rounding error swamps the finite difference. Convert with "
                        f"{name}.astype(np.float64) (and the layer's parameters too).")
    return x


def numerical_gradient(f: Callable[..., float], x: np.ndarray,
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
    return _numerical_gradient(f, x, h)[0]


def _numerical_gradient(f: Callable[..., float], x: np.ndarray,
                        h: float) -> tuple[np.ndarray, float]:
    """:func:`numerical_gradient` and the largest ``|f|`` met (the loss scale of its round-off)."""
    _require_float64(x, "x")
    if not h > 0:
        raise ValueError(f"h must be > 0; got {h!r}. A step around 1e-6 suits float64.")
    try:
        takes_argument = len(inspect.signature(f).parameters) > 0
    except (TypeError, ValueError):
        takes_argument = True

    def evaluate() -> float:
        return float(f(x) if takes_argument else f())

    grad = np.zeros_like(x)
    loss_scale, changed = 0.0, x.size == 0
    for index in np.ndindex(x.shape):  # every entry, whatever the memory layout
        old = x[index]
        x[index] = old + h
        plus = evaluate()
        x[index] = old - h
        minus = evaluate()
        x[index] = old  # restore exactly
        grad[index] = (plus - minus) / (2 * h)
        loss_scale = max(loss_scale, abs(plus), abs(minus))
        changed = changed or plus != minus
    if not takes_argument and not changed and x.size > 1:
        # f() reads some array; if x is a copy of it (x.T.copy(), np.ascontiguousarray(w.T),
        # w.astype(...)), nudging x changes nothing and every gradient would silently be 0.
        raise ValueError(
            "f() did not change at all when any entry of x was nudged: f does not read x. "
            "Pass the very array f reads (a view such as w.T is fine, a copy is not), or "
            "write f to take x as its argument.")
    return grad, loss_scale


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


class GradientError(float):
    """A gradient check's error that knows which test decided it.

    It is a float: below ``rtol`` means pass.

    Attributes:
        relative: :func:`relative_error` of the two gradients.
        absolute: ``max|analytic - numerical|``.
        scale: ``max(|analytic| + |numerical|)``, the size of the gradient.
        test: "relative" (the gradient is large enough for a relative comparison) or
            "absolute" (it is near 0: ``scale < atol / rtol``).
        rtol, atol: the tolerances.
    """

    relative: float
    absolute: float
    scale: float
    test: str
    rtol: float
    atol: float

    @property
    def passed(self) -> bool:
        return float(self) < self.rtol

    def describe(self) -> str:
        """One sentence: passed or failed, by which test, with the numbers."""
        verdict = "passed" if self.passed else "FAILED"
        if self.test == "relative":
            return (f"{verdict} the relative test: relative error {self.relative:.1e} "
                    f"(tolerance {self.rtol:.0e}).")
        return (f"{verdict} the absolute test: the gradient is ~0 (size {self.scale:.1e}), so "
                f"the relative error ({self.relative:.1e}) is round-off; absolute error "
                f"{self.absolute:.1e} (tolerance {self.atol:.0e}).")


def gradient_error(analytic: np.ndarray, numerical: np.ndarray, rtol: float = RTOL,
                   atol: float = ATOL) -> GradientError:
    """Combined relative/absolute error: ``max|a - n| / max(max(|a| + |n|), atol / rtol)``.

    Where the gradient is large this is :func:`relative_error`; where it is smaller than
    ``atol / rtol`` the denominator stops shrinking, so the value is below ``rtol`` exactly
    when ``max|a - n| < atol``. A true gradient of 0 therefore passes instead of showing a
    relative error of ~1 between two round-off values.

    Example:
        >>> e = gradient_error(np.zeros(3), np.array([1e-11, -2e-11, 0.0]))
        >>> e.passed, e.test
        (True, 'absolute')
    """
    a, b = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    relative = relative_error(a, b)
    absolute = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = float(np.max(np.abs(a) + np.abs(b))) if a.size else 0.0
    floor = atol / rtol
    error = GradientError(absolute / max(scale, floor))
    error.relative, error.absolute, error.scale = relative, absolute, scale
    error.test = "relative" if scale >= floor else "absolute"
    error.rtol, error.atol = rtol, atol
    return error


def roundoff_atol(loss_scale: float, h: float, atol: float = ATOL) -> float:
    """The absolute tolerance used: ``max(atol, ROUNDOFF_FACTOR * eps * loss_scale / h)``.

    Example:
        >>> roundoff_atol(1.0, 1e-6) == ATOL           # a loss of size 1: the floor
        True
    """
    return max(float(atol), ROUNDOFF_FACTOR * _EPS * float(loss_scale) / float(h))


def check_gradients(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray,
                    h: float = 1e-6, rtol: float = RTOL, atol: float = ATOL) -> GradientError:
    """:func:`gradient_error` between ``analytic`` and the numerical gradient of ``f`` at ``x``.

    The absolute test uses :func:`roundoff_atol` of the largest ``|f|`` met, so the
    tolerance for a gradient that is ~0 grows with the loss's round-off.

    Args:
        f: scalar function of ``x`` (or of nothing, reading ``x`` itself).
        x: float64 array, nudged in place.
        analytic: the gradient to check, ``x``'s shape.
        h: finite-difference step.
        rtol: relative tolerance (the pass mark of the returned float).
        atol: the absolute tolerance's floor.

    Returns:
        a :class:`GradientError` (a float; below ``rtol`` is a pass; ``.describe()`` says
        which test decided).

    Example:
        >>> x = np.array([1.0, -2.0])
        >>> check_gradients(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2) < 1e-8
        True
    """
    numerical, loss_scale = _numerical_gradient(f, x, h)
    return gradient_error(analytic, numerical, rtol, roundoff_atol(loss_scale, h, atol))


def check_layer_gradients(layer: Any, x: np.ndarray, seed: int = 0, h: float = 1e-6,
                          rtol: float = RTOL, atol: float = ATOL) -> dict[str, GradientError]:
    """Check a layer's backward pass (input and every parameter) against finite differences.

    The scalar loss is ``sum(layer(x) * R)`` with a fixed random ``R``, so every output
    entry matters with its own weight and ``dL/dout = R``.

    Args:
        layer: a Module with ``forward``/``backward`` (deterministic forward: e.g. Dropout
            must be in eval mode or checked through its pure functions).
        x: float64 input.
        seed: for ``R``.
        h: finite-difference step.
        rtol: relative tolerance.
        atol: the absolute tolerance's floor; the one used grows with the loss
            (:func:`roundoff_atol`), so a true zero gradient behind a batch norm passes.

    Returns:
        ``{"input": err, "<param name>": err, ...}``, each a :class:`GradientError`
        (good: < ``rtol``; the relative error, or the absolute one for a gradient that is ~0).

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

    errors = {"input": check_gradients(lambda _: loss(), x, grad_x, h, rtol, atol)}
    for name, p in params.items():
        errors[name] = check_gradients(lambda _: loss(), p.data, analytic[name], h, rtol, atol)
    return errors
