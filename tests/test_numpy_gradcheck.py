"""The gradient checker itself: it must find correct gradients correct and wrong ones wrong."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_numpy import PROPERTY, seeds
from hypothesis import given
from hypothesis import strategies as st

from nncourse.numpy.gradcheck import (
    check_gradients,
    check_layer_gradients,
    numerical_gradient,
    relative_error,
)
from nncourse.numpy.layers import Linear
from nncourse.numpy.module import Module, Parameter


@PROPERTY
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=seeds)
def test_numerical_gradient_of_known_functions(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    original = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x)
    np.testing.assert_allclose(grad, np.cos(original) * original + np.sin(original), atol=1e-8)
    np.testing.assert_array_equal(x, original)  # restored exactly


def test_functions_without_arguments_read_the_perturbed_array():
    w = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(w @ w), w)  # closes over w
    np.testing.assert_allclose(grad, 2 * w, rtol=1e-8)


def test_relative_error_properties():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # no division by zero
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(1e-9 * a, 1e-9 * a * (1 + 1e-3)) == pytest.approx(
        relative_error(a, a * (1 + 1e-3)))  # scale-free
    with pytest.raises(ValueError, match=r"same shape; got \(3,\) and \(2,\)"):
        relative_error(a, a[:2])


def test_check_gradients_separates_right_from_wrong():
    x = np.linspace(-1, 1, 5)
    assert check_gradients(lambda v: float(np.sum(v**3)), x, 3 * x**2) < 1e-8
    assert check_gradients(lambda v: float(np.sum(v**3)), x, 3 * x**2 + 0.01) > 1e-3


class _Scale(Module):
    """y = x * w with a deliberately wrong weight gradient (factor 2) when ``broken``."""

    def __init__(self, broken: bool) -> None:
        self.weight = Parameter(np.array([0.5, -1.5, 2.0]))
        self.broken = broken

    def forward(self, x):
        self.x = x
        return x * self.weight.data

    def backward(self, grad_out):
        self.weight.grad = (grad_out * self.x).sum(axis=0) * (2.0 if self.broken else 1.0)
        return grad_out * self.weight.data


def test_check_layer_gradients_names_each_parameter_and_catches_bugs():
    x = np.random.default_rng(0).normal(size=(4, 3))
    good = check_layer_gradients(_Scale(broken=False), x)
    bad = check_layer_gradients(_Scale(broken=True), x)
    assert set(good) == {"input", "weight"} and max(good.values()) < 1e-7
    assert bad["input"] < 1e-7 and bad["weight"] > 0.1


def test_float32_is_refused():
    with pytest.raises(TypeError, match=r"need float64: x has dtype float32.*astype\(np.float64"):
        numerical_gradient(lambda v: float(v.sum()), np.ones(3, dtype=np.float32))
    layer = Linear(3, 2, seed=0, dtype=np.float32)
    with pytest.raises(TypeError, match=r"parameter 'weight' has dtype float32"):
        check_layer_gradients(layer, np.ones((2, 3)))
    with pytest.raises(TypeError, match="must be a NumPy array"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(lambda v: 0.0, np.ones(2), h=0.0)


def test_a_true_gradient_of_zero_passes_by_the_absolute_test():
    """The bias before a batch norm has gradient exactly 0; round-off must not fail it."""
    from nncourse.numpy.gradcheck import gradient_error
    from nncourse.numpy.layers import BatchNorm1d, Sequential

    model = Sequential(Linear(3, 4, seed=0), BatchNorm1d(4))
    errors = check_layer_gradients(model, np.random.default_rng(1).normal(size=(6, 3)))
    assert errors["0.bias"].test == "absolute"
    assert errors["0.bias"] < 1e-7 and "passed the absolute test" in errors["0.bias"].describe()
    assert max(errors.values()) < 1e-7
    assert errors["0.weight"].test == "relative"
    # A real error near 0 still fails, and says which test failed.
    bad = gradient_error(np.zeros(3), np.array([0.0, 1e-6, 0.0]))
    assert not bad.passed and "FAILED the absolute test" in bad.describe()
    large = gradient_error(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    assert not large.passed and "FAILED the relative test" in large.describe()


def test_the_absolute_tolerance_grows_with_the_loss_behind_a_wide_batch_norm():
    """BatchNorm1d(64) at batch 128: the bias before it has gradient exactly 0, and the finite
    difference's round-off (~eps * |loss| / h, here 1e-8 to 3e-8) must not fail it."""
    from nncourse.numpy.gradcheck import ATOL, check_gradients, roundoff_atol
    from nncourse.numpy.layers import BatchNorm1d, Sequential

    for seed in (0, 1):
        model = Sequential(Linear(32, 64, seed=seed), BatchNorm1d(64))
        x = np.random.default_rng(seed).normal(size=(128, 32))
        projection = np.random.default_rng([seed, 7919]).normal(size=(128, 64))
        bias = dict(model.named_parameters())["0.bias"]

        def loss(_: np.ndarray, model=model, x=x, projection=projection) -> float:
            return float(np.sum(model.forward(x) * projection))

        error = check_gradients(loss, bias.data, np.zeros(64))
        assert error.test == "absolute" and error.passed, error.describe()
        assert error.atol > ATOL
        assert error.atol == pytest.approx(roundoff_atol(abs(loss(bias.data)), 1e-6), rel=1e-3)
        # ... and a wrong gradient of 1e-4 on one entry still fails
        wrong = np.zeros(64)
        wrong[3] = 1e-4
        assert not check_gradients(loss, bias.data, wrong).passed


def test_check_layer_gradients_takes_tolerances():
    from nncourse.numpy.layers import BatchNorm1d, Sequential

    model = Sequential(Linear(3, 4, seed=0), BatchNorm1d(4))
    x = np.random.default_rng(1).normal(size=(6, 3))
    errors = check_layer_gradients(model, x, atol=1e-3, rtol=1e-6)
    assert errors["0.bias"].atol >= 1e-3 and errors["0.bias"].rtol == 1e-6
    assert all(e.passed for e in errors.values())


def test_a_copy_that_f_does_not_read_is_refused():
    weight = np.arange(6.0).reshape(2, 3)

    def loss() -> float:
        return float(np.sum(weight ** 2))

    np.testing.assert_allclose(numerical_gradient(loss, weight.T), 2 * weight.T, atol=1e-6)
    with pytest.raises(ValueError, match="does not read x"):
        numerical_gradient(loss, weight.T.copy())
