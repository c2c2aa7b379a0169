"""Chapter 8 quiz: misleading accuracy, precision and recall, thresholds, search, the test set.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch08").questions) >= 5
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch08", [
    MultipleChoice(
        "ch08.accuracy_misleads",
        "1% of transactions are fraud. A model that never flags anything has which accuracy "
        "and which recall on fraud?",
        [Choice("99% accuracy, 0% recall", correct=True, feedback="Right: accuracy rewards "
                "the majority class; recall shows that not one fraud is caught."),
         Choice("99% accuracy, 99% recall", feedback="Recall counts the frauds found: "
                "TP / (TP + FN) = 0 / (0 + all frauds) = 0."),
         Choice("1% accuracy, 0% recall", feedback="Every legitimate transaction is "
                "classified correctly, and they are 99% of the data."),
         Choice("50% accuracy, 50% recall", feedback="Accuracy is the share of correct "
                "decisions, not an average over the classes.")]),
    Numeric(
        "ch08.precision_value",
        "A detector flags 40 examples; 30 of them are real positives, and 20 real positives "
        "are missed. What is its precision? (a number in [0, 1])",
        answer=0.75, rtol=1e-3,
        feedback_correct="Precision = TP / (TP + FP) = 30 / 40 = 0.75. (Recall = 30 / 50 = 0.6.)",
        feedback_low="Too low. (0.6 would be the recall, 30 / (30 + 20).) Precision divides "
                     "the true positives by everything flagged: 30 / 40.",
        feedback_high="Precision = TP / (everything flagged) = 30 / 40."),
    MultipleChoice(
        "ch08.lower_threshold",
        "You lower the decision threshold of a detector from 0.5 to 0.2. What happens?",
        [Choice("Recall goes up or stays; precision usually goes down", correct=True,
                feedback="Right: more examples are flagged, so fewer positives are missed "
                "but more negatives are flagged too."),
         Choice("Both precision and recall go up", feedback="Flagging more examples cannot "
                "lower the false positives; precision usually drops."),
         Choice("The ROC curve moves", feedback="The curve is fixed by the scores; the "
                "threshold moves the point along it."),
         Choice("Recall goes down", feedback="A lower threshold flags more examples, so "
                "recall can only rise or stay.")]),
    MultipleChoice(
        "ch08.grid_vs_random",
        "Of two hyperparameters, only the learning rate matters much. With a budget of 9 "
        "trainings, why does random search usually beat a 3 × 3 grid?",
        [Choice("It tries 9 different learning rates instead of 3", correct=True,
                feedback="Right (Bergstra & Bengio 2012): the grid spends its budget "
                "repeating the same 3 values of the axis that matters."),
         Choice("Random numbers are better than round numbers", feedback="Nothing is "
                "special about the values; what matters is how many distinct values of the "
                "important axis get tried."),
         Choice("It evaluates each configuration more precisely", feedback="Each trial "
                "costs and measures the same in both searches."),
         Choice("It never tries bad configurations", feedback="It tries plenty; it just "
                "covers the important axis more densely.")]),
    MultipleChoice(
        "ch08.log_scale",
        "How should a learning rate between 1e-4 and 1 be sampled?",
        [Choice("10 ** uniform(-4, 0)", correct=True, feedback="Right: each decade gets "
                "the same share of trials."),
         Choice("uniform(1e-4, 1)", feedback="90% of the samples land above 0.1: the small "
                "rates are hardly ever tried."),
         Choice("One value per integer from 1 to 10, divided by 10", feedback="That covers "
                "only the top decade.")]),
    MultipleChoice(
        "ch08.test_once",
        "You tried 50 configurations and picked the one with the best validation accuracy, "
        "93.1%. What do you report?",
        [Choice("93.1%", feedback="That number was selected as the maximum of 50 noisy "
                "estimates: it is optimistic."),
         Choice("The chosen model's accuracy on the test set, measured once", correct=True,
                feedback="Right: the test set played no part in the choice, so its estimate "
                "is honest, as long as it is used once."),
         Choice("The best test accuracy of the 50 configurations", feedback="Then the test "
                "set has been used to choose, and its estimate is as optimistic as the "
                "validation one.")]),
    MultipleChoice(
        "ch08.curve_diagnosis",
        "Training loss falls steadily; validation loss falls, then rises from epoch 15 on. "
        "What is it?",
        [Choice("Overfitting: stop early or regularise", correct=True, feedback="Right: the "
                "model keeps fitting the training set while generalising worse."),
         Choice("A learning rate that is too high", feedback="A too-high rate shows in the "
                "training loss itself: it jumps or diverges."),
         Choice("Underfitting: use a bigger model", feedback="Underfitting keeps both losses "
                "high and close together."),
         Choice("A bug in the data pipeline", feedback="A bug such as shuffled labels keeps "
                "the validation loss near chance from the start.")]),
], title="Evaluating and tuning: check yourself")
