"""NumPy layers: gradient checks on random shapes, behaviour, and clear errors."""

from __future__ import annotations

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

from nncourse.numpy import layers as L
from nncourse.numpy.gradcheck import check_layer_gradients


def _all_below(errors: dict[str, float]) -> bool:
    return all(error < GRAD_TOL for error in errors.values())


@PROPERTY
@given(batch=batch_sizes, fan_in=feature_sizes, fan_out=feature_sizes, bias=st.booleans(),
       seed=seeds)
def test_linear_gradients(batch, fan_in, fan_out, bias, seed):
    layer = L.Linear(fan_in, fan_out, bias=bias, seed=seed)
    errors = check_layer_gradients(layer, away_from_zero((batch, fan_in), seed), seed=seed)
    assert set(errors) == ({"input", "weight", "bias"} if bias else {"input", "weight"})
    assert _all_below(errors), errors


@pytest.mark.parametrize("make", [L.ReLU, lambda: L.LeakyReLU(0.3), L.Sigmoid, L.Tanh,
                                  L.Softmax, lambda: L.Softmax(dim=0), L.Flatten],
                         ids=["relu", "leaky", "sigmoid", "tanh", "softmax", "softmax0",
                              "flatten"])
@PROPERTY
@given(batch=batch_sizes, features=feature_sizes, seed=seeds)
def test_parameter_free_layer_gradients(make, batch, features, seed):
    errors = check_layer_gradients(make(), away_from_zero((batch, features), seed), seed=seed)
    assert list(errors) == ["input"] and _all_below(errors), errors


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@PROPERTY
@given(batch=st.integers(3, 8), features=feature_sizes, seed=seeds)
def test_batchnorm_gradients(affine, training, batch, features, seed):
    # batch >= 3: with 2 rows training-mode outputs are +-1 whatever x is (zero gradient).
    rng = np.random.default_rng(seed)
    layer = L.BatchNorm1d(features, affine=affine)
    if affine:
        layer.weight.data[...] = rng.normal(size=features)
        layer.bias.data[...] = rng.normal(size=features)
    layer.running_mean[...] = rng.normal(size=features)
    layer.running_var[...] = rng.uniform(0.5, 2.0, size=features)
    layer.train(training)
    # h=1e-5, not 1e-6: with 3 rows the true input gradient nearly cancels across the batch,
    # so round-off (~eps*|L|/h) dominates the central difference at h=1e-6 (seen: 1.6e-7).
    errors = check_layer_gradients(layer, rng.normal(size=(batch, features)) * 3, seed=seed,
                                   h=1e-5)
    assert _all_below(errors), errors


@PROPERTY
@given(batch=batch_sizes, features=feature_sizes, p=st.sampled_from([0.0, 0.3, 0.9]),
       seed=seeds)
def test_dropout_gradients_with_a_fixed_mask(batch, features, p, seed):
    x = away_from_zero((batch, features), seed)
    keep = np.random.default_rng(seed).random(x.shape) >= p
    error = projection_check(lambda v: L.dropout_forward(v, p, keep=keep)[0],
                             lambda g, v: L.dropout_backward(g, L.dropout_forward(v, p,
                                                                                 keep=keep)[1]),
                             x, seed)
    assert error < GRAD_TOL


@PROPERTY
@given(batch=st.integers(3, 6), sizes=st.lists(st.integers(2, 5), min_size=2, max_size=4),
       seed=seeds)
def test_sequential_gradients(batch, sizes, seed):
    # No bias before batch norm: the normalisation cancels it, so its true gradient is 0
    # and a relative error of finite-difference noise would mean nothing. Likewise a single
    # input feature: batch norm is scale-invariant, so a 1x1 weight has zero gradient.
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers += [L.Linear(fan_in, fan_out, bias=False, seed=seed + i), L.BatchNorm1d(fan_out),
                   L.Tanh()]
    model = L.Sequential(*layers, L.Linear(sizes[-1], 2, seed=seed))
    x = np.random.default_rng(seed).normal(size=(batch, sizes[0]))
    assert _all_below(check_layer_gradients(model, x, seed=seed))


def test_check_layer_gradients_flags_a_wrong_backward():
    class WrongTanh(L.Tanh):
        def backward(self, grad_out):
            return grad_out * (1 - self._out)  # forgot the square

    x = away_from_zero((3, 4), 0)
    assert check_layer_gradients(WrongTanh(), x)["input"] > 1e-2


def test_pure_linear_functions_match_the_layer():
    rng = np.random.default_rng(0)
    layer = L.Linear(4, 3, seed=0)
    x, g = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    out = layer(x)
    np.testing.assert_allclose(out, L.linear_forward(x, layer.weight.data, layer.bias.data))
    grad_x, grad_w, grad_b = L.linear_backward(g, x, layer.weight.data)
    np.testing.assert_allclose(layer.backward(g), grad_x)
    np.testing.assert_allclose(layer.weight.grad, grad_w)
    np.testing.assert_allclose(layer.bias.grad, grad_b)
    np.testing.assert_allclose(grad_b, g.sum(axis=0))


def test_backward_overwrites_gradients():
    layer = L.Linear(3, 2, seed=0)
    x, g = np.ones((4, 3)), np.ones((4, 2))
    layer(x)
    layer.backward(g)
    first = layer.weight.grad.copy()
    layer.backward(g)
    np.testing.assert_array_equal(layer.weight.grad, first)  # overwritten, not accumulated
    np.testing.assert_array_equal(first, np.full((2, 3), 4.0))  # summed over the batch of 4
    layer.zero_grad()
    np.testing.assert_array_equal(layer.weight.grad, 0.0)


def test_linear_default_init_is_torch_like_and_seeded():
    layer = L.Linear(400, 300, seed=0)
    bound = 1 / np.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
    np.testing.assert_array_equal(L.Linear(400, 300, seed=0).weight.data, layer.weight.data)
    assert not np.array_equal(L.Linear(400, 300, seed=1).weight.data, layer.weight.data)
    other = L.Linear(400, 300, init="xavier_normal", rng=np.random.default_rng(0))
    np.testing.assert_allclose(other.weight.data.std(), np.sqrt(2 / 700), rtol=0.02)
    np.testing.assert_array_equal(other.bias.data, 0.0)


def test_float32_stays_float32():
    model = L.Sequential(L.Linear(4, 3, seed=0, dtype=np.float32), L.ReLU(),
                         L.Linear(3, 2, seed=1, dtype=np.float32))
    out = model(np.ones((5, 4), dtype=np.float32))
    assert out.dtype == np.float32
    assert model.backward(np.ones_like(out)).dtype == np.float32
    assert model[0].weight.grad.dtype == np.float32


def test_sequential_structure():
    model = L.Sequential(L.Linear(2, 4, seed=0), L.ReLU())
    model.append(L.Linear(4, 1, seed=1))
    assert len(model) == 3 and isinstance(model[-1], L.Linear) and model[1] is list(model)[1]
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias",
                                                              "2.weight", "2.bias"]
    head = model[:2]
    assert isinstance(head, L.Sequential) and len(head) == 2 and head[0] is model[0]
    assert "Linear(in_features=2, out_features=4, bias=True)" in repr(model)


def test_flatten_and_dropout_behaviour():
    x = np.arange(24.0).reshape(2, 3, 4)
    flat = L.Flatten()
    assert flat(x).shape == (2, 12) and flat.backward(np.ones((2, 12))).shape == (2, 3, 4)
    assert L.Flatten(0, 1)(x).shape == (6, 4)
    drop = L.Dropout(0.25, seed=0)
    big = np.ones((400, 500))
    out = drop(big)
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.01 and abs(out.mean() - 1.0) < 0.02
    np.testing.assert_array_equal(drop.backward(big), out)  # same mask and scale
    np.testing.assert_array_equal(L.Dropout(0.25, seed=0)(big), out)  # seeded
    drop.eval()
    assert drop(big) is big and drop.backward(big) is big
    np.testing.assert_array_equal(L.Dropout(1.0, seed=0)(big), 0.0)


def test_batchnorm_normalises_in_training_and_uses_running_stats_in_eval():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 3))
    bn = L.BatchNorm1d(3, momentum=None)
    out = bn(x)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=0))  # momentum None: average
    np.testing.assert_allclose(bn.running_var, x.var(axis=0, ddof=1))
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    np.testing.assert_allclose(bn(x), (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5))
    assert int(bn.num_batches_tracked) == 1
    assert sorted(bn.state_dict()) == ["bias", "num_batches_tracked", "running_mean",
                                       "running_var", "weight"]


ALL_LAYERS = [lambda: L.Linear(3, 2), L.ReLU, L.LeakyReLU, L.Sigmoid, L.Tanh, L.Softmax,
              L.Flatten, lambda: L.Dropout(0.5), lambda: L.BatchNorm1d(3),
              lambda: L.Sequential(L.Linear(3, 2))]


@pytest.mark.parametrize("make", ALL_LAYERS)
def test_backward_before_forward_is_a_clear_error(make):
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        make().backward(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: L.Linear(784, 128)(np.zeros((32, 28, 28))), ValueError,
         r"Linear\(784 -> 128\) expected input of shape \(batch, 784\); got \(32, 28, 28\)\. "
         r"Add a Flatten\(\) layer first\."),
        (lambda: L.Linear(3, 2)(np.zeros((4, 5))), ValueError,
         r"got \(4, 5\)\. Check the previous layer's out_features"),
        (lambda: L.Linear(3, 2)(np.zeros(3)), ValueError, r"Add a batch dimension"),
        (lambda: L.Linear(3, 2)(np.array([["a", "b", "c"]])), TypeError,
         "x must be a numeric array"),
        (lambda: L.Linear(3, 2)(np.array([[object(), 1, 2]], dtype=object)), TypeError,
         "numeric array"),
        (lambda: L.Sequential(L.Linear(3, 2))(np.array([[1.0, np.nan, 2.0]])), ValueError,
         "Sequential input contains 1 NaN"),
        (lambda: L.Linear(0, 2), ValueError, "in_features must be an integer >= 1; got 0"),
        (lambda: L.Linear(2, 2, init="glorot"), ValueError,
         r"Unknown init 'glorot'\. Expected one of: .*'xavier_uniform'"),
        (lambda: L.Linear(2, 2, rng=0, seed=0), ValueError, "either rng or seed"),
        (lambda: L.Dropout(1.5), ValueError, r"p must be in \[0, 1\]; got 1\.5"),
        (lambda: L.BatchNorm1d(3)(np.zeros((1, 3))), ValueError, "more than 1 sample"),
        (lambda: L.BatchNorm1d(3)(np.zeros((4, 2))), ValueError,
         r"BatchNorm1d\(3\) expected input of shape \(batch, 3\); got \(4, 2\)"),
        (lambda: L.Sequential(L.Linear(2, 2), "relu"), TypeError,
         "Sequential takes Module layers"),
        (lambda: L.Softmax(dim=2)(np.zeros((2, 2))), ValueError, r"dim must be in \[-2, 1\]"),
    ],
)
def test_bad_input_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_grad_out_of_the_wrong_shape_is_rejected():
    layer = L.Linear(3, 2)
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected grad_out of shape \(4, 2\).*got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))


def test_state_dict_round_trip_reproduces_outputs():
    model = L.Sequential(L.Linear(3, 4, seed=0), L.BatchNorm1d(4), L.ReLU(),
                         L.Linear(4, 2, seed=1))
    x = np.random.default_rng(1).normal(size=(8, 3))
    model(x)  # moves the running statistics
    copy = L.Sequential(L.Linear(3, 4, seed=5), L.BatchNorm1d(4), L.ReLU(),
                        L.Linear(4, 2, seed=6))
    copy.load_state_dict(model.state_dict())
    model.eval(), copy.eval()
    np.testing.assert_array_equal(copy(x), model(x))


def test_relu_layer_output_has_no_negative_zeros():
    out = L.ReLU()(np.array([[-3.0, -0.0, 2.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0]])
    assert not np.signbit(out).any()  # -0.0 would print as "-0." in the chapters


def test_training_backward_can_skip_the_input_gradient():
    def model():
        return L.Sequential(L.Flatten(), L.Linear(6, 4, seed=0), L.ReLU(),
                            L.Sequential(L.Linear(4, 3, seed=1), L.Tanh()),
                            L.Linear(3, 2, seed=2))

    full, lean = model(), model()
    lean.input_grad = False
    x = np.random.default_rng(0).normal(size=(5, 2, 3))
    g = np.random.default_rng(1).normal(size=(5, 2))
    full(x), lean(x)
    assert full.backward(g).shape == x.shape
    assert lean.backward(g) is None
    for (name, p), (_, q) in zip(full.named_parameters(), lean.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad, err_msg=name)
    head = L.Sequential(L.ReLU(), L.Linear(6, 2, seed=0))  # nothing to skip before it
    head.input_grad = False
    head(x.reshape(5, 6))
    assert head.backward(np.ones((5, 2))) is None
    assert np.any(head[1].weight.grad != 0)
