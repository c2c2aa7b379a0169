"""Chapter 1 quiz: data splits, epochs and iterations, shuffling, the loop, the learning rate.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch01").questions) >= 4
    True
"""

from __future__ import annotations

from ..quiz import Choice, MultipleChoice, Numeric
from ..quizzes import register_quiz

register_quiz("ch01", [
    MultipleChoice(
        "ch01.validation_role",
        "You try 20 learning rates and keep the one with the best score. Which split should "
        "that score come from?",
        [Choice("The training set", feedback="The training loss rewards memorising; it says "
                "little about unseen data."),
         Choice("The validation set", correct=True, feedback="Right: validation data exists to "
                "compare settings. Its best score is now slightly optimistic, which is why a "
                "separate test set is kept."),
         Choice("The test set", feedback="Then the test set has influenced your choice and no "
                "longer gives an unbiased final estimate.")]),
    Numeric(
        "ch01.iterations",
        "A training set has 1000 examples and the batch size is 64, keeping the last partial "
        "batch. How many parameter updates happen in 3 epochs?",
        answer=48.0, rtol=0.0, atol=0.0,
        feedback_correct="ceil(1000 / 64) = 16 updates per epoch, times 3 epochs.",
        feedback_low="Did you drop the last, smaller batch? 1000 / 64 = 15.6, so an epoch has "
                     "16 batches.",
        feedback_high="One update per mini-batch: ceil(N / B) per epoch, times the epochs."),
    MultipleChoice(
        "ch01.shuffle",
        "Why draw a new random order of the training data every epoch?",
        [Choice("It makes each epoch faster", feedback="Shuffling costs a little time; it is "
                "done for the quality of the updates."),
         Choice("So each mini-batch is a fair sample of the data and no order-induced pattern "
                "repeats every epoch", correct=True,
                feedback="Right: sorted data gives biased batches that pull the weights back "
                "and forth."),
         Choice("It is required for the loss to be differentiable",
                feedback="The loss is differentiable in any order; the order changes which "
                "examples each step sees.")]),
    MultipleChoice(
        "ch01.backward_order",
        "In the loop written out in this chapter, in which order do the layers run "
        "<code>backward</code>?",
        [Choice("First layer to last, like forward", feedback="Each layer needs the gradient "
                "with respect to its output, which the layer above it produces."),
         Choice("Last layer to first", correct=True, feedback="Right: the loss gradient enters "
                "at the output and each layer hands dL/d(input) to the layer below."),
         Choice("Any order, since each layer stores its own gradients",
                feedback="A layer's backward needs the gradient coming from the layer after "
                "it, so the order is fixed.")]),
    MultipleChoice(
        "ch01.lr_diagnosis",
        "The training loss goes up after the first few epochs and then becomes <code>nan</code>. "
        "What is the most likely cause?",
        [Choice("The learning rate is too small", feedback="A too-small rate makes the loss "
                "fall slowly; it does not make it grow."),
         Choice("The learning rate is too large", correct=True, feedback="Right: every step "
                "overshoots; lower the rate (chapter 2 derives the limit)."),
         Choice("The validation set is too small", feedback="The validation set does not "
                "affect the training loss at all.")]),
    MultipleChoice(
        "ch01.zero_grad",
        "What goes wrong if a PyTorch loop never calls <code>optimizer.zero_grad()</code>?",
        [Choice("Nothing: gradients are overwritten by each backward()",
                feedback="That is true of this course's NumPy layers, not of torch."),
         Choice("Gradients add up over the steps, so updates grow and use stale information",
                correct=True, feedback="Right: torch accumulates into .grad by design."),
         Choice("The model cannot switch to evaluation mode",
                feedback="eval() is unrelated; it switches dropout and batch norm.")]),
], title="Chapter 1: the training loop — check yourself")
