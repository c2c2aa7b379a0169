"""Chapter 4 quiz: why non-linearity, derivatives and saturation, depth, output and loss pairs.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch04").questions) >= 4
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch04", [
    MultipleChoice(
        "ch04.deep_linear",
        "A network has ten Linear layers and no activation functions. What can it represent?",
        [Choice("Any function, given enough units", feedback="That needs non-linearities. "
                "Without them the layers multiply out to a single matrix."),
         Choice("Exactly what one Linear layer can represent", correct=True,
                feedback="Right: W10(...(W1 x + b1)...) + b10 = W x + b with W = W10···W1."),
         Choice("Only functions through the origin", feedback="The biases combine into one "
                "bias, so the map need not pass through the origin; it is still linear.")]),
    Numeric(
        "ch04.sigmoid_max",
        "What is the largest value the derivative of the sigmoid takes?",
        answer=0.25, rtol=1e-3,
        feedback_correct="σ'(x) = σ(x)(1 - σ(x)) is largest at x = 0, where σ = 1/2: "
                         "1/2 · 1/2 = 1/4.",
        feedback_low="Evaluate σ(x)(1 - σ(x)) at x = 0, where σ(0) = 1/2.",
        feedback_high="σ'(x) = σ(x)(1 - σ(x)), and a product p(1 - p) never exceeds 1/4."),
    MultipleChoice(
        "ch04.backward_from_output",
        "<code>tanh_backward(grad_out, out)</code> receives the forward output "
        "<code>out = tanh(x)</code>. Which line is correct?",
        [Choice("grad_out * (1 - np.tanh(out) ** 2)", feedback="That applies tanh a second "
                "time: out already is tanh(x)."),
         Choice("grad_out * (1 - out ** 2)", correct=True, feedback="Right: tanh'(x) = "
                "1 - tanh(x)², and tanh(x) is out. No exponential needed."),
         Choice("grad_out * (1 - out)", feedback="The square is missing: tanh' = 1 - tanh²."),
         Choice("grad_out * (out > 0)", feedback="That is ReLU's derivative.")]),
    MultipleChoice(
        "ch04.output_pair",
        "A classifier chooses one of 10 digits. What should its last layer and loss be?",
        [Choice("Linear(…, 10), then CrossEntropyLoss on its logits", correct=True,
                feedback="Right: the loss applies softmax internally, stably, and its "
                "gradient is softmax(z) - one_hot(y)."),
         Choice("Linear(…, 10), Softmax(), then CrossEntropyLoss", feedback="CrossEntropyLoss "
                "already applies softmax; a second one squashes the outputs and slows "
                "learning."),
         Choice("Linear(…, 10), Sigmoid(), then MSELoss", feedback="Sigmoid + MSE keeps σ' in "
                "the gradient, which vanishes when the model is confidently wrong."),
         Choice("Linear(…, 1), ReLU(), then MSELoss on the digit value", feedback="Digits are "
                "categories, not quantities: predicting 3.5 for 'a 3 or a 4' makes no sense.")]),
    MultipleChoice(
        "ch04.init_pair",
        "You build a 20-layer MLP with ReLU activations. Which initialization keeps the "
        "gradient's scale roughly constant from layer to layer?",
        [Choice("Normal with std 0.01", feedback="Tiny weights shrink the signal at every "
                "layer: after 20 layers the gradient has all but vanished."),
         Choice("He: Var(W) = 2 / fan_in", correct=True, feedback="Right: ReLU zeroes about "
                "half of its inputs, and the factor 2 compensates for it."),
         Choice("Standard normal, std 1", feedback="With 64 inputs per unit that multiplies "
                "the scale by about 8 per layer: the signal explodes.")]),
    MultipleChoice(
        "ch04.dead_relu",
        "After a few steps with a large learning rate, a third of your ReLU units output 0 for "
        "every training example. What is going on?",
        [Choice("They are dead: their gradient is 0 everywhere, so they never recover",
                correct=True, feedback="Right: relu'(x) = 0 for x < 0. Leaky ReLU, a smaller "
                "learning rate or a better initialization avoid it."),
         Choice("They are saturated like sigmoid units and will recover slowly",
                feedback="A saturated sigmoid still has a tiny gradient; a ReLU with negative "
                "input has exactly zero, so nothing moves it."),
         Choice("That is normal sparsity and harmless", feedback="Some zeros per example are "
                "normal; units that are zero for every example are wasted capacity.")]),
], title="Activation functions: check yourself")
