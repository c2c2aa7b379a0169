"""The NumPy reference: every component of a neural network, written out.

The main building blocks are re-exported here (NumPy is the only dependency)::

    from nncourse.numpy import Sequential, Linear, ReLU, CrossEntropyLoss

Submodules: ``layers``, ``activations``, ``losses``, ``init``, ``gradcheck``,
``normalization``, ``module``, ``optim``, ``schedules``, ``training``, ``metrics``,
``autodiff``.
"""

from nncourse.numpy.layers import (
    BatchNorm1d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nncourse.numpy.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from nncourse.numpy.module import Module, Parameter

__all__ = ["Module", "Parameter", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
           "Dropout", "BatchNorm1d", "Flatten", "Sequential", "MSELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss"]
