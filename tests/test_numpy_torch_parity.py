"""The NumPy reference against PyTorch (float64): outputs, input and parameter gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers_numpy import PROPERTY, batch_sizes, feature_sizes, seeds
from hypothesis import given
from hypothesis import strategies as st

from nncourse.numpy import activations as A
from nncourse.numpy import init as I
from nncourse.numpy import layers as L
from nncourse.numpy import losses as Lo

torch = pytest.importorskip("torch")
nn = torch.nn
ATOL = 1e-8


def _t(array: np.ndarray, grad: bool = False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=grad)


def _copy_weights(ours, theirs) -> None:
    theirs.load_state_dict({k: torch.as_tensor(np.array(v)) for k, v in ours.state_dict().items()})


def _compare_module(ours, theirs, x: np.ndarray, seed: int) -> None:
    """Forward and backward of both with the same upstream gradient; compare everything."""
    out = ours.forward(x)  # once: batch norm updates its running statistics on each call
    upstream = np.random.default_rng([seed, 2]).normal(size=out.shape)
    grad_x = ours.backward(upstream)
    x_t = _t(x, grad=True)
    theirs.zero_grad()  # torch accumulates; ours overwrites
    out_t = theirs(x_t)
    out_t.backward(_t(upstream))
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=ATOL)
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), atol=ATOL)
    torch_params = dict(theirs.named_parameters())
    assert set(torch_params) == {name for name, _ in ours.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, torch_params[name].grad.numpy(), atol=ATOL,
                                   err_msg=name)


@PROPERTY
@given(batch=batch_sizes, fan_in=feature_sizes, fan_out=feature_sizes, bias=st.booleans(),
       seed=seeds)
def test_linear_matches_torch(batch, fan_in, fan_out, bias, seed):
    ours = L.Linear(fan_in, fan_out, bias=bias, seed=seed)
    theirs = nn.Linear(fan_in, fan_out, bias=bias).double()
    _copy_weights(ours, theirs)
    _compare_module(ours, theirs, np.random.default_rng(seed).normal(size=(batch, fan_in)), seed)


ACTIVATION_TWINS = [
    (L.ReLU, nn.ReLU), (lambda: L.LeakyReLU(0.2), lambda: nn.LeakyReLU(0.2)),
    (L.Sigmoid, nn.Sigmoid), (L.Tanh, nn.Tanh), (L.Softmax, lambda: nn.Softmax(dim=-1)),
    (lambda: L.Softmax(dim=0), lambda: nn.Softmax(dim=0)), (L.Flatten, nn.Flatten),
]


@pytest.mark.parametrize(("ours", "theirs"), ACTIVATION_TWINS,
                         ids=["relu", "leaky", "sigmoid", "tanh", "softmax", "softmax0",
                              "flatten"])
@PROPERTY
@given(batch=batch_sizes, features=feature_sizes, seed=seeds)
def test_parameter_free_layers_match_torch(ours, theirs, batch, features, seed):
    x = np.random.default_rng(seed).normal(scale=4.0, size=(batch, features))
    _compare_module(ours(), theirs(), x, seed)


def test_extreme_activations_match_torch():
    x = np.array([[-1000.0, -40.0, -1e-3, 0.0, 1e-3, 40.0, 1000.0]])
    for ours, theirs in [(A.sigmoid, torch.sigmoid), (A.tanh, torch.tanh), (A.relu, torch.relu),
                         (A.softmax, lambda t: torch.softmax(t, -1)),
                         (A.log_softmax, lambda t: torch.log_softmax(t, -1))]:
        np.testing.assert_allclose(ours(x), theirs(_t(x)).numpy(), atol=ATOL, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_torch_over_several_steps(momentum, affine):
    rng = np.random.default_rng(0)
    ours = L.BatchNorm1d(4, eps=1e-3, momentum=momentum, affine=affine)
    theirs = nn.BatchNorm1d(4, eps=1e-3, momentum=momentum, affine=affine).double()
    if affine:
        ours.weight.data[...] = rng.normal(size=4)
        ours.bias.data[...] = rng.normal(size=4)
        _copy_weights(ours, theirs)
    for step in range(4):
        x = rng.normal(loc=step, scale=1 + step, size=(5 + step, 4))
        _compare_module(ours, theirs, x, step)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(getattr(ours, name), buffer.numpy(), atol=ATOL, err_msg=name)
    ours.eval(), theirs.eval()
    _compare_module(ours, theirs, rng.normal(size=(3, 4)), 9)


def test_dropout_matches_torch_given_the_same_mask():
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(6, 50)) + 5.0  # no exact zeros in x
    x_t = _t(x, grad=True)
    out_t = nn.Dropout(0.3)(x_t)
    upstream = np.random.default_rng(1).normal(size=x.shape)
    out_t.backward(_t(upstream))
    keep = out_t.detach().numpy() != 0  # the mask torch drew
    out, scale = L.dropout_forward(x, 0.3, keep=keep)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=ATOL)
    np.testing.assert_allclose(L.dropout_backward(upstream, scale), x_t.grad.numpy(), atol=ATOL)
    assert set(np.unique(np.round(scale, 12))) == {0.0, round(1 / 0.7, 12)}
    ours, theirs = L.Dropout(0.3, seed=0).eval(), nn.Dropout(0.3).eval()
    _compare_module(ours, theirs, x, 0)  # evaluation: both are the identity


@PROPERTY
@given(batch=batch_sizes, classes=st.integers(2, 5), smoothing=st.sampled_from([0.0, 0.2]),
       one_hot=st.booleans(), seed=seeds)
def test_cross_entropy_matches_torch(batch, classes, smoothing, one_hot, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=5.0, size=(batch, classes))
    labels = rng.integers(0, classes, size=batch)
    targets = np.eye(classes)[labels] if one_hot else labels
    ours = Lo.CrossEntropyLoss(label_smoothing=smoothing)
    value = ours.forward(logits, targets)
    logits_t = _t(logits, grad=True)
    target_t = _t(targets) if one_hot else torch.as_tensor(labels)
    loss_t = nn.CrossEntropyLoss(label_smoothing=smoothing)(logits_t, target_t)
    loss_t.backward()
    assert value == pytest.approx(loss_t.item(), abs=ATOL)
    np.testing.assert_allclose(ours.backward(), logits_t.grad.numpy(), atol=ATOL)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize(("ours", "theirs", "binary"),
                         [(Lo.BCEWithLogitsLoss, nn.BCEWithLogitsLoss, True),
                          (Lo.MSELoss, nn.MSELoss, False),
                          (Lo.CrossEntropyLoss, nn.CrossEntropyLoss, None)],
                         ids=["bce", "mse", "cross_entropy"])
def test_losses_match_torch(ours, theirs, binary, scale):
    rng = np.random.default_rng(0)
    prediction = rng.normal(size=(6, 3)) * scale
    if binary is None:
        target, target_t = rng.integers(0, 3, size=6), None
        target_t = torch.as_tensor(target)
    else:
        target = rng.integers(0, 2, size=(6, 3)).astype(float) if binary else \
            rng.normal(size=(6, 3))
        target_t = _t(target)
    loss_fn = ours()
    value = loss_fn.forward(prediction, target)
    prediction_t = _t(prediction, grad=True)
    loss_t = theirs()(prediction_t, target_t)
    loss_t.backward()
    assert value == pytest.approx(loss_t.item(), rel=1e-12, abs=ATOL)
    np.testing.assert_allclose(loss_fn.backward(), prediction_t.grad.numpy(), atol=ATOL)


def _twins(seed: int = 0):
    ours = L.Sequential(L.Linear(6, 8, seed=seed), L.BatchNorm1d(8), L.ReLU(), L.Dropout(0.2),
                        L.Linear(8, 5, seed=seed + 1), L.Tanh(), L.Linear(5, 3, seed=seed + 2))
    theirs = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2),
                           nn.Linear(8, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    return ours, theirs


def test_sequential_state_dict_matches_torch_and_loads_from_it():
    ours, theirs = _twins()
    ours_state, torch_state = ours.state_dict(), theirs.state_dict()
    assert set(ours_state) == set(torch_state)
    for name, value in torch_state.items():
        assert np.shape(ours_state[name]) == tuple(value.shape), name
    torch.manual_seed(0)
    theirs.train()(torch.randn(10, 6, dtype=torch.float64))  # move the running statistics
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert int(ours[1].num_batches_tracked) == 1
    x = np.random.default_rng(1).normal(size=(7, 6))
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x), theirs(_t(x)).detach().numpy(), atol=ATOL)
    ours[3].p = theirs[3].p = 0.0  # dropout off so training mode is deterministic too
    ours.train(), theirs.train()
    _compare_module(ours, theirs, x, 3)


@pytest.mark.parametrize("shape", [(200, 300), (64, 1000), (500, 50)])
def test_initializer_statistics_match_torch(shape):
    def torch_sample(fn, **kwargs):
        weight = torch.empty(shape, dtype=torch.float64)
        fn(weight, generator=torch.Generator().manual_seed(0), **kwargs)
        return weight.numpy()

    pairs = [
        (I.xavier_uniform(shape, 0, gain=1.3), torch_sample(nn.init.xavier_uniform_, gain=1.3)),
        (I.xavier_normal(shape, 0, gain=0.7), torch_sample(nn.init.xavier_normal_, gain=0.7)),
        (I.kaiming_uniform(shape, 0), torch_sample(nn.init.kaiming_uniform_)),
        (I.kaiming_uniform(shape, 0, a=math.sqrt(5)),
         torch_sample(nn.init.kaiming_uniform_, a=math.sqrt(5))),
        (I.kaiming_normal(shape, 0, mode="fan_out", nonlinearity="relu"),
         torch_sample(nn.init.kaiming_normal_, mode="fan_out", nonlinearity="relu")),
        (I.kaiming_normal(shape, 0, nonlinearity="tanh"),
         torch_sample(nn.init.kaiming_normal_, nonlinearity="tanh")),
        (I.normal(shape, 0, mean=0.5, std=0.2), torch_sample(nn.init.normal_, mean=0.5, std=0.2)),
        (I.uniform(shape, 0, a=-0.3, b=0.1), torch_sample(nn.init.uniform_, a=-0.3, b=0.1)),
    ]
    for index, (ours, theirs) in enumerate(pairs):
        np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.03, err_msg=str(index))
        np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.03 * theirs.std(),
                                   err_msg=str(index))
        if index in (0, 2, 3, 7):  # uniform: the same support
            np.testing.assert_allclose([ours.min(), ours.max()], [theirs.min(), theirs.max()],
                                       atol=0.01 * (theirs.max() - theirs.min()))


def test_default_linear_init_matches_torch_linear():
    ours = L.Linear(300, 200, seed=0)
    theirs = nn.Linear(300, 200).double()
    for name in ("weight", "bias"):
        a, b = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        np.testing.assert_allclose([a.min(), a.max()], [b.min(), b.max()], atol=0.003)
        np.testing.assert_allclose(a.std(), b.std(), rtol=0.1)


@pytest.mark.parametrize("nonlinearity", I.NONLINEARITIES)
def test_calculate_gain_equals_torch(nonlinearity):
    assert I.calculate_gain(nonlinearity) == pytest.approx(nn.init.calculate_gain(nonlinearity))
    if nonlinearity == "leaky_relu":
        for slope in (0, 0.2, 1):
            assert I.calculate_gain(nonlinearity, slope) == pytest.approx(
                nn.init.calculate_gain(nonlinearity, slope))
