"""The NumPy reference: every component of a neural network, written out.

The main building blocks are re-exported here (NumPy is the only dependency)::

    from nncourse.numpy import Sequential, Linear, ReLU, CrossEntropyLoss, Adam, fit

:mod:`nncourse.torch` exports the same names in the same order (and adds its GPU
machinery after them).

Submodules: ``activations``, ``callbacks``, ``init``, ``layers``, ``losses``,
``metrics``, ``module``, ``normalization``, ``optim``, ``rng``, ``schedules``,
``training`` (each with a torch twin of the same name), and ``autodiff``,
``gradcheck`` (NumPy only: torch has autograd).
"""

from nncourse.numpy.layers import (
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
from nncourse.numpy.normalization import BatchNorm1d, Dropout
from nncourse.numpy.optim import SGD, Adam, AdamW, RMSprop
from nncourse.numpy.training import History, evaluate, fit, predict, train_step

__all__ = ["Module", "Parameter", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
           "Dropout", "BatchNorm1d", "Flatten", "Sequential", "MSELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "SGD", "RMSprop", "Adam", "AdamW", "History", "train_step",
           "fit", "evaluate", "predict"]
