"""Auto-graded exercises and quizzes for learners.

**Checking code.** Pass your object explicitly; the checker draws its own seeded inputs,
calls your function, and compares with the reference (shapes, dtypes, invariants, gradient
checks). The result renders as a table in Jupyter and as text in a terminal::

    from nncourse.exercises import check

    def relu_backward(grad_out, x):
        ...                                   # your code
        return grad_x

    check("backprop.relu_backward", relu_backward)

**Numbers and widgets.** For a value or a widget whose state is the answer, pass the value or
the widget: an answer widget (its ``.answer()``) or an explorer (its ``.value``, the
``.state`` dict). The grader re-runs your notebook from
its source only, so write the value you settled on in code::

    from nncourse.exercises import answer, exercise_widget
    picker = exercise_widget("loop.learning_rate")   # slider + Check button (instant feedback)
    picker
    learning_rate = 0.05                            # what you found on the slider
    answer("loop.learning_rate", learning_rate)      # graded: the checker re-trains with it

``answer`` is ``check`` under a name that reads better for values. The grader finds every
``check("<id>", <expression>)`` / ``answer("<id>", <expression>)`` call in the notebook
(the id must be a string literal), re-evaluates ``<expression>`` in a sandbox, and judges it.

**Quizzes.** Each chapter's questions are registered in its package,
``nncourse/exercises/chNN/quiz.py`` (see :mod:`nncourse.exercises.quizzes`), and shown with
``quiz("ch03")``. Questions are :class:`MultipleChoice` (feedback per choice) or
:class:`Numeric` (feedback when too low/high).

**The registry.** ``get_exercise(id)`` returns the single definition (id, title, points, named
cases with their own points, its reference, probes and mistake models, hints) that notebooks,
the grader and the book all read; ``list_exercises(chapter="ch03")`` lists them. How to write
an exercise: ``nncourse/exercises/FRAMEWORK.md``.
"""

from .answer_widgets import exercise_widget
from .checking import answer, check
from .quiz import Choice, MultipleChoice, Numeric, Quiz
from .quizzes import get_question, quiz, register_quiz
from .registry import Case, Exercise, Mistake, Probe, get_exercise, list_exercises, register
from .results import CaseResult, CheckResult

__all__ = [
    "Case", "CaseResult", "CheckResult", "Choice", "Exercise", "MultipleChoice", "Numeric",
    "Quiz", "answer", "check", "exercise_widget", "get_exercise", "get_question",
    "list_exercises", "Mistake", "Probe", "quiz", "register", "register_quiz",
]
