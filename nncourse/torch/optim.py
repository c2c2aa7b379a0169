"""Optimizers on torch tensors: SGD (momentum, Nesterov), RMSprop, Adam and AdamW.

Each class is a ``torch.optim.Optimizer`` whose ``step()`` is the textbook update
written as a plain loop over the parameters (no fused or multi-tensor fast
paths), so the algorithm can be read line by line next to
:mod:`nncourse.numpy.optim`. Defaults and the order of operations follow
``torch.optim``; the tests check both agree step for step.

Every optimizer also has an ``lr`` attribute (reading or writing the rate of all
parameter groups), so the epoch schedules of :mod:`nncourse.numpy.schedules`
(re-exported here) drive a torch optimizer exactly as they drive a NumPy one.
``torch.optim.lr_scheduler`` works as well.

Example:
    >>> opt = Adam(model.parameters(), lr=1e-3)
    >>> loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch

from nncourse._checks import check_positive
from nncourse.torch.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    LRScheduler,
    StepLR,
    schedule_values,
)

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW",
    "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup",
    "schedule_values",
]


def _check_betas(betas: Any) -> tuple[float, float]:
    betas = tuple(betas)
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}.")
    for i, beta in enumerate(betas):
        check_positive(beta, f"betas[{i}]", allow_zero=True)
        if not beta < 1.0:
            raise ValueError(
                f"betas[{i}] must be in [0, 1); got {beta!r}. Typical values are 0.9 and 0.999."
            )
    return float(betas[0]), float(betas[1])


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
        params = list(params) if not isinstance(params, torch.Tensor) else [params]
        if not params:
            raise ValueError(
                f"{type(self).__name__} got an empty parameter list. Pass model.parameters() "
                "of a model that has trainable layers (e.g. a Linear)."
            )
        super().__init__(params, defaults)
        self.initial_lr: float | None = None  # set by the first NumPy-style schedule attached

    @property
    def lr(self) -> float:
        """The learning rate (of the first parameter group); setting it sets every group."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def _params_with_grad(self, group: dict[str, Any]) -> Iterable[torch.Tensor]:
        for p in group["params"]:
            if p.grad is None:
                continue  # a parameter that did not take part in the loss is left alone
            if p.grad.is_sparse:
                raise TypeError(f"{type(self).__name__} does not support sparse gradients.")
            yield p


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
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
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
            for p in self._params_with_grad(group):
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p  # L2: a new tensor, .grad is untouched
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        # The first buffer is the gradient itself (no dampening), as torch.
                        state["momentum_buffer"] = g.detach().clone()
                    else:
                        b = state["momentum_buffer"]
                        b.mul_(mu).add_(g, alpha=1 - group["dampening"])  # b = mu b + (1-tau) g
                    b = state["momentum_buffer"]
                    g = g + mu * b if group["nesterov"] else b
                p.add_(g, alpha=-lr)  # theta = theta - lr * d
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
        check_positive(alpha, "alpha", allow_zero=True)
        if not alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1); got {alpha!r}. A typical value is 0.99.")
        check_positive(eps, "eps", allow_zero=True)
        check_positive(momentum, "momentum", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "centered": bool(centered), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Apply one update to every parameter that has a ``.grad`` (see the class docstring)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, alpha, mu = group["lr"], group["alpha"], group["momentum"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = torch.zeros_like(p)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = torch.zeros_like(p)
                state["step"] += 1
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p
                v = state["square_avg"]
                v.mul_(alpha).addcmul_(g, g, value=1 - alpha)  # v = alpha v + (1-alpha) g^2
                if group["centered"]:
                    m = state["grad_avg"]
                    m.mul_(alpha).add_(g, alpha=1 - alpha)  # m = alpha m + (1-alpha) g
                    s = (v - m * m).sqrt() + group["eps"]
                else:
                    s = v.sqrt() + group["eps"]
                if mu > 0:
                    b = state["momentum_buffer"]
                    b.mul_(mu).add_(g / s)  # b = mu b + g / s
                    p.add_(b, alpha=-lr)
                else:
                    p.add_(g / s, alpha=-lr)
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
        betas = _check_betas(betas)
        check_positive(eps, "eps", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": bool(amsgrad)})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Apply one update to every parameter that has a ``.grad`` (see the class docstring)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, (beta1, beta2), decay = group["lr"], group["betas"], group["weight_decay"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                g = p.grad
                if decay != 0:
                    if self._decoupled:
                        p.mul_(1 - lr * decay)  # AdamW: shrink the weights, not the gradient
                    else:
                        g = g + decay * p  # Adam: the L2 term enters the moments
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(g, alpha=1 - beta1)  # m = beta1 m + (1-beta1) g
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)  # v = beta2 v + (1-beta2) g^2
                if group["amsgrad"]:
                    torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                denom = v.sqrt() / math.sqrt(bias_correction2) + group["eps"]
                p.addcdiv_(m, denom, value=-lr / bias_correction1)  # theta -= lr/bc1 * m/denom
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
