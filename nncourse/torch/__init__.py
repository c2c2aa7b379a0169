"""The PyTorch path: the NumPy reference's API on torch autograd, on a GPU when there is one.

Same module and class names as :mod:`nncourse.numpy` (``activations``, ``callbacks``,
``init``, ``layers``, ``losses``, ``metrics``, ``module``, ``normalization``, ``optim``,
``rng``, ``schedules``, ``training``), the same package exports, the same parameter names and
layouts, so a model moves between the two with :func:`from_numpy_model` and
:func:`to_numpy_model`. What torch adds: autograd instead of hand-written
``backward`` methods, devices, mixed precision, checkpoints and multi-GPU
training with ``torchrun``.

Importing this package needs neither a GPU nor CUDA.

Example:
    >>> from nncourse.torch import Adam, CrossEntropyLoss, Flatten, Linear, ReLU, Sequential
    >>> from nncourse.torch import fit, get_device
    >>> model = Sequential(Flatten(), Linear(784, 128, seed=0), ReLU(), Linear(128, 10, seed=1))
    >>> history = fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y, epochs=5,
    ...               device=get_device())
"""

from nncourse.torch import activations, init, layers, losses, optim, training
from nncourse.torch.checkpoint import load_checkpoint, save_checkpoint
from nncourse.torch.convert import from_numpy_model, to_numpy_model
from nncourse.torch.device import get_device
from nncourse.torch.layers import (
    Flatten,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nncourse.torch.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from nncourse.torch.module import Module, Parameter
from nncourse.torch.normalization import BatchNorm1d, Dropout
from nncourse.torch.optim import SGD, Adam, AdamW, RMSprop
from nncourse.torch.reproducibility import seed_everything
from nncourse.torch.training import History, Trainer, evaluate, fit, predict, train_step

# The names of nncourse.numpy, in its order, then what only the torch path has.
__all__ = ["Module", "Parameter", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
           "Dropout", "BatchNorm1d", "Flatten", "Sequential", "MSELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "SGD", "RMSprop", "Adam", "AdamW", "History", "train_step",
           "fit", "evaluate", "predict",
           "activations", "init", "layers", "losses", "optim", "training", "get_device",
           "from_numpy_model", "to_numpy_model", "Trainer", "save_checkpoint", "load_checkpoint",
           "seed_everything"]
