"""Helpers shared by the tests of nncourse.numpy (not a conftest: imported explicitly)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from nncourse.numpy.gradcheck import check_gradients

#: Settings for property tests: few examples (the suite shares 2 cores), no deadline.
PROPERTY = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

#: Gradient checks in float64 must agree to this relative error.
GRAD_TOL = 1e-7

batch_sizes = st.integers(min_value=2, max_value=6)
feature_sizes = st.integers(min_value=1, max_value=6)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def away_from_zero(shape: tuple[int, ...], seed: int, margin: float = 0.1) -> np.ndarray:
    """Random float64 values with |x| >= margin, so kinks (ReLU at 0) are never straddled."""
    rng = np.random.default_rng(seed)
    magnitude = rng.uniform(margin, 2.0, size=shape)
    return magnitude * rng.choice([-1.0, 1.0], size=shape)


def projection_check(forward: Callable[[np.ndarray], np.ndarray],
                     backward: Callable[[np.ndarray, np.ndarray], np.ndarray],
                     x: np.ndarray, seed: int = 0) -> float:
    """Relative error of ``backward(R, x)`` against d/dx sum(forward(x) * R) for a random R."""
    projection = np.random.default_rng([seed, 1]).normal(size=np.shape(forward(x)))
    analytic = backward(projection, x)
    return check_gradients(lambda v: float(np.sum(forward(v) * projection)), x, analytic)

