"""Random-number helpers: one place that turns "a seed or a generator" into a generator.

Every layer and initializer that draws random numbers takes ``rng`` (a
``np.random.Generator``, an int seed, or None for fresh randomness) and calls
:func:`as_generator` once, so the same seed always gives the same draws.

Example:
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

__all__ = ["RandomSource", "as_generator"]

#: What an ``rng=`` argument accepts: a Generator (used as is), an int seed, or None.
RandomSource: TypeAlias = np.random.Generator | int | None


def as_generator(rng: RandomSource = None) -> np.random.Generator:
    """A ``np.random.Generator`` from a Generator (returned as is), a seed, or None (fresh).

    Args:
        rng: a ``np.random.Generator``, an int seed, or None.

    Returns:
        The generator to draw from.

    Raises:
        TypeError: ``rng`` is something else (a float, a string, the legacy ``RandomState``).

    Example:
        >>> as_generator(0).integers(10) == as_generator(0).integers(10)
        True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None; got "
                    f"{type(rng).__name__}. Create one with np.random.default_rng(seed).")
