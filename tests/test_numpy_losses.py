"""Losses and penalties: gradient checks, stability at extreme logits, target validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers_numpy import GRAD_TOL, PROPERTY, batch_sizes, seeds
from hypothesis import given
from hypothesis import strategies as st

from nncourse.numpy import losses as Lo
from nncourse.numpy.gradcheck import check_gradients, numerical_gradient, relative_error
from nncourse.numpy.module import Parameter

classes = st.integers(min_value=2, max_value=6)


def _class_loss_error(loss_fn, logits, targets) -> float:
    loss_fn.forward(logits, targets)
    analytic = loss_fn.backward()
    return check_gradients(lambda v: loss_fn.forward(v, targets), logits, analytic)


@PROPERTY
@given(batch=batch_sizes, n_classes=classes, smoothing=st.sampled_from([0.0, 0.1]),
       one_hot=st.booleans(), seed=seeds)
def test_cross_entropy_gradients(batch, n_classes, smoothing, one_hot, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(batch, n_classes))
    targets = rng.integers(0, n_classes, size=batch)
    if one_hot:
        targets = np.eye(n_classes)[targets]
    loss_fn = Lo.CrossEntropyLoss(label_smoothing=smoothing)
    assert _class_loss_error(loss_fn, logits, targets) < GRAD_TOL
    value = loss_fn.forward(logits, targets)  # the check's last call saw a perturbed input
    pure = Lo.softmax_cross_entropy_backward(logits, targets, smoothing)
    np.testing.assert_allclose(pure, loss_fn.backward(), atol=1e-15)
    assert Lo.softmax_cross_entropy(logits, targets, smoothing) == pytest.approx(value,
                                                                                rel=1e-12)


@PROPERTY
@given(batch=batch_sizes, outputs=st.integers(1, 4), seed=seeds)
def test_bce_and_mse_gradients(batch, outputs, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(batch, outputs))
    labels = rng.integers(0, 2, size=(batch, outputs)).astype(float)
    assert _class_loss_error(Lo.BCEWithLogitsLoss(), logits, labels) < GRAD_TOL
    target = rng.normal(size=(batch, outputs))
    assert _class_loss_error(Lo.MSELoss(), logits, target) < GRAD_TOL
    np.testing.assert_allclose(Lo.mse_loss_backward(logits, target),
                               numerical_gradient(lambda v: Lo.mse_loss(v, target), logits),
                               atol=1e-8)


def test_known_values():
    assert Lo.MSELoss()(np.array([[1.0], [3.0]]), np.array([[0.0], [3.0]])) == 0.5
    assert Lo.CrossEntropyLoss()(np.zeros((2, 4)), np.array([0, 3])) == pytest.approx(np.log(4))
    assert Lo.BCEWithLogitsLoss()(np.zeros((3, 1)), np.ones((3, 1))) == pytest.approx(np.log(2))


@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_extreme_logits_give_finite_values_without_warnings(scale):
    logits = np.array([[scale, 0.0, -scale], [0.0, scale, 1.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        ce = Lo.CrossEntropyLoss()
        ce_value = ce.forward(logits, np.argmin(logits, axis=1))  # the least likely class
        ce_grad = ce.backward()
        bce = Lo.BCEWithLogitsLoss()
        bce_value = bce.forward(logits, (logits < 0).astype(float))  # every label wrong
        bce_grad = bce.backward()
    for value in (ce_value, bce_value):
        assert np.isfinite(value) and value > 100  # confidently wrong costs a lot
    assert np.all(np.isfinite(ce_grad)) and np.all(np.isfinite(bce_grad))
    np.testing.assert_allclose(ce_grad.sum(axis=1), 0.0, atol=1e-12)
    assert Lo.BCEWithLogitsLoss()(np.array([[1000.0]]), np.array([[1.0]])) == 0.0


def test_backward_twice_and_before_forward():
    ce = Lo.CrossEntropyLoss()
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        ce.backward()
    ce.forward(np.array([[1.0, 2.0]]), np.array([1]))
    np.testing.assert_array_equal(ce.backward(), ce.backward())  # backward is repeatable
    for loss_fn in (Lo.MSELoss(), Lo.BCEWithLogitsLoss()):
        with pytest.raises(RuntimeError, match="Compute the loss first"):
            loss_fn.backward()


@pytest.mark.parametrize(
    ("loss_fn", "prediction", "target", "error", "message"),
    [
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.array([0, 3]), ValueError,
         r"class indices must be in \[0, 2\] for 3 classes; got \[3\]"),
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.array([-1, 0]), ValueError,
         r"got \[-1\]"),
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError,
         r"must be integers; got dtype float64\. Convert them with targets\.astype"),
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.array([0, 1, 2]), ValueError,
         "2 rows of logits but 3 targets"),
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.eye(2), ValueError,
         r"must have the logits' shape \(2, 3\); got \(2, 2\)"),
        (Lo.CrossEntropyLoss(), np.zeros(3), np.array([0]), ValueError,
         r"logits of shape \(batch, classes\); got \(3,\)"),
        (Lo.CrossEntropyLoss(), np.zeros((2, 3)), np.array(["a", "b"]), ValueError,
         "class indices of shape"),
        (Lo.CrossEntropyLoss(), np.array([["a", "b"]]), np.array([0]), TypeError,
         "logits must be a numeric array"),
        (Lo.MSELoss(), np.zeros((4, 1)), np.zeros(4), ValueError,
         r"same shape; got \(4, 1\) and \(4,\)\. Reshape it with target\.reshape"),
        (Lo.MSELoss(), np.zeros((2, 1)), np.array([[np.nan], [0.0]]), ValueError,
         "target contains 1 NaN"),
        (Lo.BCEWithLogitsLoss(), np.zeros((2, 1)), np.array([[2.0], [0.0]]), ValueError,
         r"targets must be in \[0, 1\]"),
    ],
)
def test_target_validation(loss_fn, prediction, target, error, message):
    with pytest.raises(error, match=message):
        loss_fn.forward(prediction, target)


def test_label_smoothing_is_validated():
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        Lo.CrossEntropyLoss(label_smoothing=1.0)


def test_nan_predictions_propagate_instead_of_raising():
    # Training reports divergence from a NaN loss; the loss must not hide it with an error.
    with np.errstate(invalid="ignore"):
        value = Lo.MSELoss()(np.array([[np.nan]]), np.array([[0.0]]))
    assert np.isnan(value)


def test_penalties_values_and_gradients():
    rng = np.random.default_rng(0)
    params = [Parameter(rng.normal(size=(3, 2))), Parameter(rng.normal(size=4))]
    flat = np.concatenate([p.data.ravel() for p in params])
    assert Lo.l2_penalty(params, 0.1) == pytest.approx(0.05 * np.sum(flat**2))
    assert Lo.l1_penalty(params, 0.1) == pytest.approx(0.1 * np.sum(np.abs(flat)))
    for value_fn, grad_fn in ((Lo.l2_penalty, Lo.l2_penalty_grad),
                              (Lo.l1_penalty, Lo.l1_penalty_grad)):
        grads = grad_fn(params, 0.3)
        for p, g in zip(params, grads, strict=True):
            numeric = numerical_gradient(lambda _, f=value_fn: f(params, 0.3), p.data)
            assert relative_error(g, numeric) < GRAD_TOL
    before = [p.grad.copy() + 1.0 for p in params]
    for p in params:
        p.grad += 1.0
    Lo.add_l2_penalty_grad(params, 0.5)
    for p, b in zip(params, before, strict=True):
        np.testing.assert_allclose(p.grad, b + 0.5 * p.data)
    Lo.add_l1_penalty_grad(params, 0.5)
    np.testing.assert_allclose(params[1].grad, before[1] + 0.5 * params[1].data
                               + 0.5 * np.sign(params[1].data))
    with pytest.raises(ValueError, match="strength must be >= 0; got -1"):
        Lo.l2_penalty(params, -1)
    with pytest.raises(TypeError, match=r"Penalties take Parameters"):
        Lo.l1_penalty([np.zeros(3)], 0.1)
