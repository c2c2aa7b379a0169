"""Chapter 7 quiz: capacity, regularisation, dropout, early stopping, augmentation.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch07").questions) >= 5
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch07", [
    MultipleChoice(
        "ch07.diagnose_gap",
        "Training error 0.01, validation error 0.40. Which change is most likely to help?",
        [Choice("More training data, or stronger regularisation", correct=True,
                feedback="Right: a large gap means the model fits noise in the training set "
                "(high variance)."),
         Choice("A bigger model", feedback="The model already fits the training set; more "
                "capacity widens the gap."),
         Choice("Training for longer", feedback="Longer training lowers the training error "
                "further; the validation error usually rises."),
         Choice("A larger learning rate", feedback="The problem is generalisation, not "
                "optimisation speed.")]),
    MultipleChoice(
        "ch07.random_labels",
        "A network reaches 100% training accuracy on images whose labels were shuffled at "
        "random. What does that show?",
        [Choice("It has enough capacity to memorise the training set", correct=True,
                feedback="Right (Zhang et al., 2017): training accuracy alone says nothing "
                "about generalisation; validation accuracy stays at chance."),
         Choice("The labels were not really random", feedback="They were; the network "
                "memorised each example's label."),
         Choice("It will do well on new images", feedback="There is nothing general to "
                "learn: validation accuracy is at chance.")]),
    Numeric(
        "ch07.dropout_scale",
        "Inverted dropout with p = 0.2 (drop probability). By what factor are the kept "
        "activations multiplied during training?",
        answer=1.25, rtol=1e-3,
        feedback_correct="1 / (1 - p) = 1 / 0.8 = 1.25: the expected output equals the input, "
                         "so evaluation needs no rescaling.",
        feedback_low="Too small: the kept units must grow to make up for the dropped ones. "
                     "(0.8 = 1 - p is the old convention, applied at test time.) Inverted "
                     "dropout divides by 1 - p during training.",
        feedback_high="Too large: divide by the keep probability 1 - p = 0.8 (dividing by p "
                      "= 0.2 would give 5)."),
    MultipleChoice(
        "ch07.l1_vs_l2",
        "Which penalty drives many weights exactly to zero?",
        [Choice("L1, λ Σ|w|", correct=True, feedback="Right: its gradient has the same size "
                "λ for every non-zero weight, so small weights are pushed all the way to 0."),
         Choice("L2, λ/2 Σw²", feedback="L2's pull λw shrinks with the weight: weights get "
                "small but rarely exactly zero."),
         Choice("Both equally", feedback="Compare the gradients: λ·sign(w) against λ·w.")]),
    MultipleChoice(
        "ch07.adamw",
        "Why does AdamW apply weight decay outside the adaptive update, instead of adding "
        "λw to the gradient?",
        [Choice("Inside Adam, λw is divided by √v, so weights with large gradients are "
                "barely decayed", correct=True, feedback="Right (Loshchilov & Hutter, 2019): "
                "decoupled decay shrinks every weight by the same factor lr·λ."),
         Choice("It is faster to compute", feedback="The cost is the same; the effect "
                "differs."),
         Choice("There is no difference", feedback="For SGD the two coincide; for Adam they "
                "do not, and the lab measures the difference.")]),
    MultipleChoice(
        "ch07.early_stopping",
        "EarlyStopping(patience=3, restore_best_weights=True) watches the validation loss "
        "2.0, 1.5, 1.4, 1.6, 1.7, 1.8. What happens?",
        [Choice("Training stops after the 6th epoch and the weights of epoch 3 are restored",
                correct=True, feedback="Right: three epochs without improvement after the "
                "best (1.4), then the best epoch's weights come back."),
         Choice("Training stops after the 4th epoch", feedback="Patience 3 tolerates three "
                "epochs without improvement."),
         Choice("Training stops after the 6th epoch and keeps the last weights",
                feedback="restore_best_weights loads the best epoch's state_dict at the end.")]),
    MultipleChoice(
        "ch07.recipe_order",
        "You start on a new problem. What comes first?",
        [Choice("Make the model overfit a small batch, then add regularisation",
                correct=True, feedback="Right: if it cannot drive the loss on 10 examples to "
                "about 0, something is broken; regularising first would hide it."),
         Choice("Add dropout and weight decay from the start", feedback="Regularisation "
                "makes a broken pipeline look like a hard problem."),
         Choice("Tune the learning rate on the test set", feedback="The test set is for the "
                "final report, once.")]),
], title="Overfitting and underfitting: check yourself")
