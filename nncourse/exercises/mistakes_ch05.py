"""Chapter 5 mistake catalogue: plausible wrong update steps, as a learner would write them.

The judges of :mod:`nncourse.exercises.ch05_optimizers` run these on the same inputs and name
the one a learner's numbers match. Each is wrong on purpose.

Example:
    >>> from nncourse.exercises import check
    >>> check("optim.momentum_step", momentum_ema).passed
    False
"""

from __future__ import annotations

import numpy as np


def momentum_ema(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + (1 - momentum) * grad
    return param - lr * velocity, velocity


def momentum_ignores_velocity(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return param - lr * grad, velocity


def momentum_old_velocity(param, grad, velocity, lr, momentum):
    param = param - lr * velocity
    return param, momentum * velocity + grad


def momentum_uphill(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return param + lr * velocity, velocity


def momentum_nesterov(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return param - lr * (grad + momentum * velocity), velocity


def rmsprop_eps_inside(param, grad, square_avg, lr, alpha, eps):
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / np.sqrt(square_avg + eps), square_avg


def rmsprop_no_one_minus_alpha(param, grad, square_avg, lr, alpha, eps):
    square_avg = alpha * square_avg + grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_no_sqrt(param, grad, square_avg, lr, alpha, eps):
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (square_avg + eps), square_avg


def rmsprop_swapped(param, grad, square_avg, lr, alpha, eps):
    square_avg = (1 - alpha) * square_avg + alpha * grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def adam_no_correction(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v


def adam_only_m_corrected(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v) + eps), m, v


def adam_t_plus_one(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_eps_inside(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_stores_corrected(param, grad, m, v, t, lr, beta1, beta2, eps):
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * grad**2) / (1 - beta2**t)
    return param - lr * m / (np.sqrt(v) + eps), m, v
