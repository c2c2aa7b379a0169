r"""Weight initializers for torch tensors and modules, the twins of :mod:`nncourse.numpy.init`.

Same names, same formulas (those of ``torch.nn.init``), and the same numbers:
the values are drawn by the NumPy reference and copied into the tensor, so a
torch layer built with ``seed=0`` starts from exactly the weights of the NumPy
layer built with ``seed=0``. The trailing underscore is PyTorch's mark of an
in-place function.

==================  ===========================================================
``xavier_uniform``  :math:`U(-a, a)`, :math:`a = g\sqrt{6 / (n_{in} + n_{out})}` (tanh, sigmoid)
``xavier_normal``   :math:`\mathcal N(0, g^2 \cdot 2 / (n_{in} + n_{out}))`
``he_uniform``      :math:`U(-b, b)`, :math:`b = \sqrt{6 / n_{in}}` (ReLU)
``he_normal``       :math:`\mathcal N(0, 2 / n_{in})` (ReLU)
``lecun_normal``    :math:`\mathcal N(0, 1 / n_{in})`
==================  ===========================================================

The random source may be a seed, a ``np.random.Generator``, a ``torch.Generator``,
or None, which takes a seed from torch's global generator (so
``torch.manual_seed`` makes the run reproducible, as with ``torch.nn.init``).
The initializers ``torch.nn.init`` has beyond these, and why, are listed in
:mod:`nncourse.numpy.init`.

Example:
    >>> layer = torch.nn.Linear(4, 3)
    >>> he_uniform_(layer.weight, rng=0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from nncourse._checks import check_choice
from nncourse.numpy import init as reference
from nncourse.numpy.init import calculate_gain
from nncourse.torch.rng import RandomSource, as_generator

# The name this module used before nncourse.torch.rng existed.
as_numpy_generator = as_generator

__all__ = ["calculate_gain", "zeros_", "ones_", "constant_", "normal_",
           "uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "he_uniform_", "he_normal_", "lecun_normal_", "lecun_uniform_",
           "torch_default_", "INITIALIZERS", "initialize_", "init_module"]


def _fill_(tensor: torch.Tensor, values: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        tensor.copy_(torch.from_numpy(np.ascontiguousarray(values)))  # casts dtype and device
    return tensor


def _shape(tensor: torch.Tensor) -> tuple[int, ...]:
    return tuple(int(s) for s in tensor.shape)


def zeros_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """Fill with zeros (every unit then learns the same thing: the symmetry lesson)."""
    with torch.no_grad():
        return tensor.zero_()


def ones_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """Fill with ones."""
    with torch.no_grad():
        return tensor.fill_(1.0)


def constant_(tensor: torch.Tensor, rng: RandomSource = None, value: float = 0.0) -> torch.Tensor:
    """Fill with ``value``. Example: ``constant_(layer.bias, value=0.1)``."""
    with torch.no_grad():
        return tensor.fill_(float(value))


def normal_(tensor: torch.Tensor, rng: RandomSource = None, mean: float = 0.0,
            std: float = 1.0) -> torch.Tensor:
    """Draws from N(mean, std^2). Example: ``normal_(w, rng=0, std=0.01)``."""
    return _fill_(tensor, reference.normal(_shape(tensor), as_generator(rng), mean, std))


def uniform_(tensor: torch.Tensor, rng: RandomSource = None, a: float = 0.0,
             b: float = 1.0) -> torch.Tensor:
    """Draws from U(a, b). Example: ``uniform_(w, rng=0, a=-0.1, b=0.1)``."""
    return _fill_(tensor, reference.uniform(_shape(tensor), as_generator(rng), a, b))


def xavier_uniform_(tensor: torch.Tensor, rng: RandomSource = None,
                    gain: float = 1.0) -> torch.Tensor:
    """Glorot uniform, bound gain * sqrt(6 / (fan_in + fan_out)): ``xavier_uniform_(w)``."""
    values = reference.xavier_uniform(_shape(tensor), as_generator(rng), gain)
    return _fill_(tensor, values)


def xavier_normal_(tensor: torch.Tensor, rng: RandomSource = None,
                   gain: float = 1.0) -> torch.Tensor:
    """Glorot normal, std gain * sqrt(2 / (fan_in + fan_out)). Example: ``xavier_normal_(w)``."""
    return _fill_(tensor, reference.xavier_normal(_shape(tensor), as_generator(rng), gain))


def kaiming_uniform_(tensor: torch.Tensor, rng: RandomSource = None, a: float = 0.0,
                     mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> torch.Tensor:
    """He uniform, bound gain * sqrt(3 / fan) (torch.nn.init defaults).

    Example: see ``he_uniform_``.
    """
    values = reference.kaiming_uniform(_shape(tensor), as_generator(rng), a, mode,
                                       nonlinearity)
    return _fill_(tensor, values)


def kaiming_normal_(tensor: torch.Tensor, rng: RandomSource = None, a: float = 0.0,
                    mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> torch.Tensor:
    """He normal, std gain / sqrt(fan) (torch.nn.init defaults)."""
    values = reference.kaiming_normal(_shape(tensor), as_generator(rng), a, mode,
                                      nonlinearity)
    return _fill_(tensor, values)


def he_uniform_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """Kaiming uniform for ReLU, bound sqrt(6 / fan_in). Example: ``he_uniform_(w, rng=0)``."""
    return _fill_(tensor, reference.he_uniform(_shape(tensor), as_generator(rng)))


def he_normal_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """Kaiming normal for ReLU, std sqrt(2 / fan_in)."""
    return _fill_(tensor, reference.he_normal(_shape(tensor), as_generator(rng)))


def lecun_normal_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """LeCun normal, std sqrt(1 / fan_in)."""
    return _fill_(tensor, reference.lecun_normal(_shape(tensor), as_generator(rng)))


def lecun_uniform_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """LeCun uniform, bound sqrt(3 / fan_in)."""
    return _fill_(tensor, reference.lecun_uniform(_shape(tensor), as_generator(rng)))


def torch_default_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    """``torch.nn.Linear``'s own default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    return _fill_(tensor, reference.torch_default(_shape(tensor), as_generator(rng)))


def _small_normal_(tensor: torch.Tensor, rng: RandomSource = None) -> torch.Tensor:
    return normal_(tensor, rng, std=0.01)


#: name -> in-place initializer ``f(tensor, rng)``; the same keys as the NumPy ``INITIALIZERS``
#: ("normal" is N(0, 0.01^2) there and here).
INITIALIZERS: dict[str, Callable[..., torch.Tensor]] = {
    "torch_default": torch_default_, "zeros": zeros_, "ones": ones_, "normal": _small_normal_,
    "uniform": uniform_, "xavier_uniform": xavier_uniform_, "xavier_normal": xavier_normal_,
    "kaiming_uniform": kaiming_uniform_, "kaiming_normal": kaiming_normal_,
    "he_uniform": he_uniform_, "he_normal": he_normal_, "lecun_normal": lecun_normal_,
    "lecun_uniform": lecun_uniform_,
}


def initialize_(tensor: torch.Tensor, scheme: str, rng: RandomSource = None,
                nonlinearity: str | None = None) -> torch.Tensor:
    """Fill ``tensor`` in place with the named scheme (the values of ``numpy.init.initialize``).

    Args:
        tensor: (out_features, in_features) weight.
        scheme: a key of :data:`INITIALIZERS`.
        rng: seed, NumPy or torch Generator, or None (torch's global RNG).
        nonlinearity: sets the gain of xavier_* / kaiming_* schemes.

    Returns:
        ``tensor``.

    Example:
        >>> initialize_(torch.empty(3, 4), "xavier_uniform", rng=0).shape
        torch.Size([3, 4])
    """
    check_choice(scheme, "init", INITIALIZERS)
    values = reference.initialize(_shape(tensor), scheme, as_generator(rng), nonlinearity)
    return _fill_(tensor, values)


def init_module(model: nn.Module, scheme: str = "he_uniform", nonlinearity: str | None = None,
                rng: RandomSource = None, seed: int | None = None) -> nn.Module:
    """Re-initialize every linear layer's weight with ``scheme``; biases become zero.

    Args:
        model: any module; its ``Linear`` layers (nncourse's or ``torch.nn``'s) in order.
        scheme: a key of :data:`INITIALIZERS`.
        nonlinearity: passed to gain-aware schemes.
        rng: the random source (a seed or Generator; give rng or seed for reproducible
            weights).
        seed: or a seed.

    Returns:
        ``model`` (for chaining).

    Example:
        >>> model = init_module(model, "xavier_uniform", nonlinearity="tanh", seed=0)
    """
    check_choice(scheme, "init", INITIALIZERS)
    if rng is not None and seed is not None:
        raise ValueError("Pass either rng or seed, not both.")
    generator = as_generator(rng if rng is not None else seed)
    for layer in model.modules():
        # A structural test for a fully connected layer (nncourse's or torch.nn's): this
        # module needs nothing from nncourse.torch.layers, which imports it.
        weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
        if hasattr(layer, "in_features") and isinstance(weight, nn.Parameter) \
                and weight.dim() == 2:
            initialize_(weight, scheme, generator, nonlinearity)
            if isinstance(bias, torch.Tensor):
                zeros_(bias)
    return model
