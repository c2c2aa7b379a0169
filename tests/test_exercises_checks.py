"""Every check accepts the reference and rejects plausible wrong answers with the right message."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nncourse.exercises import check, get_exercise, list_exercises
from nncourse.grading.solutions import get_solution

iterate_minibatches_solution = get_solution("loop.iterate_minibatches")
perceptron_fit_solution = get_solution("loop.perceptron_fit")
train_solution = get_solution("loop.fit_epochs")


def messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


@pytest.mark.parametrize("exercise", list_exercises(), ids=lambda e: e.id)
def test_reference_solution_gets_full_marks(exercise):
    result = check(exercise.id, get_solution(exercise.id))
    assert result.passed, str(result)
    assert result.score == exercise.points > 0


def test_registry_has_the_chapter_ids():
    ids = {e.id for e in list_exercises()}
    assert {"loop.iterate_minibatches", "loop.perceptron_fit", "loop.fit_epochs",
            "loop.learning_rate", "gradients.numerical_gradient", "gradients.gradient_descent",
            "gradients.stability_limit", "gradients.converge_fast", "backprop.linear_backward",
            "backprop.relu_backward", "backprop.softmax",
            "backprop.softmax_cross_entropy_backward", "backprop.chain_rule",
            "activations.sigmoid_backward", "activations.tanh_backward",
            "activations.leaky_relu", "activations.deep_signal"} <= ids
    assert all(e.hints and e.cases and e.title for e in list_exercises())


# ----------------------------------------------------------------------------- chapter 3
def test_transposed_weight_gradient_is_named():
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, x.T @ g, g.sum(0)))
    assert result.score == 2
    assert "grad_weight has shape (3, 5), expected (5, 3) = (out_features, in_features); " \
           "did you compute x.T @ grad_out instead of grad_out.T @ x?" in messages(result)


def test_missing_bias_gradient_is_named():
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, g.T @ x))
    assert "grad_bias is missing" in messages(result)
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, g.T @ x, None))
    assert "grad_bias is None" in messages(result)
    result = check("backprop.linear_backward", lambda g, x, w: (g @ w, g.T @ x, g))
    assert "grad_bias has shape (4, 5), expected (5,)" in messages(result)


def test_softmax_without_max_shift_fails_on_huge_logits():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(over="ignore", invalid="ignore"):
        result = check("backprop.softmax", naive)
    assert [c.passed for c in result.cases] == [True, False]
    assert "NaN or inf for logits around ±1000" in messages(result)
    assert "Subtract the row maximum" in messages(result)


def test_softmax_normalized_over_whole_array():
    with np.errstate(over="ignore", invalid="ignore"):
        result = check("backprop.softmax", lambda z: np.exp(z) / np.exp(z).sum())
    assert "not each row" in messages(result)


def test_relu_backward_wrong_answers():
    assert "not relu(x)" in messages(check("backprop.relu_backward",
                                           lambda g, x: np.maximum(x, 0) * g))
    assert "x == 0" in messages(check("backprop.relu_backward", lambda g, x: g * (x >= 0)))


def test_cross_entropy_gradient_not_divided_by_batch():
    softmax_cross_entropy_backward_solution = get_solution(
        "backprop.softmax_cross_entropy_backward")

    result = check("backprop.softmax_cross_entropy_backward",
                   lambda z, t: softmax_cross_entropy_backward_solution(z, t) * len(t))
    assert "6 times too large" in messages(result)
    assert result.score == 0


def test_chain_rule_missing_second_path():
    chain_rule_solution = get_solution("backprop.chain_rule")

    def one_path(a, b, c):
        _, db, dc = chain_rule_solution(a, b, c)
        return (1 - math.tanh(a * b + c) ** 2) * b * a, db, dc

    assert "two terms" in messages(check("backprop.chain_rule", one_path))


def test_against_the_numpy_reference_library():
    layers = pytest.importorskip("nncourse.numpy.layers")
    rng = np.random.default_rng(0)
    g, x, w = rng.normal(size=(4, 5)), rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    assert check("backprop.linear_backward", layers.linear_backward).passed
    assert len(layers.linear_backward(g, x, w)) == 3


# ----------------------------------------------------------------------------- chapter 4
def test_sigmoid_and_tanh_backward_wrong_answers():
    sig = lambda g, out: g * (1 / (1 + np.exp(-out))) * (1 - 1 / (1 + np.exp(-out)))  # noqa: E731
    assert "already is sigmoid(x)" in messages(check("activations.sigmoid_backward", sig))
    assert "missing a square" in messages(check("activations.tanh_backward",
                                                lambda g, out: g * (1 - out)))


def test_leaky_relu_ignoring_slope_and_plain_relu():
    fwd = lambda x, s=0.01: np.where(x > 0, x, 0.01 * x)  # noqa: E731
    bwd = lambda g, x, s=0.01: g * np.where(x > 0, 1.0, 0.01)  # noqa: E731
    result = check("activations.leaky_relu", (fwd, bwd))
    assert result.score == 2 and "ignores the negative_slope" in messages(result)
    result = check("activations.leaky_relu", (lambda x, s=0.01: np.maximum(x, 0), bwd))
    assert "plain ReLU" in messages(result)
    assert "pass the pair" in messages(check("activations.leaky_relu", fwd))


@pytest.mark.parametrize("choice, word", [({"activation": "sigmoid", "init": "xavier"},
                                           "vanishes"),
                                          ({"activation": "relu", "init": "standard_normal"},
                                           "explodes")])
def test_deep_signal_rejects_bad_pairs(choice, word):
    result = check("activations.deep_signal", choice)
    assert not result.passed and word in messages(result)


# ----------------------------------------------------------------------------- chapter 2
def test_forward_differences_are_recognised_by_their_error():
    def forward_diff(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            grad[i] = (f(x + e) - f(x)) / h
        return grad

    result = check("gradients.numerical_gradient", forward_diff)
    curved = next(c for c in result.cases if c.name == "curved function, h = 1e-4")
    assert not curved.passed and "forward differences" in curved.message
    assert result.score < get_exercise("gradients.numerical_gradient").points


def test_numerical_gradient_that_changes_x_in_place():
    def sloppy(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            plus = f(x)
            x[i] -= 2 * h
            grad[i] = (plus - f(x)) / (2 * h)
        return grad

    assert "changed x in place" in messages(check("gradients.numerical_gradient", sloppy))


def test_gradient_descent_without_x0_and_uphill():
    gradient_descent_solution = get_solution("gradients.gradient_descent")

    result = check("gradients.gradient_descent",
                   lambda g, x0, lr, n: gradient_descent_solution(g, x0, lr, n)[1:])
    assert "include x0 as the first row" in messages(result)
    result = check("gradients.gradient_descent",
                   lambda g, x0, lr, n: gradient_descent_solution(lambda x: -g(x), x0, lr, n))
    assert "uphill" in messages(result)


@pytest.mark.parametrize("value, word", [(0.25, "1/L"), (0.6, "grow"), ("0.5", "number")])
def test_stability_limit_messages(value, word):
    result = check("gradients.stability_limit", value)
    assert not result.passed and word in messages(result)


@pytest.mark.parametrize("lr, word", [(0.25, "diverges"), (0.01, "too slow")])
def test_converge_fast_rejects(lr, word):
    assert word in messages(check("gradients.converge_fast", lr))


# ----------------------------------------------------------------------------- chapter 1
def test_minibatches_unshuffled_and_dropping_partial_batch():
    def in_order(x, y, batch_size, rng):
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]

    assert "original order" in messages(check("loop.iterate_minibatches", in_order))

    def drops_last(x, y, batch_size, rng):
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            index = order[start:start + batch_size]
            yield x[index], y[index]

    result = check("loop.iterate_minibatches", drops_last)
    assert "keep the partial batch" in messages(result) and "exactly once" in messages(result)

    def unpaired(x, y, batch_size, rng):
        for xb, yb in iterate_minibatches_solution(x, y, batch_size, rng=rng):
            yield xb, np.sort(yb)

    assert "do not belong together" in messages(check("loop.iterate_minibatches", unpaired))


def test_off_by_one_epoch_loop_is_rejected():
    def short(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
        return train_solution(model, loss_fn, optimizer, x, y, epochs - 1, batch_size, seed)

    result = check("loop.fit_epochs", short)
    assert "returned 4 losses for epochs=5" in messages(result)
    assert "one epoch too few" in messages(result)


def test_loop_that_drops_last_batch_has_wrong_step_count():
    def drops(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
        rng, losses = np.random.default_rng(seed), []
        for _ in range(epochs):
            order, total = rng.permutation(len(x)), 0.0
            for start in range(0, len(x) - batch_size + 1, batch_size):
                index = order[start:start + batch_size]
                total += loss_fn.forward(model(x[index]), y[index])
                model.backward(loss_fn.backward())
                optimizer.step()
            losses.append(total)
        return losses

    assert "visits every sample once" in messages(check("loop.fit_epochs", drops))


def test_perceptron_wrong_update_sign():
    def wrong(X, y, learning_rate=0.1, epochs=10, seed=0):
        w, b, errors = perceptron_fit_solution(X, y, learning_rate, epochs, seed)
        return -w, -b, errors

    result = check("loop.perceptron_fit", wrong)
    assert "misclassify" in messages(result)
    result = check("loop.perceptron_fit",
                   lambda X, y, lr, e, s=0: perceptron_fit_solution(X, y, lr, e - 1, s))
    assert "errors_per_epoch has 29 entries for epochs=30" in messages(result)


@pytest.mark.parametrize("lr, word", [(1e-3, "too slow"), (1.5, "diverges")])
def test_learning_rate_widget_rejects(lr, word):
    assert word in messages(check("loop.learning_rate", lr))


def test_checks_are_deterministic_and_seeded():
    ex = get_exercise("backprop.linear_backward")
    a = ex.inputs_for(ex.cases[0], 0)["x"]
    assert np.array_equal(a, ex.inputs_for(ex.cases[0], 0)["x"])
    assert not np.array_equal(a, ex.inputs_for(ex.cases[0], 1)["x"])
