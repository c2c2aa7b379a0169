"""Chapter 8, evaluation and tuning: the exercises, their mistake models and the quiz.

Importing the package registers them (``nncourse.exercises.registry`` imports every chapter).

Example:
    >>> from nncourse.exercises import get_exercise
    >>> get_exercise("evaluation.cost_threshold").reference
    'nncourse.roc.min_cost_threshold'
"""

from . import exercises, quiz  # noqa: F401  (registration)
