"""Weight initializers for torch modules, the twins of :mod:`nncourse.numpy.init`.

Each initializer fills a weight of shape ``(out_features, in_features)`` in
place (the trailing underscore is PyTorch's convention for in-place
functions) with the scale that keeps activations from shrinking or exploding
layer after layer:

==================  ===================================================
``zeros``           all zeros (every unit learns the same thing: a lesson)
``normal``          :math:`\\mathcal N(0, 0.01^2)`, small and scale-blind
``xavier_uniform``  :math:`U(-a, a)`, :math:`a = \\sqrt{6 / (n_{in} + n_{out})}` (tanh, sigmoid)
``xavier_normal``   :math:`\\mathcal N(0, 2 / (n_{in} + n_{out}))`
``he_uniform``      :math:`U(-a, a)`, :math:`a = \\sqrt{6 / n_{in}}` (ReLU)
``he_normal``       :math:`\\mathcal N(0, 2 / n_{in})` (ReLU)
``lecun_normal``    :math:`\\mathcal N(0, 1 / n_{in})`
==================  ===================================================

Random draws use a ``torch.Generator`` when one is given, so a seeded layer is
reproducible without touching the global random state.

Example:
    >>> layer = torch.nn.Linear(4, 3)
    >>> he_uniform_(layer.weight, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from nncourse._checks import check_choice

__all__ = ["INITIALIZERS", "zeros_", "normal_", "xavier_uniform_", "xavier_normal_",
           "he_uniform_", "he_normal_", "lecun_normal_", "initialize_", "init_module"]


def _fans(weight: torch.Tensor) -> tuple[int, int]:
    if weight.dim() != 2:
        raise ValueError(
            f"Initializers expect a 2-D weight (out_features, in_features); got shape "
            f"{tuple(weight.shape)}."
        )
    fan_out, fan_in = weight.shape  # PyTorch layout: (out_features, in_features)
    return int(fan_in), int(fan_out)


def _uniform_(weight: torch.Tensor, bound: float, generator: torch.Generator | None) -> None:
    with torch.no_grad():
        # Draw on the CPU with the (CPU) generator, then copy: same numbers on every device.
        values = torch.rand(weight.shape, generator=generator, dtype=torch.float64)
        weight.copy_((2 * values - 1) * bound)


def _normal_(weight: torch.Tensor, std: float, generator: torch.Generator | None) -> None:
    with torch.no_grad():
        values = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
        weight.copy_(values * std)


def zeros_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill with zeros. Example: ``zeros_(layer.weight)``."""
    with torch.no_grad():
        weight.zero_()
    return weight


def normal_(weight: torch.Tensor, generator: torch.Generator | None = None,
            std: float = 0.01) -> torch.Tensor:
    """Fill from N(0, std^2), std=0.01 by default. Example: ``normal_(layer.weight)``."""
    _normal_(weight, std, generator)
    return weight


def xavier_uniform_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Glorot uniform, bound sqrt(6 / (fan_in + fan_out)). Example: ``xavier_uniform_(w)``."""
    fan_in, fan_out = _fans(weight)
    _uniform_(weight, math.sqrt(6.0 / (fan_in + fan_out)), generator)
    return weight


def xavier_normal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Glorot normal, std sqrt(2 / (fan_in + fan_out)). Example: ``xavier_normal_(w)``."""
    fan_in, fan_out = _fans(weight)
    _normal_(weight, math.sqrt(2.0 / (fan_in + fan_out)), generator)
    return weight


def he_uniform_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Kaiming uniform for ReLU, bound sqrt(6 / fan_in). Example: ``he_uniform_(w)``."""
    fan_in, _ = _fans(weight)
    _uniform_(weight, math.sqrt(6.0 / fan_in), generator)
    return weight


def he_normal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Kaiming normal for ReLU, std sqrt(2 / fan_in). Example: ``he_normal_(w)``."""
    fan_in, _ = _fans(weight)
    _normal_(weight, math.sqrt(2.0 / fan_in), generator)
    return weight


def lecun_normal_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """LeCun normal, std sqrt(1 / fan_in). Example: ``lecun_normal_(w)``."""
    fan_in, _ = _fans(weight)
    _normal_(weight, math.sqrt(1.0 / fan_in), generator)
    return weight


#: name -> in-place initializer, the names ``Linear(init=...)`` accepts.
INITIALIZERS: dict[str, Callable[..., torch.Tensor]] = {
    "zeros": zeros_, "normal": normal_, "xavier_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_, "he_uniform": he_uniform_, "he_normal": he_normal_,
    "lecun_normal": lecun_normal_,
}


def initialize_(weight: torch.Tensor, init: str,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``weight`` in place with the initializer called ``init``.

    Args:
        weight: (out_features, in_features) tensor.
        init: a key of :data:`INITIALIZERS`.
        generator: a seeded ``torch.Generator`` for reproducible draws.

    Returns:
        ``weight``.

    Example:
        >>> initialize_(torch.empty(3, 4), "xavier_uniform").shape
        torch.Size([3, 4])
    """
    check_choice(init, "init", INITIALIZERS)
    return INITIALIZERS[init](weight, generator=generator)


def init_module(module: nn.Module, init: str = "he_uniform", seed: int | None = None) -> nn.Module:
    """Re-initialize every linear layer of ``module``: weights with ``init``, biases to zero.

    Args:
        module: any module; its ``torch.nn.Linear`` sub-modules are initialized in order.
        init: a key of :data:`INITIALIZERS`.
        seed: seed for a private generator (None draws from the global torch RNG).

    Returns:
        ``module`` (for chaining).

    Example:
        >>> model = init_module(model, "xavier_uniform", seed=0)
    """
    check_choice(init, "init", INITIALIZERS)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            initialize_(layer.weight, init, generator)
            if layer.bias is not None:
                with torch.no_grad():
                    layer.bias.zero_()
    return module
