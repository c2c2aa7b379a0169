"""Chapter 2, gradient descent: its exercises, mistake models, references, runners and quiz.

Importing the package registers the exercises and the quiz.
"""

from . import exercises, quiz  # noqa: F401  (registration)
