"""Optimizers on torch tensors: the update rules as pure functions, and the classes that apply them.

The twin of :mod:`nncourse.numpy.optim`: the same pure updates (``sgd_step``,
``momentum_step``, ``rmsprop_step``, ``rmsprop_general_step``, ``adam_step``, ``adamw_step``,
``amsgrad_step``) on tensors — new tensors out, nothing changed in place — and classes that
are ``torch.optim.Optimizer`` subclasses whose ``step()`` gathers each parameter's state and
calls them (no fused or multi-tensor fast paths), so the algorithm reads line by line next to
the NumPy reference. Defaults and the order of operations follow ``torch.optim``; the tests
check both agree step for step.

Every optimizer also has an ``lr`` attribute (reading the first group's rate, writing every
group's), and the schedules of :mod:`nncourse.numpy.schedules` (re-exported here) keep one
starting rate per parameter group, as ``torch.optim.lr_scheduler`` does, which works as well.
:func:`clip_grad_norm_` has the values of ``torch.nn.utils.clip_grad_norm_``. What
``torch.optim`` has beyond these, and why, is listed in :mod:`nncourse.numpy.optim`.

Example:
    >>> opt = Adam(model.parameters(), lr=1e-3)
    >>> loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch

from nncourse._checks import check_betas, check_norm_type, check_number, check_positive
from nncourse.torch.schedules import (
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
def sgd_step(param: torch.Tensor, grad: torch.Tensor, lr: float, *,
             weight_decay: float = 0.0) -> torch.Tensor:
    r"""One plain gradient-descent step: :math:`\theta \leftarrow \theta - \eta g`.

    With weight decay the gradient is :math:`g + \lambda\theta`.

    Args:
        param: :math:`\theta`, any shape.
        grad: :math:`g`, the gradient of the loss, same shape as ``param``.
        lr: the learning rate :math:`\eta`.
        weight_decay: L2 coefficient :math:`\lambda` added to the gradient (default 0).

    Returns:
        The new parameter (a new tensor; ``param`` is not changed).

    Example:
        >>> sgd_step(torch.tensor([1.0, -2.0]), torch.tensor([0.5, 0.5]), lr=0.1)
        tensor([ 0.9500, -2.0500])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return param - lr * grad


def momentum_step(param: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor, lr: float,
                  momentum: float, *, dampening: float = 0.0, nesterov: bool = False,
                  weight_decay: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
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
        ``(param, velocity)``: new tensors.

    Example:
        >>> p, v = momentum_step(torch.zeros(2), torch.ones(2), torch.zeros(2), lr=0.1,
        ...                      momentum=0.9)
        >>> p, v
        (tensor([-0.1000, -0.1000]), tensor([1., 1.]))
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    velocity = momentum * velocity + (1 - dampening) * grad
    direction = grad + momentum * velocity if nesterov else velocity
    return param - lr * direction, velocity


def rmsprop_step(param: torch.Tensor, grad: torch.Tensor, square_avg: torch.Tensor, lr: float,
                 alpha: float, eps: float, *,
                 weight_decay: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
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
        ``(param, square_avg)``: new tensors.

    Example:
        >>> p, s = rmsprop_step(torch.zeros(1), torch.tensor([2.0]), torch.zeros(1), 0.1, 0.75, 0.0)
        >>> p, s
        (tensor([-0.2000]), tensor([1.]))
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg = alpha * square_avg + (1 - alpha) * grad * grad
    return param - lr * (grad / (torch.sqrt(square_avg) + eps)), square_avg


def rmsprop_general_step(param: torch.Tensor, grad: torch.Tensor, square_avg: torch.Tensor,
                         grad_avg: torch.Tensor, momentum_buffer: torch.Tensor, lr: float,
                         alpha: float, eps: float, momentum: float, centered: bool, *,
                         weight_decay: float = 0.0
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
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
        ``(param, square_avg, grad_avg, momentum_buffer)``: new tensors (the unused ones
        unchanged).

    Example:
        >>> z = torch.zeros(1)
        >>> rmsprop_general_step(z, torch.ones(1), z, z, z, 0.1, 0.0, 0.0, 0.5, False)[0]
        tensor([-0.1000])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    square_avg = alpha * square_avg + (1 - alpha) * grad * grad
    if centered:
        grad_avg = alpha * grad_avg + (1 - alpha) * grad
        direction = grad / (torch.sqrt(square_avg - grad_avg * grad_avg) + eps)
    else:
        direction = grad / (torch.sqrt(square_avg) + eps)
    if momentum > 0:
        momentum_buffer = momentum * momentum_buffer + direction
        direction = momentum_buffer
    return param - lr * direction, square_avg, grad_avg, momentum_buffer


def adam_step(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
              lr: float, beta1: float, beta2: float, eps: float, *,
              weight_decay: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
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
        ``(param, m, v)``: new tensors.

    Example:
        >>> z = torch.zeros(2)
        >>> adam_step(z, torch.tensor([1.0, -4.0]), z, z, 1, 0.1, 0.9, 0.999, 0.0)[0]
        tensor([-0.1000,  0.1000])
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    denominator = torch.sqrt(v) / math.sqrt(bias_correction2) + eps
    return param - (lr / bias_correction1) * (m / denominator), m, v


def adamw_step(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
               lr: float, beta1: float, beta2: float, eps: float,
               weight_decay: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
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
        ``(param, m, v)``: new tensors.

    Example:
        >>> z = torch.zeros(1)
        >>> adamw_step(torch.ones(1), z, z, z, 1, 0.1, 0.9, 0.999, 1e-8, 0.5)[0]
        tensor([0.9500])
    """
    param = param * (1 - lr * weight_decay)
    return adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)


def amsgrad_step(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor,
                 max_v: torch.Tensor, t: int, lr: float, beta1: float, beta2: float, eps: float,
                 *, weight_decay: float = 0.0, decoupled: bool = False
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
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
        ``(param, m, v, max_v)``: new tensors.

    Example:
        >>> z = torch.zeros(1)
        >>> amsgrad_step(z, torch.ones(1), z, z, z, 1, 0.1, 0.9, 0.999, 0.0)[3]
        tensor([0.0010])
    """
    if weight_decay != 0:
        if decoupled:
            param = param * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    max_v = torch.maximum(max_v, v)
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    denominator = torch.sqrt(max_v) / math.sqrt(bias_correction2) + eps
    return param - (lr / bias_correction1) * (m / denominator), m, v, max_v


# ----------------------------------------------------------------------------- classes
class Optimizer(torch.optim.Optimizer):
    """Base class: a ``torch.optim.Optimizer`` with an ``lr`` attribute and clear errors.

    Args:
        params: ``model.parameters()`` (or a list of parameter-group dicts, as torch).
        defaults: hyperparameter name -> default value.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, torch.nn.Module):
            raise TypeError(
                f"{type(self).__name__} expects the model's parameters, got a "
                f"{type(params).__name__} module. Pass model.parameters() instead of model."
            )
        if isinstance(params, dict):
            raise TypeError(f"{type(self).__name__} expects a list of parameters or a list of "
                            f"groups (dicts); got one dict. Wrap it in a list: "
                            f"[{{'params': ..., 'lr': ...}}].")
        params = list(params) if not isinstance(params, torch.Tensor) else [params]
        if not params:
            raise ValueError(
                f"{type(self).__name__} got an empty parameter list. Pass model.parameters() "
                "of a model that has trainable layers (e.g. a Linear)."
            )
        if isinstance(params[0], dict):
            for g, group in enumerate(params):
                if not isinstance(group, dict) or "params" not in group:
                    raise TypeError(f"{type(self).__name__} group {g} must be a dict with a "
                                    f"'params' key, like {{'params': model.parameters(), "
                                    f"'lr': 0.01}}; got {type(group).__name__}.")
        super().__init__(params, defaults)

    @property
    def initial_lr(self) -> float | None:
        """The first group's starting rate recorded by the first schedule (None before)."""
        value = self.param_groups[0].get("initial_lr")
        return None if value is None else float(value)

    @property
    def lr(self) -> float:
        """The learning rate (of the first parameter group); setting it sets every group."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def _params_with_grad(
            self, group: dict[str, Any]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """``(parameter, its gradient)`` for each parameter of ``group`` that has one."""
        for p in group["params"]:
            if p.grad is None:
                continue  # a parameter that did not take part in the loss is left alone
            if p.grad.is_sparse:
                raise TypeError(f"{type(self).__name__} does not support sparse gradients.")
            yield p, p.grad


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


def _with_l2(grad: torch.Tensor, param: torch.Tensor, weight_decay: float) -> torch.Tensor:
    r"""The gradient with the L2 term added, :math:`g + \lambda\theta` (``grad`` if λ = 0).

    The same first line as each step function's ``weight_decay`` option, done before the call
    so the step function needs only the arguments the book's exercises give it.
    """
    return grad + weight_decay * param if weight_decay != 0 else grad


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    For each parameter :math:`\theta` with gradient :math:`g_t`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        b_t &= g_t \ (t = 1), \qquad b_t = \mu b_{t-1} + (1 - \tau) g_t \ (t > 1) \\
        d_t &= g_t + \mu b_t \ \text{(Nesterov)}, \qquad d_t = b_t \ \text{(otherwise)} \\
        \theta_t &= \theta_{t-1} - \eta\, d_t

    Args:
        params: ``model.parameters()``.
        lr: learning rate :math:`\eta`.
        momentum: :math:`\mu \ge 0` (0 = plain SGD).
        dampening: :math:`\tau`; must be 0 with Nesterov.
        nesterov: look ahead along the momentum.
        weight_decay: L2 coefficient :math:`\lambda` added to the gradient.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        check_positive(lr, "lr", allow_zero=True)
        check_positive(momentum, "momentum", allow_zero=True)
        check_positive(dampening, "dampening", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"Nesterov momentum needs momentum > 0 and dampening = 0; got momentum={momentum}, "
                f"dampening={dampening}. Set momentum=0.9 (for example) or nesterov=False."
            )
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "nesterov": bool(nesterov), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(  # type: ignore[override]  # torch's stub overloads closure=None -> None
            self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Apply one update to every parameter that has a ``.grad``.

        Args:
            closure: optional function that re-evaluates the loss (as torch.optim).

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p, g in self._params_with_grad(group):
                if mu == 0:
                    p.copy_(sgd_step(p, _with_l2(g, p, group["weight_decay"]), lr))
                    continue
                state = self.state[p]
                first = "momentum_buffer" not in state
                velocity = torch.zeros_like(p) if first else state["momentum_buffer"]
                new, state["momentum_buffer"] = momentum_step(
                    p, _with_l2(g, p, group["weight_decay"]), velocity, lr, mu,
                    **_momentum_options(group, first))
                p.copy_(new)
        return loss


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t \quad\text{(centered only)} \\
        s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(centered)}, \qquad
               s_t = \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / s_t, \ \theta_t = \theta_{t-1} - \eta b_t
            \quad\text{(momentum } \mu > 0\text{)}; \qquad
        \theta_t = \theta_{t-1} - \eta\, g_t / s_t \quad\text{(otherwise)}

    Args:
        params: ``model.parameters()``.
        lr: :math:`\eta`. alpha: smoothing :math:`\alpha`. eps: :math:`\epsilon` (outside the root).
        momentum: :math:`\mu`. centered: subtract the squared mean gradient.
        weight_decay: L2 coefficient :math:`\lambda`.

    Example:
        >>> opt = RMSprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Any], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, centered: bool = False,
                 weight_decay: float = 0.0) -> None:
        check_positive(lr, "lr", allow_zero=True)
        check_number(alpha, "alpha", 0, 1, high_open=True, hint="A typical value is 0.99.")
        check_positive(eps, "eps", allow_zero=True)
        check_positive(momentum, "momentum", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "centered": bool(centered), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(  # type: ignore[override]  # torch's stub overloads closure=None -> None
            self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Apply one update to every parameter that has a ``.grad`` (see the class docstring)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, alpha, mu = group["lr"], group["alpha"], group["momentum"]
            eps, centered, decay = group["eps"], group["centered"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = torch.zeros_like(p)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    if centered:
                        state["grad_avg"] = torch.zeros_like(p)
                state["step"] += 1
                if mu == 0 and not centered:
                    new, state["square_avg"] = rmsprop_step(
                        p, _with_l2(g, p, decay), state["square_avg"], lr, alpha, eps)
                else:
                    zeros = torch.zeros_like(p)  # stands in for the state an option does not use
                    new, square_avg, grad_avg, buffer = rmsprop_general_step(
                        p, g, state["square_avg"], state.get("grad_avg", zeros),
                        state.get("momentum_buffer", zeros), lr, alpha, eps, mu, centered,
                        weight_decay=decay)
                    state["square_avg"] = square_avg
                    if centered:
                        state["grad_avg"] = grad_avg
                    if mu > 0:
                        state["momentum_buffer"] = buffer
                p.copy_(new)
        return loss


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and on its square, with bias correction.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad\text{(coupled L2; see AdamW)} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ (amsgrad) else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    Args:
        params: ``model.parameters()``.
        lr: :math:`\eta`. betas: :math:`(\beta_1, \beta_2)`. eps: :math:`\epsilon`.
        weight_decay: :math:`\lambda`, added to the gradient. amsgrad: keep the max of :math:`v`.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        check_positive(lr, "lr", allow_zero=True)
        betas = check_betas(betas)
        check_positive(eps, "eps", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": bool(amsgrad)})

    @torch.no_grad()
    def step(  # type: ignore[override]  # torch's stub overloads closure=None -> None
            self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Apply one update to every parameter that has a ``.grad`` (see the class docstring)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, (beta1, beta2), decay = group["lr"], group["betas"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                arguments = (state["step"], lr, beta1, beta2, group["eps"])
                if group["amsgrad"]:
                    new, state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"] = \
                        amsgrad_step(p, g, state["exp_avg"], state["exp_avg_sq"],
                                     state["max_exp_avg_sq"], *arguments, weight_decay=decay,
                                     decoupled=self._decoupled)
                elif self._decoupled:
                    new, state["exp_avg"], state["exp_avg_sq"] = adamw_step(
                        p, g, state["exp_avg"], state["exp_avg_sq"], *arguments, decay)
                else:
                    new, state["exp_avg"], state["exp_avg_sq"] = adam_step(
                        p, _with_l2(g, p, decay), state["exp_avg"], state["exp_avg_sq"],
                        *arguments)
                p.copy_(new)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    Same as :class:`Adam`, except the decay shrinks the weights directly,
    :math:`\theta \leftarrow \theta (1 - \eta \lambda)`, before the Adam update,
    instead of being added to the gradient.

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


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0) -> torch.Tensor:
    r"""Scale every gradient down so that all of them together have norm <= ``max_norm``.

    The twin of :func:`nncourse.numpy.optim.clip_grad_norm_` and the values of
    ``torch.nn.utils.clip_grad_norm_``: with :math:`N` the p-norm of the per-tensor p-norms,
    every ``grad`` is multiplied by :math:`\min(1, \text{max\_norm} / (N + 10^{-6}))`.
    Parameters whose ``grad`` is None are skipped.

    Args:
        parameters: tensors (``model.parameters()``), one tensor, or a model.
        max_norm: the largest norm allowed (> 0).
        norm_type: p of the p-norm (> 0), or ``math.inf`` for the largest absolute entry.

    Returns:
        N, the norm before clipping, as a 0-d tensor.

    Example:
        >>> loss.backward()
        >>> clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> optimizer.step()
    """
    max_norm = check_positive(max_norm, "max_norm",
                              hint="It is the largest gradient norm allowed, e.g. 1.0.")
    norm_type = check_norm_type(norm_type)
    if isinstance(parameters, torch.nn.Module):
        parameters = parameters.parameters()
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"clip_grad_norm_ takes tensors (model.parameters()); got "
                            f"{type(p).__name__}.")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        # one norm per tensor, then the norm of those: (k,) -> 0-d
        norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
        total = torch.linalg.vector_norm(norms, norm_type)
        scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)   # a NaN norm stays NaN
        for g in grads:
            g.mul_(scale.to(g.dtype))
    return total
