"""Chapter 9, transfer learning: the exercises, their mistake models and the quiz.

Importing the package registers them (``nncourse.exercises.registry`` imports every chapter).

Example:
    >>> from nncourse.exercises import get_exercise
    >>> get_exercise("transfer.replace_head").reference
    'nncourse.transfer.replace_head'
"""

from . import exercises, quiz  # noqa: F401  (registration)
