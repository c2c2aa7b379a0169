"""Learning-rate schedules for torch optimizers, the twin of :mod:`nncourse.numpy.schedules`.

A schedule only reads and writes ``optimizer.lr`` once per epoch; it never touches
a tensor. Every optimizer of :mod:`nncourse.torch.optim` has that ``lr`` attribute
(it sets every parameter group), so the NumPy schedules drive a torch optimizer
unchanged: the classes here *are* those of the reference, one definition each.
``torch.optim.lr_scheduler`` works as well.

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
    StepLR,
    schedule_values,
)

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup",
           "schedule_values"]
