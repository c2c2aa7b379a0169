"""Initializers: the same names and the same numbers as nncourse.numpy.init."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nncourse.numpy.init as NI
import nncourse.numpy.layers as N
import nncourse.torch.init as TI
import nncourse.torch.layers as T


@pytest.mark.parametrize("scheme", list(NI.INITIALIZERS))
def test_each_scheme_draws_the_numpy_values(scheme: str) -> None:
    assert set(TI.INITIALIZERS) == set(NI.INITIALIZERS)
    weight = torch.empty(6, 9, dtype=torch.float64)
    TI.initialize_(weight, scheme, rng=3)
    np.testing.assert_array_equal(weight.numpy(), NI.initialize((6, 9), scheme, rng=3))


def test_gain_aware_schemes_and_in_place_functions() -> None:
    weight = torch.empty(4, 5, dtype=torch.float64)
    TI.initialize_(weight, "xavier_uniform", rng=0, nonlinearity="tanh")
    expected = NI.initialize((4, 5), "xavier_uniform", rng=0, nonlinearity="tanh")
    np.testing.assert_array_equal(weight.numpy(), expected)
    assert TI.he_normal_(weight, rng=1) is weight
    np.testing.assert_array_equal(weight.numpy(), NI.he_normal((4, 5), rng=1))
    bound = np.sqrt(6 / 5)
    assert float(TI.he_uniform_(torch.empty(300, 5), rng=2).abs().max()) <= bound


def test_init_module_matches_numpy_and_zeroes_biases() -> None:
    numpy_model = N.Sequential(N.Linear(3, 4, seed=0), N.Tanh(), N.Linear(4, 2, seed=1))
    torch_model = T.Sequential(T.Linear(3, 4, seed=5, dtype=torch.float64), T.Tanh(),
                               torch.nn.Linear(4, 2, dtype=torch.float64))
    NI.init_module(numpy_model, "xavier_normal", nonlinearity="tanh", seed=7)
    TI.init_module(torch_model, "xavier_normal", nonlinearity="tanh", seed=7)
    for key, value in numpy_model.state_dict().items():
        np.testing.assert_array_equal(torch_model.state_dict()[key].numpy(), value)
    assert float(torch_model[2].bias.detach().abs().sum()) == 0.0


def test_unseeded_draws_follow_torch_manual_seed() -> None:
    torch.manual_seed(123)
    a = T.Linear(5, 5).weight.detach().clone()
    torch.manual_seed(123)
    b = T.Linear(5, 5).weight.detach().clone()
    c = T.Linear(5, 5).weight.detach()
    assert torch.equal(a, b) and not torch.equal(b, c)


def test_unknown_scheme_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="'he_uniform'"):
        TI.initialize_(torch.empty(2, 2), "glorot")
    with pytest.raises(ValueError, match="Unknown init"):
        T.Linear(2, 2, init="glorot")
    with pytest.raises(ValueError, match="either rng or seed"):
        T.Linear(2, 2, rng=1, seed=1)
