"""Activation functions: gradient checks, numerical stability, the name registry."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers_numpy import (
    GRAD_TOL,
    PROPERTY,
    away_from_zero,
    batch_sizes,
    feature_sizes,
    projection_check,
    seeds,
)
from hypothesis import given
from hypothesis import strategies as st

from nncourse.numpy import activations as A
from nncourse.numpy.gradcheck import numerical_gradient, relative_error

PAIRS = {
    "relu": (A.relu, lambda g, x: A.relu_backward(g, x)),
    "leaky_relu": (lambda x: A.leaky_relu(x, 0.2),
                   lambda g, x: A.leaky_relu_backward(g, x, 0.2)),
    "sigmoid": (A.sigmoid, lambda g, x: A.sigmoid_backward(g, A.sigmoid(x))),
    "tanh": (A.tanh, lambda g, x: A.tanh_backward(g, A.tanh(x))),
    "softmax": (A.softmax, lambda g, x: A.softmax_backward(g, A.softmax(x))),
    "softmax_axis0": (lambda x: A.softmax(x, axis=0),
                      lambda g, x: A.softmax_backward(g, A.softmax(x, axis=0), axis=0)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
@PROPERTY
@given(batch=batch_sizes, features=feature_sizes, seed=seeds)
def test_backward_matches_finite_differences(name, batch, features, seed):
    forward, backward = PAIRS[name]
    x = away_from_zero((batch, features), seed)
    assert projection_check(forward, backward, x, seed) < GRAD_TOL


def test_a_wrong_backward_is_caught():
    x = away_from_zero((4, 3), 0)
    wrong = projection_check(A.tanh, lambda g, v: g * (1 - v**2), x)  # uses x, not tanh(x)
    assert wrong > 1e-2


def test_relu_slope_at_zero_is_zero_like_torch():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(A.relu_backward(np.ones(3), x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.leaky_relu_backward(np.ones(3), x, 0.1), [0.1, 0.1, 1.0])


def test_large_inputs_do_not_overflow_or_warn():
    x = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(x)
        p = A.softmax(x)
        log_p = A.log_softmax(x)
    np.testing.assert_allclose(s[0, [0, 2, 4]], [0.0, 0.5, 1.0], atol=1e-300)
    assert s[0, 1] > 0  # sigmoid(-30) ~ 9.4e-14 keeps its precision
    np.testing.assert_allclose(s[0, 1], 1 / (1 + np.exp(30.0)), rtol=1e-12)
    np.testing.assert_allclose(p.sum(), 1.0)
    assert np.all(np.isfinite(log_p)) and log_p[0, -1] == 0.0


def test_softmax_is_shift_invariant_and_log_softmax_agrees():
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(A.softmax(x + 500.0), A.softmax(x), rtol=1e-12)
    np.testing.assert_allclose(A.log_softmax(x), np.log(A.softmax(x)), rtol=1e-12)


def test_dtype_is_preserved():
    x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)
    for fn in (A.relu, A.leaky_relu, A.sigmoid, A.tanh, A.softmax):
        assert fn(x).dtype == np.float32, fn.__name__
    assert A.leaky_relu_backward(np.ones_like(x), x).dtype == np.float32


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "linear", "identity"])
def test_registry_derivatives_match_the_functions(name):
    function, derivative = A.get_activation(name)
    x = away_from_zero((7,), 1)
    numeric = numerical_gradient(lambda v: float(np.sum(function(v))), x)
    assert relative_error(derivative(x), numeric) < GRAD_TOL
    assert A.ACTIVATIONS[name].function is function


def test_registry_is_case_insensitive_and_rejects_unknown_names():
    assert A.get_activation("ReLU") is A.ACTIVATIONS["relu"]
    with pytest.raises(ValueError, match=r"Unknown activation 'swish'.*'relu'.*'tanh'"):
        A.get_activation("swish")


@PROPERTY
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=10))
def test_sigmoid_and_tanh_are_related(values):
    x = np.array(values)
    np.testing.assert_allclose(2 * A.sigmoid(2 * x) - 1, A.tanh(x), atol=1e-12)
