"""Loss parity: torch losses give the NumPy values and gradients (float64, atol 1e-8)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nncourse.numpy.losses as NL
import nncourse.torch.losses as TL
from nncourse.numpy.module import Parameter

ATOL = 1e-8


def _targets(kind: str, rng: np.random.Generator, batch: int, classes: int) -> np.ndarray:
    if kind == "regression":
        return rng.normal(size=(batch, classes))
    if kind == "binary":
        return rng.integers(0, 2, size=(batch, classes)).astype(np.float64)
    if kind == "indices":
        return rng.integers(0, classes, size=batch)
    return np.eye(classes)[rng.integers(0, classes, size=batch)]  # one-hot


CASES = [
    ("MSELoss", {}, "regression"),
    ("BCEWithLogitsLoss", {}, "binary"),
    ("CrossEntropyLoss", {}, "indices"),
    ("CrossEntropyLoss", {}, "onehot"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, "indices"),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, "onehot"),
]


@settings(max_examples=10, deadline=None)
@given(batch=st.integers(1, 6), classes=st.integers(2, 5), seed=st.integers(0, 10_000))
@pytest.mark.parametrize(("name", "kwargs", "kind"), CASES,
                         ids=[f"{n}-{k}-{i}" for i, (n, _, k) in enumerate(CASES)])
def test_value_and_gradient_match_numpy(name: str, kwargs: dict, kind: str, batch: int,
                                        classes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prediction = rng.normal(scale=2.0, size=(batch, classes))
    target = _targets(kind, rng, batch, classes)
    numpy_loss = getattr(NL, name)(**kwargs)
    value = numpy_loss.forward(prediction, target)
    grad = numpy_loss.backward()
    torch_loss = getattr(TL, name)(**kwargs)
    prediction_t = torch.tensor(prediction, requires_grad=True)
    value_t = torch_loss(prediction_t, torch.as_tensor(target))
    value_t.backward()
    assert value_t.dim() == 0
    assert float(value_t.detach()) == pytest.approx(value, abs=ATOL)
    np.testing.assert_allclose(prediction_t.grad.numpy(), grad, rtol=0, atol=ATOL)


def test_agrees_with_torch_nn_losses() -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 4, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 4, (7,), generator=generator)
    torch.testing.assert_close(TL.CrossEntropyLoss(label_smoothing=0.1)(logits, labels),
                               torch.nn.CrossEntropyLoss(label_smoothing=0.1)(logits, labels))
    binary = (torch.rand(7, 4, generator=generator) > 0.5).double()
    torch.testing.assert_close(TL.BCEWithLogitsLoss()(logits, binary),
                               torch.nn.BCEWithLogitsLoss()(logits, binary))
    torch.testing.assert_close(TL.MSELoss()(logits, binary), torch.nn.MSELoss()(logits, binary))


def test_penalties_match_numpy_values_and_gradients() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    params = [Parameter(a) for a in arrays]
    for name in ("l1_penalty", "l2_penalty"):
        value = getattr(TL, name)(tensors, 0.3)
        assert float(value.detach()) == pytest.approx(getattr(NL, name)(params, 0.3), abs=ATOL)
        grads = torch.autograd.grad(value, tensors)
        for g, expected in zip(grads, getattr(NL, name + "_grad")(params, 0.3), strict=True):
            np.testing.assert_allclose(g.numpy(), expected, atol=ATOL)
    with pytest.raises(ValueError, match="strength"):
        TL.l2_penalty(tensors, -1.0)


def test_clear_errors_for_bad_targets() -> None:
    logits = torch.zeros(4, 3)
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 2\]"):
        TL.CrossEntropyLoss()(logits, torch.tensor([0, 1, 2, 3]))
    with pytest.raises(TypeError, match=r"targets.long\(\)"):
        TL.CrossEntropyLoss()(logits, torch.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="4 rows of logits but 2 targets"):
        TL.CrossEntropyLoss()(logits, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"\(batch, classes\).*logits\[None\]"):
        TL.CrossEntropyLoss()(torch.zeros(3), torch.tensor([0]))
    with pytest.raises(ValueError, match=r"same shape.*target.reshape\(\(4, 1\)\)"):
        TL.MSELoss()(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        TL.BCEWithLogitsLoss()(torch.zeros(4, 1), torch.full((4, 1), 2.0))
    with pytest.raises(ValueError, match="label_smoothing"):
        TL.CrossEntropyLoss(label_smoothing=1.0)


def test_bce_with_logits_gradient_at_a_logit_of_exactly_zero():
    """sigma(0) - y over N: +-0.125 for four logits of 0 (the clamp/abs kinks gave .25, 0)."""
    z = torch.zeros(4, 1, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.0], [1.0], [0.0], [1.0]], dtype=torch.float64)
    TL.binary_cross_entropy_with_logits(z, y).backward()
    np.testing.assert_allclose(z.grad.numpy().ravel(), [0.125, -0.125, 0.125, -0.125], atol=0)
    reference = z.detach().clone().requires_grad_(True)
    torch.nn.BCEWithLogitsLoss()(reference, y).backward()
    np.testing.assert_allclose(z.grad.numpy(), reference.grad.numpy(), atol=1e-15)
    np.testing.assert_allclose(
        z.grad.numpy(), NL.binary_cross_entropy_with_logits_backward(np.zeros((4, 1)),
                                                                     y.numpy()), atol=1e-15)


def test_bce_with_logits_stays_finite_at_large_logits():
    z = torch.tensor([1000.0, -1000.0], dtype=torch.float64, requires_grad=True)
    loss = TL.binary_cross_entropy_with_logits(z, torch.tensor([1.0, 0.0], dtype=torch.float64))
    loss.backward()
    assert float(loss.detach()) == 0.0 and torch.isfinite(z.grad).all()
