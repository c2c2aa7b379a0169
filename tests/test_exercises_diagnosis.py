"""The generic diagnosis names mistakes no catalogue lists, and no raw exception reaches a learner.

Each planted wrong answer below is *not* in any mistake catalogue; it is one mechanism (input
changed in place, result aliasing an input, global RNG, non-determinism, sign flip, constant
factor, transposed / mis-shaped, off-by-one counter, NaN/inf, a term-isolating probe, a
learner error) applied to one exercise family (elementwise backward, matrix backward,
softmax, scalar chain rule, iterative loops, generators, numerical gradients). Each must lose
points and get a message naming its mechanism.
"""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest

from nncourse.exercises import check
from nncourse.exercises.errors import LearnerError, explain_error
from nncourse.exercises.runtime import observe
from nncourse.numpy.activations import softmax
from nncourse.numpy.gradcheck import numerical_gradient
from nncourse.numpy.layers import linear_backward
from nncourse.numpy.losses import softmax_cross_entropy_backward


def _messages(result) -> str:
    return " | ".join([case.message for case in result.cases if not case.passed]
                      + [result.error]).lower()


# ----------------------------------------------------------------------------- planted answers
def relu_in_place(grad_out, x):
    """Zeroes grad_out in place and returns it."""
    grad_out[x <= 0] = 0.0
    return grad_out


def gd_path_holds_x0(grad_fn, x0, learning_rate, steps):
    """Returns the list of iterates whose first entry is the caller's x0 itself."""
    path = [x0]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * grad_fn(path[-1]))
    return path


def linear_bias_global_noise(grad_out, x, weight):
    """Adds a draw from the global generator."""
    grad_x, grad_weight, grad_bias = linear_backward(grad_out, x, weight)
    return grad_x, grad_weight, grad_bias + 1e-3 * np.random.normal(size=grad_bias.shape)


_CALLS = itertools.count()


def chain_rule_drifting(a, b, c):
    """Keeps a counter between calls: the result changes from call to call."""
    t = math.tanh(a * b + c)
    dt = 1 - t * t
    drift = 1e-3 * next(_CALLS)
    return dt * a * b + t + drift, dt * a * a, dt * a


def linear_bias_sign(grad_out, x, weight):
    """grad_bias with the wrong sign."""
    grad_x, grad_weight, grad_bias = linear_backward(grad_out, x, weight)
    return grad_x, grad_weight, -grad_bias


def ce_divided_twice(logits, targets):
    """Divides by the batch size twice."""
    return softmax_cross_entropy_backward(logits, targets) / len(targets)


def numgrad_quarter(f, x, h=1e-5):
    """Divides by 4h."""
    return numerical_gradient(f, np.array(x, dtype=np.float64), h) / 2


def linear_grad_x_transposed(grad_out, x, weight):
    """grad_x as (in, B)."""
    grad_x, grad_weight, grad_bias = linear_backward(grad_out, x, weight)
    return grad_x.T, grad_weight, grad_bias


def softmax_flat(logits):
    """Returns the probabilities flattened."""
    return softmax(logits).ravel()


def gd_one_step_too_few(grad_fn, x0, learning_rate, steps):
    """range(steps - 1): one step too few."""
    path = [np.array(x0, dtype=np.float64)]
    for _ in range(steps - 1):
        path.append(path[-1] - learning_rate * grad_fn(path[-1]))
    return np.stack(path)


def gd_starts_late(grad_fn, x0, learning_rate, steps):
    """Collects the path from x_1 on, with one step more to fill the rows."""
    x = np.array(x0, dtype=np.float64)
    path = []
    for _ in range(steps + 1):
        x = x - learning_rate * grad_fn(x)
        path.append(x)
    return np.stack(path)


def softmax_min_shift(logits):
    """Shifts by the row minimum: exp of a large positive number overflows."""
    e = np.exp(logits - logits.min(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def chain_rule_tanh_at_c(a, b, c):
    """tanh' evaluated at c instead of u = a·b + c."""
    t = math.tanh(a * b + c)
    dt = 1 - math.tanh(c) ** 2
    return dt * a * b + t, dt * a * a, dt * a


def perceptron_global_shuffle(X, y, learning_rate=0.1, epochs=10, seed=0):
    """Shuffles with the global np.random."""
    weights, bias, errors_per_epoch = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        errors = 0
        for i in np.random.permutation(len(X)):
            prediction = 1.0 if X[i] @ weights + bias > 0 else 0.0
            update = learning_rate * (y[i] - prediction)
            weights = weights + update * X[i]
            bias += update
            errors += int(update != 0)
        errors_per_epoch.append(errors)
    return weights, bias, errors_per_epoch


def minibatches_ignore_rng(x, y, batch_size, rng):
    """Draws its order from the global generator."""
    order = np.random.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]], y[order[start:start + batch_size]]


def minibatches_shuffle_in_place(x, y, batch_size, rng):
    """Shuffles the caller's x and y in place."""
    order = rng.permutation(len(x))
    x[:], y[:] = x[order], y[order]
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def train_gaming(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """One epoch too few, the loss list padded, counters set by hand, a weight nudged."""
    from nncourse.exercises.ch01.reference import train

    losses = train(model, loss_fn, optimizer, x, y, epochs - 1, batch_size, seed)
    optimizer.steps = epochs * math.ceil(len(x) / batch_size)
    model.forward_samples = epochs * len(x)
    model.weight.data = model.weight.data + 1e-3
    return [*losses, losses[-1]]


def train_none(model, loss_fn, optimizer, x, y, epochs, batch_size, seed):
    """Forgets the return."""
    for _ in range(epochs):
        pass


def linear_stub(grad_out, x, weight):
    """The released stub."""
    raise NotImplementedError("write your solution here")


def stepper_key_error(graph):
    return {"neuron": {}}["shared_input"]


PLANTED = [
    # (mechanism, exercise, answer, words the message must contain)
    ("mutation", "backprop.relu_backward", relu_in_place, ("changed its input grad_out",)),
    ("mutation", "loop.iterate_minibatches", minibatches_shuffle_in_place, ("in place",)),
    ("aliasing", "gradients.gradient_descent", gd_path_holds_x0, ("is the input x0 itself",)),
    ("global rng", "backprop.linear_backward", linear_bias_global_noise, ("global",)),
    ("global rng", "loop.perceptron_fit", perceptron_global_shuffle, ("global",)),
    ("global rng", "loop.iterate_minibatches", minibatches_ignore_rng, ("global",)),
    ("non-determinism", "backprop.chain_rule", chain_rule_drifting,
     ("changes from one call to the next",)),
    ("sign flip", "backprop.linear_backward", linear_bias_sign, ("grad_bias has the wrong sign",)),
    ("constant factor", "backprop.softmax_cross_entropy_backward", ce_divided_twice,
     ("divided by the batch size b = 6",)),
    ("constant factor", "gradients.numerical_gradient", numgrad_quarter, ("divided by 2",)),
    ("transposed", "backprop.linear_backward", linear_grad_x_transposed,
     ("grad_x is transposed", "expected (4, 3)")),
    ("mis-shaped", "backprop.softmax", softmax_flat, ("shape (20,)", "expected (5, 4)")),
    ("off-by-one", "gradients.gradient_descent", gd_one_step_too_few,
     ("steps = 11", "one too few")),
    ("shifted sequence", "gradients.gradient_descent", gd_starts_late, ("one step late",)),
    ("nan", "backprop.softmax", softmax_min_shift, ("nan", "at [", "large")),
    ("probe", "backprop.chain_rule", chain_rule_tanh_at_c, ("u = a·b + c = 0",)),
    ("raw data, not counters", "loop.fit_epochs", train_gaming, ("weight",)),
    ("returned none", "loop.fit_epochs", train_none, ("none",)),
    ("stub", "backprop.linear_backward", linear_stub, ("not implemented yet",)),
]


@pytest.mark.parametrize(("mechanism", "exercise_id", "answer", "words"), PLANTED,
                         ids=[f"{row[0]}: {row[1]}" for row in PLANTED])
def test_planted_mistake_is_named(mechanism, exercise_id, answer, words):
    with np.errstate(all="ignore"):
        result = check(exercise_id, answer)
    text = _messages(result)
    assert result.score < result.max_score, f"{mechanism}: full marks for {answer.__name__}"
    for word in words:
        assert word.lower() in text, f"{mechanism}: {word!r} not in {text!r}"
    assert "traceback" not in text and "error:" not in text


def test_an_ignored_generator_is_named():
    def fixed_order(x, y, batch_size, rng):
        order = np.arange(len(x))[::-1]       # the same for every seed, never from rng
        for start in range(0, len(x), batch_size):
            yield x[order[start:start + batch_size]], y[order[start:start + batch_size]]

    text = _messages(check("loop.iterate_minibatches", fixed_order))
    assert "same order" in text or "ignores rng" in text


# ----------------------------------------------------------------------------- errors -> sentences
class TraitError(Exception):
    """Stands in for traitlets.TraitError (matched by name)."""


ERRORS = [
    (KeyError("batch_size"), {"keys": {"the budget": ["batch", "width"]}},
     ("'batch_size'", "'batch', 'width'")),
    (TypeError("'NoneType' object is not subscriptable"), {}, ("none",)),
    (AttributeError("'ndarray' object has no attribute 'detach'"), {}, ("torch tensor method",)),
    (IndexError("index 5 is out of bounds for axis 0 with size 5"), {}, ("axis 0 of size 5",)),
    (ValueError("operands could not be broadcast together with shapes (5,4) (5,) "), {},
     ("(5, 4) and (5,)", "keepdims")),
    (pickle.UnpicklingError("invalid load key"), {}, ("bit_generator.state",)),
    (TraitError("The 'batch_size' trait expects one of [32, 64]"),
     {"valid": {"batch_size": [32, 64]}}, ("valid values are 32, 64",)),
    (NotImplementedError(), {}, ("not implemented yet",)),
    (NotImplementedError("Cannot copy out of meta tensor; no data!"), {}, ("meta",)),
    (TypeError("train() missing 1 required positional argument: 'seed'"), {},
     ("keep the signature",)),
    (ZeroDivisionError("division by zero"), {}, ("divided by zero",)),
    (LearnerError("your step returned 2 values; it should return (param, m, v)."), {},
     ("(param, m, v)",)),
]


@pytest.mark.parametrize(("error", "expects", "words"), ERRORS,
                         ids=[type(row[0]).__name__ for row in ERRORS])
def test_errors_become_sentences(error, expects, words):
    text = explain_error(error, expects, {"x": np.ones((2, 3))})
    assert text.rstrip().endswith((".", ")")), text
    assert "Traceback" not in text
    for word in words:
        assert word.lower() in text.lower(), f"{word!r} not in {text!r}"


def test_observe_reports_raw_facts_only():
    def double_in_place(a):
        a *= 2
        return a

    seen = observe({"runner": "call", "check_global_rng": True}, double_in_place,
                   {"a": np.ones(3)})
    assert seen["mutated"]["a"].tolist() == [2.0, 2.0, 2.0]
    assert seen["aliases"] == [["output", "a"]]
    assert seen["output"].tolist() == [2.0, 2.0, 2.0] and "repeat" not in seen
    state = np.random.get_state()[1][:3].copy()
    observe({"runner": "call", "check_global_rng": True}, lambda: np.random.rand(), {})
    assert np.array_equal(np.random.get_state()[1][:3], state), "the global state is restored"


def test_check_records_progress_when_a_tracker_exists(monkeypatch):
    import sys
    import types

    calls = []
    tracker = types.ModuleType("nncourse.exercises.progress")
    tracker.record = lambda *args: calls.append(args) or 1 / 0   # a failing tracker
    monkeypatch.setitem(sys.modules, "nncourse.exercises.progress", tracker)
    result = check("gradients.stability_limit", 0.5)
    assert result.passed and calls == [("gradients.stability_limit", 1.0, 1.0)]


def test_the_sandbox_side_imports_no_judge_reference_or_grader():
    """runtime.py runs inside the grading sandbox: it and what it imports need NumPy only."""
    import ast
    import sys
    from pathlib import Path

    import nncourse.exercises.runtime as runtime

    folder = Path(runtime.__file__).parent
    allowed_local = {"compare", "errors"}
    for name in ("runtime", "errors", "compare"):
        tree = ast.parse((folder / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.module in allowed_local, f"{name}.py imports .{node.module}"
            elif isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module] if isinstance(node, ast.ImportFrom) else \
                    [alias.name for alias in node.names]
                for module in modules:
                    assert not module.startswith("nncourse.grading"), (name, module)
                    assert not module.startswith("nncourse.exercises"), (name, module)
    # The sentences come out in the learner's language through nncourse.i18n, which needs only
    # the standard library when it is imported (babel only where a catalogue is found, and the
    # sandbox has none: its sentences stay English).
    tree = ast.parse((folder.parent / "i18n.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names]
            for module in modules:
                assert module.split(".")[0] in sys.stdlib_module_names, ("i18n", module)
