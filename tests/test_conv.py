"""Conv2d and MaxPool2d: gradient checks, three-way parity, ties, bad input, weight copy.

Three-way parity: the NumPy reference (hand-written backward), its torch twin (autograd
through the same im2col code) and ``torch.nn.Conv2d`` / ``torch.nn.MaxPool2d`` must give
the same outputs and gradients to 1e-8 in float64.

Max-pooling ties: the gradient goes to the first maximum of the window in row-major order,
as in ``torch.nn.MaxPool2d`` on the CPU; images of exact zeros (every window a tie) and of
repeated values check that rule. Finite differences are meaningless at a tie (the max is not
differentiable there), so the gradient check uses distinct values and parity covers ties.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nncourse.numpy.conv as NC  # noqa: E402
import nncourse.torch.conv as TC  # noqa: E402
from nncourse.numpy import Flatten, Linear, ReLU, Sequential  # noqa: E402
from nncourse.numpy.gradcheck import check_layer_gradients  # noqa: E402
from nncourse.torch import from_numpy_model, to_numpy_model  # noqa: E402

nn = torch.nn
TOL = 1e-8
GRAD_TOL = 1e-7

# (batch, C_in, C_out, H, W, kernel, stride, padding)
CONV_CASES = [
    (1, 1, 1, 5, 5, 3, 1, 0),
    (2, 3, 4, 6, 7, 3, 1, 1),
    (3, 2, 3, 7, 5, (3, 2), (2, 1), (1, 0)),
    (1, 2, 2, 4, 4, 4, 1, 0),        # kernel as large as the input: one output pixel
    (2, 1, 3, 8, 8, 5, 3, 2),
]
# (batch, C, H, W, kernel, stride, padding)
POOL_CASES = [
    (1, 1, 4, 4, 2, None, 0),
    (2, 3, 7, 6, 2, None, 0),        # odd size: the last row is dropped, as in torch
    (2, 2, 6, 6, 3, 1, 1),           # overlapping windows, -inf padding
    (1, 2, 5, 7, (2, 3), (1, 2), 0),
]


def _image(shape: tuple[int, ...], seed: int, kind: str = "random") -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "zeros":
        return np.zeros(shape)
    if kind == "repeated":
        return rng.integers(-1, 2, size=shape).astype(np.float64)  # many exact ties
    if kind == "distinct":  # gaps of 0.01 >> the finite-difference step
        return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 - 0.5
    x = rng.normal(size=shape)
    x[..., 0, :] = 0.0  # exact zeros
    return x


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck(case: tuple) -> None:
    b, c_in, c_out, h, w, k, s, p = case
    layer = NC.Conv2d(c_in, c_out, k, s, p, seed=1)
    errors = check_layer_gradients(layer, _image((b, c_in, h, w), 2))
    assert set(errors) == {"input", "weight", "bias"}
    for name, err in errors.items():
        assert err < GRAD_TOL, (name, err.describe())


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool2d_gradcheck_on_distinct_values(case: tuple) -> None:
    b, c, h, w, k, s, p = case
    errors = check_layer_gradients(NC.MaxPool2d(k, s, p), _image((b, c, h, w), 3, "distinct"))
    assert errors["input"] < GRAD_TOL, errors["input"].describe()


def _three_way_conv(case: tuple, kind: str) -> None:
    b, c_in, c_out, h, w, k, s, p = case
    x = _image((b, c_in, h, w), 4, kind)
    ref = NC.Conv2d(c_in, c_out, k, s, p, seed=5)
    twin = TC.Conv2d(c_in, c_out, k, s, p, seed=5, dtype=torch.float64)
    plain = nn.Conv2d(c_in, c_out, k, s, p, dtype=torch.float64)
    with torch.no_grad():
        plain.weight.copy_(torch.from_numpy(ref.weight.data))
        plain.bias.copy_(torch.from_numpy(ref.bias.data))
    np.testing.assert_array_equal(twin.weight.detach().numpy(), ref.weight.data)  # same seed
    out = ref(x)
    grad = np.random.default_rng(6).normal(size=out.shape)
    grad_x = ref.backward(grad)
    for model in (twin, plain):
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        y = model(xt)
        y.backward(torch.from_numpy(grad))
        np.testing.assert_allclose(y.detach().numpy(), out, atol=TOL, rtol=0)
        np.testing.assert_allclose(xt.grad.numpy(), grad_x, atol=TOL, rtol=0)
        np.testing.assert_allclose(model.weight.grad.numpy(), ref.weight.grad, atol=TOL, rtol=0)
        np.testing.assert_allclose(model.bias.grad.numpy(), ref.bias.grad, atol=TOL, rtol=0)


@pytest.mark.parametrize("kind", ["random", "zeros"])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_three_way_parity(case: tuple, kind: str) -> None:
    _three_way_conv(case, kind)


@pytest.mark.parametrize("kind", ["random", "zeros", "repeated"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool2d_three_way_parity_with_ties(case: tuple, kind: str) -> None:
    b, c, h, w, k, s, p = case
    x = _image((b, c, h, w), 7, kind)
    ref = NC.MaxPool2d(k, s, p)
    out = ref(x)
    grad = np.random.default_rng(8).normal(size=out.shape)
    grad_x = ref.backward(grad)
    for model in (TC.MaxPool2d(k, s, p), nn.MaxPool2d(k, s, p)):
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        y = model(xt)
        y.backward(torch.from_numpy(grad))
        np.testing.assert_allclose(y.detach().numpy(), out, atol=TOL, rtol=0)
        np.testing.assert_allclose(xt.grad.numpy(), grad_x, atol=TOL, rtol=0)


def test_maxpool2d_tie_goes_to_the_first_maximum() -> None:
    x = np.array([[[[1.0, 1.0], [1.0, 1.0]]]])  # one window, four equal values
    out, argmax = NC.maxpool2d_forward(x, 2)
    assert out.item() == 1.0 and argmax.item() == 0
    grad = NC.maxpool2d_backward(np.ones((1, 1, 1, 1)), argmax, x.shape, 2)
    np.testing.assert_array_equal(grad[0, 0], [[1.0, 0.0], [0.0, 0.0]])
    x2 = np.array([[[[0.0, 2.0], [2.0, 1.0]]]])  # tie between (0, 1) and (1, 0)
    assert NC.maxpool2d_forward(x2, 2)[1].item() == 1


def test_conv2d_known_values() -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    weight = np.zeros((1, 1, 3, 3))
    weight[0, 0, 1, 1] = 1.0  # picks the centre: a crop of the image
    out = NC.conv2d_forward(x, weight, np.array([0.5]))
    np.testing.assert_array_equal(out[0, 0], x[0, 0, 1:3, 1:3] + 0.5)
    assert NC.conv2d_output_size(28, 3, 1, 1) == 28
    assert NC.conv2d_output_size(7, 3, 2, 0) == 3


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_conv_bad_inputs_name_the_fix(backend: str) -> None:
    module = NC if backend == "numpy" else TC

    def data(*shape: int) -> object:
        return np.zeros(shape) if backend == "numpy" else torch.zeros(*shape)

    conv = module.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"\(batch, channels, height, width\).*x\[None\]"):
        conv(data(3, 8, 8))
    with pytest.raises(ValueError, match="reshape"):
        conv(data(2, 64))
    with pytest.raises(ValueError, match="expects 3 input channels; got 1"):
        conv(data(2, 1, 8, 8))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv(data(1, 3, 2, 2))
    with pytest.raises(ValueError, match="larger than the padded input"):
        module.MaxPool2d(3)(data(1, 1, 2, 5))
    with pytest.raises(ValueError, match="at most half the kernel"):
        module.MaxPool2d(2, padding=2)(data(1, 1, 6, 6))
    with pytest.raises(TypeError, match="kernel_size"):
        module.Conv2d(3, 4, 2.5)
    with pytest.raises(ValueError, match="kernel_size"):
        module.Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match="pair"):
        module.MaxPool2d((2, 2, 2))
    with pytest.raises(ValueError, match="either rng or seed"):
        module.Conv2d(3, 4, 3, rng=0, seed=0)


def test_torch_twin_refuses_arrays() -> None:
    with pytest.raises(TypeError, match="torch.as_tensor"):
        TC.Conv2d(1, 1, 3)(np.zeros((1, 1, 5, 5)))


def test_numpy_backward_before_forward() -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        NC.Conv2d(1, 1, 3).backward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(RuntimeError, match="before forward"):
        NC.MaxPool2d(2).backward(np.zeros((1, 1, 3, 3)))


def test_small_cnn_converts_both_ways_with_the_same_outputs() -> None:
    model = Sequential(NC.Conv2d(1, 4, 3, padding=1, seed=0), ReLU(), NC.MaxPool2d(2),
                       NC.Conv2d(4, 6, 3, stride=2, seed=1), ReLU(), Flatten(),
                       Linear(6 * 2 * 2, 5, seed=2))
    x = _image((2, 1, 12, 12), 9)
    twin = from_numpy_model(model, dtype=torch.float64)
    assert [type(m).__name__ for m in twin] == [type(m).__name__ for m in model]
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), model(x),
                               atol=TOL, rtol=0)
    back = to_numpy_model(twin)
    np.testing.assert_allclose(back(x), model(x), atol=TOL, rtol=0)
    plain = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 6, 3, stride=2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(24, 5)).double()
    plain.load_state_dict(twin.state_dict())
    from_plain = to_numpy_model(plain)
    np.testing.assert_allclose(from_plain(x), model(x), atol=TOL, rtol=0)
    # The whole network's backward pass agrees with autograd on torch.nn.
    grad = np.random.default_rng(3).normal(size=(2, 5))
    model(x)
    grad_x = model.backward(grad)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    plain(xt).backward(torch.from_numpy(grad))
    np.testing.assert_allclose(xt.grad.numpy(), grad_x, atol=TOL, rtol=0)
    np.testing.assert_allclose(plain[0].weight.grad.numpy(), model[0].weight.grad,
                               atol=TOL, rtol=0)


def test_unsupported_torch_options_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot convert"):
        to_numpy_model(nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)))
    with pytest.raises(TypeError, match="cannot convert"):
        to_numpy_model(nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)))


@pytest.mark.parametrize("name", ["Conv2d", "MaxPool2d"])
def test_twin_constructors_take_the_numpy_arguments(name: str) -> None:
    import inspect

    numpy_params = inspect.signature(getattr(NC, name).__init__).parameters
    torch_params = inspect.signature(getattr(TC, name).__init__).parameters
    for arg, param in numpy_params.items():
        assert arg in torch_params, f"{name} lacks argument {arg!r}"
        if arg != "dtype":
            assert torch_params[arg].default == param.default, (name, arg)
    public = [n for n in NC.__all__ if not n.endswith("_backward")]
    assert TC.__all__ == public  # same names, same order (autograd replaces *_backward)
