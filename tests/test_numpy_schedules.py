"""Learning-rate schedules equal torch.optim.lr_scheduler epoch by epoch."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.numpy.module import Parameter
from nncourse.numpy.optim import (
    SGD,
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    StepLR,
    schedule_values,
)

torch = pytest.importorskip("torch")
sched = torch.optim.lr_scheduler
EPOCHS = 30
LR = 0.3


def _ours(build) -> list[float]:
    opt = SGD([Parameter(np.zeros(2))], lr=LR)
    scheduler = build(opt)
    values = []
    for _ in range(EPOCHS):
        values.append(opt.lr)
        opt.step()
        scheduler.step()
    return values


def _torch(build) -> list[float]:
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=LR)
    scheduler = build(opt)
    values = []
    for _ in range(EPOCHS):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return values


CASES = {
    "step": (lambda o: StepLR(o, step_size=7, gamma=0.5),
             lambda o: sched.StepLR(o, step_size=7, gamma=0.5)),
    "exponential": (lambda o: ExponentialLR(o, gamma=0.9),
                    lambda o: sched.ExponentialLR(o, gamma=0.9)),
    "cosine": (lambda o: CosineAnnealingLR(o, T_max=12, eta_min=0.01),
               lambda o: sched.CosineAnnealingLR(o, T_max=12, eta_min=0.01)),
    "warmup": (lambda o: LinearWarmup(o, warmup_epochs=5, start_factor=0.2),
               lambda o: sched.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=5)),
    "warmup_cosine": (
        lambda o: LinearWarmup(o, 4, 0.1, after=CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
        lambda o: sched.SequentialLR(
            o, [sched.LinearLR(o, start_factor=0.1, total_iters=4),
                sched.CosineAnnealingLR(o, T_max=20, eta_min=0.001)], milestones=[4]),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_matches_torch_for_30_epochs(name):
    ours, theirs = CASES[name]
    got, expected = _ours(ours), _torch(theirs)
    assert len(set(np.round(got, 12))) > 1  # the rate really changes
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_schedule_values_match_the_schedulers():
    np.testing.assert_allclose(
        schedule_values("step", EPOCHS, lr=LR, step_size=7, gamma=0.5),
        _ours(CASES["step"][0]))
    np.testing.assert_allclose(
        schedule_values("cosine", EPOCHS, lr=LR, T_max=12, eta_min=0.01),
        _ours(CASES["cosine"][0]))
    values = schedule_values("warmup_cosine", 20, lr=1.0, warmup_epochs=5, start_factor=0.1)
    assert values.shape == (20,) and values[0] == pytest.approx(0.1) and values[5] == 1.0
    assert np.all(np.diff(values[5:]) < 0)
    np.testing.assert_array_equal(schedule_values("constant", 3, lr=0.5), [0.5, 0.5, 0.5])


def test_schedule_state_dict_resumes():
    opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    s = ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        s.step()
    saved = s.state_dict()
    opt2 = SGD([Parameter(np.zeros(1))], lr=1.0)
    s2 = ExponentialLR(opt2, gamma=0.5)
    s2.load_state_dict(saved)
    assert opt2.lr == opt.lr == 0.125


def test_bad_schedule_arguments():
    opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be an integer >= 1"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be an integer >= 1"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="start_factor must be in"):
        LinearWarmup(opt, 3, start_factor=2.0)
    with pytest.raises(ValueError, match="Unknown schedule name 'linear'"):
        schedule_values("linear", 10)
    with pytest.raises(TypeError, match="schedule_values\\('step'\\)"):
        schedule_values("step", 10, steps=3)
    with pytest.raises(TypeError, match="'lr' attribute"):
        StepLR(object(), step_size=2)
