"""Learning-rate schedules, epoch by epoch, with the values of ``torch.optim.lr_scheduler``.

A schedule reads the optimizer's starting learning rate once, then each call
to :meth:`LRScheduler.step` (once per epoch, after the optimizer steps) moves
to the next epoch and writes ``optimizer.lr``. Every schedule is a closed-form
function of the epoch, :meth:`LRScheduler.lr_at`, so a plot can ask for the
whole curve with :func:`schedule_values` without training anything.
:class:`ReduceLROnPlateau` is the exception: it watches a validation loss.

What ``torch.optim.lr_scheduler`` offers beyond this, and why it is not here:

- ``LinearLR`` followed by another schedule through ``SequentialLR``: that is
  :class:`LinearWarmup` with ``after=``, the one combination the chapters use.
- ``LambdaLR``, ``MultiplicativeLR``: subclass :class:`LRScheduler` and write ``rate()``,
  which keeps the closed form that plots need.
- ``CosineAnnealingWarmRestarts``, ``CyclicLR``, ``PolynomialLR``, ``ConstantLR``,
  ``ChainedScheduler``: no chapter uses them; ``torch.optim.lr_scheduler``'s drive the torch
  path's optimizers, and ``fit(scheduler=...)`` steps them.
- ``step(epoch)``: deprecated in torch; resume with ``state_dict``/``load_state_dict``.

Example:
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(); sched.step()
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_int, check_number, check_positive

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau", "schedule_values", "lr_range_test"]


class LRScheduler:
    """Base class: ``rate(epoch, base_lr)`` in closed form; ``step()`` advances one epoch.

    Every parameter group keeps its own starting rate, as in ``torch.optim.lr_scheduler``:
    a backbone at 1e-4 and a head at 1e-3 stay ten times apart under any schedule.

    Args:
        optimizer: an :class:`Optimizer` (its ``param_groups``), or anything with a float
            ``lr`` attribute.

    Attributes:
        base_lrs: each group's rate at epoch 0 (its ``initial_lr``, recorded by the first
            schedule attached, as torch does); ``base_lr`` is the first of them.
        last_epoch: the current epoch (0 right after construction).
    """

    def __init__(self, optimizer: Any) -> None:
        if not hasattr(optimizer, "lr") or isinstance(optimizer, LRScheduler):
            raise TypeError(
                "A schedule needs an optimizer with an 'lr' attribute; "
                f"got {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        groups = _param_groups(optimizer)
        if groups is not None:
            # As torch: the first schedule attached records each group's starting rate.
            for group in groups:
                if group.get("initial_lr") is None:
                    group["initial_lr"] = float(group["lr"])
            self.base_lrs = [float(group["initial_lr"]) for group in groups]
        else:
            if getattr(optimizer, "initial_lr", None) is None:
                optimizer.initial_lr = float(optimizer.lr)
            self.base_lrs = [float(optimizer.initial_lr)]
        self.last_epoch = 0
        self._apply(0)

    @property
    def base_lr(self) -> float:
        """The first group's starting rate."""
        return self.base_lrs[0]

    def rate(self, epoch: int, base_lr: float) -> float:  # pragma: no cover - abstract
        """The rate at ``epoch`` of a group that started at ``base_lr`` (closed form)."""
        raise NotImplementedError

    def lr_at(self, epoch: int) -> float:
        """The first group's rate at ``epoch`` (what plots and :func:`schedule_values` show)."""
        return self.lrs_at(epoch)[0]

    def lrs_at(self, epoch: int) -> list[float]:
        """Every group's rate at ``epoch``."""
        return [self.rate(epoch, base) for base in self.base_lrs]

    def _apply(self, epoch: int) -> None:
        rates = self.lrs_at(epoch)
        groups = _param_groups(self.optimizer)
        if groups is None:
            self.optimizer.lr = rates[0]
            return
        # a group added to the optimizer after this schedule was built keeps its own rate
        for group, rate in zip(groups, rates, strict=False):
            group["lr"] = rate

    def step(self) -> None:
        """Move to the next epoch and set each group's rate."""
        self.last_epoch += 1
        self._apply(self.last_epoch)

    def get_last_lr(self) -> float:
        """The first group's rate in the current epoch (``get_last_lrs`` gives every group's)."""
        return self.lr_at(self.last_epoch)

    def get_last_lrs(self) -> list[float]:
        """Every group's rate in the current epoch (torch's ``get_last_lr()``)."""
        return self.lrs_at(self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        return {"base_lrs": list(self.base_lrs), "base_lr": self.base_lr,
                "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or "last_epoch" not in state:
            raise ValueError("load_state_dict expects the dict returned by the schedule's "
                             "state_dict().")
        base_lrs = state.get("base_lrs", [state.get("base_lr")] * len(self.base_lrs))
        if len(base_lrs) != len(self.base_lrs):
            raise ValueError(f"load_state_dict: the saved schedule has {len(base_lrs)} groups, "
                             f"this optimizer has {len(self.base_lrs)}.")
        self.base_lrs = [float(b) for b in base_lrs]
        self.last_epoch = int(state["last_epoch"])
        self._apply(self.last_epoch)


def _param_groups(optimizer: Any) -> list[dict[str, Any]] | None:
    """The optimizer's parameter groups (torch's and ours), or None for a bare ``lr`` holder."""
    groups = getattr(optimizer, "param_groups", None)
    if isinstance(groups, list) and groups and all(isinstance(g, dict) for g in groups):
        return groups
    return None


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

    def rate(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each milestone epoch.

    .. math:: \eta_e = \eta_0 \, \gamma^{\#\{m \in \text{milestones} : m \le e\}}

    A milestone listed twice decays twice, as in torch.

    Args:
        optimizer: the optimizer whose rates to set.
        milestones: epochs (>= 1) at which the rate decays, e.g. ``[30, 80]``.
        gamma: the decay factor (default 0.1).

    Example:
        >>> sched = MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer: Any, milestones: Iterable[int], gamma: float = 0.1) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(f"milestones must be a list of epochs such as [30, 80]; got "
                            f"{type(milestones).__name__} {milestones!r}.")
        self.milestones = sorted(check_int(m, "milestone", 1) for m in milestones)
        self.gamma = check_positive(gamma, "gamma", allow_zero=True)
        super().__init__(optimizer)

    def rate(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


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

    def rate(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch


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

    def rate(self, epoch: int, base_lr: float) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


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

    def rate(self, epoch: int, base_lr: float) -> float:
        if epoch < self.warmup_epochs:
            fraction = epoch / self.warmup_epochs
            return base_lr * (self.start_factor + (1 - self.start_factor) * fraction)
        if self.after is None:
            return base_lr
        return self.after.rate(epoch - self.warmup_epochs, base_lr)


class OneCycleLR(LRScheduler):
    r"""Smith's one-cycle policy, step by step: up to ``max_lr``, then far below the start.

    Call :meth:`step` after every **batch** (``total_steps`` in all). With the cosine
    anneal :math:`a(s, e, p) = e + \tfrac{s - e}{2}(1 + \cos \pi p)` between the phase ends:

    .. math::

        \eta_0 = \frac{\eta_{max}}{\text{div\_factor}}, \qquad
        \eta_{min} = \frac{\eta_0}{\text{final\_div\_factor}}, \qquad
        \eta_k = \begin{cases} a(\eta_0, \eta_{max}, k / k_1) & k \le k_1 \\
            a(\eta_{max}, \eta_{min}, (k - k_1) / (K - 1 - k_1)) & k > k_1 \end{cases}

    with :math:`k_1 = \text{pct\_start} \cdot K - 1`. The momentum (SGD, RMSprop) or
    :math:`\beta_1` (Adam) cycles the other way, from ``max_momentum`` down to
    ``base_momentum`` and back. ``three_phase=True`` adds torch's symmetric third phase.
    Values equal ``torch.optim.lr_scheduler.OneCycleLR``; the optimizer's own ``lr`` is replaced.

    Args:
        optimizer: the optimizer whose rates (and momentum) to set.
        max_lr: the peak rate, or one per parameter group.
        total_steps: :math:`K`, or give ``epochs`` and ``steps_per_epoch``.
        epochs, steps_per_epoch: ``total_steps = epochs * steps_per_epoch``.
        pct_start: the fraction of the steps spent rising (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: cycle the momentum too (default True, as torch).
        base_momentum, max_momentum: its range (0.85 and 0.95).
        div_factor: :math:`\eta_{max} / \eta_0` (25). final_div_factor: :math:`\eta_0 /
            \eta_{min}` (1e4).
        three_phase: rise, fall back to :math:`\eta_0`, then anneal to :math:`\eta_{min}`.

    Example:
        >>> sched = OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(batches))
    """

    def __init__(self, optimizer: Any, max_lr: float | Iterable[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float = 0.85, max_momentum: float = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR needs total_steps, or both epochs and "
                                 "steps_per_epoch (e.g. steps_per_epoch=len(batches)).")
            total_steps = (check_int(epochs, "epochs", 1)
                           * check_int(steps_per_epoch, "steps_per_epoch", 1))
        self.total_steps = check_int(total_steps, "total_steps", 2)
        pct_start = check_number(pct_start, "pct_start", 0, 1, low_open=True, high_open=True)
        self.anneal_strategy = check_choice(anneal_strategy, "anneal_strategy",
                                            ("cos", "linear"))
        self.div_factor = check_positive(div_factor, "div_factor")
        self.final_div_factor = check_positive(final_div_factor, "final_div_factor")
        groups = _param_groups(optimizer)
        count = len(groups) if groups is not None else 1
        if isinstance(max_lr, Iterable) and not isinstance(max_lr, (str, bytes)):
            peaks = [check_positive(v, "max_lr") for v in max_lr]
            if len(peaks) != count:
                raise ValueError(f"OneCycleLR: max_lr has {len(peaks)} values, the optimizer "
                                 f"has {count} parameter groups; give one per group.")
        else:
            peaks = [check_positive(max_lr, "max_lr")] * count
        self.max_lrs = peaks
        total = float(self.total_steps)
        if three_phase:
            self._phase_ends = [pct_start * total - 1, 2 * pct_start * total - 2, total - 1]
            self._phase_lrs = [("initial", "max"), ("max", "initial"), ("initial", "min")]
            self._phase_momenta = [("max", "base"), ("base", "max"), ("max", "max")]
        else:
            self._phase_ends = [pct_start * total - 1, total - 1]
            self._phase_lrs = [("initial", "max"), ("max", "min")]
            self._phase_momenta = [("max", "base"), ("base", "max")]
        self.cycle_momentum = bool(cycle_momentum)
        self.base_momentum = check_positive(base_momentum, "base_momentum", allow_zero=True)
        self.max_momentum = check_positive(max_momentum, "max_momentum", allow_zero=True)
        if self.cycle_momentum and groups is not None and not all(
                "momentum" in g or "betas" in g for g in groups):
            raise ValueError("OneCycleLR: cycle_momentum needs an optimizer with momentum or "
                             "betas; pass cycle_momentum=False.")
        # The starting rate is max_lr / div_factor whatever the optimizer's lr was (as torch).
        if groups is not None:
            for group, peak in zip(groups, peaks, strict=True):
                group["initial_lr"] = peak / self.div_factor
        else:
            optimizer.initial_lr = peaks[0] / self.div_factor
        super().__init__(optimizer)

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def _phase(self, step: int) -> tuple[int, float]:
        """(phase index, fraction of that phase done) at ``step``."""
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: stepped {step} times, but total_steps is "
                             f"{self.total_steps}; build it with the real number of batches.")
        start = 0.0
        for index, end in enumerate(self._phase_ends):
            if step <= end or index == len(self._phase_ends) - 1:
                return index, (step - start) / (end - start)
            start = end
        raise AssertionError("unreachable")  # pragma: no cover

    def rate(self, epoch: int, base_lr: float) -> float:
        # base_lr is a group's starting rate, max_lr / div_factor.
        return self._rate_of(epoch, base_lr, base_lr * self.div_factor)

    def _rate_of(self, step: int, initial: float, peak: float) -> float:
        levels = {"initial": initial, "max": peak, "min": initial / self.final_div_factor}
        phase, fraction = self._phase(step)
        start, end = self._phase_lrs[phase]
        return self._anneal(levels[start], levels[end], fraction)

    def lrs_at(self, epoch: int) -> list[float]:
        return [self._rate_of(epoch, initial, peak)
                for initial, peak in zip(self.base_lrs, self.max_lrs, strict=True)]

    def momentum_at(self, step: int) -> float:
        """The momentum (or beta1) at ``step``."""
        levels = {"base": self.base_momentum, "max": self.max_momentum}
        phase, fraction = self._phase(step)
        start, end = self._phase_momenta[phase]
        return self._anneal(levels[start], levels[end], fraction)

    def _apply(self, epoch: int) -> None:
        super()._apply(epoch)
        groups = _param_groups(self.optimizer)
        if not self.cycle_momentum or groups is None:
            return
        momentum = self.momentum_at(epoch)
        for group in groups:
            if "betas" in group:
                group["betas"] = (momentum, group["betas"][1])
            else:
                group["momentum"] = momentum


class _LrHolder:
    """The smallest 'optimizer' a schedule accepts: just a learning rate."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.initial_lr: float | None = None


_SCHEDULES = ("constant", "step", "multistep", "exponential", "cosine", "warmup",
              "warmup_cosine", "onecycle")


class ReduceLROnPlateau:
    r"""Multiply every group's rate by ``factor`` when a watched number stops improving.

    As ``torch.optim.lr_scheduler.ReduceLROnPlateau``. Unlike the other schedules its rate
    depends on the losses seen, not on the epoch alone, so it has no ``lr_at`` and
    :func:`schedule_values` cannot draw it; call ``step(metric)`` once per epoch with the
    validation loss (``fit`` does, with ``val_loss`` or else ``loss``).

    A value improves on the best so far when (mode "min", threshold_mode "rel")
    :math:`m < \text{best} (1 - \text{threshold})`, or "abs": :math:`m < \text{best} -
    \text{threshold}` (mode "max": ``>`` and ``+``). After more than ``patience`` epochs
    without improvement each rate becomes :math:`\max(\eta \cdot \text{factor},
    \text{min\_lr})` (unless that changes it by less than ``eps``), and ``cooldown``
    epochs follow in which bad epochs are not counted. A NaN metric never improves.

    Args:
        optimizer: an optimizer (its ``param_groups``) of either backend.
        mode: "min" (a loss) or "max" (an accuracy).
        factor: in [0, 1): what the rate is multiplied by.
        patience: epochs (>= 0) without improvement that are tolerated.
        threshold: how much better counts as better (>= 0).
        threshold_mode: "rel" (a fraction of the best) or "abs".
        cooldown: epochs (>= 0) to wait after a reduction before counting again.
        min_lr: the lowest rate, one number or one per group.
        eps: smaller changes of the rate are skipped.

    Example:
        >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=2)
        >>> for epoch in range(30):
        ...     train_one_epoch(); sched.step(validation_loss())
    """

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: Any = 0.0, eps: float = 1e-8) -> None:
        groups = _param_groups(optimizer)
        if groups is None:
            raise TypeError(f"ReduceLROnPlateau needs an optimizer with param_groups; got "
                            f"{type(optimizer).__name__}. Pass the SGD/Adam the model trains "
                            f"with.")
        self.optimizer = optimizer
        self.mode = check_choice(mode, "mode", ("min", "max"))
        self.factor = check_number(factor, "factor", 0, 1, high_open=True,
                                   hint="The rate is multiplied by it, e.g. 0.1 or 0.5.")
        self.patience = check_int(patience, "patience", 0)
        self.threshold = check_number(threshold, "threshold", 0)
        self.threshold_mode = check_choice(threshold_mode, "threshold_mode", ("rel", "abs"))
        self.cooldown = check_int(cooldown, "cooldown", 0)
        self.eps = check_number(eps, "eps", 0)
        self._one_min_lr: float | None = None
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(groups):
                raise ValueError(f"min_lr must be one number or one per parameter group "
                                 f"({len(groups)}); got {len(min_lr)} numbers.")
            self.min_lrs = [check_number(m, "min_lr", 0) for m in min_lr]
        else:
            self._one_min_lr = check_number(min_lr, "min_lr", 0)
            self.min_lrs = [self._one_min_lr] * len(groups)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0

    def is_better(self, value: float, best: float) -> bool:
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bar = best * (1.0 - self.threshold) if self.threshold_mode == "rel" \
                else best - self.threshold
            return value < bar
        bar = best * (1.0 + self.threshold) if self.threshold_mode == "rel" \
            else best + self.threshold
        return value > bar

    def step(self, metric: Any) -> None:
        """Record one epoch's ``metric`` (e.g. the validation loss); lower the rates if due.

        Args:
            metric: a number or a one-element tensor.
        """
        if not _is_number(metric):
            raise TypeError(f"ReduceLROnPlateau.step takes the epoch's metric, e.g. "
                            f"sched.step(val_loss); got {type(metric).__name__} {metric!r}.")
        value = float(metric)
        self.last_epoch += 1
        if self.is_better(value, self.best):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:           # bad epochs in the cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            groups = _param_groups(self.optimizer) or []
            if len(groups) != len(self.min_lrs):        # a group was added (add_param_group)
                if self._one_min_lr is None:
                    raise ValueError(f"ReduceLROnPlateau has {len(self.min_lrs)} min_lrs but "
                                     f"the optimizer now has {len(groups)} groups; set "
                                     f"sched.min_lrs to one number per group.")
                self.min_lrs = [self._one_min_lr] * len(groups)
            for group, floor in zip(groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def get_last_lr(self) -> float:
        """The first group's current rate (``get_last_lrs`` gives every group's)."""
        return self.get_last_lrs()[0]

    def get_last_lrs(self) -> list[float]:
        """Every group's current rate (torch's ``get_last_lr()``)."""
        return [float(group["lr"]) for group in _param_groups(self.optimizer) or []]

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "num_bad_epochs": self.num_bad_epochs,
                "cooldown_counter": self.cooldown_counter, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or set(state) != set(self.state_dict()):
            raise ValueError("load_state_dict expects the dict returned by "
                             "ReduceLROnPlateau.state_dict().")
        self.best = float(state["best"])
        self.num_bad_epochs = int(state["num_bad_epochs"])
        self.cooldown_counter = int(state["cooldown_counter"])
        self.last_epoch = int(state["last_epoch"])


def _is_number(value: Any) -> bool:
    """A real number: a Python or NumPy scalar or a one-element tensor; not a bool or a str."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def schedule_values(name: str, epochs: int, lr: float = 1.0, **kwargs: Any) -> np.ndarray:
    """The learning rate at epochs ``0 .. epochs-1`` of a named schedule (for plots).

    Args:
        name: "constant", "step" (step_size, gamma), "multistep" (milestones, gamma),
            "exponential" (gamma), "cosine" (T_max, eta_min), "warmup" (warmup_epochs,
            start_factor), "warmup_cosine" (warmup_epochs, start_factor, eta_min; the cosine
            spans the remaining epochs) or "onecycle" (pct_start, div_factor, ...; its
            ``total_steps`` is ``epochs`` and ``lr`` is its ``max_lr``).
        epochs: how many values (>= 1; >= 2 for "onecycle").
        lr: the starting rate (the peak rate for "onecycle").
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
        elif name == "multistep":
            sched = MultiStepLR(holder, **kwargs)
        elif name == "onecycle":
            sched = OneCycleLR(holder, max_lr=lr, total_steps=epochs, **kwargs)
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
