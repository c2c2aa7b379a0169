"""Every layer and loss calls the pure function the book shows (spies count the calls).

A spy replaces the pure function, in the module the class looks it up in, by a wrapper
that records each call and then runs the real function: if a class re-derived the math
inline, the spy would see no call and the test fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import nncourse.numpy.activations as NA
import nncourse.numpy.layers as NL
import nncourse.numpy.losses as NLo
import nncourse.numpy.normalization as NN
import nncourse.torch.activations as TA
import nncourse.torch.layers as TL
import nncourse.torch.losses as TLo
import nncourse.torch.normalization as TN


def spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Wrap ``module.name``; the returned list grows by one per call."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


X = np.random.default_rng(0).normal(size=(4, 3))
X[0, 0] = 0.0  # an exact zero: the kink of ReLU and leaky ReLU

# layer factory, input, (module, forward function), (module, backward function)
NUMPY_LAYERS = {
    "Linear": (lambda: NL.Linear(3, 2, seed=0), (NL, "linear_forward"), (NL, "linear_backward")),
    "ReLU": (NL.ReLU, (NA, "relu"), (NA, "relu_backward")),
    "LeakyReLU": (lambda: NL.LeakyReLU(0.1), (NA, "leaky_relu"), (NA, "leaky_relu_backward")),
    "Sigmoid": (NL.Sigmoid, (NA, "sigmoid"), (NA, "sigmoid_backward")),
    "Tanh": (NL.Tanh, (NA, "tanh"), (NA, "tanh_backward")),
    "Softmax": (NL.Softmax, (NA, "softmax"), (NA, "softmax_backward")),
    "Dropout": (lambda: NN.Dropout(0.5, seed=0), (NN, "dropout_forward"),
                (NN, "dropout_backward")),
    "BatchNorm1d": (lambda: NN.BatchNorm1d(3), (NN, "batchnorm_forward"),
                    (NN, "batchnorm_backward")),
}


@pytest.mark.parametrize("name", list(NUMPY_LAYERS))
def test_numpy_layer_calls_its_pure_functions(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, (fmod, fname), (bmod, bname) = NUMPY_LAYERS[name]
    forward_calls = spy(monkeypatch, fmod, fname)
    backward_calls = spy(monkeypatch, bmod, bname)
    layer = make()
    out = layer(X.copy())
    assert len(forward_calls) == 1 and not backward_calls
    layer.backward(np.ones_like(out))
    assert len(forward_calls) == 1 and len(backward_calls) == 1


def test_sequential_backward_is_each_layers_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy(monkeypatch, NL, "linear_backward")
    fast = spy(monkeypatch, NL, "sequential_backward_params")
    model = NL.Sequential(NL.Linear(3, 4, seed=0), NL.ReLU(), NL.Linear(4, 2, seed=1))
    model.backward(np.ones_like(model(X)))
    assert len(calls) == 2 and not fast  # the readable path by default


def test_the_faster_path_is_chosen_by_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = spy(monkeypatch, NL, "sequential_backward_params")
    params_only = spy(monkeypatch, NL, "linear_backward_params")
    full = spy(monkeypatch, NL, "linear_backward")
    model = NL.Sequential(NL.Linear(3, 4, seed=0), NL.ReLU(), NL.Linear(4, 2, seed=1))
    model.input_grad = False
    assert model.backward(np.ones_like(model(X))) is None
    assert (len(fast), len(params_only), len(full)) == (1, 1, 1)  # first Linear: params only


LABELS = np.array([0, 1, 1, 0])
NUMPY_LOSSES = {
    "MSELoss": (NLo.MSELoss, lambda: np.zeros((4, 3)), "mse_loss", "mse_loss_backward"),
    "BCEWithLogitsLoss": (NLo.BCEWithLogitsLoss, lambda: (X > 0).astype(float),
                          "binary_cross_entropy_with_logits",
                          "binary_cross_entropy_with_logits_backward"),
    "CrossEntropyLoss": (NLo.CrossEntropyLoss, lambda: LABELS, "softmax_cross_entropy",
                         "softmax_cross_entropy_backward"),
}


@pytest.mark.parametrize("name", list(NUMPY_LOSSES))
def test_numpy_loss_calls_its_pure_functions(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, target, fname, bname = NUMPY_LOSSES[name]
    forward_calls = spy(monkeypatch, NLo, fname)
    backward_calls = spy(monkeypatch, NLo, bname)
    loss_fn = make()
    value = loss_fn.forward(X.copy(), target())
    grad = loss_fn.backward()
    assert (len(forward_calls), len(backward_calls)) == (1, 1)
    assert value == getattr(NLo, fname)(X, target())  # the class returns what the function does
    np.testing.assert_array_equal(grad, getattr(NLo, bname)(X, target()))


XT = torch.tensor(X)
TORCH_LAYERS = {
    "Linear": (lambda: TL.Linear(3, 2, seed=0, dtype=torch.float64), TL, "linear_forward"),
    "ReLU": (TL.ReLU, TA, "relu"),
    "LeakyReLU": (lambda: TL.LeakyReLU(0.1), TA, "leaky_relu"),
    "Sigmoid": (TL.Sigmoid, TA, "sigmoid"),
    "Tanh": (TL.Tanh, TA, "tanh"),
    "Softmax": (TL.Softmax, TA, "softmax"),
    "Dropout": (lambda: TN.Dropout(0.5, seed=0), TN, "dropout_forward"),
    "BatchNorm1d": (lambda: TN.BatchNorm1d(3, dtype=torch.float64), TN, "batchnorm_forward"),
}


@pytest.mark.parametrize("name", list(TORCH_LAYERS))
def test_torch_layer_calls_its_pure_function(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, module, fname = TORCH_LAYERS[name]
    calls = spy(monkeypatch, module, fname)
    make()(XT.clone())
    assert len(calls) == 1


TORCH_LOSSES = {
    "MSELoss": (TLo.MSELoss, torch.zeros(4, 3, dtype=torch.float64), "mse_loss"),
    "BCEWithLogitsLoss": (TLo.BCEWithLogitsLoss, (XT > 0).double(),
                          "binary_cross_entropy_with_logits"),
    "CrossEntropyLoss": (TLo.CrossEntropyLoss, torch.tensor(LABELS), "softmax_cross_entropy"),
}


@pytest.mark.parametrize("name", list(TORCH_LOSSES))
def test_torch_loss_calls_its_pure_function(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, target, fname = TORCH_LOSSES[name]
    calls = spy(monkeypatch, TLo, fname)
    make()(XT.clone(), target)
    assert len(calls) == 1
