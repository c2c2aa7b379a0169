"""Layer parity: each torch twin, with copied weights, gives the NumPy outputs and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nncourse.numpy.layers as N
import nncourse.torch.layers as T
from nncourse.torch import from_numpy_model, to_numpy_model

ATOL = 1e-8


def _compare(numpy_layer, x: np.ndarray, seed: int = 0) -> None:
    """Forward and backward of a NumPy layer and its converted twin agree (float64)."""
    twin = from_numpy_model(numpy_layer, dtype=torch.float64)
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in
                                                         numpy_layer.named_parameters()]
    assert set(twin.state_dict()) == set(numpy_layer.state_dict())
    out = numpy_layer.forward(x)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = twin(x_t)
    np.testing.assert_allclose(out_t.detach().numpy(), out, rtol=0, atol=ATOL)
    grad_out = np.random.default_rng(seed).normal(size=out.shape)
    grad_x = numpy_layer.backward(grad_out)
    out_t.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(x_t.grad.numpy(), grad_x, rtol=0, atol=ATOL)
    for (name, p), (_, p_t) in zip(numpy_layer.named_parameters(), twin.named_parameters(),
                                   strict=True):
        np.testing.assert_allclose(p_t.grad.numpy(), p.grad, rtol=0, atol=ATOL, err_msg=name)


LAYERS = {
    "linear": (lambda: N.Linear(5, 4, seed=0), (6, 5)),
    "linear_no_bias_he": (lambda: N.Linear(5, 4, bias=False, init="he_normal", seed=1), (6, 5)),
    "relu": (N.ReLU, (6, 5)),
    "leaky_relu": (lambda: N.LeakyReLU(0.2), (6, 5)),
    "sigmoid": (N.Sigmoid, (6, 5)),
    "tanh": (N.Tanh, (6, 5)),
    "softmax": (N.Softmax, (6, 5)),
    "softmax_dim0": (lambda: N.Softmax(dim=0), (6, 5)),
    "flatten": (N.Flatten, (3, 4, 5)),
    "batchnorm": (lambda: N.BatchNorm1d(5), (8, 5)),
    "batchnorm_no_affine": (lambda: N.BatchNorm1d(5, momentum=None, affine=False), (8, 5)),
    "dropout_p0": (lambda: N.Dropout(0.0), (6, 5)),
    "mlp": (lambda: N.Sequential(N.Flatten(), N.Linear(12, 7, seed=0), N.BatchNorm1d(7),
                                 N.Tanh(), N.Linear(7, 3, seed=1), N.Softmax()), (9, 3, 4)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_forward_and_gradients_match_numpy(name: str) -> None:
    factory, shape = LAYERS[name]
    x = np.random.default_rng(1).normal(size=shape)
    _compare(factory(), x)


def test_eval_mode_and_running_statistics_match() -> None:
    numpy_model = N.Sequential(N.Linear(4, 6, seed=0), N.BatchNorm1d(6, momentum=0.3), N.ReLU(),
                               N.Dropout(0.5, seed=0), N.Linear(6, 2, seed=1))
    twin = from_numpy_model(numpy_model, dtype=torch.float64)
    rng = np.random.default_rng(2)
    numpy_model.eval()
    twin.eval()
    for _ in range(3):  # statistics are updated in training mode only: switch per batch
        x = rng.normal(size=(10, 4))
        numpy_model[1].train()
        twin[1].train()
        numpy_model.forward(x)
        twin(torch.tensor(x))
        numpy_model[1].eval()
        twin[1].eval()
    for key, value in numpy_model.state_dict().items():
        np.testing.assert_allclose(twin.state_dict()[key].numpy(), value, rtol=0, atol=ATOL,
                                   err_msg=key)
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(twin(torch.tensor(x)).detach().numpy(), numpy_model.forward(x),
                               rtol=0, atol=ATOL)


def test_dropout_masks_scale_and_disappear_in_eval() -> None:
    drop = T.Dropout(0.25, seed=0)
    x = torch.ones(2000, 10, requires_grad=True)
    out = drop(x)
    kept = out != 0
    assert torch.allclose(out[kept], torch.tensor(1 / 0.75))
    assert abs(float(kept.float().mean()) - 0.75) < 0.02
    out.sum().backward()
    assert torch.equal(x.grad != 0, kept)  # gradient flows through kept units only
    assert torch.equal(T.Dropout(0.25, seed=0)(x), out)  # seeded masks repeat
    assert torch.equal(drop.eval()(x), x)
    # p = 1 drops everything (as torch.nn.Dropout and the NumPy twin); p > 1 is refused.
    assert torch.equal(T.Dropout(1.0)(torch.ones(3)), torch.zeros(3))
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]; got 1.5"):
        T.Dropout(1.5)


def test_same_seed_gives_the_numpy_weights_without_conversion() -> None:
    for init in ("torch_default", "he_uniform", "xavier_normal", "lecun_uniform"):
        a = N.Linear(7, 3, init=init, seed=11)
        b = T.Linear(7, 3, init=init, seed=11, dtype=torch.float64)
        np.testing.assert_array_equal(b.weight.detach().numpy(), a.weight.data)
        np.testing.assert_array_equal(b.bias.detach().numpy(), a.bias.data)


def test_round_trip_conversion_is_exact() -> None:
    numpy_model = N.Sequential(N.Flatten(), N.Linear(6, 5, seed=0), N.LeakyReLU(0.1),
                               N.BatchNorm1d(5), N.Dropout(0.1), N.Linear(5, 2, seed=1),
                               N.Sigmoid())
    twin = from_numpy_model(numpy_model, dtype=torch.float64)
    back = to_numpy_model(twin)
    assert type(back[2]).__name__ == "LeakyReLU" and back[2].negative_slope == 0.1
    for key, value in numpy_model.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[key], value)
    float32 = from_numpy_model(numpy_model)
    assert next(float32.parameters()).dtype == torch.float32
    with pytest.raises(TypeError, match="already a torch"):
        from_numpy_model(twin)
    with pytest.raises(TypeError, match="cannot convert a Conv1d"):
        to_numpy_model(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))


def test_sequential_rejects_numpy_layers_with_a_hint() -> None:
    with pytest.raises(TypeError, match="from_numpy_model"):
        T.Sequential(N.Linear(2, 2, seed=0))


@settings(max_examples=15, deadline=None)
@given(batch=st.integers(1, 6), in_features=st.integers(1, 6), out_features=st.integers(1, 6),
       seed=st.integers(0, 10_000))
def test_linear_parity_for_any_shape(batch: int, in_features: int, out_features: int,
                                     seed: int) -> None:
    layer = N.Linear(in_features, out_features, seed=seed)
    x = np.random.default_rng(seed).normal(size=(batch, in_features))
    _compare(layer, x, seed)


def test_conversion_keeps_each_layers_mode():
    import nncourse.numpy.layers as NL_

    numpy_model = NL_.Sequential(NL_.Linear(3, 4, seed=0), NL_.BatchNorm1d(4), NL_.Dropout(0.5),
                                 NL_.Linear(4, 2, seed=1))
    numpy_model[1].eval()  # a frozen batch norm inside a training model
    twin = from_numpy_model(numpy_model, dtype=torch.float64)
    assert [m.training for m in twin] == [True, False, True, True] and twin.training
    assert [m.training for m in to_numpy_model(twin)] == [True, False, True, True]
    with pytest.raises(TypeError, match="floating torch dtype"):
        from_numpy_model(numpy_model, dtype=np.float64)


def test_sequential_slices_like_torch():
    from nncourse.torch import Linear, ReLU, Sequential

    model = Sequential(Linear(2, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
    body = model[:-1]
    assert isinstance(body, Sequential) and len(body) == 2
    assert body[0] is model[0] and [name for name, _ in body.named_parameters()] == [
        "0.weight", "0.bias"]
