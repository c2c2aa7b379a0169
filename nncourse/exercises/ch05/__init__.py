"""Chapter 5, optimizers: the exercises, their mistake models and the quiz, side by side.

Importing the package registers them (:mod:`.exercises`, :mod:`.quiz`).
"""

from . import exercises, quiz

__all__ = ["exercises", "quiz"]
