"""Reference answers for chapter 4 (instructor side; see the package docstring).

The backward passes are the library's (:mod:`nncourse.numpy.activations`); the deep-signal
setting is answered here.
"""

from __future__ import annotations

from typing import Any

from nncourse.numpy.activations import (
    leaky_relu,
    leaky_relu_backward,
    sigmoid_backward,
    tanh_backward,
)

SOLUTIONS: dict[str, Any] = {
    "activations.sigmoid_backward": sigmoid_backward,
    "activations.tanh_backward": tanh_backward,
    "activations.leaky_relu": (leaky_relu, leaky_relu_backward),
    "activations.deep_signal": {"activation": "relu", "init": "he_normal"},
}
