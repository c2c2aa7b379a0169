"""Learning-rate schedules for torch optimizers, the twin of :mod:`nncourse.numpy.schedules`.

A schedule only reads and writes the rates of the optimizer's parameter groups (one
starting rate per group, as ``torch.optim.lr_scheduler``); it never touches a tensor.
Both backends' optimizers keep torch's ``param_groups``, so the NumPy schedules drive a
torch optimizer unchanged: the classes here *are* those of the reference, one definition each.
``torch.optim.lr_scheduler`` works as well. :func:`lr_range_test` is the reference's too:
it only sets ``optimizer.lr`` and calls the step function it is given.

Example:
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(); sched.step()
"""

from __future__ import annotations

from nncourse.numpy.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
    lr_range_test,
    schedule_values,
)

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau", "schedule_values", "lr_range_test"]
