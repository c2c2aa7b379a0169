"""Chapter 7's references where the answer is a pair or a widget choice.

The pairs are the library's own functions (one source): the forward and backward pass of
inverted dropout (:mod:`nncourse.numpy.normalization`) and the L2 penalty with its gradient
(:mod:`nncourse.numpy.losses`).

Example:
    >>> DROPOUT[0].__name__, L2_PENALTY[1].__name__
    ('dropout_forward', 'l2_penalty_grad')
"""

from __future__ import annotations

from nncourse.numpy.losses import l2_penalty, l2_penalty_grad
from nncourse.numpy.normalization import dropout_backward, dropout_forward

#: regularization.dropout: (dropout_forward, dropout_backward).
DROPOUT = (dropout_forward, dropout_backward)
#: regularization.l2_gradient: (l2_penalty, l2_penalty_grad).
L2_PENALTY = (l2_penalty, l2_penalty_grad)
#: regularization.capacity_choice: a cubic needs almost no L2 on 15 points (validation MSE
#: 0.0595 against the best 0.0592).
CAPACITY_CHOICE = {"capacity": 3, "l2": 1e-3}
