"""Parameters and the base class of every layer, the twin of :mod:`nncourse.numpy.module`.

In the NumPy reference, :class:`~nncourse.numpy.module.Parameter` holds an array
and its gradient, and :class:`~nncourse.numpy.module.Module` finds parameters,
switches train/eval mode and saves state dicts. torch already has both, with the
same names and the same dotted ``state_dict`` keys, so here they are
``torch.nn.Parameter`` and ``torch.nn.Module`` themselves. What differs is who
fills ``.grad``: autograd, from ``loss.backward()``, not a ``backward`` method.

Example:
    >>> p = Parameter(torch.zeros(2, 3))
    >>> p.shape, p.requires_grad
    (torch.Size([2, 3]), True)
"""

from __future__ import annotations

from torch import nn

__all__ = ["Parameter", "Module"]

Parameter = nn.Parameter
Module = nn.Module
