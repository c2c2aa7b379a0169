"""The library against independent oracles: scikit-learn for metrics, curves and splits;
torch.nn / torch.nn.functional / torch.nn.init for convolution, pooling, batch norm, losses and
initialisation statistics. Both backends where the library has twins.

Inputs are the ones where implementations part ways, not only random floats: exact zeros, ties,
a batch of one, a short last batch, logits of +-1e4, float32, classes that are never predicted
or never present. Documented conventions that differ from scikit-learn (confusion matrix sized
by the largest label, the PR curve's order) are compared after the documented conversion.
The schedules and optimizers have their own oracle file (tests/test_oracles_optim.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sklearn_metrics = pytest.importorskip("sklearn.metrics")
model_selection = pytest.importorskip("sklearn.model_selection")

import torch.nn.functional as F  # noqa: E402

import nncourse.numpy.conv as NC  # noqa: E402
import nncourse.numpy.init as NI  # noqa: E402
import nncourse.numpy.losses as NL  # noqa: E402
import nncourse.numpy.metrics as NM  # noqa: E402
import nncourse.numpy.normalization as NN  # noqa: E402
import nncourse.torch.conv as TC  # noqa: E402
import nncourse.torch.init as TI  # noqa: E402
import nncourse.torch.losses as TL  # noqa: E402
import nncourse.torch.metrics as TM  # noqa: E402
import nncourse.torch.normalization as TN  # noqa: E402
from nncourse import roc, search  # noqa: E402

# --- metrics ---------------------------------------------------------------------------------
#: (y_true, y_pred) label pairs that break naive implementations.
LABEL_CASES = {
    "batch of one": ([1], [1]),
    "batch of one, wrong": ([0], [1]),
    "all one class, all right": ([2, 2, 2], [2, 2, 2]),
    "a class never predicted": ([0, 1, 2, 2, 1], [0, 0, 2, 2, 0]),
    "a class never present": ([0, 0, 1, 1], [0, 2, 1, 2]),
    "no positives in the truth": ([0, 0, 0], [0, 1, 0]),
    "no positives predicted": ([1, 0, 1], [0, 0, 0]),
    "random": (list(np.random.default_rng(0).integers(0, 4, 40)),
               list(np.random.default_rng(1).integers(0, 4, 40))),
}


@pytest.mark.parametrize("case", LABEL_CASES)
@pytest.mark.parametrize("backend", [NM, TM])
def test_classification_metrics_match_scikit_learn(case, backend) -> None:
    y_true, y_pred = (np.array(v) for v in LABEL_CASES[case])
    convert = torch.as_tensor if backend is TM else np.asarray
    t, p = convert(y_true), convert(y_pred)
    assert backend.accuracy(t, p) == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))
    labels = np.union1d(y_true, y_pred)
    averages = ["macro", "micro"] + (["binary"] if set(labels) <= {0, 1} else [])
    for average in averages:
        for ours, theirs in ((backend.precision, sklearn_metrics.precision_score),
                             (backend.recall, sklearn_metrics.recall_score),
                             (backend.f1_score, sklearn_metrics.f1_score)):
            expected = theirs(y_true, y_pred, average=average, zero_division=0)
            assert ours(t, p, average=average) == pytest.approx(expected, abs=1e-12), \
                (ours.__name__, average)
    size = int(max(y_true.max(), y_pred.max())) + 1        # ours: sized by the largest label
    np.testing.assert_array_equal(
        np.asarray(backend.confusion_matrix(t, p)),
        sklearn_metrics.confusion_matrix(y_true, y_pred, labels=list(range(size))))


def test_score_rows_take_the_first_of_tied_maxima_and_probabilities_threshold_at_half() -> None:
    scores = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [0.2, 0.3, 0.3], [1e4, -1e4, 1e4]])
    np.testing.assert_array_equal(NM.to_labels(scores), np.argmax(scores, axis=1))
    probabilities = np.array([0.5, 0.4999999, 0.0, 1.0], dtype=np.float32)
    assert NM.to_labels(probabilities).tolist() == [1, 0, 0, 1]
    assert NM.accuracy([1, 0, 0, 1], probabilities) == 1.0


# --- ROC and PR curves -----------------------------------------------------------------------
SCORE_CASES = {
    "ties across classes": ([0, 1, 0, 1, 1, 0], [0.5, 0.5, 0.5, 0.9, 0.1, 0.1]),
    "exact zeros": ([0, 0, 1, 1], [0.0, 0.0, 0.0, 1.0]),
    "all scores equal": ([0, 1, 1], [0.3, 0.3, 0.3]),
    "float32 random": ([int(v) for v in np.random.default_rng(2).integers(0, 2, 50)],
                       np.random.default_rng(3).random(50).astype(np.float32).round(2)),
}


@pytest.mark.parametrize("case", SCORE_CASES)
def test_roc_curve_and_auc_match_scikit_learn(case) -> None:
    y, s = (np.asarray(v) for v in SCORE_CASES[case])
    fpr, tpr, thresholds = roc.roc_curve(y, s)
    their_fpr, their_tpr, their_thresholds = sklearn_metrics.roc_curve(
        y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, their_fpr)
    np.testing.assert_allclose(tpr, their_tpr)
    np.testing.assert_array_equal(thresholds[1:], their_thresholds[1:])
    assert thresholds[0] == math.inf
    assert roc.auc(fpr, tpr) == pytest.approx(sklearn_metrics.roc_auc_score(y, s), abs=1e-12)


@pytest.mark.parametrize("case", SCORE_CASES)
def test_precision_recall_curve_matches_scikit_learn_in_its_documented_order(case) -> None:
    y, s = (np.asarray(v) for v in SCORE_CASES[case])
    precision, recall, thresholds = roc.precision_recall_curve(y, s)
    their_p, their_r, their_t = sklearn_metrics.precision_recall_curve(y, s)
    # scikit-learn: lowest threshold first plus a final (precision 1, recall 0) point;
    # ours: highest threshold first, one point per distinct score.
    np.testing.assert_allclose(precision, their_p[:-1][::-1])
    np.testing.assert_allclose(recall, their_r[:-1][::-1])
    np.testing.assert_array_equal(thresholds, their_t[::-1])


# --- splits ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "k"), [(10, 3), (7, 7), (2, 2), (23, 5)])
def test_kfold_without_shuffle_is_scikit_learns(n, k) -> None:
    ours = search.kfold_indices(n, k, seed=None)
    theirs = list(model_selection.KFold(k).split(np.zeros(n)))
    for (train, val), (their_train, their_val) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.sort(train), their_train)
        np.testing.assert_array_equal(val, their_val)


@pytest.mark.parametrize("labels", [
    [0] * 13 + [1] * 5 + [2] * 7,                             # sorted
    [2, 0, 1, 0, 2, 0, 0, 1, 2, 0, 1, 0, 2, 2, 0, 1],          # interleaved, first seen 2
    ["b", "a", "b", "b", "a", "a", "b", "a", "b", "b"],        # string classes
    [1, 1, 1, 1, 0, 0],                                        # a class with exactly k samples
])
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.filterwarnings("ignore:The (least populated|smallest) class")  # 2 samples, k=3
def test_stratified_kfold_matches_scikit_learn(labels, k) -> None:
    y = np.asarray(labels)
    theirs = list(model_selection.StratifiedKFold(k).split(np.zeros(len(y)), y))
    ours = search.stratified_kfold_indices(y, k, seed=None)
    for (train, val), (their_train, their_val) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(train, their_train)
        np.testing.assert_array_equal(val, their_val)
    # shuffled: other samples, the same number of each class in every fold
    shuffled = list(model_selection.StratifiedKFold(k, shuffle=True, random_state=0).split(
        np.zeros(len(y)), y))
    for (_, val), (_, their_val) in zip(search.stratified_kfold_indices(y, k, seed=4), shuffled,
                                        strict=True):
        assert sorted(y[val].tolist()) == sorted(y[their_val].tolist())


# --- convolution and pooling -----------------------------------------------------------------
CONV_CASES = [  # (x shape, weight shape, stride, padding)
    ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0),                    # batch of one
    ((2, 3, 7, 6), (4, 3, 3, 2), 2, 1),                    # stride, padding, non-square
    ((3, 2, 4, 4), (2, 2, 4, 4), 1, 0),                    # kernel covers the input
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
def test_conv2d_forward_and_backward_match_torch(x_shape, w_shape, stride, padding) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    x[0, 0, 0, :] = 0.0                                    # exact zeros
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    grad_out = rng.normal(size=out.shape)
    out.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(NC.conv2d_forward(x, w, b, stride, padding), out.detach().numpy(),
                               atol=1e-12)
    grad_x, grad_w, grad_b = NC.conv2d_backward(grad_out, x, w, stride, padding)
    for ours, theirs in ((grad_x, xt.grad), (grad_w, wt.grad), (grad_b, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-11)
    twin = TC.conv2d_forward(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride, padding)
    np.testing.assert_allclose(twin.numpy(), out.detach().numpy(), atol=1e-12)
    # float32
    out32 = F.conv2d(xt.detach().float(), wt.detach().float(), bt.detach().float(),
                     stride=stride, padding=padding)
    np.testing.assert_allclose(
        NC.conv2d_forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32),
                          stride, padding), out32.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, None, 0), (3, 2, 1), (2, 1, 0)])
def test_maxpool2d_matches_torch_with_ties_and_zeros(kernel, stride, padding) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, size=(2, 2, 6, 5)).astype(np.float64)   # many ties, exact zeros
    x[1] = 0.0                                                        # a whole image of ties
    xt = torch.tensor(x, requires_grad=True)
    out = F.max_pool2d(xt, kernel, stride=stride, padding=padding)
    grad_out = rng.normal(size=out.shape)
    out.backward(torch.tensor(grad_out))
    ours, argmax = NC.maxpool2d_forward(x, kernel, stride, padding)
    np.testing.assert_array_equal(ours, out.detach().numpy())
    grad_x = NC.maxpool2d_backward(grad_out, argmax, x.shape, kernel, stride, padding)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), atol=1e-12)   # ties: torch's pick
    twin, _ = TC.maxpool2d_forward(torch.tensor(x), kernel, stride, padding)
    np.testing.assert_array_equal(twin.numpy(), out.detach().numpy())


# --- batch norm ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["random", "constant feature", "batch of two", "float32"])
def test_batchnorm_matches_torch_in_train_and_eval_mode(case) -> None:
    rng = np.random.default_rng(2)
    batch = 2 if case == "batch of two" else 16
    dtype = np.float32 if case == "float32" else np.float64
    x = rng.normal(loc=3.0, scale=2.0, size=(batch, 5)).astype(dtype)
    if case == "constant feature":
        x[:, 1] = 0.0                                          # variance exactly 0
    theirs = torch.nn.BatchNorm1d(5, momentum=0.1).to(torch.float64 if dtype == np.float64
                                                        else torch.float32)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.normal(size=5)))
        theirs.bias.copy_(torch.tensor(rng.normal(size=5)))
    ours = NN.BatchNorm1d(5, dtype=dtype)
    ours.weight.data[...] = theirs.weight.detach().numpy()
    ours.bias.data[...] = theirs.bias.detach().numpy()
    twin = TN.BatchNorm1d(5).to(theirs.weight.dtype)
    twin.load_state_dict(theirs.state_dict())
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    xt = torch.tensor(x, requires_grad=True)
    out = theirs(xt)
    grad_out = rng.normal(size=out.shape).astype(dtype)
    out.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(ours.forward(x), out.detach().numpy(), **tol)
    grad_x = ours.backward(grad_out)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), **tol)
    np.testing.assert_allclose(twin(torch.tensor(x)).detach().numpy(), out.detach().numpy(),
                               **tol)
    # running statistics (unbiased variance) and eval mode
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), **tol)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), **tol)
    ours.eval()
    theirs.eval()
    one = x[:1]                                               # a batch of one, in eval mode
    np.testing.assert_allclose(ours.forward(one), theirs(torch.tensor(one)).detach().numpy(),
                               **tol)
    out_pure, _ = NN.batchnorm_forward(x.astype(np.float64), None, None)
    their_pure = F.batch_norm(torch.tensor(x, dtype=torch.float64), None, None, training=True)
    np.testing.assert_allclose(out_pure, their_pure.numpy(), rtol=1e-10, atol=1e-10)


# --- initialisation: gains exactly, distributions by their statistics ------------------------
@pytest.mark.parametrize(("nonlinearity", "param"), [
    ("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(nonlinearity, param) -> None:
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert NI.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-12)
    assert TI.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-12)


INIT_CASES = [  # (ours, torch's, shape, kwargs): both draw (fan_out, fan_in) matrices
    (NI.xavier_uniform, torch.nn.init.xavier_uniform_, (300, 500), {}),
    (NI.xavier_normal, torch.nn.init.xavier_normal_, (300, 500), {}),
    (NI.kaiming_uniform, torch.nn.init.kaiming_uniform_, (400, 250), {"a": math.sqrt(5.0)}),
    (NI.kaiming_normal, torch.nn.init.kaiming_normal_, (400, 250),
     {"mode": "fan_out", "nonlinearity": "relu"}),
    (NI.xavier_uniform, torch.nn.init.xavier_uniform_, (64, 16, 3, 3), {}),   # conv fans
    (NI.kaiming_normal, torch.nn.init.kaiming_normal_, (1, 1000), {}),        # one output
]


@pytest.mark.parametrize(("ours", "theirs", "shape", "kwargs"), INIT_CASES)
def test_initialisers_have_torchs_statistics(ours, theirs, shape, kwargs) -> None:
    mine = ours(shape, np.random.default_rng(0), **kwargs)
    reference = theirs(torch.empty(shape, dtype=torch.float64), **kwargs).numpy()
    assert mine.shape == reference.shape
    n = mine.size
    # the std of n draws is within ~4 standard errors (std / sqrt(2n)) of the true one
    assert mine.std() == pytest.approx(reference.std(), rel=8 / math.sqrt(2 * n))
    assert abs(mine.mean()) < 5 * reference.std() / math.sqrt(n)
    if "uniform" in ours.__name__:                            # the same bound: max |w| just below
        assert np.abs(mine).max() <= np.abs(reference).max() * (1 + 1e-3) + 1e-12
        assert np.abs(mine).max() >= np.abs(reference).max() * 0.99
    twin = getattr(TI, ours.__name__ + "_")(torch.empty(shape, dtype=torch.float64),
                                            np.random.default_rng(0), **kwargs)
    np.testing.assert_array_equal(twin.numpy(), mine)       # the twin draws the same numbers


# --- losses ----------------------------------------------------------------------------------
def _logits(batch: int, classes: int, dtype=np.float64) -> np.ndarray:
    z = np.random.default_rng(batch).normal(scale=3.0, size=(batch, classes))
    if batch > 2:
        z[0] = 1e4 * np.sign(np.arange(classes) - classes / 2 + 0.5)     # +-1e4 logits
        z[1] = 0.0                                                      # exact zeros: all tied
    return z.astype(dtype)


CE_CASES = {  # name: (batch, classes, options, target kind)
    "plain": (6, 4, {}, "index"),
    "batch of one": (1, 3, {}, "index"),
    "weight": (7, 4, {"weight": [0.5, 2.0, 0.0, 1.5]}, "index"),
    "ignore_index": (7, 4, {"ignore_index": 2}, "index"),
    "ignore_index -100 and weight": (7, 4, {"weight": [1.0, 3.0, 0.5, 2.0]}, "ignored"),
    "label smoothing, weight, ignored": (8, 5, {"label_smoothing": 0.2,
                                                "weight": [1.0, 0.1, 2.0, 1.0, 0.5]}, "ignored"),
    "probability targets, weight": (5, 3, {"weight": [2.0, 1.0, 0.5]}, "probability"),
    "probability targets, smoothing": (5, 3, {"label_smoothing": 0.1}, "probability"),
}


def _ce_targets(batch: int, classes: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(classes)
    if kind == "probability":
        p = rng.random((batch, classes))
        p[0] = np.eye(classes)[0]                            # one-hot row: exact zeros
        return p / p.sum(axis=1, keepdims=True)
    labels = rng.integers(0, classes, batch)
    if kind == "ignored":
        labels[1::3] = -100
    return labels


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CE_CASES)
def test_cross_entropy_matches_torch(case, reduction) -> None:
    batch, classes, options, kind = CE_CASES[case]
    logits, targets = _logits(batch, classes), _ce_targets(batch, classes, kind)
    torch_options = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v
                     for k, v in options.items()}
    zt = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(zt, torch.tensor(targets), reduction=reduction, **torch_options)
    grad_output = np.random.default_rng(9).normal(size=batch) if reduction == "none" else None
    expected.backward(None if grad_output is None else torch.tensor(grad_output))
    loss_fn = NL.CrossEntropyLoss(reduction=reduction, **options)
    tol = {"rtol": 1e-12, "atol": 1e-9}                        # losses up to 2e4
    np.testing.assert_allclose(loss_fn.forward(logits, targets), expected.detach().numpy(), **tol)
    np.testing.assert_allclose(loss_fn.backward(grad_output), zt.grad.numpy(), **tol)
    twin = TL.CrossEntropyLoss(reduction=reduction, **torch_options)
    np.testing.assert_allclose(twin(torch.tensor(logits), torch.tensor(targets)).numpy(),
                               expected.detach().numpy(), **tol)


def test_cross_entropy_in_float32_and_with_every_target_ignored() -> None:
    logits, targets = _logits(6, 4, np.float32), _ce_targets(6, 4, "index")
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(targets))
    assert NL.CrossEntropyLoss().forward(logits, targets) == pytest.approx(float(expected),
                                                                           rel=1e-5)
    ignored = np.full(3, -100)
    torch_nan = F.cross_entropy(torch.zeros(3, 2, dtype=torch.float64), torch.tensor(ignored))
    assert math.isnan(torch_nan) and math.isnan(NL.softmax_cross_entropy(np.zeros((3, 2)),
                                                                          ignored))
    assert math.isnan(TL.softmax_cross_entropy(torch.zeros(3, 2, dtype=torch.float64),
                                               torch.tensor(ignored)))
    assert NL.softmax_cross_entropy(np.zeros((3, 2)), ignored, reduction="sum") == 0.0


@pytest.mark.parametrize("shape", [(1, 1), (6, 1), (5,)])
def test_bce_with_logits_and_mse_match_torch(shape) -> None:
    rng = np.random.default_rng(len(shape))
    logits = rng.normal(scale=3.0, size=shape)
    logits.flat[0] = 1e4
    if logits.size > 2:
        logits.flat[1], logits.flat[2] = -1e4, 0.0
    targets = (rng.random(shape) > 0.5).astype(np.float64)
    for ours, twin, theirs in ((NL.BCEWithLogitsLoss(), TL.BCEWithLogitsLoss(),
                                F.binary_cross_entropy_with_logits),
                               (NL.MSELoss(), TL.MSELoss(), F.mse_loss)):
        zt = torch.tensor(logits, requires_grad=True)
        expected = theirs(zt, torch.tensor(targets))
        expected.backward()
        expected = expected.detach()
        assert ours.forward(logits, targets) == pytest.approx(float(expected), rel=1e-12)
        np.testing.assert_allclose(ours.backward(), zt.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert float(twin(torch.tensor(logits), torch.tensor(targets))) == pytest.approx(
            float(expected), rel=1e-12)


def _bce_mse_inputs(shape, dtype=np.float64):
    rng = np.random.default_rng(len(shape) + shape[0])
    logits = rng.normal(scale=3.0, size=shape)
    logits.flat[0] = 1e4
    if logits.size > 2:
        logits.flat[1], logits.flat[2] = -1e4, 0.0                    # +-1e4 and an exact zero
    targets = (rng.random(shape) > 0.5).astype(np.float64)
    if targets.size > 3:
        targets.flat[3] = 0.3                                         # a probability target
    return logits.astype(dtype), targets.astype(dtype)


BCE_OPTIONS = {
    "plain": {},
    "pos_weight per column": {"pos_weight": [3.0, 0.0, 0.5]},
    "weight and pos_weight": {"weight": [[2.0], [0.0], [1.0], [0.5], [1.0], [3.0]],
                              "pos_weight": 2.5},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", BCE_OPTIONS)
def test_bce_with_logits_options_match_torch(options, reduction) -> None:
    options = BCE_OPTIONS[options]
    logits, targets = _bce_mse_inputs((6, 3))
    torch_options = {k: torch.tensor(v, dtype=torch.float64) for k, v in options.items()}
    zt = torch.tensor(logits, requires_grad=True)
    expected = F.binary_cross_entropy_with_logits(zt, torch.tensor(targets), reduction=reduction,
                                                  **torch_options)
    grad_output = np.random.default_rng(3).normal(size=logits.shape)
    expected.backward(torch.tensor(grad_output) if reduction == "none" else None)
    loss_fn = NL.BCEWithLogitsLoss(reduction=reduction, **options)
    tol = {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(loss_fn.forward(logits, targets), expected.detach().numpy(), **tol)
    np.testing.assert_allclose(loss_fn.backward(grad_output if reduction == "none" else None),
                               zt.grad.numpy(), **tol)
    twin_z = torch.tensor(logits, requires_grad=True)
    twin = TL.BCEWithLogitsLoss(reduction=reduction, **torch_options)(twin_z, torch.tensor(targets))
    twin.backward(torch.tensor(grad_output) if reduction == "none" else None)
    np.testing.assert_allclose(twin.detach().numpy(), expected.detach().numpy(), **tol)
    np.testing.assert_allclose(twin_z.grad.numpy(), zt.grad.numpy(), **tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(1, 1), (6, 3), (5,)])
def test_mse_reductions_match_torch(shape, reduction) -> None:
    prediction, target = _bce_mse_inputs(shape)
    target[..., 0] = prediction[..., 0]                              # exact zero errors
    pt = torch.tensor(prediction, requires_grad=True)
    expected = F.mse_loss(pt, torch.tensor(target), reduction=reduction)
    grad_output = np.random.default_rng(4).normal(size=shape)
    expected.backward(torch.tensor(grad_output) if reduction == "none" else None)
    loss_fn = NL.MSELoss(reduction=reduction)
    np.testing.assert_allclose(loss_fn.forward(prediction, target), expected.detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(loss_fn.backward(grad_output if reduction == "none" else None),
                               pt.grad.numpy(), rtol=1e-12, atol=1e-12)
    twin = TL.MSELoss(reduction=reduction)(torch.tensor(prediction), torch.tensor(target))
    np.testing.assert_allclose(twin.numpy(), expected.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_and_mse_reductions_in_float32(reduction) -> None:
    logits, targets = _bce_mse_inputs((6, 3), np.float32)
    options = {"pos_weight": np.array([3.0, 1.0, 0.5], dtype=np.float32)}
    for ours, twin, theirs, kwargs in (
            (NL.binary_cross_entropy_with_logits, TL.binary_cross_entropy_with_logits,
             F.binary_cross_entropy_with_logits, options),
            (NL.mse_loss, TL.mse_loss, F.mse_loss, {})):
        torch_kwargs = {k: torch.tensor(v) for k, v in kwargs.items()}
        expected = theirs(torch.tensor(logits), torch.tensor(targets), reduction=reduction,
                          **torch_kwargs).numpy()
        np.testing.assert_allclose(ours(logits, targets, reduction=reduction, **kwargs),
                                   expected, rtol=1e-5, atol=1e-5)
        mine = twin(torch.tensor(logits), torch.tensor(targets), reduction=reduction,
                    **torch_kwargs)
        assert mine.dtype == torch.float32
        np.testing.assert_allclose(mine.numpy(), expected, rtol=1e-5, atol=1e-5)
