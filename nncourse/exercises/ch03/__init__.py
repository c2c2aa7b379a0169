"""Chapter 3, backpropagation: its exercises, mistake models, references and quiz, in one room.

Importing the package registers the exercises and the quiz.
"""

from . import exercises, quiz  # noqa: F401  (registration)
