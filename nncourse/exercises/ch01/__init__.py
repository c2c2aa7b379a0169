"""Chapter 1, the training loop: its exercises, mistake models, references, runner and quiz.

Importing the package registers the exercises and the quiz.
"""

from . import exercises, quiz  # noqa: F401  (registration)
