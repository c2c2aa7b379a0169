"""nncourse: how neural networks are trained, from NumPy to PyTorch.

Subpackages:
    nncourse.numpy      the NumPy reference of every component (needs NumPy only)
    nncourse.torch      the same API on torch autograd, on a GPU when there is one
    nncourse.datasets   data generated in code and small real image sets (offline)
    nncourse.plots      static figures
    nncourse.widgets    interactive explorers (ipywidgets)
    nncourse.exercises  auto-graded checks and quizzes for learners
    nncourse.grading    release / grade / validate for instructors
"""

__version__ = "0.1.0"
