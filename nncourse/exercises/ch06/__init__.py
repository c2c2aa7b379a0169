"""Chapter 6, initialization and batch normalization: exercises, mistake models and the quiz.

Importing the package registers them (:mod:`.exercises`, :mod:`.quiz`).
"""

from . import exercises, quiz

__all__ = ["exercises", "quiz"]
