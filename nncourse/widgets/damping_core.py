"""Momentum as a damped oscillator: convergence rates on a quadratic, no widgets needed.

Gradient descent with momentum (the library's ``SGD(momentum=beta)``: ``v <- beta v + g``,
``x <- x - lr v``) on :math:`f(x) = \\tfrac12 \\sum_i \\lambda_i x_i^2` moves every eigen-direction
on its own. With the gradient :math:`\\lambda x` the error obeys

.. math::

    x_{t+1} = (1 + \\beta - \\alpha\\lambda)\\, x_t - \\beta\\, x_{t-1},

so it shrinks per step by the larger root :math:`|z|` of
:math:`z^2 - (1 + \\beta - \\alpha\\lambda) z + \\beta = 0`. Complex roots
(:math:`|z| = \\sqrt\\beta`) mean the error oscillates (under-damped);
real roots, it creeps (over-damped); a double root
is critical damping, :math:`\\beta = (1 - \\sqrt{\\alpha\\lambda})^2`. The rate of the whole
problem is the slowest direction's. The damping explorer, the chapter's map and the
``optim.critical_momentum`` exercise all call these functions.

Example:
    >>> round(convergence_rate(0.4, 0.0, (0.2, 4.0)), 3)      # plain GD, slow direction
    0.92
    >>> lr, beta, rate = optimal_momentum((0.2, 4.0))
    >>> round(rate, 3)
    0.635
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nncourse._checks import check_positive

__all__ = ["CURVATURES", "direction_rates", "convergence_rate", "damping_map", "regime",
           "critical_momentum", "optimal_momentum", "best_plain_rate"]

#: The chapter's quadratic 0.1 x1^2 + 2 x2^2 = (0.2 x1^2 + 4 x2^2) / 2: curvatures 0.2 and 4.
CURVATURES = (0.2, 4.0)


def _curvatures(curvatures: Sequence[float]) -> np.ndarray:
    values = np.asarray([check_positive(c, "curvature") for c in curvatures], dtype=float)
    if values.size == 0:
        raise ValueError("curvatures is empty; pass the Hessian's eigenvalues, e.g. (0.2, 4.0).")
    return values


def direction_rates(lr: Any, momentum: Any, curvature: float) -> np.ndarray:
    """Per-step error factor ``max |z|`` of one eigen-direction, for arrays of lr and momentum.

    Args:
        lr: step size(s) alpha >= 0 (array-like, broadcast with ``momentum``).
        momentum: beta in [0, 1).
        curvature: the direction's eigenvalue lambda > 0.

    Returns:
        ``max |z|`` over the two roots of ``z^2 - (1 + beta - alpha lambda) z + beta``
        (>= 1: diverges).

    Example:
        >>> float(direction_rates(0.25, 0.0, 4.0))        # 1 - 0.25 * 4 = 0: one step
        0.0
    """
    alpha, beta = np.broadcast_arrays(np.asarray(lr, float), np.asarray(momentum, float))
    b = 1.0 + beta - alpha * curvature
    disc = b * b - 4.0 * beta
    root = np.sqrt(np.abs(disc))
    real = np.maximum(np.abs(b + root), np.abs(b - root)) / 2.0     # disc >= 0
    return np.where(disc >= 0, real, np.sqrt(beta))                # disc < 0: |z| = sqrt(beta)


def convergence_rate(lr: float, momentum: float, curvatures: Sequence[float] = CURVATURES) -> float:
    """The slowest direction's per-step factor: the error shrinks like rate**t.

    Example:
        >>> convergence_rate(0.6, 0.0, (0.2, 4.0)) > 1            # 0.6 * 4 > 2: diverges
        True
    """
    lams = _curvatures(curvatures)
    return float(max(float(direction_rates(lr, momentum, lam)) for lam in lams))


def damping_map(lrs: Any, momenta: Any, curvatures: Sequence[float] = CURVATURES) -> np.ndarray:
    """Convergence rate on a grid: rows are momenta, columns step sizes.

    Returns:
        (len(momenta), len(lrs)) array of rates (values >= 1 diverge).

    Example:
        >>> damping_map([0.1, 0.2], [0.0, 0.5, 0.9]).shape
        (3, 2)
    """
    lams = _curvatures(curvatures)
    alpha, beta = np.meshgrid(np.asarray(lrs, float), np.asarray(momenta, float))
    return np.max([direction_rates(alpha, beta, lam) for lam in lams], axis=0)


def critical_momentum(lr: float, curvature: float) -> float:
    """The momentum at which a direction is critically damped: (1 - sqrt(lr * curvature))^2.

    Example:
        >>> round(critical_momentum(0.2, 0.2), 2)
        0.64
    """
    check_positive(lr, "lr", allow_zero=True)
    return float((1.0 - np.sqrt(lr * check_positive(curvature, "curvature"))) ** 2)


def regime(lr: float, momentum: float, curvatures: Sequence[float] = CURVATURES) -> dict[str, Any]:
    """Which direction limits the rate, and whether it is over-, under- or critically damped.

    Returns:
        ``{"rate", "curvature" (the limiting one), "kind"}`` with kind one of "diverges",
        "underdamped" (complex roots: oscillates), "overdamped" (real roots), "critical".

    Example:
        >>> regime(0.4, 0.95)["kind"]
        'underdamped'
    """
    lams = _curvatures(curvatures)
    rates = [float(direction_rates(lr, momentum, lam)) for lam in lams]
    worst = int(np.argmax(rates))
    lam, rate = float(lams[worst]), rates[worst]
    b = 1.0 + momentum - lr * lam
    disc = b * b - 4.0 * momentum
    if rate >= 1.0:
        kind = "diverges"
    elif abs(disc) < 1e-9:
        kind = "critical"
    else:
        kind = "underdamped" if disc < 0 else "overdamped"
    return {"rate": rate, "curvature": lam, "kind": kind}


def optimal_momentum(curvatures: Sequence[float] = CURVATURES) -> tuple[float, float, float]:
    """The best (lr, momentum) and its rate for curvatures between mu and L (Polyak).

    .. math::

        \\alpha^* = \\Big(\\frac{2}{\\sqrt L + \\sqrt\\mu}\\Big)^2, \\quad
        \\beta^* = \\Big(\\frac{\\sqrt\\kappa - 1}{\\sqrt\\kappa + 1}\\Big)^2, \\quad
        \\text{rate} = \\frac{\\sqrt\\kappa - 1}{\\sqrt\\kappa + 1}, \\quad \\kappa = L / \\mu

    Example:
        >>> [round(v, 3) for v in optimal_momentum((1.0, 1.0))]
        [1.0, 0.0, 0.0]
    """
    lams = _curvatures(curvatures)
    mu, big = float(lams.min()), float(lams.max())
    root_kappa = np.sqrt(big / mu)
    rate = (root_kappa - 1.0) / (root_kappa + 1.0)
    return float((2.0 / (np.sqrt(big) + np.sqrt(mu))) ** 2), float(rate**2), float(rate)


def best_plain_rate(curvatures: Sequence[float] = CURVATURES) -> tuple[float, float]:
    """Plain gradient descent's best step 2 / (L + mu) and its rate (kappa - 1) / (kappa + 1).

    Example:
        >>> [round(v, 3) for v in best_plain_rate((0.2, 4.0))]
        [0.476, 0.905]
    """
    lams = _curvatures(curvatures)
    mu, big = float(lams.min()), float(lams.max())
    return 2.0 / (big + mu), (big - mu) / (big + mu)
