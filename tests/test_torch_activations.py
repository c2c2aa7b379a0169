"""Activation functions: torch values and autograd gradients equal the NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nncourse.numpy.activations as NA
import nncourse.torch.activations as TA

ATOL = 1e-8


def _value_and_grad(function, x: np.ndarray, grad_out: np.ndarray):
    x_t = torch.tensor(x, requires_grad=True)
    out = function(x_t)
    out.backward(torch.tensor(grad_out))
    return out.detach().numpy(), x_t.grad.numpy()


CASES = {
    "relu": (TA.relu, NA.relu, lambda g, x, out: NA.relu_backward(g, x)),
    "leaky_relu": (lambda x: TA.leaky_relu(x, 0.1), lambda x: NA.leaky_relu(x, 0.1),
                   lambda g, x, out: NA.leaky_relu_backward(g, x, 0.1)),
    "sigmoid": (TA.sigmoid, NA.sigmoid, lambda g, x, out: NA.sigmoid_backward(g, out)),
    "tanh": (TA.tanh, NA.tanh, lambda g, x, out: NA.tanh_backward(g, out)),
    "softmax": (TA.softmax, NA.softmax, lambda g, x, out: NA.softmax_backward(g, out)),
    "softmax_dim0": (lambda x: TA.softmax(x, 0), lambda x: NA.softmax(x, axis=0),
                     lambda g, x, out: NA.softmax_backward(g, out, axis=0)),
    "identity": (TA.identity, NA.identity, lambda g, x, out: g),
}


@settings(max_examples=10, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 5), seed=st.integers(0, 10_000))
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_numpy(name: str, rows: int, cols: int, seed: int) -> None:
    torch_fn, numpy_fn, numpy_backward = CASES[name]
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=(rows, cols))
    grad_out = rng.normal(size=(rows, cols))
    out, grad = _value_and_grad(torch_fn, x, grad_out)
    expected = numpy_fn(x.copy())
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)
    np.testing.assert_allclose(grad, numpy_backward(grad_out, x, expected), rtol=0, atol=ATOL)


def test_softmax_and_log_softmax_are_stable_for_huge_inputs() -> None:
    x = torch.tensor([[1000.0, 0.0], [-1000.0, 1000.0]], dtype=torch.float64)
    assert torch.isfinite(TA.softmax(x)).all()
    np.testing.assert_allclose(TA.log_softmax(x).numpy(), NA.log_softmax(x.numpy()), atol=ATOL)


def test_get_activation_by_name() -> None:
    function, derivative = TA.get_activation("ReLU")
    assert function is TA.relu
    assert isinstance(TA.get_activation("tanh"), TA.Activation)
    assert list(TA.ACTIVATIONS) == list(NA.ACTIVATIONS)
    with pytest.raises(ValueError, match="'relu'"):
        TA.get_activation("swish")


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
def test_autograd_derivative_equals_the_numpy_derivative(name: str) -> None:
    # Exact zeros included: the slope of ReLU at 0 is 0 in both backends.
    x = np.array([-3.0, -0.5, 0.0, 0.0, 0.5, 3.0])
    torch_derivative = TA.get_activation(name).derivative(torch.tensor(x))
    np.testing.assert_allclose(torch_derivative.numpy(), NA.get_activation(name).derivative(x),
                               rtol=0, atol=ATOL)


def test_relu_gradient_at_exact_zero_is_zero() -> None:
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    TA.relu(x).sum().backward()
    assert torch.equal(x.grad, torch.zeros(3, dtype=torch.float64))
