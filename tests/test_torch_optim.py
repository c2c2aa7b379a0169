"""nncourse.torch.optim: step-for-step agreement with torch.optim and nncourse.numpy.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_torch import tanh_mlp
from hypothesis import given, settings
from hypothesis import strategies as st

import nncourse.numpy.optim as numpy_optim
import nncourse.torch.optim as torch_optim
from nncourse.numpy.module import Parameter

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.8, "centered": True, "weight_decay": 1e-2}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 1e-2, "amsgrad": True, "betas": (0.8, 0.99)}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
STEPS = 50


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 3, (32,), generator=generator)
    return x, y


def _train_torch(optimizer_factory, steps: int = STEPS) -> dict[str, torch.Tensor]:
    model = tanh_mlp(seed=0)
    optimizer = optimizer_factory(model.parameters())
    x, y = _data()
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.state_dict()


def _train_numpy(name: str, kwargs: dict) -> dict[str, torch.Tensor]:
    """The NumPy optimizer updates NumPy arrays; a float64 torch copy supplies gradients."""
    helper = tanh_mlp(seed=0)
    names = [n for n, _ in helper.named_parameters()]
    params = [Parameter(p.detach().numpy().copy()) for p in helper.parameters()]
    optimizer = getattr(numpy_optim, name)(params, **kwargs)
    x, y = _data()
    for _ in range(STEPS):
        with torch.no_grad():
            for p_torch, p_numpy in zip(helper.parameters(), params, strict=True):
                p_torch.copy_(torch.from_numpy(p_numpy.data))
        helper.zero_grad()
        torch.nn.functional.cross_entropy(helper(x), y).backward()
        for p_torch, p_numpy in zip(helper.parameters(), params, strict=True):
            p_numpy.grad[...] = p_torch.grad.numpy()
        optimizer.step()
    return {n: torch.from_numpy(p.data) for n, p in zip(names, params, strict=True)}


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                          enumerate(CONFIGS)])
def test_matches_torch_optim_and_numpy_after_50_steps(name: str, kwargs: dict) -> None:
    ours = _train_torch(lambda p: getattr(torch_optim, name)(p, **kwargs))
    theirs = _train_torch(lambda p: getattr(torch.optim, name)(p, foreach=False, **kwargs))
    reference = _train_numpy(name, kwargs)
    start = tanh_mlp(seed=0).state_dict()
    for key in ours:
        assert not torch.allclose(ours[key], start[key])  # the weights did move
        torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=1e-8)
        torch.testing.assert_close(ours[key], reference[key], rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_state_dict_resume_equals_uninterrupted(name: str) -> None:
    kwargs = {"lr": 0.01, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.01}
    straight = _train_torch(lambda p: getattr(torch_optim, name)(p, **kwargs), steps=20)
    model = tanh_mlp(seed=0)
    optimizer = getattr(torch_optim, name)(model.parameters(), **kwargs)
    x, y = _data()

    def run(steps: int) -> None:
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    run(10)
    saved = optimizer.state_dict()
    optimizer = getattr(torch_optim, name)(model.parameters(), **kwargs)
    optimizer.load_state_dict(saved)
    run(10)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, straight[key], rtol=0, atol=1e-12)


def test_step_is_plain_python_not_torch_fast_path() -> None:
    # The class must implement step itself (a learner reads the algorithm here).
    for name in ("SGD", "RMSprop", "Adam", "AdamW"):
        cls = getattr(torch_optim, name)
        assert issubclass(cls, torch.optim.Optimizer)
        assert "step" in vars(cls) or "step" in vars(cls.__mro__[1])
        assert "torch.optim" not in cls.step.__module__.replace("nncourse.torch.optim", "")


def test_lr_attribute_drives_numpy_schedules() -> None:
    model = tanh_mlp(seed=0)
    optimizer = torch_optim.SGD(model.parameters(), lr=1.0)
    schedule = torch_optim.StepLR(optimizer, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        seen.append(optimizer.param_groups[0]["lr"])
        schedule.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
    optimizer.lr = 0.3
    assert all(group["lr"] == 0.3 for group in optimizer.param_groups)


def test_parameters_without_grad_are_skipped() -> None:
    frozen = torch.nn.Parameter(torch.ones(3))
    used = torch.nn.Parameter(torch.ones(3))
    optimizer = torch_optim.Adam([frozen, used], lr=0.1)
    (used * 2).sum().backward()
    optimizer.step()
    assert torch.equal(frozen, torch.ones(3))
    assert not torch.equal(used, torch.ones(3))


def test_clear_errors() -> None:
    model = tanh_mlp(seed=0)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        torch_optim.SGD(model, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch_optim.Adam([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        torch_optim.SGD(model.parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        torch_optim.Adam(model.parameters(), betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="alpha"):
        torch_optim.RMSprop(model.parameters(), alpha=1.5)


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       lr=st.floats(1e-4, 1.0), seed=st.integers(0, 1000))
def test_plain_sgd_step_is_theta_minus_lr_grad(shape: list[int], lr: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    start = rng.normal(size=shape)
    grad = rng.normal(size=shape)
    p = torch.nn.Parameter(torch.tensor(start))
    p.grad = torch.tensor(grad)
    torch_optim.SGD([p], lr=lr).step()
    np.testing.assert_allclose(p.detach().numpy(), start - lr * grad, rtol=0, atol=1e-12)
