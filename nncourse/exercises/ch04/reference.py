"""Chapter 4's references that are not a single library function.

The backward passes are the library's (:mod:`nncourse.numpy.activations`); the leaky ReLU
exercise checks the pair (forward, backward), and the deep-signal exercise is answered with an
explorer setting.

Example:
    >>> LEAKY_RELU[0].__name__, DEEP_SIGNAL["init"]
    ('leaky_relu', 'he_normal')
"""

from __future__ import annotations

from nncourse.numpy.activations import leaky_relu, leaky_relu_backward

#: the pair the learner writes, as the library has it
LEAKY_RELU = (leaky_relu, leaky_relu_backward)
#: one setting that keeps the gradient alive through 20 layers (tanh + xavier_normal works too)
DEEP_SIGNAL = {"activation": "relu", "init": "he_normal"}
