"""Chapter 5 mistake models: plausible wrong update steps, each with the message it earns.

Every model is a runnable wrong answer, written as a learner would write it, with a docstring
that says the slip. The judge runs it on the same inputs as the learner's answer; when the two
agree, the learner reads its message.

Example:
    >>> from nncourse.exercises import check
    >>> check("optim.momentum_step", momentum_moving_average).passed
    False
"""

from __future__ import annotations

import numpy as np

from ..registry import Mistake


# ----------------------------------------------------------------------------- momentum
def momentum_moving_average(param, grad, velocity, lr, momentum):
    """The velocity as a moving average, v = momentum v + (1 - momentum) g."""
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * velocity, velocity


def momentum_lr_in_velocity(param, grad, velocity, lr, momentum):
    """lr folded into the velocity (v = momentum v + lr g, param - v): the returned v is lr v."""
    velocity = momentum * velocity + lr * grad
    return param - velocity, velocity


def momentum_ignores_velocity(param, grad, velocity, lr, momentum):
    """Steps with the gradient; the velocity is updated but never used."""
    velocity = momentum * velocity + grad
    return param - lr * grad, velocity


def momentum_old_velocity(param, grad, velocity, lr, momentum):
    """Steps with the old velocity, then updates it."""
    param = param - lr * velocity
    return param, momentum * velocity + grad


def momentum_uphill(param, grad, velocity, lr, momentum):
    """Adds the step instead of subtracting it."""
    velocity = momentum * velocity + grad
    return param + lr * velocity, velocity


def momentum_nesterov(param, grad, velocity, lr, momentum):
    """Nesterov's update (grad + momentum v) instead of heavy-ball momentum."""
    velocity = momentum * velocity + grad
    return param - lr * (grad + momentum * velocity), velocity


def momentum_returns_old_velocity(param, grad, velocity, lr, momentum):
    """Steps with the new velocity but returns the one it was given."""
    new_velocity = momentum * velocity + grad
    return param - lr * new_velocity, velocity


MOMENTUM = [
    Mistake("velocity as a moving average", momentum_moving_average,
            "Your velocity is a moving average with a (1 - momentum) factor; the library (and "
            "torch.optim.SGD) adds the whole gradient: velocity = momentum * velocity + grad."),
    Mistake("lr folded into the velocity", momentum_lr_in_velocity,
            "Your parameters are right but your velocity is lr times the library's: you folded "
            "lr into the velocity (velocity = momentum * velocity + lr * grad). Keep "
            "velocity = momentum * velocity + grad and step with param - lr * velocity."),
    Mistake("steps with the gradient", momentum_ignores_velocity,
            "Your update ignores the velocity: step with the new velocity, "
            "param - lr * velocity, not with the gradient."),
    Mistake("steps with the old velocity", momentum_old_velocity,
            "Your step uses the old velocity; update the velocity with this gradient first, "
            "then step with the new one."),
    Mistake("adds the step", momentum_uphill,
            "Your parameters move uphill (the sign of the step is flipped): subtract "
            "lr * velocity."),
    Mistake("Nesterov instead of heavy ball", momentum_nesterov,
            "That is Nesterov's update (grad + momentum * velocity); this exercise asks for "
            "classical (heavy-ball) momentum: param - lr * velocity."),
    Mistake("returns the old velocity", momentum_returns_old_velocity,
            "You return the velocity you were given, so every step starts again from zero; "
            "return the new velocity: (param - lr * velocity, velocity) after "
            "velocity = momentum * velocity + grad."),
]


# ----------------------------------------------------------------------------- RMSprop
def rmsprop_eps_inside(param, grad, square_avg, lr, alpha, eps):
    """eps inside the square root."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / np.sqrt(square_avg + eps), square_avg


def rmsprop_no_one_minus_alpha(param, grad, square_avg, lr, alpha, eps):
    """The new squared gradient added without its (1 - alpha) weight."""
    square_avg = alpha * square_avg + grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_no_sqrt(param, grad, square_avg, lr, alpha, eps):
    """Divides by the mean square itself, not by its root."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (square_avg + eps), square_avg


def rmsprop_swapped(param, grad, square_avg, lr, alpha, eps):
    """alpha and 1 - alpha swapped."""
    square_avg = (1 - alpha) * square_avg + alpha * grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_averages_grad(param, grad, square_avg, lr, alpha, eps):
    """Averages g instead of g**2 (the root of a negative average is NaN)."""
    square_avg = alpha * square_avg + (1 - alpha) * grad
    with np.errstate(invalid="ignore"):
        return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_returns_old_average(param, grad, square_avg, lr, alpha, eps):
    """Steps with the new average but returns the one it was given."""
    new_average = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (np.sqrt(new_average) + eps), square_avg


RMSPROP = [
    Mistake("eps inside the root", rmsprop_eps_inside,
            "You add eps inside the square root; PyTorch adds it outside: "
            "grad / (sqrt(square_avg) + eps)."),
    Mistake("no (1 - alpha)", rmsprop_no_one_minus_alpha,
            "The new squared gradient lacks its (1 - alpha) factor, so your square_avg grows "
            "without bound: square_avg = alpha * square_avg + (1 - alpha) * grad**2."),
    Mistake("no square root", rmsprop_no_sqrt,
            "You divide the gradient by the mean square itself; divide by the square root of "
            "the average, sqrt(square_avg) + eps."),
    Mistake("alpha and 1 - alpha swapped", rmsprop_swapped,
            "Your alpha and 1 - alpha are swapped: alpha weights the old average, 1 - alpha "
            "the new squared gradient."),
    Mistake("averages g, not g squared", rmsprop_averages_grad,
            "Your square_avg averages grad, not grad**2 (a negative average has no square "
            "root, hence the NaN): square_avg = alpha * square_avg + (1 - alpha) * grad**2."),
    Mistake("returns the old average", rmsprop_returns_old_average,
            "You return the square_avg you were given, so the average never builds up; return "
            "the new square_avg with the new param."),
]


# ----------------------------------------------------------------------------- Adam
def _moments(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2


def adam_no_correction(param, grad, m, v, t, lr, beta1, beta2, eps):
    """No bias correction."""
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_only_m_corrected(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Corrects m but not v."""
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v) + eps), m, v


def adam_t_plus_one(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Bias correction with t + 1 (t counted from 0)."""
    m, v = _moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_t_minus_one(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Bias correction with t - 1: 1 - beta**0 = 0 on the first step."""
    m, v = _moments(grad, m, v, beta1, beta2)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = m / (1 - beta1 ** (t - 1)), v / (1 - beta2 ** (t - 1))
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_eps_inside(param, grad, m, v, t, lr, beta1, beta2, eps):
    """eps inside the square root."""
    m, v = _moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_stores_corrected(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Returns the bias-corrected moments as the state."""
    m, v = _moments(grad, m, v, beta1, beta2)
    m, v = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_v_of_grad(param, grad, m, v, t, lr, beta1, beta2, eps):
    """v averages g instead of g**2."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad
    with np.errstate(invalid="ignore"):
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_returns_old_moments(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Steps with the new moments but returns the ones it was given."""
    new_m, new_v = _moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = new_m / (1 - beta1**t), new_v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


ADAM = [
    Mistake("no bias correction", adam_no_correction,
            "Your step has no bias correction: m and v start at 0, so divide them by "
            "1 - beta1**t and 1 - beta2**t before the step."),
    Mistake("only m corrected", adam_only_m_corrected,
            "Your step corrects m but not v: divide v by 1 - beta2**t as well."),
    Mistake("t counted from 0", adam_t_plus_one,
            "Your bias correction uses t + 1; t is already the 1-based step number, so use "
            "1 - beta1**t and 1 - beta2**t."),
    Mistake("t - 1 in the correction", adam_t_minus_one,
            "Your bias correction uses t - 1: on the first step 1 - beta**0 = 0 and the "
            "division gives inf/NaN. t is the 1-based step number: use 1 - beta1**t and "
            "1 - beta2**t."),
    Mistake("eps inside the root", adam_eps_inside,
            "You add eps inside the square root; PyTorch adds it outside: "
            "m_hat / (sqrt(v_hat) + eps)."),
    Mistake("stores the corrected moments", adam_stores_corrected,
            "You return the bias-corrected m and v; keep the raw moving averages as the state "
            "and correct only inside the step."),
    Mistake("v averages g, not g squared", adam_v_of_grad,
            "Your v averages grad, not grad**2 (a negative average has no square root, hence "
            "the NaN): v = beta2 * v + (1 - beta2) * grad**2."),
    Mistake("returns the old moments", adam_returns_old_moments,
            "You return the m and v you were given, so the moving averages never build up; "
            "return the new (raw) m and v with the new param."),
]


# ----------------------------------------------------------------------------- damping
CRITICAL_MOMENTUM = [
    Mistake("no momentum", {"lr": 0.47, "momentum": 0.0}, ("without momentum",)),
    Mistake("too much momentum", {"lr": 0.6, "momentum": 0.9}, ("underdamped",)),
    Mistake("too little momentum", {"lr": 0.2, "momentum": 0.3}, ("overdamped",)),
    Mistake("step too large", {"lr": 1.0, "momentum": 0.3}, ("diverges",)),
    Mistake("the default momentum", {"lr": 0.1, "momentum": 0.9}, ("underdamped",)),
]
