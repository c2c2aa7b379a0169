"""Chapter 10 quiz: arithmetic intensity, memory, mixed precision, accumulation, DDP, resuming.

Example:
    >>> from nncourse.exercises import quiz
    >>> len(quiz("ch10").questions) >= 5
    True
"""

from __future__ import annotations

from nncourse.exercises.quiz import Choice, MultipleChoice, Numeric
from nncourse.exercises.quizzes import register_quiz

register_quiz("ch10", [
    MultipleChoice(
        "ch10.small_mlp_gpu",
        "On one H200, the 784-128-10 MNIST MLP trained at batch 256 reached about 86,000 "
        "samples/s in float32 and 74,000 in bf16. Why is mixed precision slower here?",
        [Choice("bf16 arithmetic is slower than float32 on this GPU", feedback="The same GPU "
                "multiplied large bf16 matrices at 786 TFLOP/s, far above float32."),
         Choice("Each step is a few tiny kernels: the time goes to launching them, and "
                "autocast adds cast kernels", correct=True,
                feedback="Right: the step is launch-bound, not arithmetic-bound, so faster "
                "arithmetic cannot help and extra kernels cost time."),
         Choice("The data loader cannot keep up", feedback="The measurement kept the whole "
                "data set on the GPU: there was no loader."),
         Choice("bf16 needs a gradient scaler, which syncs every step", feedback="bf16 has "
                "float32's range and needs no scaler; float16 does.")]),
    Numeric(
        "ch10.adam_bytes",
        "A model has 100 million float32 parameters and trains with Adam. How many GB "
        "(10<sup>9</sup> bytes) do the weights, their gradients and Adam's two moments take "
        "together, before any activations?",
        answer=1.6, rtol=0.02,
        feedback_correct="4 values per parameter (weight, gradient, two moments) x 4 bytes x "
                         "10<sup>8</sup> = 1.6 GB.",
        feedback_low="Count four float32 values per parameter: the weight, its gradient and "
                     "Adam's two moment estimates.",
        feedback_high="Four float32 values of 4 bytes per parameter: 16 bytes x 10<sup>8</sup>."),
    MultipleChoice(
        "ch10.intensity",
        "Which matrix product can keep a large GPU busy with arithmetic rather than waiting "
        "for memory?",
        [Choice("(32, 784) @ (784, 128)", feedback="About 24 FLOP per byte: the GPU finishes "
                "the arithmetic long before the data arrives."),
         Choice("(8192, 8192) @ (8192, 8192)", correct=True, feedback="Right: 2n³ FLOP over "
                "3n² values, about 2,700 FLOP per byte in bf16, above the GPU's ratio of "
                "FLOP/s to bytes/s."),
         Choice("(1, 4096) @ (4096, 4096)", feedback="A matrix-vector product reads every "
                "weight for 2 FLOP each: about 1 FLOP per byte.")]),
    MultipleChoice(
        "ch10.accumulation",
        "You accumulate gradients over 4 micro-batches of 64 to imitate a batch of 256. "
        "What must you do with each micro-batch's mean loss before backward?",
        [Choice("Nothing: gradients add up", feedback="They add up to 4 times the gradient "
                "of the mean over 256 samples: the step is 4 times too large."),
         Choice("Multiply it by 64/256 = 1/4", correct=True, feedback="Right: the sum of "
                "the weighted gradients is the gradient of the mean over all 256 samples."),
         Choice("Divide the learning rate by 4 after the step", feedback="The step has "
                "already been taken with the 4-times gradient; scale the loss before "
                "backward.")]),
    MultipleChoice(
        "ch10.ddp",
        "Two processes train under DDP with batch_size=32 each. What does one optimizer "
        "step see?",
        [Choice("32 samples, the same in both processes", feedback="Each process gets a "
                "different share of the epoch."),
         Choice("64 samples: each process's gradient is averaged over both", correct=True,
                feedback="Right: DDP all-reduces the gradients, so the step equals one "
                "process training with batch 64."),
         Choice("32 samples; the processes take turns", feedback="They step together, with "
                "the same averaged gradient.")]),
    MultipleChoice(
        "ch10.resume",
        "Training resumed from a checkpoint ends with different weights than an "
        "uninterrupted run. The checkpoint held the model's and the optimizer's state dicts "
        "and the epoch. What is missing?",
        [Choice("The random state: the shuffle order and dropout masks differ after "
                "resuming", correct=True, feedback="Right: save torch.get_rng_state() (and "
                "any other generator you draw from) and restore it."),
         Choice("The learning rate", feedback="It is in the optimizer's state dict."),
         Choice("Nothing: floating point makes runs differ anyway", feedback="On the CPU "
                "(and on a GPU with deterministic kernels) the same operations in the same "
                "order give the same bits.")]),
], title="Scaling up: check yourself")
