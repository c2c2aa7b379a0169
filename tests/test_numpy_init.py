"""Initializers: torch.nn.init formulas, reproducibility, init_module, clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nncourse.numpy import init as I
from nncourse.numpy.layers import BatchNorm1d, Linear, ReLU, Sequential

SHAPES = [(256, 512), (512, 128), (64, 1000)]


@pytest.mark.parametrize("shape", SHAPES)
def test_sample_statistics_follow_the_formulas(shape):
    fan_out, fan_in = shape
    rng = np.random.default_rng(0)
    cases = {
        "xavier_uniform": (I.xavier_uniform(shape, rng, gain=2.0),
                           2.0 * math.sqrt(6 / (fan_in + fan_out)), "uniform"),
        "xavier_normal": (I.xavier_normal(shape, rng, gain=0.5),
                          0.5 * math.sqrt(2 / (fan_in + fan_out)), "normal"),
        "kaiming_uniform": (I.kaiming_uniform(shape, rng), math.sqrt(6 / fan_in), "uniform"),
        "kaiming_uniform_out": (I.kaiming_uniform(shape, rng, mode="fan_out",
                                                  nonlinearity="tanh"),
                                5 / 3 * math.sqrt(3 / fan_out), "uniform"),
        "kaiming_normal": (I.kaiming_normal(shape, rng, a=0.2),
                           math.sqrt(2 / (1 + 0.04)) / math.sqrt(fan_in), "normal"),
        "torch_default": (I.torch_default(shape, rng), 1 / math.sqrt(fan_in), "uniform"),
        "lecun_normal": (I.lecun_normal(shape, rng), math.sqrt(1 / fan_in), "normal"),
        "normal": (I.normal(shape, rng, mean=1.0, std=0.3), 0.3, "normal"),
    }
    for name, (w, scale, kind) in cases.items():
        assert w.shape == shape and w.dtype == np.float64, name
        if kind == "uniform":  # U(-b, b): max |w| just below b, std = b / sqrt(3)
            assert np.abs(w).max() <= scale and np.abs(w).max() > 0.99 * scale, name
            np.testing.assert_allclose(w.std(), scale / math.sqrt(3), rtol=0.02, err_msg=name)
        else:
            np.testing.assert_allclose(w.std(), scale, rtol=0.02, err_msg=name)
    np.testing.assert_allclose(cases["normal"][0].mean(), 1.0, atol=0.01)


def test_constant_initializers_and_uniform_range():
    np.testing.assert_array_equal(I.zeros((2, 3)), 0.0)
    np.testing.assert_array_equal(I.ones((2, 3)), 1.0)
    np.testing.assert_array_equal(I.constant((2, 3), value=0.5), 0.5)
    w = I.uniform((100, 100), 0, a=-2.0, b=3.0)
    assert w.min() >= -2.0 and w.max() < 3.0 and w.min() < -1.9 and w.max() > 2.9


def test_calculate_gain_values():
    assert I.calculate_gain("linear") == 1.0 and I.calculate_gain("sigmoid") == 1.0
    assert I.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert I.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert I.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert I.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert I.calculate_gain("selu") == 0.75


def test_seeds_reproduce_and_arrays_are_new():
    for name, fn in I.INITIALIZERS.items():
        a, b = fn((4, 5), 7), fn((4, 5), np.random.default_rng(7))
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a is not b
    assert not np.array_equal(I.he_normal((4, 5), 1), I.he_normal((4, 5), 2))


def test_initialize_with_a_nonlinearity():
    w = I.initialize((300, 400), "xavier_normal", 0, nonlinearity="tanh")
    np.testing.assert_allclose(w.std(), 5 / 3 * math.sqrt(2 / 700), rtol=0.02)
    w = I.initialize((300, 400), "kaiming_normal", 0, nonlinearity="linear")
    np.testing.assert_allclose(w.std(), math.sqrt(1 / 400), rtol=0.02)


def test_init_module_reinitialises_linear_layers_only():
    model = Sequential(Linear(50, 40, seed=0), ReLU(), BatchNorm1d(40), Linear(40, 30, seed=1))
    model[2].weight.data[...] = 3.0
    weight_array = model[0].weight.data
    I.init_module(model, "xavier_uniform", nonlinearity="relu", seed=0)
    assert model[0].weight.data is weight_array  # filled in place: optimizers keep their view
    bound = math.sqrt(2) * math.sqrt(6 / 90)
    assert np.abs(model[0].weight.data).max() <= bound
    np.testing.assert_array_equal(model[0].bias.data, 0.0)
    np.testing.assert_array_equal(model[3].bias.data, 0.0)
    np.testing.assert_array_equal(model[2].weight.data, 3.0)  # batch norm untouched
    again = Sequential(Linear(50, 40), ReLU(), BatchNorm1d(40), Linear(40, 30))
    I.init_module(again, "xavier_uniform", nonlinearity="relu", seed=0)
    np.testing.assert_array_equal(again[3].weight.data, model[3].weight.data)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: I.calculate_gain("swish"), ValueError,
         r"Unknown nonlinearity 'swish'\. Expected one of: .*'relu'"),
        (lambda: I.calculate_gain("leaky_relu", "x"), TypeError, "must be a number; got str"),
        (lambda: I.kaiming_uniform((3, 4), mode="fan_avg"), ValueError,
         r"Unknown mode 'fan_avg'\. Expected one of: 'fan_in', 'fan_out'"),
        (lambda: I.xavier_uniform((5,)), ValueError, "at least 2 dimensions"),
        (lambda: I.initialize((3, 4), "glorot"), ValueError, r"Unknown init 'glorot'"),
        (lambda: I.init_module(Linear(2, 2), "he"), ValueError, r"Unknown init 'he'"),
        (lambda: I.normal((2, 2), "seed"), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: I.uniform((2, 2), a=1.0, b=0.0), ValueError, "a <= b"),
        (lambda: I.init_module(Linear(2, 2), rng=0, seed=0), ValueError, "either rng or seed"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()
