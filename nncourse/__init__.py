"""nncourse: how neural networks are trained, from NumPy to PyTorch.

Subpackages and modules:
    nncourse.numpy      the NumPy reference of every component (needs NumPy only)
    nncourse.torch      the same modules and names on torch autograd, on a GPU when there is one
    nncourse.recipes    ready-made training set-ups (the Keras MNIST recipe)
    nncourse.datasets   data generated in code and small real image sets (offline)
    nncourse.plots      static figures and live training curves
    nncourse.widgets    interactive explorers (ipywidgets)
    nncourse.exercises  auto-graded checks and quizzes for learners
    nncourse.grading    release / grade / validate for instructors
"""

__version__ = "0.1.0"
