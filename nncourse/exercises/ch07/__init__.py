"""Chapter 7, overfitting and regularisation: the exercises, their mistake models and the quiz.

Importing the package registers them (``nncourse.exercises.registry`` imports every chapter).

Example:
    >>> from nncourse.exercises import get_exercise
    >>> get_exercise("regularization.early_stopping").reference
    'nncourse.numpy.callbacks.EarlyStopping'
"""

from . import exercises, quiz  # noqa: F401  (registration)
