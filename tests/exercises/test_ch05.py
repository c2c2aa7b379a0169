"""Chapter 5 exercises: the catalogue, the generic diagnosis, and answers written from the lab.

* catalogue: each exercise names its reference and keeps four mistakes (that each one
  loses points with its words shown, on seeds 0, 1 and 7, is tests/test_mistake_catalogues.py's
  check of every chapter);
* diagnosis: planted mistakes that no catalogue lists, one per probe kind (one non-zero
  coordinate, lr = 0, momentum = 0, an impulse, doubled gradients, alpha = 0, beta1 = 0,
  beta2 = 0, the first step, a constant gradient, eps = 1, t from 2) and per generic check
  (mutation, global generator, sign, constant factor), each get a sentence naming the wrong
  term;
* property: the answers of ``tests/independent/ch05.py`` (written only from lab 5's words)
  get full marks on 300 seeds (the widget exercise's inputs do not depend on the seed: 3).

About 15 s of CPU on one core.
"""

from __future__ import annotations

import numpy as np
import pytest
from independent import ch05 as independent

from nncourse.exercises import check, list_exercises

EXERCISES = list_exercises(chapter="ch05")
WIDGETS = {"optim.critical_momentum"}


def _text(result) -> str:
    return str(result).lower()


def test_every_exercise_names_a_reference_and_keeps_four_mistakes() -> None:
    assert {e.id for e in EXERCISES} == set(independent.ANSWERS)
    for exercise in EXERCISES:
        assert exercise.reference_answer() is not None, exercise.id
        assert len(exercise.mistakes) >= 4, exercise.id
    steps = [e.reference for e in EXERCISES if e.id not in WIDGETS]
    assert steps == [f"nncourse.numpy.optim.{kind}_step" for kind in ("adam", "momentum",
                                                                       "rmsprop")]


# ----------------------------------------------------------------------------- diagnosis
def momentum_averaged_gradient(param, grad, velocity, lr, momentum):
    """Adds the mean gradient to every coordinate."""
    velocity = momentum * velocity + grad.mean()
    return param - lr * velocity, velocity


def momentum_without_lr(param, grad, velocity, lr, momentum):
    """Steps by the velocity without lr."""
    velocity = momentum * velocity + grad
    return param - velocity, velocity


def momentum_grad_twice(param, grad, velocity, lr, momentum):
    """The gradient added to the step a second time."""
    velocity = momentum * velocity + grad
    return param - lr * (velocity + grad), velocity


def momentum_negative_carry(param, grad, velocity, lr, momentum):
    """The old velocity enters with a minus sign."""
    velocity = -momentum * velocity + grad
    return param - lr * velocity, velocity


def momentum_scaled_velocity(param, grad, velocity, lr, momentum):
    """momentum * (velocity + grad): the new gradient scaled by momentum too."""
    velocity = momentum * (velocity + grad)
    return param - lr * velocity, velocity


def momentum_in_place(param, grad, velocity, lr, momentum):
    """Updates the arrays it was given."""
    velocity *= momentum
    velocity += grad
    param -= lr * velocity
    return param, velocity


def momentum_noisy(param, grad, velocity, lr, momentum):
    """Noise from the global generator."""
    velocity = momentum * velocity + grad + 1e-3 * np.random.normal(size=grad.shape)
    return param - lr * velocity, velocity


def rmsprop_absolute(param, grad, square_avg, lr, alpha, eps):
    """Averages |g| instead of g**2."""
    square_avg = alpha * square_avg + (1 - alpha) * np.abs(grad)
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_old_average(param, grad, square_avg, lr, alpha, eps):
    """Divides by the average from before this step."""
    new = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / (np.sqrt(square_avg) + eps), new


def rmsprop_global_mean(param, grad, square_avg, lr, alpha, eps):
    """One average over all coordinates."""
    square_avg = alpha * square_avg + (1 - alpha) * np.mean(grad**2) * np.ones_like(grad)
    return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg


def rmsprop_eps_squared(param, grad, square_avg, lr, alpha, eps):
    """eps**2 inside the root."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * grad / np.sqrt(square_avg + eps**2), square_avg


def rmsprop_lr_squared(param, grad, square_avg, lr, alpha, eps):
    """lr applied twice."""
    square_avg = alpha * square_avg + (1 - alpha) * grad**2
    return param - lr * lr * grad / (np.sqrt(square_avg) + eps), square_avg


def _moments(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2


def adam_correction_without_power(param, grad, m, v, t, lr, beta1, beta2, eps):
    """1 - beta instead of 1 - beta**t."""
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1)) / (np.sqrt(v / (1 - beta2)) + eps), m, v


def adam_absolute_v(param, grad, m, v, t, lr, beta1, beta2, eps):
    """v averages |g|."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.abs(grad)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_m_without_weight(param, grad, m, v, t, lr, beta1, beta2, eps):
    """m = beta1 m + grad, without (1 - beta1)."""
    m = beta1 * m + grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_m_with_beta2(param, grad, m, v, t, lr, beta1, beta2, eps):
    """m averaged with beta2."""
    m = beta2 * m + (1 - beta2) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta2**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_root_then_correct(param, grad, m, v, t, lr, beta1, beta2, eps):
    """sqrt(v) / (1 - beta2**t): the correction outside the root."""
    m, v = _moments(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v) / (1 - beta2**t) + eps), m, v


def adam_double_t(param, grad, m, v, t, lr, beta1, beta2, eps):
    """beta**(2 t) in the correction."""
    m, v = _moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1 ** (2 * t)), v / (1 - beta2 ** (2 * t))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_eps_squared(param, grad, m, v, t, lr, beta1, beta2, eps):
    """eps**2 inside the root."""
    m, v = _moments(grad, m, v, beta1, beta2)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / np.sqrt(v_hat + eps**2), m, v


def adam_m_correction_t_minus_one(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Only m's correction uses t - 1 (a division by zero on the first step)."""
    m, v = _moments(grad, m, v, beta1, beta2)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - beta1 ** (t - 1))
        return param - lr * m_hat / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


PLANTED = [
    ("optim.momentum_step", momentum_averaged_gradient, ("entry by entry",)),
    ("optim.momentum_step", momentum_without_lr, ("lr",)),
    ("optim.momentum_step", momentum_grad_twice, ("momentum = 0",)),
    ("optim.momentum_step", momentum_negative_carry, ("momentum * velocity",)),
    ("optim.momentum_step", momentum_scaled_velocity, ("momentum = 0.9",)),
    ("optim.momentum_step", momentum_in_place, ("in place",)),
    ("optim.momentum_step", momentum_noisy, ("global",)),
    ("optim.rmsprop_step", rmsprop_absolute, ("grad**2",)),
    ("optim.rmsprop_step", rmsprop_old_average, ("square_avg of this step",)),
    ("optim.rmsprop_step", rmsprop_global_mean, ("entry by entry",)),
    ("optim.rmsprop_step", rmsprop_eps_squared, ("eps = 1",)),
    ("optim.rmsprop_step", rmsprop_lr_squared, ("lr = 0.01 times",)),
    ("optim.adam_step", adam_correction_without_power, ("current t",)),
    ("optim.adam_step", adam_absolute_v, ("beta2 = 0",)),
    ("optim.adam_step", adam_m_without_weight, ("1 - beta1",)),
    ("optim.adam_step", adam_m_with_beta2, ("beta1 = 0",)),
    ("optim.adam_step", adam_root_then_correct, ("t = 1",)),
    ("optim.adam_step", adam_double_t, ("1 - beta1**t",)),
    ("optim.adam_step", adam_eps_squared, ("eps = 1",)),
    ("optim.adam_step", adam_m_correction_t_minus_one, ("t = 2", "nan")),
]


@pytest.mark.parametrize(("exercise_id", "answer", "words"), PLANTED,
                         ids=[answer.__name__ for _, answer, _ in PLANTED])
def test_uncatalogued_mistakes_are_named(exercise_id: str, answer, words) -> None:
    result = check(exercise_id, answer)
    assert result.score < result.max_score, str(result)
    for word in words:
        assert word.lower() in _text(result), (word, str(result))


def test_wrong_return_structure_is_named() -> None:
    result = check("optim.momentum_step", lambda p, g, v, lr, m: p - lr * g)
    assert "must return the tuple (param, velocity)" in str(result)


# ----------------------------------------------------------------------------- property
@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(independent.ANSWERS))
def test_answers_written_from_the_lab_get_full_marks(exercise_id: str) -> None:
    answer = independent.ANSWERS[exercise_id]
    seeds = range(3) if exercise_id in WIDGETS else range(300)
    if exercise_id in WIDGETS:
        answer = answer()
    failed = [seed for seed in seeds if not check(exercise_id, answer, seed=seed).passed]
    assert not failed, (failed[:5], str(check(exercise_id, answer, seed=failed[0])))


def test_damping_explorer_state_is_an_answer() -> None:
    from nncourse.widgets.damping import DampingExplorer

    explorer = DampingExplorer(lr=0.6, momentum=0.45)
    assert check("optim.critical_momentum", explorer).passed
    explorer.set_state(lr=0.4, momentum=0.0)
    assert "without momentum" in str(check("optim.critical_momentum", explorer))


def test_quiz_has_feedback_for_every_answer() -> None:
    from nncourse.exercises import MultipleChoice, Numeric, quiz

    questions = quiz("ch05").questions
    assert len(questions) >= 5
    for question in questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
        else:
            assert isinstance(question, Numeric)
            assert question.grade(question.answer)[0]
            assert not question.grade(question.answer * 2 + 1)[0]
