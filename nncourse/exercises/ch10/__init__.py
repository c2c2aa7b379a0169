"""Chapter 10, scaling up: the exercises, their mistake models and the quiz.

Importing the package registers them (``nncourse.exercises.registry`` imports every chapter).
Every exercise is gradable on a CPU: the "other device" is PyTorch's ``meta`` device (tensors
with shapes and no data), mixed precision is bfloat16 autocast on the CPU.

Example:
    >>> from nncourse.exercises import get_exercise
    >>> get_exercise("scaling.accumulate").reference
    'nncourse.exercises.ch10.reference.accumulated_step'
"""

from . import exercises, quiz  # noqa: F401  (registration)
