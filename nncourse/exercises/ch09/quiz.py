"""Chapter 9 quiz: what transfers, freezing and batch norm, label budgets, the control.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch09").questions) >= 4
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch09", [
    MultipleChoice(
        "ch09.what_transfers",
        "A CNN trained on digits 0-4 is reused for digits 5-9. Which part is most likely "
        "useful as it is?",
        [Choice("The first convolution's filters", correct=True, feedback="Right: strokes, "
                "edges and blobs are shared by all digits; the early layers are the most general."),
         Choice("The head", feedback="The head maps features to the five old classes; the new "
                "task has other classes, so the head is replaced."),
         Choice("The batch-norm running statistics of the head", feedback="The head has no "
                "batch norm here, and statistics are not what transfers; features do.")]),
    MultipleChoice(
        "ch09.frozen_bn",
        "You set requires_grad=False on every backbone parameter and call model.train() "
        "before fine-tuning the head. What still changes in the backbone?",
        [Choice("Nothing: no gradients, no change", feedback="Batch norm updates its running "
                "mean and variance in training mode, without any gradient."),
         Choice("Batch norm's running statistics", correct=True, feedback="Right: put the "
                "frozen backbone's batch norm in eval mode (after every model.train())."),
         Choice("The convolution weights, through weight decay", feedback="An optimizer that "
                "was not given those parameters never touches them.")]),
    MultipleChoice(
        "ch09.budget",
        "When does starting from a pretrained model help most, compared with training from "
        "scratch?",
        [Choice("With few labels per class", correct=True, feedback="Right: with few labels "
                "scratch has little to learn from, the pretrained features carry the task."),
         Choice("With many labels per class", feedback="With many labels scratch catches up; "
                "the gap narrows."),
         Choice("Always by the same amount", feedback="The gain depends on the label budget: "
                "look at the chapter's curve.")]),
    MultipleChoice(
        "ch09.control",
        "Why train a control model on shuffled labels?",
        [Choice("To show that what helps is what the source model learned, not its weight "
                "scale or the extra training", correct=True, feedback="Right: same network, "
                "same images, same schedule; only the knowledge differs."),
         Choice("To make the source model more robust", feedback="Shuffled labels teach "
                "nothing about digits; the control exists to be compared with."),
         Choice("To augment the target data", feedback="The control is a source model, not "
                "data for the target.")]),
    Numeric(
        "ch09.lower_lr",
        "Fine-tuning with lr = 3e-3 for the head and a backbone factor of 0.1: what learning "
        "rate does the backbone get?",
        answer=3e-4, rtol=1e-6,
        feedback_correct="lr * backbone_factor = 3e-3 * 0.1 = 3e-4.",
        feedback_low="Multiply the head's rate by the factor: 3e-3 * 0.1.",
        feedback_high="The backbone gets the smaller rate: 3e-3 * 0.1."),
], title="Transfer learning: check yourself")
