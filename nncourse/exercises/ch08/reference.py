"""Chapter 8's learner-only answers: the widget choice (the code exercises' references are
library functions: :func:`nncourse.roc.precision_recall_f1`, :func:`nncourse.search.random_search`,
:func:`nncourse.roc.min_cost_threshold`).

Example:
    >>> OPERATING_POINT
    0.17
"""

from __future__ import annotations

#: evaluation.operating_point: the highest slider threshold with recall >= 0.95
#: (recall 0.956, precision 0.690); :func:`..exercises.best_precision_at_recall` finds it.
OPERATING_POINT = 0.17
