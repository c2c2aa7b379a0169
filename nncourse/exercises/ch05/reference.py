"""Chapter 5's one learner-only answer: the damping explorer's setting (a value, not a function).

The step functions' references are the library's pure steps
(:func:`nncourse.numpy.optim.momentum_step`, ``rmsprop_step``, ``adam_step``).

Example:
    >>> from nncourse.widgets.damping_core import convergence_rate
    >>> convergence_rate(**CRITICAL_MOMENTUM) <= 0.7
    True
"""

from __future__ import annotations

#: The best momentum setting rounded to the explorer's sliders (rate 0.67 <= 0.7).
CRITICAL_MOMENTUM = {"lr": 0.6, "momentum": 0.45}
