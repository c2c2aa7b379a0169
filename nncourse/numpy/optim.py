"""Optimizers: the update rules as pure functions, and the classes that apply them.

Each update is a **pure function** first (``sgd_step``, ``momentum_step``, ``rmsprop_step``,
``adam_step``, ``adamw_step`` and the two general forms ``rmsprop_general_step`` and
``amsgrad_step``): arrays in, new arrays out, the textbook formula in its docstring, nothing
mutated. The classes (SGD, RMSprop, Adam, AdamW) only gather each parameter's state, call the
pure function and store what it returns, as ``torch.optim`` does with its functional updates.
Every class follows ``torch.optim`` (same defaults, same order of operations, parameter groups,
parameters without a gradient skipped), so a NumPy run and a PyTorch run from the same weights
agree to rounding error.

:func:`clip_grad_norm_` rescales the gradients, as ``torch.nn.utils.clip_grad_norm_``.
Learning-rate schedules live in :mod:`nncourse.numpy.schedules` and are
re-exported here (``from nncourse.numpy.optim import StepLR`` works).

What ``torch.optim`` offers beyond this, and why it is not here:

- ``foreach``, ``fused``, ``capturable``, ``differentiable``: switches between torch's
  implementations of the same update; the reference has one readable path.
- ``maximize``: minimise the negated objective instead (``loss = -objective``).
- ``Adagrad``, ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam``, ``LBFGS``, ``SparseAdam``:
  chapter 5 compares SGD, momentum, Nesterov, RMSprop, Adam and AdamW; in the torch path
  ``torch.optim``'s others train the same models (with ``torch.optim.lr_scheduler``).
- ``torch.nn.utils.clip_grad_value_``: clipping each entry on its own turns the gradient's
  direction; :func:`clip_grad_norm_` keeps it and is what training recipes use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from nncourse._checks import (
    check_betas,
    check_bool,
    check_norm_type,
    check_number,
    check_positive,
)
from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
    schedule_values,
)

__all__ = [
    "sgd_step", "momentum_step", "rmsprop_step", "rmsprop_general_step", "adam_step",
    "adamw_step", "amsgrad_step",
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "clip_grad_norm_",
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
    "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau", "schedule_values",
]


# ----------------------------------------------------------------------------- pure updates
def sgd_step(param: np.ndarray, grad: np.ndarray, lr: float, *,
             weight_decay: float = 0.0) -> np.ndarray:
    r"""One plain gradient-descent step: :math:`\theta \leftarrow \theta - \eta g`.

    With weight decay the gradient is :math:`g + \lambda\theta`.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, the gradient of the loss, same shape as ``param``.
        lr: the learning rate :math:`\eta`.
        weight_decay: L2 coefficient :math:`\lambda` added to the gradient (default 0).

    Returns:
        The new parameter (a new array; ``param`` is not changed).

    Example:
        >>> sgd_step(np.array([1.0, -2.0]), np.array([0.5, 0.5]), lr=0.1)
        array([ 0.95, -2.05])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return param - lr * grad


def momentum_step(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                  momentum: float, *, dampening: float = 0.0, nesterov: bool = False,
                  weight_decay: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""One step of SGD with (heavy-ball) momentum, as ``torch.optim.SGD``.

    .. math::

        g &\leftarrow g + \lambda \theta \\
        v &\leftarrow \mu v + (1 - \tau) g \\
        \theta &\leftarrow \theta - \eta\, v
            \qquad\text{(Nesterov: } \theta \leftarrow \theta - \eta\,(g + \mu v)\text{)}

    The velocity starts at zero, so the first step is ``v = g`` (with ``dampening = 0``).

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        velocity: :math:`v`, same shape (starts at 0).
        lr: the learning rate :math:`\eta`.
        momentum: :math:`\mu`.
        dampening: :math:`\tau` (default 0).
        nesterov: look ahead along the velocity.
        weight_decay: L2 coefficient :math:`\lambda` (default 0).

    Returns:
        ``(param, velocity)``: new arrays.

    Example:
        >>> p, v = momentum_step(np.zeros(2), np.ones(2), np.zeros(2), lr=0.1, momentum=0.9)
        >>> p, v
        (array([-0.1, -0.1]), array([1., 1.]))
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    velocity = momentum * velocity + (1 - dampening) * grad
    direction = grad + momentum * velocity if nesterov else velocity
    return param - lr * direction, velocity


def rmsprop_step(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray, lr: float,
                 alpha: float, eps: float, *,
                 weight_decay: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""One RMSprop step: divide the gradient by a running root-mean-square of gradients.

    .. math::

        g &\leftarrow g + \lambda \theta \\
        s &\leftarrow \alpha s + (1 - \alpha)\, g^2 \\
        \theta &\leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    :math:`\epsilon` sits outside the square root, as in PyTorch.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        square_avg: :math:`s`, same shape (starts at 0).
        lr: the learning rate :math:`\eta`.
        alpha: the smoothing :math:`\alpha`.
        eps: :math:`\epsilon`.
        weight_decay: L2 coefficient :math:`\lambda` (default 0).

    Returns:
        ``(param, square_avg)``: new arrays.

    Example:
        >>> p, s = rmsprop_step(np.zeros(1), np.array([2.0]), np.zeros(1), 0.1, 0.75, 0.0)
        >>> p, s
        (array([-0.2]), array([1.]))
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg = alpha * square_avg + (1 - alpha) * grad * grad
    return param - lr * (grad / (np.sqrt(square_avg) + eps)), square_avg


def rmsprop_general_step(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
                         grad_avg: np.ndarray, momentum_buffer: np.ndarray, lr: float,
                         alpha: float, eps: float, momentum: float, centered: bool, *,
                         weight_decay: float = 0.0
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""RMSprop with the two options of ``torch.optim.RMSprop``: centered and momentum.

    .. math::

        g &\leftarrow g + \lambda \theta, \qquad s \leftarrow \alpha s + (1 - \alpha) g^2 \\
        \bar g &\leftarrow \alpha \bar g + (1 - \alpha) g \quad\text{(centered only)} \\
        d &= g / (\sqrt{s - \bar g^2} + \epsilon) \ \text{(centered)}, \qquad
             d = g / (\sqrt{s} + \epsilon) \ \text{(otherwise)} \\
        b &\leftarrow \mu b + d, \quad \theta \leftarrow \theta - \eta b
            \quad\text{(}\mu > 0\text{)}; \qquad \theta \leftarrow \theta - \eta d
            \quad\text{(}\mu = 0\text{)}

    With ``centered=False`` and ``momentum=0`` it is :func:`rmsprop_step`.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        square_avg: :math:`s`, same shape (starts at 0).
        grad_avg: :math:`\bar g` (used when centered; starts at 0).
        momentum_buffer: :math:`b` (used when ``momentum > 0``; starts at 0).
        lr: the learning rate :math:`\eta`.
        alpha: the smoothing :math:`\alpha`.
        eps: :math:`\epsilon`.
        momentum: :math:`\mu` (0: no buffer).
        centered: subtract the squared mean gradient :math:`\bar g^2`.
        weight_decay: L2 coefficient :math:`\lambda` (default 0).

    Returns:
        ``(param, square_avg, grad_avg, momentum_buffer)``: new arrays (the unused ones
        unchanged).

    Example:
        >>> z = np.zeros(1)
        >>> rmsprop_general_step(z, np.ones(1), z, z, z, 0.1, 0.0, 0.0, 0.5, False)[0]
        array([-0.1])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg = alpha * square_avg + (1 - alpha) * grad * grad
    if centered:
        grad_avg = alpha * grad_avg + (1 - alpha) * grad
        direction = grad / (np.sqrt(square_avg - grad_avg * grad_avg) + eps)
    else:
        direction = grad / (np.sqrt(square_avg) + eps)
    if momentum > 0:
        momentum_buffer = momentum * momentum_buffer + direction
        direction = momentum_buffer
    return param - lr * direction, square_avg, grad_avg, momentum_buffer


def adam_step(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
              lr: float, beta1: float, beta2: float, eps: float, *,
              weight_decay: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""One Adam step (step number ``t`` counts from 1): moments of g and g², bias-corrected.

    .. math::

        g &\leftarrow g + \lambda \theta \quad\text{(coupled L2; AdamW decouples it)} \\
        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t} \cdot
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    The bias corrections :math:`1 - \beta^t` undo the pull towards the zero initial moments
    during the first steps; :math:`\epsilon` sits outside the root, as in PyTorch.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        m: the first moment, same shape (starts at 0).
        v: the second moment, same shape (starts at 0).
        t: the step number, 1 on the first step.
        lr: the learning rate :math:`\eta`.
        beta1: :math:`\beta_1`, the decay of :math:`m`.
        beta2: :math:`\beta_2`, the decay of :math:`v`.
        eps: :math:`\epsilon`.
        weight_decay: L2 coefficient :math:`\lambda` added to the gradient (default 0).

    Returns:
        ``(param, m, v)``: new arrays.

    Example:
        >>> z = np.zeros(2)
        >>> adam_step(z, np.array([1.0, -4.0]), z, z, 1, 0.1, 0.9, 0.999, 0.0)[0]
        array([-0.1,  0.1])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    denominator = np.sqrt(v) / math.sqrt(bias_correction2) + eps
    return param - (lr / bias_correction1) * (m / denominator), m, v


def adamw_step(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
               lr: float, beta1: float, beta2: float, eps: float,
               weight_decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""One AdamW step: Adam with decoupled weight decay (Loshchilov & Hutter).

    The weights shrink directly, :math:`\theta \leftarrow \theta\,(1 - \eta\lambda)`; the decay
    never enters the moments. Then the Adam update of :func:`adam_step` (with
    ``weight_decay=0``) follows.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        m: the first moment, same shape (starts at 0).
        v: the second moment, same shape (starts at 0).
        t: the step number, 1 on the first step.
        lr: the learning rate :math:`\eta`.
        beta1: :math:`\beta_1`, the decay of :math:`m`.
        beta2: :math:`\beta_2`, the decay of :math:`v`.
        eps: :math:`\epsilon`.
        weight_decay: :math:`\lambda` (torch's default for AdamW is 1e-2).

    Returns:
        ``(param, m, v)``: new arrays.

    Example:
        >>> z = np.zeros(1)
        >>> adamw_step(np.ones(1), z, z, z, 1, 0.1, 0.9, 0.999, 1e-8, 0.5)[0]
        array([0.95])
    """
    param = param * (1 - lr * weight_decay)
    return adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)


def amsgrad_step(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray,
                 max_v: np.ndarray, t: int, lr: float, beta1: float, beta2: float, eps: float,
                 *, weight_decay: float = 0.0, decoupled: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Adam (or AdamW) with AMSGrad: divide by the running maximum of :math:`v`.

    As :func:`adam_step`, with :math:`\hat v \leftarrow \max(\hat v, v)` used in the
    denominator in place of :math:`v`, so the effective step size never grows.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, same shape.
        m: the first moment, same shape (starts at 0).
        v: the second moment, same shape (starts at 0).
        max_v: :math:`\hat v`, the running maximum of :math:`v` (starts at 0).
        t: the step number, 1 on the first step.
        lr: the learning rate :math:`\eta`.
        beta1: :math:`\beta_1`, the decay of :math:`m`.
        beta2: :math:`\beta_2`, the decay of :math:`v`.
        eps: :math:`\epsilon`.
        weight_decay: :math:`\lambda` (default 0).
        decoupled: shrink the weights as AdamW does instead of adding
            :math:`\lambda\theta` to the gradient.

    Returns:
        ``(param, m, v, max_v)``: new arrays.

    Example:
        >>> z = np.zeros(1)
        >>> amsgrad_step(z, np.ones(1), z, z, z, 1, 0.1, 0.9, 0.999, 0.0)[3]
        array([0.001])
    """
    if weight_decay != 0:
        if decoupled:
            param = param * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    max_v = np.maximum(max_v, v)
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    denominator = np.sqrt(max_v) / math.sqrt(bias_correction2) + eps
    return param - (lr / bias_correction1) * (m / denominator), m, v, max_v


# ----------------------------------------------------------------------------- classes
def _check_beta(value: Any, name: str) -> float:
    return check_number(value, name, 0, 1, high_open=True,
                        hint="Typical values are 0.9 or 0.999.")


def _parameter_groups(params: Any) -> list[dict[str, Any]]:
    """``params`` as a list of groups ``{"params": [Parameter, ...], **overrides}``."""
    if isinstance(params, Module):
        raise TypeError(
            "Optimizer expects a list of Parameter objects, got a Module. "
            "Pass model.parameters() instead of model."
        )
    if isinstance(params, Parameter):
        params = [params]
    if isinstance(params, dict):
        raise TypeError("Optimizer expects a list of parameters or a list of groups (dicts); "
                        "got one dict. Wrap it in a list: [{'params': ..., 'lr': ...}].")
    params = list(params)
    if not params:
        raise ValueError(
            "Optimizer got an empty parameter list. Pass model.parameters() of a model "
            "that has trainable layers (e.g. a Linear)."
        )
    groups = params if isinstance(params[0], dict) else [{"params": params}]
    checked = []
    for g, group in enumerate(groups):
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"Optimizer group {g} must be a dict with a 'params' key, like "
                            f"{{'params': model.parameters(), 'lr': 0.01}}; got "
                            f"{type(group).__name__}.")
        members = group["params"]
        members = [members] if isinstance(members, Parameter) else list(members)
        for i, p in enumerate(members):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"Optimizer parameter {i} is a {type(p).__name__}, expected a Parameter. "
                    "Pass model.parameters() (or wrap arrays with Parameter(array))."
                )
        checked.append({**group, "params": members})
    every = [id(p) for group in checked for p in group["params"]]
    if len(set(every)) != len(every):
        raise ValueError("Optimizer got the same Parameter twice; pass each parameter once.")
    return checked


class Optimizer:
    """Base class: parameter groups, per-parameter state, saving and loading.

    As in ``torch.optim``, the parameters are split into **groups**, each a dict holding its
    ``"params"`` and its own hyperparameters (``"lr"``, ``"momentum"``, ...); a group that
    leaves one out takes the optimizer's default. ``optimizer.lr`` reads the first group's rate
    and setting it sets every group's; schedules keep one starting rate per group.
    Subclasses validate their hyperparameters, list them in ``hyperparameter_names`` and
    implement :meth:`step`, which gathers each parameter's state and calls a pure update.

    Args:
        params: ``model.parameters()``, or a list of groups such as
            ``[{"params": backbone, "lr": 1e-4}, {"params": head}]``.
        defaults: hyperparameter name -> value for groups that do not set it.
    """

    hyperparameter_names: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.params: list[Parameter] = []
        self.state: list[dict[str, Any]] = []
        for group in _parameter_groups(params):
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, as ``torch.optim.Optimizer.add_param_group``.

        For example a backbone unfrozen after the head has trained. Hyperparameters the group
        leaves out take the optimizer's defaults; its parameters start with empty state.
        A schedule built before leaves the new group's rate alone: build schedules after.

        Args:
            param_group: a dict such as ``{"params": backbone.parameters(), "lr": 1e-4}``.

        Example:
            >>> optimizer.add_param_group({"params": backbone.parameters(), "lr": 1e-4})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group takes one dict such as {{'params': "
                            f"backbone.parameters(), 'lr': 1e-4}}; got "
                            f"{type(param_group).__name__}.")
        (group,) = _parameter_groups([param_group])
        unknown = set(group) - {"params", "initial_lr", *self.hyperparameter_names}
        if unknown:
            raise ValueError(f"Optimizer group has unknown keys {sorted(unknown)}; "
                             f"{type(self).__name__} takes {list(self.hyperparameter_names)}.")
        known = {id(p) for p in self.params}
        if any(id(p) in known for p in group["params"]):
            raise ValueError("add_param_group: some parameters are already in another group "
                             "of this optimizer; add each parameter once.")
        merged = {**self.defaults, **group}
        self._check_group(merged)
        self.param_groups.append(merged)
        self.params.extend(merged["params"])
        self.state.extend({} for _ in merged["params"])

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate one group's hyperparameters (in place: numbers become floats)."""
        group["lr"] = check_positive(group["lr"], "lr", allow_zero=True)

    # --- the learning rate, as schedules see it ---------------------------------
    @property
    def lr(self) -> float:
        """The learning rate of the first group; setting it sets every group's."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    @property
    def initial_lr(self) -> float | None:
        """The first group's starting rate recorded by the first schedule (None before)."""
        value = self.param_groups[0].get("initial_lr")
        return None if value is None else float(value)

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The first group's hyperparameters (``lr`` included, as changed by schedules)."""
        return {name: self.param_groups[0][name] for name in self.hyperparameter_names}

    def __getattr__(self, name: str) -> Any:
        # opt.momentum, opt.betas, ... read the first group, as opt.lr does.
        groups = self.__dict__.get("param_groups")
        if groups and name in type(self).hyperparameter_names:
            return groups[0][name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        # opt.momentum = 0.5 sets every group, as opt.lr = 0.1 does (never a stray attribute).
        if name != "lr" and name in type(self).hyperparameter_names and "param_groups" in \
                self.__dict__:
            for group in self.param_groups:
                group[name] = value
            return
        super().__setattr__(name, value)

    def _groups_with_state(self) -> Iterable[tuple[dict[str, Any], Parameter, dict[str, Any]]]:
        """``(group, parameter, its state)`` for every parameter that has a gradient."""
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[index]
                index += 1
                if p.grad is None:
                    continue  # a parameter that did not take part in the loss is left alone
                yield group, p, state

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's gradient to zero (in place), or to None.

        torch's default is ``set_to_none=True``; here it is False so that code adding to
        ``p.grad`` (``p.grad += ...``) keeps working. Either way the layers' backward writes
        fresh gradients; a parameter left at None by a loss it is not part of is skipped by
        ``step()``, while a zero gradient still moves momentum and weight decay (as torch).

        Args:
            set_to_none: drop the gradients (None) instead of zeroing them.
        """
        if check_bool(set_to_none, "set_to_none"):
            for p in self.params:
                p.grad = None  # type: ignore[assignment]  # step() skips a None gradient
            return
        for p in self.params:
            if p.grad is None:
                p.grad = np.zeros_like(p.data)
            else:
                p.zero_grad()

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.step is not implemented")

    # --- saving ----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Copies of the hyperparameters of every group and of every per-parameter state array.

        Returns:
            A dict with keys ``hyperparameters`` (the first group's), ``param_groups`` (one
            dict of hyperparameters per group, ``initial_lr`` included once a schedule set it),
            ``initial_lr`` (the first group's, or None) and ``state`` (one dict per parameter);
            arrays are copies.
        """
        state = [
            {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for s in self.state
        ]
        groups = [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups]
        return {"hyperparameters": self.hyperparameters, "param_groups": groups,
                "initial_lr": self.initial_lr, "state": state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` (same parameter list).

        Raises:
            ValueError: the number of parameters or groups, or a state array's shape, differs.
        """
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("state"), list):
            raise ValueError("load_state_dict expects the dict returned by Optimizer.state_dict().")
        saved = state_dict["state"]
        if len(saved) != len(self.params):
            raise ValueError(
                f"load_state_dict: the saved state has {len(saved)} parameters, this optimizer "
                f"has {len(self.params)}. Build the optimizer on the same model."
            )
        for i, (p, s) in enumerate(zip(self.params, saved, strict=True)):
            if not isinstance(s, dict):
                raise ValueError(f"load_state_dict: the state of parameter {i} must be a dict; "
                                 f"got {type(s).__name__}.")
            for key, value in s.items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(
                        f"load_state_dict: state '{key}' of parameter {i} has shape {value.shape}, "
                        f"the parameter has shape {p.shape}."
                    )
                if isinstance(value, np.ndarray) and not np.issubdtype(value.dtype, np.number):
                    raise ValueError(f"load_state_dict: state '{key}' of parameter {i} holds "
                                     f"{value.dtype} values; expected numbers.")
        groups = state_dict.get("param_groups")
        if groups is not None and len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the saved state has {len(groups)} parameter "
                             f"groups, this optimizer has {len(self.param_groups)}.")
        self.state = [
            {k: (np.array(v, dtype=p.data.dtype) if isinstance(v, np.ndarray) else v)
             for k, v in s.items()}
            for p, s in zip(self.params, saved, strict=True)
        ]
        if groups is None:  # saved before groups existed: one set of hyperparameters
            groups = [{**state_dict.get("hyperparameters", {}),
                       "initial_lr": state_dict.get("initial_lr")}] * len(self.param_groups)
        for group, values in zip(self.param_groups, groups, strict=True):
            for name, value in values.items():
                if name in self.hyperparameter_names or (name == "initial_lr"
                                                         and value is not None):
                    group[name] = value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        groups = f", {len(self.param_groups)} groups" if len(self.param_groups) > 1 else ""
        return f"{type(self).__name__}({len(self.params)} parameters{groups}, {args})"


def _store(p: Parameter, new: np.ndarray) -> None:
    """Write an update into the parameter's own array (others may hold a reference to it)."""
    p.data[...] = new


def _non_default(**options: Any) -> dict[str, Any]:
    """The keyword options that differ from the step functions' defaults (0, 0.0, False).

    Options at their default are left out of the call, so a step function written with only
    the positional arguments the book shows (a learner's answer) works inside the classes too.
    """
    return {name: value for name, value in options.items() if value}


def _momentum_options(group: dict[str, Any], first: bool) -> dict[str, Any]:
    """Keyword options of :func:`momentum_step` for one parameter group (defaults left out)."""
    return _non_default(dampening=0.0 if first else group["dampening"],  # torch: first v is g
                        nesterov=group["nesterov"])


def _with_l2(grad: np.ndarray, param: np.ndarray, weight_decay: float) -> np.ndarray:
    r"""The gradient with the L2 term added, :math:`g + \lambda\theta` (``grad`` if λ = 0).

    The same first line as each step function's ``weight_decay`` option, done before the call
    so the step function needs only the arguments the book's exercises give it.
    """
    return grad + weight_decay * param if weight_decay != 0 else grad


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    ``step()`` calls :func:`sgd_step` (``momentum=0``) or :func:`momentum_step` for each
    parameter. The first momentum step uses the gradient itself as the velocity (no
    dampening), as ``torch.optim.SGD`` does.

    Args:
        params: parameters to update (``model.parameters()``) or a list of groups.
        lr: learning rate :math:`\eta` (>= 0).
        momentum: :math:`\mu \ge 0`.
        dampening: :math:`\tau \ge 0`; must be 0 with Nesterov.
        nesterov: use Nesterov momentum (needs ``momentum > 0``).
        weight_decay: L2 coefficient :math:`\lambda \ge 0` added to the gradient.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> loss_fn.forward(model(x), y); model.backward(loss_fn.backward()); opt.step()
    """

    hyperparameter_names = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "nesterov": nesterov, "weight_decay": weight_decay})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for name in ("momentum", "dampening", "weight_decay"):
            group[name] = check_positive(group[name], name, allow_zero=True)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum needs momentum > 0 and dampening = 0; got "
                f"momentum={group['momentum']}, dampening={group['dampening']}. Set "
                f"momentum=0.9 (for example) or nesterov=False."
            )

    def step(self) -> None:
        """Apply one update to every parameter that has a ``.grad``."""
        for group, p, state in self._groups_with_state():
            if group["momentum"] == 0:
                _store(p, sgd_step(p.data, _with_l2(p.grad, p.data, group["weight_decay"]),
                                   group["lr"]))
                continue
            first = "momentum_buffer" not in state
            velocity = np.zeros_like(p.data) if first else state["momentum_buffer"]
            new, state["momentum_buffer"] = momentum_step(
                p.data, _with_l2(p.grad, p.data, group["weight_decay"]), velocity, group["lr"],
                group["momentum"],
                **_momentum_options(group, first))
            _store(p, new)


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    ``step()`` calls :func:`rmsprop_step`, or :func:`rmsprop_general_step` when
    ``centered`` or ``momentum > 0``; :math:`\epsilon` is added outside the square root,
    as in PyTorch.

    Args:
        params: parameters to update, or a list of groups.
        lr: :math:`\eta`. alpha: smoothing :math:`\alpha \in [0, 1)`. eps: :math:`\epsilon`.
        momentum: :math:`\mu`. centered: subtract the squared mean gradient.
        weight_decay: L2 coefficient :math:`\lambda`.

    Example:
        >>> opt = RMSprop(model.parameters(), lr=0.01)
    """

    hyperparameter_names = ("lr", "alpha", "eps", "momentum", "centered", "weight_decay")

    def __init__(self, params: Iterable[Any], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, centered: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "centered": centered, "weight_decay": weight_decay})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        group["alpha"] = _check_beta(group["alpha"], "alpha")
        for name in ("eps", "momentum", "weight_decay"):
            group[name] = check_positive(group[name], name, allow_zero=True)
        group["centered"] = bool(group["centered"])

    def step(self) -> None:
        """Apply one update to every parameter that has a ``.grad``."""
        for group, p, state in self._groups_with_state():
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(p.data)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(p.data)
            state["step"] += 1
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            if group["momentum"] == 0 and not group["centered"]:
                new, state["square_avg"] = rmsprop_step(
                    p.data, _with_l2(p.grad, p.data, group["weight_decay"]), state["square_avg"],
                    lr, alpha, eps)
            else:
                zeros = np.zeros_like(p.data)  # stands in for the state an option does not use
                new, square_avg, grad_avg, buffer = rmsprop_general_step(
                    p.data, p.grad, state["square_avg"], state.get("grad_avg", zeros),
                    state.get("momentum_buffer", zeros), lr, alpha, eps, group["momentum"],
                    group["centered"], weight_decay=group["weight_decay"])
                state["square_avg"] = square_avg
                if group["centered"]:
                    state["grad_avg"] = grad_avg
                if group["momentum"] > 0:
                    state["momentum_buffer"] = buffer
            _store(p, new)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and on its square, with bias correction.

    ``step()`` counts the steps of each parameter and calls :func:`adam_step` (or
    :func:`amsgrad_step` with ``amsgrad=True``); see their docstrings for the formulas.
    ``weight_decay`` here is the coupled L2 term added to the gradient (see :class:`AdamW`).

    Args:
        params: parameters to update, or a list of groups.
        lr: :math:`\eta`. betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon`. weight_decay: :math:`\lambda` (coupled L2; see AdamW).
        amsgrad: use the running maximum of :math:`v`.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    _decoupled = False  # AdamW sets True: decay the weights instead of the gradient

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        group["betas"] = check_betas(group["betas"])
        for name in ("eps", "weight_decay"):
            group[name] = check_positive(group[name], name, allow_zero=True)
        group["amsgrad"] = bool(group["amsgrad"])

    def step(self) -> None:
        """Apply one update to every parameter that has a ``.grad``."""
        for group, p, state in self._groups_with_state():
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
            state["step"] += 1
            (beta1, beta2), decay = group["betas"], group["weight_decay"]
            arguments = (state["step"], group["lr"], beta1, beta2, group["eps"])
            if group["amsgrad"]:
                new, state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"] = \
                    amsgrad_step(p.data, p.grad, state["exp_avg"], state["exp_avg_sq"],
                                 state["max_exp_avg_sq"], *arguments, weight_decay=decay,
                                 decoupled=self._decoupled)
            elif self._decoupled:
                new, state["exp_avg"], state["exp_avg_sq"] = adamw_step(
                    p.data, p.grad, state["exp_avg"], state["exp_avg_sq"], *arguments, decay)
            else:
                new, state["exp_avg"], state["exp_avg_sq"] = adam_step(
                    p.data, _with_l2(p.grad, p.data, decay), state["exp_avg"],
                    state["exp_avg_sq"], *arguments)
            _store(p, new)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): ``step()`` calls :func:`adamw_step`.

    Identical to :class:`Adam` (a subclass that flips one switch) except the decay is not
    added to the gradient; the weights shrink directly, :math:`\theta \leftarrow
    \theta(1 - \eta\lambda)`, before the Adam update.

    Args:
        params, lr, betas, eps, amsgrad: as :class:`Adam`.
        weight_decay: :math:`\lambda`, default 1e-2 (as torch).

    Example:
        >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0) -> float:
    r"""Scale every gradient down so that all of them together have norm <= ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: with :math:`N = \lVert (\lVert g_1 \rVert_p,
    \ldots, \lVert g_k \rVert_p) \rVert_p`` the norm of all gradients at once,

    .. math:: g_i \leftarrow g_i \cdot \min\!\left(1, \frac{\text{max\_norm}}{N + 10^{-6}}
              \right)

    so one scale keeps every gradient's direction. Parameters whose ``grad`` is None are
    skipped. Call it after ``backward`` and before ``optimizer.step()``; it guards against a
    single huge gradient (an exploding loss), it does not replace a good learning rate.

    Args:
        parameters: Parameters (``model.parameters()``), one Parameter, or a model.
        max_norm: the largest norm allowed (> 0).
        norm_type: p of the p-norm (> 0), or ``math.inf`` for the largest absolute entry.

    Returns:
        N, the norm before clipping (log it to see how often clipping acts).

    Example:
        >>> p = Parameter(np.zeros(2)); p.grad = np.array([3.0, 4.0])
        >>> clip_grad_norm_([p], max_norm=1.0), p.grad.round(4)
        (5.0, array([0.6, 0.8]))
    """
    max_norm = check_positive(max_norm, "max_norm",
                              hint="It is the largest gradient norm allowed, e.g. 1.0.")
    norm_type = check_norm_type(norm_type)
    if isinstance(parameters, Module):
        parameters = parameters.parameters()
    params = [parameters] if isinstance(parameters, Parameter) else list(parameters)
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(f"clip_grad_norm_ takes Parameters (model.parameters()); got "
                            f"{type(p).__name__}.")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    norms = np.array([_vector_norm(g, norm_type) for g in grads])       # (k,) one per tensor
    total = _vector_norm(norms, norm_type)
    scale = np.minimum(1.0, max_norm / (total + 1e-6))   # a NaN norm gives NaN, as torch
    for p in params:
        if p.grad is not None:
            p.grad *= np.asarray(scale, dtype=p.grad.dtype)   # in place: the optimizer reads it
    return float(total)


def _vector_norm(values: np.ndarray, p: float) -> float:
    """``(sum |v|^p)^(1/p)`` over every entry, or ``max |v|`` for p = inf."""
    magnitudes = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    if magnitudes.size == 0:
        return 0.0
    if math.isinf(p):
        return float(magnitudes.max())
    if p == 2.0:
        return float(np.sqrt(np.sum(magnitudes * magnitudes)))
    return float(np.sum(magnitudes ** p) ** (1.0 / p))
