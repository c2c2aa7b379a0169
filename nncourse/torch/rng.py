"""Random-number helpers, the twin of :mod:`nncourse.numpy.rng`.

Initial weights are drawn with NumPy from the same generator and in the same
order as the NumPy reference, so ``Linear(3, 2, seed=0)`` holds the same numbers
in both backends. :func:`as_generator` therefore returns a NumPy Generator here
too; it also accepts a ``torch.Generator``, and None draws one seed from torch's
global generator, so ``torch.manual_seed`` still rules a run that passes no seed.

Example:
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import torch

from nncourse.numpy import rng as reference

__all__ = ["RandomSource", "as_generator"]

#: What an ``rng=`` argument accepts: a NumPy or torch Generator, an int seed, or None.
RandomSource: TypeAlias = np.random.Generator | torch.Generator | int | None


def as_generator(rng: RandomSource = None) -> np.random.Generator:
    """A NumPy Generator from a seed, a NumPy or torch Generator, or None (torch's global RNG).

    Args:
        rng: an int seed, a ``np.random.Generator`` (returned as is), a
            ``torch.Generator`` or None (one draw from it, or from torch's global
            generator, seeds a new NumPy generator).

    Returns:
        The NumPy generator the initializers draw from.

    Example:
        >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
        True
    """
    if isinstance(rng, torch.Generator) or rng is None:
        # One draw from torch's generator seeds NumPy's: torch.manual_seed still rules.
        seed = int(torch.randint(0, 2**62, (1,), generator=rng))
        return np.random.default_rng(seed)
    return reference.as_generator(rng)
