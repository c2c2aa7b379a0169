r"""Weight initializers with the formulas of ``torch.nn.init``, returning new arrays.

Every initializer takes a ``shape`` in PyTorch layout ``(out_features,
in_features)`` and a random source (a ``np.random.Generator``, a seed, or None)
and returns a fresh float64 array. The scale is what keeps activations from
shrinking or exploding layer after layer:

===================  ===========================================================
``xavier_uniform``   :math:`U(-a, a)`, :math:`a = g\sqrt{6 / (n_{in} + n_{out})}`
``xavier_normal``    :math:`\mathcal N(0, g^2 \cdot 2 / (n_{in} + n_{out}))`
``kaiming_uniform``  :math:`U(-b, b)`, :math:`b = g\sqrt{3 / n}` (``n`` = fan_in or fan_out)
``kaiming_normal``   :math:`\mathcal N(0, g^2 / n)`
===================  ===========================================================

``g`` is :func:`calculate_gain` of the nonlinearity. ``INITIALIZERS`` names the
schemes a :class:`~nncourse.numpy.layers.Linear` accepts as ``init=...``.

``torch.nn.init`` also has ``orthogonal_``, ``trunc_normal_``, ``eye_``, ``dirac_`` and
``sparse_``. They are not here: chapter 6 is about the variance-preserving scales above
(Xavier, He, LeCun), while those serve recurrent networks, transformers and
identity-preserving convolutions, outside the course. In the torch path
``torch.nn.init``'s own functions fill the same parameters.

Example:
    >>> w = kaiming_uniform((128, 784), rng=0)
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 784))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_number
from nncourse.numpy.module import Parameter
from nncourse.numpy.rng import RandomSource, as_generator

__all__ = ["calculate_gain", "zeros", "ones", "constant", "normal", "uniform",
           "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "he_uniform", "he_normal", "lecun_normal", "lecun_uniform", "torch_default",
           "INITIALIZERS", "initialize", "init_module"]

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid")
NONLINEARITIES = (*_LINEAR_GAIN, "tanh", "relu", "leaky_relu", "selu")


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as torch computes them: dims 1 and 0 times the receptive field."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(f"Fan in and fan out need a weight with at least 2 dimensions "
                         f"(out_features, in_features); got shape {shape}.")
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"Fan-based initialisation needs every dimension >= 1; got shape "
                         f"{shape} (fan_in={fan_in}, fan_out={fan_out}). A layer needs at "
                         f"least one input and one output feature.")
    return fan_in, fan_out


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity (same values as ``torch.nn.init.calculate_gain``).

    Args:
        nonlinearity: "linear", "conv*", "sigmoid" (gain 1), "tanh" (5/3), "relu" (sqrt 2),
            "leaky_relu" (sqrt(2 / (1 + slope^2)), slope ``param`` default 0.01), "selu" (3/4).
        param: negative slope for leaky_relu.

    Example:
        >>> round(calculate_gain("relu"), 6)
        1.414214
    """
    check_choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    slope = 0.01 if param is None else param
    slope = check_number(slope, "negative_slope (param)")
    return math.sqrt(2.0 / (1 + slope**2))


def zeros(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """All zeros (every unit then learns the same thing: the symmetry lesson)."""
    return np.zeros(shape)


def ones(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """All ones."""
    return np.ones(shape)


def constant(shape: tuple[int, ...], rng: RandomSource = None, value: float = 0.0) -> np.ndarray:
    """Every entry equal to ``value``. Example: ``constant((2, 3), value=0.1)``."""
    return np.full(shape, float(value))


def uniform(shape: tuple[int, ...], rng: RandomSource = None, a: float = 0.0,
            b: float = 1.0) -> np.ndarray:
    """Draws from U(a, b) (``torch.nn.init.uniform_`` defaults a=0, b=1)."""
    if not a <= b:
        raise ValueError(f"uniform needs a <= b; got a={a}, b={b}.")
    return as_generator(rng).uniform(a, b, size=shape)


def normal(shape: tuple[int, ...], rng: RandomSource = None, mean: float = 0.0,
           std: float = 1.0) -> np.ndarray:
    """Draws from N(mean, std^2) (``torch.nn.init.normal_`` defaults mean=0, std=1)."""
    if std < 0:
        raise ValueError(f"std must be >= 0; got {std}.")
    return as_generator(rng).normal(mean, std, size=shape)


def xavier_uniform(shape: tuple[int, ...], rng: RandomSource = None,
                   gain: float = 1.0) -> np.ndarray:
    """Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    Example:
        >>> xavier_uniform((3, 4), rng=0).shape
        (3, 4)
    """
    fan_in, fan_out = _fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return as_generator(rng).uniform(-bound, bound, size=shape)


def xavier_normal(shape: tuple[int, ...], rng: RandomSource = None,
                  gain: float = 1.0) -> np.ndarray:
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return as_generator(rng).normal(0.0, std, size=shape)


def _kaiming_std(shape: tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    check_choice(mode, "mode", ("fan_in", "fan_out"))
    fan_in, fan_out = _fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(shape: tuple[int, ...], rng: RandomSource = None, a: float = 0.0,
                    mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> np.ndarray:
    """He uniform: U(-b, b), b = gain * sqrt(3 / fan) (torch defaults: a=0, leaky_relu).

    With the defaults the gain is sqrt(2), so b = sqrt(6 / fan_in): the ReLU scale.

    Example:
        >>> w = kaiming_uniform((10, 50), rng=0)
        >>> bool(np.abs(w).max() <= np.sqrt(6 / 50))
        True
    """
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity)
    return as_generator(rng).uniform(-bound, bound, size=shape)


def kaiming_normal(shape: tuple[int, ...], rng: RandomSource = None, a: float = 0.0,
                   mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> np.ndarray:
    """He normal: N(0, std^2), std = gain / sqrt(fan) (sqrt(2 / fan_in) with the defaults)."""
    std = _kaiming_std(shape, a, mode, nonlinearity)
    return as_generator(rng).normal(0.0, std, size=shape)


def he_uniform(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """Kaiming uniform for ReLU: U(-b, b), b = sqrt(6 / fan_in)."""
    return kaiming_uniform(shape, rng, nonlinearity="relu")


def he_normal(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """Kaiming normal for ReLU: N(0, 2 / fan_in)."""
    return kaiming_normal(shape, rng, nonlinearity="relu")


def lecun_normal(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """LeCun normal: N(0, 1 / fan_in)."""
    return kaiming_normal(shape, rng, nonlinearity="linear")


def lecun_uniform(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """LeCun uniform: U(-b, b), b = sqrt(3 / fan_in)."""
    return kaiming_uniform(shape, rng, nonlinearity="linear")


def torch_default(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    """``torch.nn.Linear``'s default: kaiming_uniform with a=sqrt(5), i.e. U(+-1/sqrt(fan_in))."""
    return kaiming_uniform(shape, rng, a=math.sqrt(5.0))


def _small_normal(shape: tuple[int, ...], rng: RandomSource = None) -> np.ndarray:
    return normal(shape, rng, std=0.01)


#: name -> ``f(shape, rng) -> array``: the schemes ``Linear(init=...)`` and
#: :func:`init_module` accept. "normal" here is N(0, 0.01^2) (small weights, as the
#: torch twin); call :func:`normal` directly for other means and deviations.
INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "torch_default": torch_default,
    "zeros": zeros,
    "ones": ones,
    "normal": _small_normal,
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
}

_GAIN_AWARE = {"xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"}


def initialize(shape: tuple[int, ...], scheme: str, rng: RandomSource = None,
               nonlinearity: str | None = None) -> np.ndarray:
    """A new array of ``shape`` drawn with the named ``scheme``.

    Args:
        shape: (out_features, in_features).
        scheme: a key of :data:`INITIALIZERS`.
        rng: Generator, seed or None.
        nonlinearity: for xavier_* (sets the gain) and kaiming_* (sets the gain's kind).

    Example:
        >>> initialize((3, 4), "xavier_uniform", rng=0, nonlinearity="tanh").shape
        (3, 4)
    """
    check_choice(scheme, "init", INITIALIZERS)
    if nonlinearity is None or scheme not in _GAIN_AWARE:
        return INITIALIZERS[scheme](shape, rng)
    if scheme.startswith("xavier"):
        return INITIALIZERS[scheme](shape, rng, gain=calculate_gain(nonlinearity))
    return INITIALIZERS[scheme](shape, rng, nonlinearity=nonlinearity)


def init_module(model: Any, scheme: str = "he_uniform", nonlinearity: str | None = None,
                rng: RandomSource = None, seed: int | None = None) -> Any:
    """Re-initialise every Linear weight of ``model`` with ``scheme``; biases become zero.

    Args:
        model: a :mod:`nncourse.numpy.layers` module (e.g. a Sequential).
        scheme: a key of :data:`INITIALIZERS`.
        nonlinearity: passed to gain-aware schemes (see :func:`initialize`).
        rng: random source (a Generator or seed; give rng or seed for reproducible weights).
        seed: or a seed.

    Returns:
        ``model`` (for chaining).

    Example:
        >>> from nncourse.numpy.layers import Linear, Sequential, Tanh
        >>> model = Sequential(Linear(4, 8), Tanh(), Linear(8, 2))
        >>> model = init_module(model, "xavier_uniform", nonlinearity="tanh", seed=0)
        >>> float(model[0].bias.data.max())
        0.0
    """
    check_choice(scheme, "init", INITIALIZERS)
    if rng is not None and seed is not None:
        raise ValueError("Pass either rng or seed, not both.")
    generator = as_generator(rng if rng is not None else seed)
    for layer in _walk(model):
        if _is_affine(layer):
            layer.weight.data[...] = initialize(layer.weight.shape, scheme, generator,
                                                nonlinearity)
            if layer.bias is not None:
                layer.bias.data[...] = 0.0
    return model


def _is_affine(layer: Any) -> bool:
    """True for a fully connected layer: it has ``in_features`` and a 2-D ``weight`` Parameter.

    A structural test rather than ``isinstance(layer, Linear)``, so this module needs
    nothing from :mod:`nncourse.numpy.layers` (which imports it).
    """
    weight = getattr(layer, "weight", None)
    return hasattr(layer, "in_features") and isinstance(weight, Parameter) and weight.data.ndim == 2


def _walk(module: Any) -> list[Any]:
    out = [module]
    for _, child in module.children():
        out.extend(_walk(child))
    return out
