"""Optimizers and schedules of both backends against ``torch.optim`` and its lr_scheduler.

The oracle is a library we did not write: ``torch.optim`` runs the same gradient sequence on the
same weights, with parameter groups of different rates, parameters that get no gradient,
exact-zero gradients, a learning rate changed mid-run, and schedules resumed mid-run from a
state dict. The pure update functions are also checked to be pure (no argument changed) and to
be what the classes call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import nncourse.numpy.optim as NO
import nncourse.torch.optim as TO
from nncourse.numpy.module import Parameter

lr_scheduler = torch.optim.lr_scheduler
STEPS = 12
SHAPES = [(3, 2), (2,), (4,)]

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99)}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def _initial(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def _gradient(step: int, index: int, data: np.ndarray) -> np.ndarray | None:
    """A gradient that depends on the weights; parameter 2 gets none on odd steps, and
    parameter 1's gradient is exactly zero on step 3 (a zero gradient still moves the state)."""
    if index == 2 and step % 2 == 1:
        return None
    if index == 1 and step == 3:
        return np.zeros_like(data)
    rng = np.random.default_rng(100 * step + index)
    return 0.5 * data + rng.normal(size=data.shape)


def _groups(params: list[Any], lr: float) -> list[dict[str, Any]]:
    """Two groups: the first two parameters at a tenth of the rate, the last at the rate."""
    return [{"params": params[:2], "lr": lr / 10}, {"params": params[2:]}]


def _run(backend: str, name: str, kwargs: dict[str, Any], steps: int = STEPS,
         change_lr_at: int | None = None, add_group_at: int | None = None) -> list[np.ndarray]:
    """The parameters after ``steps`` updates; with ``add_group_at`` the second group joins
    (``add_param_group``) at that step, as a backbone unfrozen during fine-tuning."""
    initial = _initial()
    if backend == "numpy":
        params: list[Any] = [Parameter(a.copy()) for a in initial]
        module: Any = NO
    else:
        params = [torch.tensor(a.copy(), requires_grad=True) for a in initial]
        module = TO if backend == "torch-twin" else torch.optim
    groups = _groups(params, kwargs["lr"])
    later = groups.pop() if add_group_at is not None else None
    optimizer = getattr(module, name)(groups, **kwargs)
    for step in range(steps):
        if step == add_group_at:
            optimizer.add_param_group(later)
        if step == change_lr_at:
            for group in optimizer.param_groups:
                group["lr"] = group["lr"] * 0.5
        for i, p in enumerate(params):
            data = p.data if backend == "numpy" else p.detach().numpy().copy()
            grad = _gradient(step, i, data)
            if backend == "numpy":
                p.grad = grad
            else:
                p.grad = None if grad is None else torch.from_numpy(grad)
        optimizer.step()
    return [p.data.copy() if backend == "numpy" else p.detach().numpy() for p in params]


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS, ids=str)
@pytest.mark.parametrize("backend", ["numpy", "torch-twin"])
def test_optimizers_match_torch_optim_with_groups_missing_and_zero_grads(
        backend: str, name: str, kwargs: dict[str, Any]) -> None:
    ours = _run(backend, name, kwargs, change_lr_at=7)
    oracle = _run("torch", name, kwargs, change_lr_at=7)
    for got, expected, start in zip(ours, oracle, _initial(), strict=True):
        assert not np.allclose(got, start)  # every parameter really moved
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS[2::2], ids=str)
@pytest.mark.parametrize("backend", ["numpy", "torch-twin"])
def test_add_param_group_mid_run_matches_torch_optim(backend: str, name: str,
                                                     kwargs: dict[str, Any]) -> None:
    ours = _run(backend, name, kwargs, add_group_at=5)
    oracle = _run("torch", name, kwargs, add_group_at=5)
    for got, expected in zip(ours, oracle, strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(_run("numpy", name, kwargs, steps=5, add_group_at=5)[2],
                                  _initial()[2])        # not updated before it joined


def test_numpy_optimizer_skips_a_parameter_without_gradient() -> None:
    used, unused = Parameter(np.ones(2)), Parameter(np.ones(3))
    unused.grad = None
    optimizer = NO.Adam([used, unused], lr=0.1)
    used.grad[...] = 1.0
    optimizer.step()
    np.testing.assert_array_equal(unused.data, np.ones(3))
    assert optimizer.state[1] == {}
    assert not np.allclose(used.data, 1.0)
    optimizer.zero_grad()  # gives the parameter a zero gradient again
    np.testing.assert_array_equal(unused.grad, np.zeros(3))


def test_group_hyperparameters_and_attribute_access() -> None:
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    optimizer = NO.SGD([{"params": [a], "momentum": 0.5}, {"params": [b]}], lr=0.1,
                       momentum=0.9)
    assert [g["momentum"] for g in optimizer.param_groups] == [0.5, 0.9]
    assert optimizer.momentum == 0.5  # the first group's, as optimizer.lr
    optimizer.momentum = 0.0
    assert [g["momentum"] for g in optimizer.param_groups] == [0.0, 0.0]
    with pytest.raises(ValueError, match="unknown keys"):
        NO.SGD([{"params": [a], "betas": (0.9, 0.9)}], lr=0.1)
    with pytest.raises(TypeError, match="Wrap it in a list"):
        NO.SGD({"params": [a]}, lr=0.1)
    with pytest.raises(TypeError, match="Wrap it in a list"):
        TO.SGD({"params": [torch.zeros(1, requires_grad=True)]}, lr=0.1)


def test_group_state_dict_round_trip_resumes_exactly() -> None:
    straight = _run("numpy", "Adam", {"lr": 0.01})
    initial = _initial()
    params = [Parameter(a.copy()) for a in initial]
    optimizer = NO.Adam(_groups(params, 0.01), lr=0.01)
    for step in range(STEPS):
        if step == 5:
            saved, weights = optimizer.state_dict(), [p.data.copy() for p in params]
            params = [Parameter(w) for w in weights]
            optimizer = NO.Adam(_groups(params, 0.5), lr=0.5)  # other rates: the state wins
            optimizer.load_state_dict(saved)
        for i, p in enumerate(params):
            p.grad = _gradient(step, i, p.data)
        optimizer.step()
    for got, expected in zip(params, straight, strict=True):
        np.testing.assert_allclose(got.data, expected, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- pure functions
PURE = {
    "sgd_step": lambda m, p, g, s: m.sgd_step(p, g, 0.1, weight_decay=0.01),
    "momentum_step": lambda m, p, g, s: m.momentum_step(p, g, s, 0.1, 0.9, nesterov=True),
    "rmsprop_step": lambda m, p, g, s: m.rmsprop_step(p, g, s * s, 0.1, 0.9, 1e-8),
    "rmsprop_general_step": lambda m, p, g, s: m.rmsprop_general_step(
        p, g, s * s, s, s, 0.1, 0.9, 1e-8, 0.5, True),
    "adam_step": lambda m, p, g, s: m.adam_step(p, g, s, s * s, 3, 0.1, 0.9, 0.99, 1e-8),
    "adamw_step": lambda m, p, g, s: m.adamw_step(p, g, s, s * s, 3, 0.1, 0.9, 0.99, 1e-8,
                                                  0.1),
    "amsgrad_step": lambda m, p, g, s: m.amsgrad_step(p, g, s, s * s, s * s + 1, 3, 0.1, 0.9,
                                                      0.99, 1e-8),
}


@pytest.mark.parametrize("name", sorted(PURE))
def test_pure_updates_change_no_argument_and_twins_agree(name: str) -> None:
    rng = np.random.default_rng(3)
    p, g, s = (rng.normal(size=(3, 2)) for _ in range(3))
    copies = [a.copy() for a in (p, g, s)]
    ours = PURE[name](NO, p, g, s)
    for after, before in zip((p, g, s), copies, strict=True):
        np.testing.assert_array_equal(after, before)  # nothing was written in place
    tensors = [torch.from_numpy(a.copy()) for a in (p, g, s)]
    twin = PURE[name](TO, *tensors)
    for after, before in zip(tensors, copies, strict=True):
        np.testing.assert_array_equal(after.numpy(), before)
    ours = ours if isinstance(ours, tuple) else (ours,)
    twin = twin if isinstance(twin, tuple) else (twin,)
    for a, b in zip(ours, twin, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=1e-12)


def test_adam_step_first_step_moves_each_coordinate_by_lr() -> None:
    # At t = 1 the bias corrections make the step lr * sign(g) (eps = 0), whatever |g|.
    grad = np.array([3.0, -1e-3, 0.0])
    zeros = np.zeros(3)
    with np.errstate(invalid="ignore"):
        new, m, v = NO.adam_step(zeros, grad, zeros, zeros, 1, 0.1, 0.9, 0.999, 0.0)
    np.testing.assert_allclose(new[:2], [-0.1, 0.1])
    assert np.isnan(new[2])  # 0/0 with eps = 0: why eps exists
    new, _, _ = NO.adam_step(zeros, grad, zeros, zeros, 1, 0.1, 0.9, 0.999, 1e-8)
    assert new[2] == 0.0


CLASS_CALLS = [
    ("SGD", {"lr": 0.1}, "sgd_step"),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "momentum_step"),
    ("RMSprop", {"lr": 0.1}, "rmsprop_step"),
    ("RMSprop", {"lr": 0.1, "centered": True}, "rmsprop_general_step"),
    ("Adam", {"lr": 0.1}, "adam_step"),
    ("Adam", {"lr": 0.1, "amsgrad": True}, "amsgrad_step"),
    ("AdamW", {"lr": 0.1}, "adamw_step"),
]


@pytest.mark.parametrize(("name", "kwargs", "function"), CLASS_CALLS, ids=str)
@pytest.mark.parametrize("module", [NO, TO], ids=["numpy", "torch"])
def test_classes_call_the_pure_update(module: Any, name: str, kwargs: dict[str, Any],
                                      function: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, function)

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(module, function, spy)
    if module is NO:
        params: list[Any] = [Parameter(np.ones(3)), Parameter(np.ones(2))]
        for p in params:
            p.grad[...] = 0.5
    else:
        params = [torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)]
        for p in params:
            p.grad = torch.full_like(p, 0.5)
    getattr(module, name)(params, **kwargs).step()
    assert len(calls) == 2  # once per parameter


# ----------------------------------------------------------------------------- schedules
SCHEDULES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "step": (lambda o: NO.StepLR(o, step_size=3, gamma=0.5),
             lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "multistep": (lambda o: NO.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
                  lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5)),
    "exponential": (lambda o: NO.ExponentialLR(o, gamma=0.8),
                    lambda o: lr_scheduler.ExponentialLR(o, gamma=0.8)),
    "cosine": (lambda o: NO.CosineAnnealingLR(o, T_max=6, eta_min=1e-4),
               lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=1e-4)),
    "warmup": (lambda o: NO.LinearWarmup(o, warmup_epochs=4, start_factor=0.25),
               lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4)),
    "warmup_cosine": (
        lambda o: NO.LinearWarmup(o, 3, 0.1, after=NO.CosineAnnealingLR(o, T_max=8)),
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
                lr_scheduler.CosineAnnealingLR(o, T_max=8)], milestones=[3])),
    "onecycle": (lambda o: NO.OneCycleLR(o, max_lr=[0.05, 0.5], total_steps=14),
                 lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.05, 0.5], total_steps=14)),
    "onecycle_linear_three_phase": (
        lambda o: NO.OneCycleLR(o, max_lr=0.4, epochs=2, steps_per_epoch=7,
                                anneal_strategy="linear", three_phase=True, pct_start=0.25),
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.4, epochs=2, steps_per_epoch=7,
                                          anneal_strategy="linear", three_phase=True,
                                          pct_start=0.25)),
}
EPOCHS = 14


def _schedule_run(backend: str, optimizer_name: str, build: Callable[[Any], Any],
                  resume_at: int | None = None) -> list[list[tuple[float, Any]]]:
    """Each epoch's (lr, momentum or betas) per group, for a two-group optimizer."""
    kwargs = {"lr": 0.2, "momentum": 0.9} if optimizer_name == "SGD" else {"lr": 0.2}

    def make() -> tuple[Any, Any]:
        if backend == "numpy":
            ps: list[Any] = [Parameter(np.zeros(2)), Parameter(np.zeros(2))]
            opt = getattr(NO, optimizer_name)([{"params": ps[:1], "lr": 0.02},
                                              {"params": ps[1:]}], **kwargs)
        else:
            ps = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
            module = TO if backend == "torch-twin" else torch.optim
            opt = getattr(module, optimizer_name)([{"params": ps[:1], "lr": 0.02},
                                                  {"params": ps[1:]}], **kwargs)
        return opt, build(opt)

    optimizer, scheduler = make()
    seen = []
    for epoch in range(EPOCHS):
        if epoch == resume_at:
            saved = scheduler.state_dict()
            optimizer, scheduler = make()
            scheduler.load_state_dict(saved)
        seen.append([(g["lr"], g.get("momentum", g.get("betas"))) for g in optimizer.param_groups])
        optimizer.step()
        if epoch < EPOCHS - 1:
            scheduler.step()
    return seen


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
@pytest.mark.parametrize("backend", ["numpy", "torch-twin"])
def test_schedules_match_torch_per_group_and_resume(backend: str, optimizer_name: str,
                                                    name: str) -> None:
    ours_build, torch_build = SCHEDULES[name]
    oracle = _schedule_run("torch", optimizer_name, torch_build)
    for resume_at in (None, 6):
        ours = _schedule_run(backend, optimizer_name, ours_build, resume_at=resume_at)
        for epoch, (got, expected) in enumerate(zip(ours, oracle, strict=True)):
            for (lr, momentum), (lr_expected, momentum_expected) in zip(got, expected,
                                                                        strict=True):
                assert lr == pytest.approx(lr_expected, rel=1e-12, abs=1e-15), (epoch, got)
                assert np.allclose(momentum, momentum_expected, rtol=1e-12), (epoch, got)
    if name in ("step", "multistep", "exponential", "warmup"):
        rates = [group_rates[0][0] / group_rates[1][0] for group_rates in ours]
        assert rates == pytest.approx([0.1] * EPOCHS)  # the groups stay ten times apart


def test_step_schedule_keeps_per_group_rates_after_a_step() -> None:
    # The transfer chapter's case: backbone at a tenth of the head's rate, then StepLR.
    a, b = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    optimizer = NO.Adam([{"params": [a], "lr": 1e-4}, {"params": [b], "lr": 1e-3}])
    scheduler = NO.StepLR(optimizer, step_size=1, gamma=0.5)
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([5e-5, 5e-4])
    assert scheduler.get_last_lrs() == pytest.approx([5e-5, 5e-4])


def test_onecycle_refuses_to_run_past_its_steps_and_bad_arguments() -> None:
    optimizer = NO.SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = NO.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps is 3"):
        scheduler.step()
    with pytest.raises(ValueError, match="epochs and steps_per_epoch"):
        NO.OneCycleLR(optimizer, max_lr=1.0)
    with pytest.raises(ValueError, match="one per group"):
        NO.OneCycleLR(optimizer, max_lr=[1.0, 2.0], total_steps=5)
    with pytest.raises(TypeError, match="milestones must be a list"):
        NO.MultiStepLR(optimizer, milestones=5)


def test_schedule_values_offers_the_new_schedules() -> None:
    np.testing.assert_allclose(NO.schedule_values("multistep", 5, lr=1.0, milestones=[1, 3],
                                                  gamma=0.5), [1, 0.5, 0.5, 0.25, 0.25])
    one_cycle = NO.schedule_values("onecycle", 10, lr=1.0)
    assert one_cycle[0] == pytest.approx(1.0 / 25) and one_cycle.max() == pytest.approx(1.0)
    assert one_cycle[-1] == pytest.approx(1.0 / 25 / 1e4)


# --- gradient clipping -----------------------------------------------------------------------
CLIP_CASES = {  # name: (gradients, None for a parameter without one; max_norm; norm_type)
    "clipped": ([np.arange(6.0).reshape(3, 2), np.array([-4.0, 1.0]), None], 1.0, 2.0),
    "under the limit: unchanged": ([np.array([0.3, -0.4])], 1.0, 2.0),
    "all zeros": ([np.zeros((2, 2)), np.zeros(3)], 0.5, 2.0),
    "largest entry": ([np.array([[3.0, -7.0]]), np.array([0.5])], 2.0, float("inf")),
    "1-norm, one parameter": ([np.array([1.0, -2.0, 3.0])], 1.5, 1.0),
    "3-norm": ([np.array([1.0, -2.0]), np.array([[0.5], [4.0]])], 0.7, 3.0),
    "float32": ([np.linspace(-3, 3, 6, dtype=np.float32).reshape(2, 3)], 1.0, 2.0),
    "no gradients at all": ([None, None], 1.0, 2.0),
}


@pytest.mark.parametrize("case", CLIP_CASES)
def test_clip_grad_norm_matches_torch(case: str) -> None:
    grads, max_norm, norm_type = CLIP_CASES[case]
    shapes = [(2,) if g is None else g.shape for g in grads]
    dtype = next((g.dtype for g in grads if g is not None), np.float64)
    theirs = [torch.zeros(s, dtype=torch.float64 if dtype == np.float64 else torch.float32,
                          requires_grad=True) for s in shapes]
    twins = [torch.zeros_like(t, requires_grad=True) for t in theirs]
    ours = [Parameter(np.zeros(s, dtype=dtype)) for s in shapes]
    for g, t, w, p in zip(grads, theirs, twins, ours, strict=True):
        t.grad = None if g is None else torch.tensor(g)
        w.grad = None if g is None else torch.tensor(g)
        p.grad = None if g is None else g.copy()
    expected = float(torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type))
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert NO.clip_grad_norm_(ours, max_norm, norm_type) == pytest.approx(expected, rel=rtol)
    assert float(TO.clip_grad_norm_(twins, max_norm, norm_type)) == pytest.approx(expected,
                                                                                   rel=rtol)
    for t, w, p in zip(theirs, twins, ours, strict=True):
        if t.grad is None:
            assert p.grad is None and w.grad is None
            continue
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=rtol, atol=1e-15)
        np.testing.assert_allclose(w.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-15)


# --- ReduceLROnPlateau -----------------------------------------------------------------------
NAN = float("nan")
PLATEAU_CASES = {  # name: (options, metrics one per epoch)
    "defaults, ties and a NaN": ({"patience": 2}, [1.0, 1.0, 1.0, 1.0, 0.5, NAN, NAN, NAN, 0.5]),
    "cooldown, min_lr per group": ({"factor": 0.5, "patience": 0, "cooldown": 2,
                                    "min_lr": [0.02, 0.0]}, [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
    "max mode, abs threshold": ({"mode": "max", "threshold": 0.1, "threshold_mode": "abs",
                                 "patience": 1, "factor": 0.3}, [0.5, 0.55, 0.58, 0.7, 0.7, 0.9]),
    "eps skips a tiny change": ({"factor": 0.9, "patience": 0, "eps": 0.005}, [1.0] * 8),
    "zero metric, rel threshold": ({"patience": 1}, [0.0, 0.0, 0.0, -1e-9, 0.0, 0.0]),
}


@pytest.mark.parametrize("case", PLATEAU_CASES)
def test_reduce_lr_on_plateau_matches_torch(case: str) -> None:
    options, metrics = PLATEAU_CASES[case]
    def groups(params: list) -> list[dict[str, Any]]:
        return [{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.01}]
    torch_params = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    reference = torch.optim.SGD(groups(torch_params), lr=0.1)
    theirs = lr_scheduler.ReduceLROnPlateau(reference, **options)
    numpy_optimizer = NO.SGD(groups([Parameter(np.zeros(2)) for _ in range(2)]), lr=0.1)
    twin_optimizer = TO.SGD(groups([torch.zeros(2, requires_grad=True) for _ in range(2)]),
                            lr=0.1)
    ours = NO.ReduceLROnPlateau(numpy_optimizer, **options)
    twin = TO.ReduceLROnPlateau(twin_optimizer, **options)
    for epoch, metric in enumerate(metrics):
        theirs.step(metric)
        ours.step(np.float64(metric))
        twin.step(torch.tensor(metric))
        expected = [g["lr"] for g in reference.param_groups]
        assert ours.get_last_lrs() == pytest.approx(expected, rel=1e-15), epoch
        assert twin.get_last_lrs() == pytest.approx(expected, rel=1e-15), epoch
        assert (ours.num_bad_epochs, ours.cooldown_counter) == (theirs.num_bad_epochs,
                                                                 theirs.cooldown_counter)
        if epoch == 2:                                   # resume mid-run from a state dict
            state = ours.state_dict()
            ours = NO.ReduceLROnPlateau(numpy_optimizer, **options)
            ours.load_state_dict(state)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_fit_steps_a_plateau_schedule_with_the_validation_loss(backend: str) -> None:
    """Both fits hand the plateau schedule val_loss (torch's own class in the torch fit)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    if backend == "numpy":
        from nncourse.numpy.layers import Linear
        from nncourse.numpy.losses import MSELoss
        from nncourse.numpy.training import fit
        model: Any = Linear(3, 1, seed=0)
        optimizer: Any = NO.SGD(model.parameters(), lr=0.05)
        schedule: Any = NO.ReduceLROnPlateau(optimizer, patience=0, threshold=0.5)
    else:
        from nncourse.torch.layers import Linear as TorchLinear
        from nncourse.torch.losses import MSELoss  # type: ignore[assignment]
        from nncourse.torch.training import fit  # type: ignore[assignment]
        model = TorchLinear(3, 1, seed=0, dtype=torch.float64)
        optimizer = TO.SGD(model.parameters(), lr=0.05)
        schedule = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, threshold=0.5)
    history = fit(model, MSELoss(), optimizer, x, y, epochs=3, batch_size=8,
                  validation_data=(x[:4], y[:4]), scheduler=schedule, seed=0)
    assert schedule.last_epoch == 3
    assert schedule.best == history.history["val_loss"][0]     # never 50 % better after it
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.05 * 0.1 ** 2)


def test_reduce_lr_on_plateau_after_add_param_group_matches_torch() -> None:
    reference = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    theirs = lr_scheduler.ReduceLROnPlateau(reference, patience=0, factor=0.5, min_lr=0.004)
    optimizer = NO.SGD([Parameter(np.zeros(1))], lr=0.1)
    ours = NO.ReduceLROnPlateau(optimizer, patience=0, factor=0.5, min_lr=0.004)
    for epoch in range(6):
        if epoch == 2:                      # a second group joins; one min_lr serves both
            reference.add_param_group({"params": [torch.zeros(1, requires_grad=True)],
                                       "lr": 0.01})
            optimizer.add_param_group({"params": [Parameter(np.zeros(1))], "lr": 0.01})
        theirs.step(1.0)
        ours.step(1.0)
        expected = [g["lr"] for g in reference.param_groups]
        assert ours.get_last_lrs() == pytest.approx(expected, rel=1e-15), epoch


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_set_to_none_matches_torch(set_to_none: bool) -> None:
    """A parameter outside the loss: skipped after set_to_none, moved by weight decay and
    momentum after zeroing (its gradient is an exact zero)."""
    start = np.array([1.0, -2.0])
    theirs = [torch.tensor(start, requires_grad=True) for _ in range(2)]
    reference = torch.optim.AdamW(theirs, lr=0.1, weight_decay=0.5)
    ours = [Parameter(start.copy()) for _ in range(2)]
    optimizer = NO.AdamW(ours, lr=0.1, weight_decay=0.5)
    theirs[1].grad = torch.zeros(2, dtype=torch.float64)  # a NumPy Parameter starts with zeros
    for step in range(3):
        reference.zero_grad(set_to_none=set_to_none)
        optimizer.zero_grad(set_to_none=set_to_none)
        grad = np.array([0.5, 0.25 * step])               # only the first takes part
        theirs[0].grad, ours[0].grad = torch.tensor(grad), grad.copy()
        if not set_to_none:                               # torch leaves zeros where we do
            assert ours[1].grad is not None and not ours[1].grad.any()
        reference.step()
        optimizer.step()
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=0, atol=1e-12)
    assert np.array_equal(ours[1].data, start) == set_to_none
