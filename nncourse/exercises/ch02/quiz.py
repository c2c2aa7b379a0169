"""Chapter 2 quiz: gradients, numerical checks, the stability limit, batch size and noise.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch02").questions) >= 4
    True
"""

from __future__ import annotations

from ..quiz import Choice, MultipleChoice, Numeric
from ..quizzes import register_quiz

register_quiz("ch02", [
    MultipleChoice(
        "ch02.gradient_direction",
        "At a point w, in which direction does f increase fastest?",
        [Choice("Along the gradient", correct=True, feedback="Right: the directional "
                "derivative ∇f·u is largest for u = ∇f / |∇f|."),
         Choice("Towards the minimum", feedback="On a stretched bowl the gradient does not "
                "point at (or away from) the minimum; it is perpendicular to the contour."),
         Choice("Along the contour line", feedback="Along a contour f does not change at "
                "all.")]),
    Numeric(
        "ch02.partial",
        "For f(w₁, w₂) = w₁² · w₂, what is ∂f/∂w₁ at (w₁, w₂) = (3, 2)?",
        answer=12.0,
        feedback_correct="∂f/∂w₁ = 2 w₁ w₂ = 2 · 3 · 2 = 12.",
        feedback_low="Hold w₂ fixed and differentiate w₁²: 2 w₁ · w₂.",
        feedback_high="Hold w₂ fixed and differentiate w₁²: 2 w₁ · w₂."),
    MultipleChoice(
        "ch02.float64",
        "Why are gradient checks run in float64?",
        [Choice("Because NumPy cannot differentiate float32",
                feedback="Numerical differentiation only evaluates f; any dtype works."),
         Choice("Because in float32 the rounding error of f(x+h) − f(x−h) is around 1e-4, as "
                "large as the bugs the check should find", correct=True,
                feedback="Right: float64's machine epsilon (2e-16) lets the best error reach "
                "about 1e-10."),
         Choice("Because float64 makes the central difference exact",
                feedback="The truncation error h²f'''/6 remains in any precision.")]),
    MultipleChoice(
        "ch02.kink",
        "A gradient check of a ReLU network reports a relative error of 3e-3 for one input "
        "while everything else is below 1e-8. The most likely explanation?",
        [Choice("The backward pass has a bug", feedback="A bug usually shows up on most "
                "inputs, not on one."),
         Choice("A pre-activation lies within h of 0, so the central difference straddles the "
                "ReLU kink", correct=True, feedback="Right: the numerical slope there is an "
                "average of 0 and 1."),
         Choice("h is too large for float64", feedback="With h ≈ 1e-6 the smooth parts agree "
                "to 1e-8, as the other inputs show.")]),
    Numeric(
        "ch02.stability",
        "Gradient descent on f(x) = 5x² (so f'' = 10). Above which learning rate does it "
        "diverge?",
        answer=0.2,
        feedback_correct="2 / L with L = f'' = 10.",
        feedback_low="Between 1/L and 2/L the iterates oscillate but still shrink: each step "
                     "multiplies x by (1 − lr·L).",
        feedback_high="Each step multiplies x by (1 − lr·L); it must stay between −1 and 1."),
    MultipleChoice(
        "ch02.batch_noise",
        "Going from batch size 16 to 64, the variance of the mini-batch gradient (around the "
        "full gradient) is multiplied by about …",
        [Choice("1/2", feedback="That is the factor for the standard deviation (1/√4)."),
         Choice("1/4", correct=True, feedback="Right: the variance of a mean of B independent "
                "samples falls like 1/B."),
         Choice("1 — batch size does not change the noise",
                feedback="Averaging more examples reduces the noise; measure it in the lab.")]),
], title="Chapter 2: gradients and gradient descent — check yourself")
