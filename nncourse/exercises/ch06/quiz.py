"""Chapter 6 quiz: the loss at initialisation, symmetry, He's factor 2, batch norm, diagnostics.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch06").questions) >= 5
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch06", [
    Numeric(
        "ch06.initial_loss",
        "A freshly initialised classifier for 10 classes with small logits. What cross-entropy "
        "loss do you expect before any training? (two decimals)",
        answer=2.302585, rtol=0.005,
        feedback_correct="Right: equal logits give p = 1/10 for every class, and "
                         "−ln(1/10) = ln 10 ≈ 2.30. A much larger initial loss means the "
                         "initial logits are too large.",
        feedback_low="Below ln C means the untrained model is already confident and right; "
                     "with p = 1/C for every class the loss is −ln(1/C).",
        feedback_high="That is what over-confident initial logits give; with p = 1/C for every "
                      "class the loss is −ln(1/C) = ln 10."),
    MultipleChoice(
        "ch06.zero_init",
        "All weights of an MLP start at exactly 0. What happens during training?",
        [Choice("The units of a layer stay identical to each other forever", correct=True,
                feedback="Right: identical units get identical gradients (for ReLU even zero "
                "ones), so nothing ever breaks the symmetry; the layer acts like one unit."),
         Choice("Training is slow at first but then proceeds normally",
                feedback="Nothing ever makes two units differ: the symmetry is never broken."),
         Choice("The loss is NaN at the first step", feedback="The loss is finite (ln C for a "
                "classifier); the problem is that every unit learns the same thing.")]),
    MultipleChoice(
        "ch06.he_factor",
        "Why does He initialization use Var(W) = 2/fan_in where LeCun uses 1/fan_in?",
        [Choice("ReLU zeroes about half of its inputs, halving the second moment; the 2 "
                "restores it", correct=True, feedback="Right: E[relu(z)²] = Var(z)/2 for a "
                "symmetric z."),
         Choice("Because there are two matrices per layer", feedback="A Linear layer has one "
                "weight matrix; the factor comes from the activation."),
         Choice("To make the gradients larger than the activations", feedback="The aim is to "
                "keep both the same size from layer to layer, not to make one larger.")]),
    MultipleChoice(
        "ch06.bn_eval",
        "A model with BatchNorm1d predicts well during training but badly after "
        "<code>model.eval()</code>. What is the most likely cause?",
        [Choice("The running statistics do not match the data seen at test time, e.g. too "
                "few training steps or a different input scaling", correct=True,
                feedback="Right: in eval mode batch norm uses running_mean and running_var, "
                "not the batch's own statistics."),
         Choice("Batch norm is switched off in evaluation mode", feedback="It still "
                "normalises, with the running statistics instead of the batch's."),
         Choice("eval() resets gamma and beta", feedback="The learned scale and shift are "
                "kept; only the source of mean and variance changes.")]),
    MultipleChoice(
        "ch06.update_ratio",
        "The update-to-data ratio std(ΔW)/std(W) of every layer sits around 10⁻¹ from the "
        "first steps. What do you change?",
        [Choice("Lower the learning rate: each step rewrites a tenth of the weights",
                correct=True, feedback="Right: around 10⁻³ is the usual healthy range."),
         Choice("Raise the learning rate", feedback="The steps are already a hundred times "
                "larger than the ~10⁻³ guide line."),
         Choice("Nothing: larger updates mean faster learning", feedback="Updates that large "
                "make training noisy or unstable; the weights forget what they learned.")]),
    MultipleChoice(
        "ch06.fold_bn",
        "For inference, BatchNorm1d after Linear(W, b) can be folded into one Linear. With "
        "s = γ / √(running_var + ε), what is the new weight?",
        [Choice("s[:, None] · W (each output row scaled by its s)", correct=True,
                feedback="Right; the bias becomes s · (b − running_mean) + β."),
         Choice("W / s", feedback="Batch norm multiplies each output by s; the fold does the "
                "same to the rows of W."),
         Choice("W · s[None, :] (each input column scaled)", feedback="s belongs to the "
                "outputs of the Linear layer, so it scales rows, not columns.")]),
], title="Initialization and batch normalization: check yourself")
