"""Learning-rate schedules, epoch by epoch, with the values of ``torch.optim.lr_scheduler``.

A schedule reads the optimizer's starting learning rate once, then each call
to :meth:`LRScheduler.step` (once per epoch, after the optimizer steps) moves
to the next epoch and writes ``optimizer.lr``. Every schedule is a closed-form
function of the epoch, :meth:`LRScheduler.lr_at`, so a plot can ask for the
whole curve with :func:`schedule_values` without training anything.

Example:
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(); sched.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_int, check_number, check_positive

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup",
           "schedule_values", "lr_range_test"]


class LRScheduler:
    """Base class: ``lr_at(epoch)`` in closed form; ``step()`` advances one epoch.

    Args:
        optimizer: anything with a float ``lr`` attribute (an :class:`Optimizer`).

    Attributes:
        base_lr: the learning rate at epoch 0 (the optimizer's ``initial_lr``).
        last_epoch: the current epoch (0 right after construction).
    """

    def __init__(self, optimizer: Any) -> None:
        if not hasattr(optimizer, "lr") or isinstance(optimizer, LRScheduler):
            raise TypeError(
                "A schedule needs an optimizer with an 'lr' attribute; "
                f"got {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        # As torch: the first schedule attached records the starting lr; later ones reuse it.
        if getattr(optimizer, "initial_lr", None) is None:
            optimizer.initial_lr = float(optimizer.lr)
        self.base_lr: float = float(optimizer.initial_lr)
        self.last_epoch = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, epoch: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch and set ``optimizer.lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> float:
        """The learning rate of the current epoch."""
        return self.lr_at(self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])
        self.optimizer.lr = self.lr_at(self.last_epoch)


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs.

    .. math:: \eta_e = \eta_0 \, \gamma^{\lfloor e / s \rfloor}

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        step_size: :math:`s`, epochs between decays (>= 1).
        gamma: :math:`\gamma`, the decay factor (default 0.1).

    Example:
        >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int(step_size, "step_size", 1)
        self.gamma = check_positive(gamma, "gamma", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: :math:`\eta_e = \eta_0 \gamma^e`.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        gamma: the per-epoch factor, e.g. 0.95.

    Example:
        >>> sched = ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer: Any, gamma: float) -> None:
        self.gamma = check_positive(gamma, "gamma", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    r"""Half a cosine from the starting rate down to ``eta_min`` over ``T_max`` epochs.

    .. math:: \eta_e = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})
              \left(1 + \cos\frac{\pi e}{T_{max}}\right)

    Past ``T_max`` the cosine continues (the rate rises again), as in torch.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        T_max: epochs to reach ``eta_min`` (>= 1).
        eta_min: the lowest rate (default 0).

    Example:
        >>> sched = CosineAnnealingLR(opt, T_max=50)
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int(T_max, "T_max", 1)
        self.eta_min = check_positive(eta_min, "eta_min", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (self.base_lr - self.eta_min) * cosine


class LinearWarmup(LRScheduler):
    r"""Ramp the rate linearly for ``warmup_epochs``, then hand off to another schedule.

    .. math:: \eta_e = \eta_0 \left(f + (1 - f)\frac{e}{W}\right) \quad (e < W), \qquad
              \eta_e = \text{after}(e - W) \quad (e \ge W)

    With ``after=None`` the rate stays at :math:`\eta_0` after warm-up. Equal to
    torch's ``SequentialLR([LinearLR(opt, f, 1.0, W), after], milestones=[W])``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        warmup_epochs: :math:`W` (>= 1).
        start_factor: :math:`f \in (0, 1]`, the fraction of the rate at epoch 0.
        after: a schedule built on the same optimizer (e.g. CosineAnnealingLR)
            that takes over at epoch :math:`W`, counting its own epochs from 0.

    Example:
        >>> cosine = CosineAnnealingLR(opt, T_max=45)
        >>> sched = LinearWarmup(opt, warmup_epochs=5, start_factor=0.1, after=cosine)
    """

    def __init__(self, optimizer: Any, warmup_epochs: int, start_factor: float = 1.0 / 3,
                 after: LRScheduler | None = None) -> None:
        self.warmup_epochs = check_int(warmup_epochs, "warmup_epochs", 1)
        start_factor = check_number(start_factor, "start_factor", 0, 1, low_open=True)
        if after is not None and not isinstance(after, LRScheduler):
            raise TypeError(f"LinearWarmup: 'after' must be a schedule (e.g. "
                            f"CosineAnnealingLR(opt, T_max=45)) or None; got "
                            f"{type(after).__name__} {after!r}.")
        if after is not None and after.optimizer is not optimizer:
            raise ValueError("LinearWarmup: 'after' must be built on the same optimizer; build "
                             "it with the optimizer you pass here.")
        self.start_factor = start_factor
        self.after = after
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        if epoch < self.warmup_epochs:
            fraction = epoch / self.warmup_epochs
            return self.base_lr * (self.start_factor + (1 - self.start_factor) * fraction)
        if self.after is None:
            return self.base_lr
        return self.after.lr_at(epoch - self.warmup_epochs)


class _LrHolder:
    """The smallest 'optimizer' a schedule accepts: just a learning rate."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.initial_lr: float | None = None


_SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup", "warmup_cosine")


def schedule_values(name: str, epochs: int, lr: float = 1.0, **kwargs: Any) -> np.ndarray:
    """The learning rate at epochs ``0 .. epochs-1`` of a named schedule (for plots).

    Args:
        name: "constant", "step" (step_size, gamma), "exponential" (gamma), "cosine"
            (T_max, eta_min), "warmup" (warmup_epochs, start_factor) or "warmup_cosine"
            (warmup_epochs, start_factor, eta_min; the cosine spans the remaining epochs).
        epochs: how many values (>= 1).
        lr: the starting rate.
        **kwargs: the schedule's own arguments.

    Returns:
        float64 array of shape (epochs,).

    Example:
        >>> schedule_values("step", 5, lr=1.0, step_size=2, gamma=0.5)
        array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    check_choice(name, "schedule name", _SCHEDULES)
    epochs = check_int(epochs, "epochs", 1)
    holder = _LrHolder(check_positive(lr, "lr", allow_zero=True))
    try:
        if name == "constant":
            if kwargs:
                raise TypeError(f"unexpected arguments {sorted(kwargs)}")
            return np.full(epochs, float(lr))
        if name == "step":
            sched: LRScheduler = StepLR(holder, **kwargs)
        elif name == "exponential":
            sched = ExponentialLR(holder, **kwargs)
        elif name == "cosine":
            sched = CosineAnnealingLR(holder, **kwargs)
        elif name == "warmup":
            sched = LinearWarmup(holder, **kwargs)
        else:
            warmup = kwargs.pop("warmup_epochs", max(1, epochs // 10))
            eta_min = kwargs.pop("eta_min", 0.0)
            cosine = CosineAnnealingLR(holder, T_max=max(1, epochs - warmup), eta_min=eta_min)
            sched = LinearWarmup(holder, warmup_epochs=warmup, after=cosine, **kwargs)
    except TypeError as error:
        raise TypeError(f"schedule_values({name!r}): {error}. See the docstring for the "
                        f"arguments each schedule takes.") from error
    return np.array([sched.lr_at(e) for e in range(epochs)], dtype=np.float64)


def _as_loss(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"step must return the batch loss as a number; got "
                        f"{type(value).__name__} {value!r:.40}. Return e.g. float(loss).") from None


def lr_range_test(step: Callable[[Any, Any], float], optimizer: Any,
                  batches: Iterable[tuple[Any, Any]], min_lr: float = 1e-5,
                  max_lr: float = 10.0, smoothing: float = 0.9,
                  stop_factor: float = 4.0) -> dict[str, Any]:
    r"""Smith's learning-rate range test: raise the rate geometrically, one batch per rate.

    Batch :math:`k` of :math:`K` is trained with
    :math:`\eta_k = \eta_\min (\eta_\max / \eta_\min)^{k / (K - 1)}`; the loss is smoothed by a
    bias-corrected moving average :math:`s_k`, and the test stops once
    :math:`s_k > \text{stop\_factor} \cdot \min_{j \le k} s_j` or the loss is not finite.
    It needs only ``optimizer.lr`` and a ``step`` function, so one implementation serves
    both backends (the optimizers of :mod:`nncourse.numpy.optim` and
    :mod:`nncourse.torch.optim` both have ``lr``).

    Args:
        step: ``(x_batch, y_batch) -> loss`` doing one training step, e.g.
            ``lambda xb, yb: train_step(model, loss_fn, optimizer, xb, yb)[0]``.
        optimizer: its ``lr`` is set before every step.
        batches: the (x_batch, y_batch) pairs, one per rate (their number is K >= 2).
        min_lr: the first rate (> 0).
        max_lr: the last rate (> min_lr).
        smoothing: moving-average factor in [0, 1).
        stop_factor: stop when the smoothed loss exceeds this multiple of its minimum.

    Returns:
        dict with "lrs" and "losses" (the steps taken), "smoothed", "suggested_lr" (where the
        smoothed loss falls fastest per decade of rate), "min_loss_lr" and "stopped_early".

    Example:
        >>> batches = [(x[i:i + 64], y[i:i + 64]) for i in range(0, 6400, 64)]
        >>> found = lr_range_test(lambda xb, yb: train_step(model, loss_fn, opt, xb, yb)[0],
        ...                       opt, batches, min_lr=1e-4, max_lr=1.0)
        >>> found["suggested_lr"]
    """
    min_lr, max_lr = check_positive(min_lr, "min_lr"), check_positive(max_lr, "max_lr")
    if not min_lr < max_lr:
        raise ValueError(f"min_lr must be < max_lr; got min_lr={min_lr}, max_lr={max_lr}.")
    smoothing = check_number(smoothing, "smoothing", low=0.0, high=1.0, high_open=True)
    stop_factor = check_number(stop_factor, "stop_factor", low=1.0, low_open=True,
                               hint="The test stops when the loss grows this many times.")
    if not callable(step):
        raise TypeError(f"step must be a function (x_batch, y_batch) -> loss; got "
                        f"{type(step).__name__}.")
    if not hasattr(optimizer, "lr"):
        raise TypeError(f"lr_range_test needs an optimizer with an 'lr' attribute; got "
                        f"{type(optimizer).__name__}.")
    batches = list(batches)
    if len(batches) < 2:
        raise ValueError(f"lr_range_test needs at least 2 batches (one per rate); got "
                         f"{len(batches)}. Pass e.g. 100 mini-batches.")
    for batch in batches:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"lr_range_test expects batches of (x_batch, y_batch) pairs; got "
                            f"{type(batch).__name__}. Pair inputs and targets, e.g. "
                            "list(zip(x_batches, y_batches)).")
    lrs = min_lr * (max_lr / min_lr) ** (np.arange(len(batches)) / (len(batches) - 1))
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    for k, ((x_batch, y_batch), rate) in enumerate(zip(batches, lrs, strict=True)):
        optimizer.lr = float(rate)
        loss = _as_loss(step(x_batch, y_batch))
        losses.append(loss)
        if not math.isfinite(loss):
            break
        average = smoothing * average + (1 - smoothing) * loss
        smoothed.append(average / (1 - smoothing ** (k + 1)))   # bias-corrected average
        best = min(best, smoothed[-1])
        if smoothed[-1] > stop_factor * best:
            break
    curve = np.array(smoothed)
    count = len(curve)
    slopes = np.gradient(curve, np.log10(lrs[:count])) if count > 2 else np.zeros(count)
    return {"lrs": lrs[:len(losses)], "losses": np.array(losses), "smoothed": curve,
            "suggested_lr": float(lrs[int(np.argmin(slopes))]) if count else float(min_lr),
            "min_loss_lr": float(lrs[int(np.argmin(curve))]) if count else float(min_lr),
            "stopped_early": len(losses) < len(batches)}
