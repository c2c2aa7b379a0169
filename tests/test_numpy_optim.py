"""Optimizers against torch.optim: same weights, same gradient sequence, same result."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.numpy.module import Parameter
from nncourse.numpy.optim import SGD, Adam, AdamW, RMSprop

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (4,), (2, 4), (2,)]

CASES = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.9)),
    (RMSprop, dict(lr=0.01, centered=True)),
    (RMSprop, dict(lr=0.01, momentum=0.8, centered=True, weight_decay=0.05, alpha=0.9)),
    (Adam, dict(lr=0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    (Adam, dict(lr=0.01, amsgrad=True)),
    (AdamW, dict(lr=0.01)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
]


def _gradient(step: int, index: int, data: np.ndarray) -> np.ndarray:
    """A deterministic gradient that depends on the current weights (like a real loss)."""
    rng = np.random.default_rng(1000 * step + index)
    return 0.5 * data + rng.normal(size=data.shape) * (1 + step % 3)


def _run_numpy(cls, kwargs, initial, steps, optimizer=None, params=None, start=0):
    params = params or [Parameter(a.copy()) for a in initial]
    optimizer = optimizer or cls(params, **kwargs)
    for step in range(start, start + steps):
        for i, p in enumerate(params):
            p.grad[...] = _gradient(step, i, p.data)
        optimizer.step()
    return params, optimizer


def _run_torch(cls, kwargs, initial, steps):
    tensors = [torch.tensor(a.copy(), requires_grad=True) for a in initial]
    optimizer = getattr(torch.optim, cls.__name__)(tensors, **kwargs)
    for step in range(steps):
        for i, t in enumerate(tensors):
            t.grad = torch.from_numpy(_gradient(step, i, t.detach().numpy().copy()))
        optimizer.step()
    return [t.detach().numpy() for t in tensors]


def _initial(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in SHAPES]


@pytest.mark.parametrize(("cls", "kwargs"), CASES, ids=lambda v: str(v))
def test_matches_torch_after_20_steps(cls, kwargs):
    initial = _initial()
    params, _ = _run_numpy(cls, kwargs, initial, 20)
    expected = _run_torch(cls, kwargs, initial, 20)
    for p, e, a in zip(params, expected, initial, strict=True):
        assert not np.allclose(p.data, a)  # the optimizer really moved the weights
        np.testing.assert_allclose(p.data, e, atol=1e-8, rtol=0)


@pytest.mark.parametrize(("cls", "kwargs"), CASES, ids=lambda v: str(v))
def test_state_dict_round_trip(cls, kwargs):
    initial = _initial(1)
    straight, _ = _run_numpy(cls, kwargs, initial, 20)
    first, optimizer = _run_numpy(cls, kwargs, initial, 10)
    saved = optimizer.state_dict()
    # Mutating the live state must not change the saved copy.
    for s in optimizer.state:
        for v in s.values():
            if isinstance(v, np.ndarray):
                v += 123.0
    fresh_params = [Parameter(p.data.copy()) for p in first]
    fresh = cls(fresh_params, **kwargs)
    fresh.load_state_dict(saved)
    resumed, _ = _run_numpy(cls, kwargs, initial, 10, optimizer=fresh, params=fresh_params,
                            start=10)
    for a, b in zip(resumed, straight, strict=True):
        np.testing.assert_allclose(a.data, b.data, atol=1e-12, rtol=0)


def test_state_dict_contains_hyperparameters_and_state():
    params = [Parameter(np.ones(3))]
    opt = Adam(params, lr=0.02, amsgrad=True)
    params[0].grad[...] = 1.0
    opt.step()
    sd = opt.state_dict()
    assert sd["hyperparameters"]["lr"] == 0.02
    assert sd["hyperparameters"]["betas"] == (0.9, 0.999)
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"] == 1


def test_load_state_dict_restores_learning_rate_and_rejects_mismatch():
    params = [Parameter(np.ones(3))]
    opt = SGD(params, lr=0.5, momentum=0.9)
    other = SGD([Parameter(np.ones(3))], lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    assert other.lr == 0.5
    two = SGD([Parameter(np.ones(3)), Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="saved state has 1 parameters, this optimizer has 2"):
        two.load_state_dict(opt.state_dict())


def test_first_momentum_buffer_is_the_gradient():
    p = Parameter(np.zeros(2))
    opt = SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    p.grad[...] = [1.0, 2.0]
    opt.step()
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], [1.0, 2.0])
    np.testing.assert_allclose(p.data, [-1.0, -2.0])


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones(4, dtype=np.float32))
    for opt in (SGD([p], lr=0.1, momentum=0.9), Adam([p]), AdamW([p]), RMSprop([p])):
        p.grad[...] = 0.5
        opt.step()
        assert p.data.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[0].values()
                   if isinstance(v, np.ndarray))


def test_zero_grad_clears_gradients():
    p = Parameter(np.ones(3))
    p.grad[...] = 2.0
    SGD([p], lr=0.1).zero_grad()
    assert np.all(p.grad == 0)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), "lr must be >= 0"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda ps: AdamW(ps, lr=-1.0), "lr must be >= 0"),
        (lambda ps: RMSprop(ps, alpha=1.5), r"alpha must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=(0.9,)), "pair"),
        (lambda ps: SGD([], lr=0.1), "empty parameter list"),
    ],
)
def test_invalid_hyperparameters_raise_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build([Parameter(np.ones(2))])


def test_passing_a_model_or_arrays_raises_type_error():
    from nncourse.numpy.module import Module

    class Tiny(Module):
        def __init__(self):
            self.weight = Parameter(np.ones(2))

    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        SGD(Tiny(), lr=0.1)
    with pytest.raises(TypeError, match="expected a Parameter"):
        SGD([np.ones(2)], lr=0.1)
    assert len(SGD(Tiny().parameters(), lr=0.1).params) == 1
