"""Chapter 3 quiz: graphs and the chain rule, gradient shapes, softmax cross-entropy, cost.

The last question is answered with the backprop stepper (the lab shows it next to the widget).

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch03").questions) >= 4
    True
"""

from __future__ import annotations

from ..quiz import Choice, MultipleChoice, Numeric
from ..quizzes import register_quiz

register_quiz("ch03", [
    MultipleChoice(
        "ch03.linear_weight_shape",
        "A layer <code>Linear(in_features=5, out_features=3)</code> processes a batch of 8 rows. "
        "What is the shape of <code>grad_weight</code>?",
        [Choice("(8, 3)", feedback="That is the shape of grad_out, the gradient of the layer's "
                "output. The weight gradient is summed over the batch."),
         Choice("(5, 3)", feedback="That is x.T @ grad_out, the transpose of what is needed. "
                "A gradient always has the shape of its array."),
         Choice("(3, 5)", correct=True, feedback="Right: the same shape as weight, "
                "(out_features, in_features), computed as grad_out.T @ x: (3, 8) @ (8, 5)."),
         Choice("(8, 5)", feedback="That is the shape of x and of grad_x, not of the weight.")]),
    MultipleChoice(
        "ch03.accumulate",
        "In <code>f = a * b + a</code> the engine adds into <code>a.grad</code> "
        "(<code>+=</code>) instead of assigning it. Why?",
        [Choice("To make the code faster", feedback="Speed is not the reason; with = the "
                "result would simply be wrong."),
         Choice("Because a reaches f along two paths, and the chain rule sums over paths",
                correct=True, feedback="Right: df/da = b (through a*b) + 1 (through + a). With "
                "= the second path would overwrite the first."),
         Choice("Because gradients from earlier training steps must be kept",
                feedback="Gradients of different steps should not mix; that is why they are "
                "reset before each backward pass. The += is about paths within one graph.")]),
    Numeric(
        "ch03.softmax_ce_grad",
        "A batch of one sample has logits <code>[0, 0]</code> and target class 1. What is "
        "dL/dz<sub>1</sub>, the gradient of the mean cross-entropy with respect to the second "
        "logit?",
        answer=-0.5, rtol=1e-3, atol=1e-6,
        feedback_correct="softmax gives p = [0.5, 0.5]; p - one_hot(1) = [0.5, -0.5], and the "
                         "batch has one sample.",
        feedback_low="Too negative. The gradient is p - one_hot(target), divided by the batch "
                     "size; softmax of [0, 0] is [0.5, 0.5].",
        feedback_high="Check the sign: raising the logit of the true class lowers the loss, so "
                      "the gradient there is negative (p - 1)."),
    Numeric(
        "ch03.chain_number",
        "L = (2w + 1)<sup>2</sup>. Apply the chain rule: what is dL/dw at w = 1?",
        answer=12.0, rtol=1e-6,
        feedback_correct="dL/du = 2u = 6 with u = 2w + 1 = 3, and du/dw = 2: 6 · 2 = 12.",
        feedback_low="Did you forget the inner derivative du/dw = 2? dL/dw = 2u · 2.",
        feedback_high="dL/dw = 2u · du/dw with u = 3 and du/dw = 2."),
    MultipleChoice(
        "ch03.cost",
        "An MLP has a million parameters. Roughly how much does one backward pass cost compared "
        "with one forward pass on the same batch?",
        [Choice("About the same as a million forward passes", feedback="That is the cost of a "
                "numerical gradient (two forward passes per parameter), the reason it is only "
                "used for checking."),
         Choice("About one to two forward passes", correct=True, feedback="Right: each Linear "
                "needs two matrix products of the forward product's size (grad_out @ W and "
                "grad_out.T @ x), independent of how many parameters there are."),
         Choice("Nothing: PyTorch gets gradients for free", feedback="Autograd runs the same "
                "backward computations; it saves you the writing, not the arithmetic.")]),
    MultipleChoice(
        "ch03.gradcheck",
        "A gradient check of your backward pass reports a relative error of 0.4. What does that "
        "tell you?",
        [Choice("The backward pass is wrong", correct=True, feedback="Right: correct "
                "gradients in float64 give errors around 1e-7 or smaller. 0.4 means a wrong "
                "formula (a missing term, a wrong sign, a wrong factor)."),
         Choice("The step h is too small; it is fine", feedback="Round-off from a small h gives "
                "errors of maybe 1e-6, not 0.4."),
         Choice("It is normal for ReLU networks", feedback="Kinks can cause an occasional "
                "mismatch for an input sitting exactly at 0, but not an error of 0.4 overall.")]),
    Numeric(
        "ch03.stepper_neuron",
        "In the backprop stepper, choose the graph <code>neuron</code>, o = tanh(x1·w1 + x2·w2 "
        "+ b) with x1 = 2, x2 = -1, w1 = -0.5, w2 = 1.5, b = 1. Step through the backward pass "
        "(or compute it by hand): what is do/dw1? Give three decimals.",
        answer=0.3614, rtol=2e-3,
        feedback_correct="z = -1.5, o = tanh(z) = -0.905, do/dz = 1 - o² = 0.181, and "
                         "do/dw1 = do/dz · x1 = 0.181 · 2 = 0.361.",
        feedback_low="Check the sign and the last factor: do/dw1 = (1 - o²) · x1, with x1 = 2 "
                     "and 1 - o² > 0.",
        feedback_high="do/dw1 = (1 - o²) · x1: the tanh derivative at z = -1.5 is only about "
                      "0.18."),
], title="Backpropagation: check yourself")
