"""Chapter 5 quiz: step-size limits, momentum's memory, Adam's bias correction, AdamW, schedules.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch05").questions) >= 5
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch05", [
    Numeric(
        "ch05.stability_limit",
        "Plain gradient descent on f(w) = 0.1·w₁² + 2·w₂². Above which step size does it "
        "diverge?",
        answer=0.5, rtol=1e-3,
        feedback_correct="Right: the curvatures are 0.2 and 4, and GD is stable only for "
                         "α < 2/L = 2/4 = 0.5.",
        feedback_low="That is stable. The limit is 2/L, with L the largest curvature (the "
                     "second derivative of 2·w₂² is 4).",
        feedback_high="Too large: the steep direction (curvature 4) already overshoots "
                      "without bound above 2/4."),
    Numeric(
        "ch05.momentum_memory",
        "SGD with momentum 0.9 (v ← 0.9·v + g). By what factor does a gradient from 10 steps "
        "ago enter today's velocity? (two decimals)",
        answer=0.9**10, rtol=0.02,
        feedback_correct="Right: 0.9¹⁰ ≈ 0.35. The velocity sums past gradients with weights "
                         "βᵗ, about 1/(1 − β) = 10 steps' worth in total.",
        feedback_low="Each step multiplies the old velocity by β = 0.9 once: ten steps give "
                     "0.9¹⁰.",
        feedback_high="Each step multiplies the old velocity by β = 0.9 once: ten steps give "
                      "0.9¹⁰, well below 1."),
    MultipleChoice(
        "ch05.bias_correction",
        "Adam with β₁ = 0.9, β₂ = 0.999 and the bias correction removed. How large is the very "
        "first step, compared with the corrected one?",
        [Choice("About 10 times smaller, because m₁ = 0.1·g", feedback="m shrinks by 0.1, "
                "but v shrinks far more (0.001·g²), and the step divides by √v."),
         Choice("About 3 times larger", correct=True, feedback="Right: m₁/√v₁ = 0.1g/√(0.001g²)"
                " = 0.1/0.032 ≈ 3.2 per unit of the corrected step, which is 1."),
         Choice("The same: the two corrections cancel", feedback="They would cancel only if "
                "β₁ = β₂; with 0.9 and 0.999 they differ by a factor √0.001/0.1 ≈ 0.32.")]),
    MultipleChoice(
        "ch05.adamw",
        "What does AdamW change compared with Adam(weight_decay=λ)?",
        [Choice("It shrinks the weights directly, w ← w − ηλw, outside the adaptive scaling",
                correct=True, feedback="Right: in Adam the L2 term λw enters m and v and is "
                "divided by √v, so weights with large gradients are barely decayed."),
         Choice("It uses a larger default learning rate", feedback="The defaults are the same "
                "(1e-3); only where the decay is applied differs."),
         Choice("Nothing: decoupled decay and L2 are the same for every optimizer",
                feedback="They coincide for plain SGD, not for Adam, which divides the L2 "
                "gradient by √v.")]),
    MultipleChoice(
        "ch05.warmup",
        "Why start Adam with a few hundred steps of linear learning-rate warm-up?",
        [Choice("Early on the moment estimates rest on few gradients and the weights are "
                "random; small first steps keep one noisy step from wrecking them",
                correct=True, feedback="Right: warm-up is cheap insurance while v is still "
                "unreliable."),
         Choice("To save computation in the first epoch", feedback="Every step costs the "
                "same; warm-up only changes the step size."),
         Choice("Because the bias correction needs it", feedback="The bias correction works "
                "from step 1; warm-up addresses the noisy early estimates it cannot fix.")]),
    MultipleChoice(
        "ch05.range_test",
        "An LR range test shows the loss falling fastest near 3e-2 and blowing up near 1. "
        "Which learning rate do you train with?",
        [Choice("About 3e-2, where it falls fastest (or a little below)", correct=True,
                feedback="Right: Smith's rule takes the steepest descent, roughly a tenth of "
                "the rate where the loss explodes."),
         Choice("1, the largest rate before the blow-up", feedback="At the edge of divergence "
                "a noisy batch tips training over; back off by about 10×."),
         Choice("1e-4, the smallest rate tested", feedback="That works but wastes most of "
                "your steps: the loss barely moved there.")]),
], title="Optimizers: check yourself")
