"""Optimizers: SGD (with momentum and Nesterov), RMSprop, Adam and AdamW.

Every class follows ``torch.optim`` exactly (same defaults, same order of
operations), so a NumPy run and a PyTorch run from the same weights agree to
rounding error. Each ``step()`` is the textbook update written as a plain loop
over the parameters; the math is in each class docstring.

Learning-rate schedules live in :mod:`nncourse.numpy.schedules` and are
re-exported here (``from nncourse.numpy.optim import StepLR`` works).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from nncourse._checks import check_positive
from nncourse.numpy.module import Module, Parameter
from nncourse.numpy.schedules import (
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


def _check_beta(value: Any, name: str) -> float:
    value = check_positive(value, name, allow_zero=True)
    if not value < 1.0:
        raise ValueError(
            f"{name} must be in [0, 1); got {value!r}. Typical values are 0.9 or 0.999."
        )
    return value


def _adam_hyperparameters(lr: float, betas: tuple[float, float], eps: float,
                          weight_decay: float, amsgrad: bool) -> dict[str, Any]:
    """Validated hyperparameters of Adam and AdamW."""
    check_positive(lr, "lr", allow_zero=True)
    if len(tuple(betas)) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}.")
    betas = (_check_beta(betas[0], "betas[0]"), _check_beta(betas[1], "betas[1]"))
    check_positive(eps, "eps", allow_zero=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    return {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "amsgrad": bool(amsgrad)}


class Optimizer:
    """Base class: holds the parameters, the hyperparameters and per-parameter state.

    Subclasses fill ``self.state[i]`` (a dict of arrays and counters for parameter
    ``i``) and implement :meth:`step`.

    Args:
        params: the parameters to update, usually ``model.parameters()``.
        hyperparameters: name -> value; ``lr`` must be one of them. Each also
            becomes an attribute (``optimizer.lr``), which schedules change.
    """

    def __init__(self, params: Iterable[Parameter], hyperparameters: dict[str, Any]) -> None:
        if isinstance(params, Module):
            raise TypeError(
                "Optimizer expects a list of Parameter objects, got a Module. "
                "Pass model.parameters() instead of model."
            )
        if isinstance(params, Parameter):
            params = [params]
        params = list(params)
        if not params:
            raise ValueError(
                "Optimizer got an empty parameter list. Pass model.parameters() of a model "
                "that has trainable layers (e.g. a Linear)."
            )
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"Optimizer parameter {i} is a {type(p).__name__}, expected a Parameter. "
                    "Pass model.parameters() (or wrap arrays with Parameter(array))."
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError("Optimizer got the same Parameter twice; pass each parameter once.")
        self.params: list[Parameter] = params
        self.state: list[dict[str, Any]] = [{} for _ in params]
        self._hyperparameter_names = tuple(hyperparameters)
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        self.initial_lr: float | None = None  # set by the first schedule attached (as torch)

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """Current hyperparameter values (``lr`` included, as changed by schedules)."""
        return {name: getattr(self, name) for name in self._hyperparameter_names}

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero (in place)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.step is not implemented")

    # --- saving ----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Copies of the hyperparameters and of every per-parameter state array.

        Returns:
            A dict with keys ``hyperparameters`` (dict), ``initial_lr`` (float or None)
            and ``state`` (one dict per parameter); arrays are copies.
        """
        state = [
            {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for s in self.state
        ]
        return {"hyperparameters": self.hyperparameters, "initial_lr": self.initial_lr,
                "state": state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` (same parameter list).

        Raises:
            ValueError: the number of parameters or a state array's shape differs.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict:
            raise ValueError("load_state_dict expects the dict returned by Optimizer.state_dict().")
        saved = state_dict["state"]
        if len(saved) != len(self.params):
            raise ValueError(
                f"load_state_dict: the saved state has {len(saved)} parameters, this optimizer "
                f"has {len(self.params)}. Build the optimizer on the same model."
            )
        for i, (p, s) in enumerate(zip(self.params, saved, strict=True)):
            for key, value in s.items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(
                        f"load_state_dict: state '{key}' of parameter {i} has shape {value.shape}, "
                        f"the parameter has shape {p.shape}."
                    )
        self.state = [
            {k: (np.array(v, dtype=p.data.dtype) if isinstance(v, np.ndarray) else v)
             for k, v in s.items()}
            for p, s in zip(self.params, saved, strict=True)
        ]
        for name, value in state_dict.get("hyperparameters", {}).items():
            if name in self._hyperparameter_names:
                setattr(self, name, value)
        self.initial_lr = state_dict.get("initial_lr", self.initial_lr)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {args})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            \quad\text{(weight decay } \lambda\text{)} \\
        b_t &= \begin{cases} g_t & t = 1 \\
                \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases}
            \quad\text{(momentum } \mu\text{, dampening } \tau\text{)} \\
        d_t &= \begin{cases} g_t + \mu b_t & \text{Nesterov} \\ b_t & \text{otherwise}
               \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta\, d_t

    With ``momentum=0`` this is plain :math:`\theta \leftarrow \theta - \eta g`.

    Args:
        params: parameters to update (``model.parameters()``).
        lr: learning rate :math:`\eta` (> 0).
        momentum: :math:`\mu \ge 0`.
        dampening: :math:`\tau \ge 0`; must be 0 with Nesterov.
        nesterov: use Nesterov momentum (needs ``momentum > 0``).
        weight_decay: L2 coefficient :math:`\lambda \ge 0` added to the gradient.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> loss_fn.forward(model(x), y); model.backward(loss_fn.backward()); opt.step()
    """

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0,
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

    def step(self) -> None:
        """Apply one update to every parameter using its current ``.grad``."""
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p.data
            if self.momentum != 0:
                if "momentum_buffer" not in state:
                    # The first step's buffer is the gradient itself (no (1 - dampening)).
                    state["momentum_buffer"] = np.array(g, copy=True)
                else:
                    b = state["momentum_buffer"]
                    b *= self.momentum
                    b += (1 - self.dampening) * g
                b = state["momentum_buffer"]
                g = g + self.momentum * b if self.nesterov else b
            p.data -= self.lr * g


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \qquad (v_0 = 0) \\
        \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t
            \quad\text{(centered only, } \bar g_0 = 0\text{)} \\
        s_t &= \begin{cases} \sqrt{v_t - \bar g_t^2} + \epsilon & \text{centered} \\
               \sqrt{v_t} + \epsilon & \text{otherwise} \end{cases} \\
        b_t &= \mu b_{t-1} + g_t / s_t, \quad \theta_t = \theta_{t-1} - \eta b_t
            \quad\text{(if momentum } \mu > 0\text{, } b_0 = 0\text{)} \\
        \theta_t &= \theta_{t-1} - \eta\, g_t / s_t \quad\text{(if } \mu = 0\text{)}

    Note :math:`\epsilon` is added *outside* the square root, as in PyTorch.

    Args:
        params: parameters to update.
        lr: :math:`\eta`. alpha: smoothing :math:`\alpha \in [0, 1)`. eps: :math:`\epsilon`.
        momentum: :math:`\mu`. centered: subtract the squared mean gradient.
        weight_decay: L2 coefficient :math:`\lambda`.

    Example:
        >>> opt = RMSprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, centered: bool = False,
                 weight_decay: float = 0.0) -> None:
        check_positive(lr, "lr", allow_zero=True)
        _check_beta(alpha, "alpha")
        check_positive(eps, "eps", allow_zero=True)
        check_positive(momentum, "momentum", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "centered": bool(centered), "weight_decay": weight_decay})

    def step(self) -> None:
        """Apply one update to every parameter using its current ``.grad``."""
        alpha = self.alpha
        for p, state in zip(self.params, self.state, strict=True):
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(p.data)
                if self.momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if self.centered:
                    state["grad_avg"] = np.zeros_like(p.data)
            state["step"] += 1
            g = p.grad
            if self.weight_decay != 0:
                g = g + self.weight_decay * p.data
            v = state["square_avg"]
            v *= alpha
            v += (1 - alpha) * (g * g)
            if self.centered:
                m = state["grad_avg"]
                m *= alpha
                m += (1 - alpha) * g
                s = np.sqrt(v - m * m) + self.eps
            else:
                s = np.sqrt(v) + self.eps
            if self.momentum > 0:
                b = state["momentum_buffer"]
                b *= self.momentum
                b += g / s
                p.data -= self.lr * b
            else:
                p.data -= self.lr * (g / s)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and on its square, with bias correction.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            \quad\text{(L2 weight decay, added to the gradient)} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \qquad (m_0 = 0) \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \qquad (v_0 = 0) \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    The bias corrections :math:`1 - \beta^t` undo the pull towards the zero
    initial state during the first steps; :math:`\epsilon` sits outside the root.

    Args:
        params: parameters to update.
        lr: :math:`\eta`. betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon`. weight_decay: :math:`\lambda` (coupled L2; see AdamW).
        amsgrad: use the running maximum of :math:`v_t`.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    _decoupled = False  # AdamW sets True: decay the weights instead of the gradient

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, _adam_hyperparameters(lr, betas, eps, weight_decay, amsgrad))

    def step(self) -> None:
        """Apply one update to every parameter using its current ``.grad``."""
        beta1, beta2 = self.betas
        for p, state in zip(self.params, self.state, strict=True):
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
                if self.amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
            state["step"] += 1
            t = state["step"]
            g = p.grad
            if self.weight_decay != 0:
                if self._decoupled:
                    p.data *= 1 - self.lr * self.weight_decay  # AdamW: shrink the weights
                else:
                    g = g + self.weight_decay * p.data  # Adam: the L2 term enters the moments
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            if self.amsgrad:
                np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                v = state["max_exp_avg_sq"]
            bias_correction1 = 1 - beta1**t
            bias_correction2 = 1 - beta2**t
            denom = np.sqrt(v) / math.sqrt(bias_correction2) + self.eps
            p.data -= (self.lr / bias_correction1) * (m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    Identical to :class:`Adam` (it is a subclass that flips one switch) except the
    decay is not added to the gradient; the weights shrink directly before the Adam update:

    .. math::

        \theta &\leftarrow \theta (1 - \eta \lambda) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t &= \theta - \frac{\eta}{1 - \beta_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    Args:
        params, lr, betas, eps, amsgrad: as :class:`Adam`.
        weight_decay: :math:`\lambda`, default 1e-2 (as torch).

    Example:
        >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    _decoupled = True

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)
