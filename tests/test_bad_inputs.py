"""The bad-input sweep: every public constructor and function, fed what learners get wrong.

Each row of :data:`ROWS` is one call and what must come of it:

* ``bad(api, case, call, Error, pattern)``: a ``ValueError`` or ``TypeError`` (exactly
  ``Error``), raised by nncourse itself (the raising frame is inside the package, never inside
  NumPy, torch or scikit-learn), whose message matches ``pattern`` (which pins what was
  expected and what came) and is a whole sentence.
* ``ok(api, case, call, check)``: a valid input (one that ``torch`` accepts: NumPy scalars,
  lists, integer arrays, read-only and non-contiguous arrays, a negative LeakyReLU slope, ...)
  returns a result, and ``check(result)`` holds. Silence is never an option: a wrong input
  that returns a result is a failing row.

The table is data: a new API (chapters 5-10) joins by adding rows. Keep each row's call tiny;
the sweep runs in a few seconds.

Deliberate choices (not errors):

* A float where an integer is expected (``Linear(2.5, 3)``, ``batch_size=2.5``) is a
  ``TypeError``, even ``3.0``, as ``torch.nn``; NumPy integers are accepted everywhere.
* ``backward`` before ``forward`` is a ``RuntimeError`` (a call-order mistake, not an input).
* The functional losses (``mse_loss`` etc.) are the bare formulas the chapters show and do
  not validate; the loss classes, which training uses, do.
* ``eps=0`` in batch norm is refused (it divides by zero on a constant feature); torch allows
  it.
* Diagnostics of an empty array are NaN (``tensor_statistics``, ``saturation_fraction``):
  an empty layer has no statistics, and plots show NaN as a gap.
* ``transfer.load_pretrained`` with a missing weights file raises ``FileNotFoundError``
  (naming the path and the command that builds it), not ``ValueError``.
* ``Conv2d`` accepts an empty batch and int/list input, as ``torch.nn.Conv2d`` does (after
  ``torch.as_tensor``); NaN input passes through, as in every layer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nncourse.augment as AU  # noqa: E402
import nncourse.datasets as D  # noqa: E402
import nncourse.numpy.activations as NA  # noqa: E402
import nncourse.numpy.conv as NCV  # noqa: E402
import nncourse.numpy.diagnostics as ND  # noqa: E402
import nncourse.numpy.gradcheck as G  # noqa: E402
import nncourse.numpy.init as NI  # noqa: E402
import nncourse.numpy.layers as N  # noqa: E402
import nncourse.numpy.losses as NLo  # noqa: E402
import nncourse.numpy.metrics as M  # noqa: E402
import nncourse.numpy.normalization as NN  # noqa: E402
import nncourse.numpy.optim as NO  # noqa: E402
import nncourse.numpy.schedules as NSc  # noqa: E402
import nncourse.numpy.training as NT  # noqa: E402
import nncourse.roc as R  # noqa: E402
import nncourse.search as S  # noqa: E402
import nncourse.torch.conv as TCV  # noqa: E402
import nncourse.torch.diagnostics as TD  # noqa: E402
import nncourse.torch.layers as T  # noqa: E402
import nncourse.torch.losses as TLo  # noqa: E402
import nncourse.torch.normalization as TN  # noqa: E402
import nncourse.torch.optim as TO  # noqa: E402
import nncourse.torch.training as TT  # noqa: E402
import nncourse.transfer as TR  # noqa: E402
from nncourse.numpy.autodiff import Value  # noqa: E402
from nncourse.numpy.callbacks import EarlyStopping  # noqa: E402
from nncourse.numpy.module import Parameter  # noqa: E402
from nncourse.torch import from_numpy_model, to_numpy_model  # noqa: E402
from nncourse.torch.reproducibility import seed_everything  # noqa: E402
from nncourse.widgets.activations import compute_activation  # noqa: E402
from nncourse.widgets.initialization import compute_init_statistics  # noqa: E402
from nncourse.widgets.surfaces import optimize  # noqa: E402


@dataclass(frozen=True)
class Row:
    api: str
    case: str
    call: Callable[[], Any]
    error: type | None = None
    pattern: str = ""
    check: Callable[[Any], bool] | None = None


def bad(api: str, case: str, call: Callable[[], Any], error: type, pattern: str) -> Row:
    return Row(api, case, call, error, pattern)


def ok(api: str, case: str, call: Callable[[], Any],
       check: Callable[[Any], bool] | None = None) -> Row:
    return Row(api, case, call, None, "", check)


# --- small fixtures (built lazily inside the calls) -----------------------------------------
def x43() -> np.ndarray:
    return np.arange(12, dtype=np.float64).reshape(4, 3) / 10 - 0.5


def read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def strided() -> np.ndarray:
    return np.linspace(-1, 1, 24).reshape(4, 6)[:, ::2]  # (4, 3), not contiguous


def after_forward(layer: Any, x: Any) -> Any:
    layer.forward(x)
    return layer


def mlp(seed: int = 0) -> Any:
    return N.Sequential(N.Linear(3, 4, seed=seed), N.ReLU(), N.Linear(4, 2, seed=seed + 1))


def bn_mlp() -> Any:
    return N.Sequential(N.Linear(3, 4, seed=0), NN.BatchNorm1d(4), N.ReLU(), N.Linear(4, 2, seed=1))


def sgd(model: Any) -> Any:
    return NO.SGD(model.parameters(), lr=0.1)


def fit(**overrides: Any) -> Any:
    model = overrides.pop("model", None) or mlp()
    arguments = {"model": model, "loss_fn": NLo.CrossEntropyLoss(), "optimizer": sgd(model),
                 "x_train": np.random.default_rng(0).normal(size=(9, 3)),
                 "y_train": np.arange(9) % 2, "epochs": 1, "batch_size": 4, "metrics": ()}
    arguments.update(overrides)
    return NT.fit(**arguments)


def evaluate(**kwargs: Any) -> Any:
    return NT.evaluate(mlp(), NLo.CrossEntropyLoss(), np.ones((4, 3)), np.arange(4) % 2, **kwargs)


def params() -> list:
    return mlp().parameters()


def torch_params() -> list:
    return list(T.Linear(3, 2, seed=0).parameters())


def schedule(cls: Any, *args: Any, **kwargs: Any) -> Any:
    return cls(sgd(mlp()), *args, **kwargs)


def ce(prediction: Any, target: Any, **kwargs: Any) -> Any:
    return NLo.CrossEntropyLoss(**kwargs).forward(prediction, target)


def t(values: Any, dtype: Any = torch.float32) -> Any:
    return torch.as_tensor(np.asarray(values), dtype=dtype)


ROWS: list[Row] = [
    # --- numpy.layers.Linear ----------------------------------------------------------------
    bad("Linear", "zero size", lambda: N.Linear(0, 3),
        ValueError, r"in_features must be an integer >= 1; got 0"),
    bad("Linear", "negative size", lambda: N.Linear(3, -2), ValueError, r"out_features .* got -2"),
    bad("Linear", "float size", lambda: N.Linear(2.5, 3),
        TypeError, r"in_features must be an integer"),
    bad("Linear", "bool size", lambda: N.Linear(True, 3),
        TypeError, r"in_features must be an integer"),
    bad("Linear", "str size", lambda: N.Linear("3", 3),
        TypeError, r"in_features must be an integer"),
    ok("Linear", "NumPy integer sizes", lambda: N.Linear(np.int64(3), np.int32(2)),
       lambda m: m.weight.shape == (2, 3)),
    bad("Linear", "unknown init", lambda: N.Linear(3, 2, init="glorot"),
        ValueError, r"Unknown init 'glorot'"),
    bad("Linear", "integer dtype", lambda: N.Linear(3, 2, dtype=np.int32),
        TypeError, r"floating dtype"),
    bad("Linear", "negative seed", lambda: N.Linear(3, 2, seed=-1),
        ValueError, r"seed must be an integer >= 0; got -1"),
    bad("Linear", "float seed", lambda: N.Linear(3, 2, seed=1.5),
        TypeError, r"rng must be .* got float"),
    ok("Linear", "float32 dtype",
        lambda: N.Linear(3, 2, seed=0, dtype=np.float32)(np.ones((2, 3), np.float32)),
       lambda out: out.dtype == np.float32),
    bad("Linear.forward", "wrong feature count", lambda: N.Linear(3, 2)(np.ones((4, 2))),
        ValueError, r"expected input of shape \(batch, 3\); got \(4, 2\)"),
    bad("Linear.forward", "one sample without batch axis", lambda: N.Linear(3, 2)(np.ones(3)),
        ValueError, r"x\[None\]"),
    bad("Linear.forward", "image without Flatten", lambda: N.Linear(4, 2)(np.ones((5, 2, 2))),
        ValueError, r"Flatten"),
    bad("Linear.forward", "strings", lambda: N.Linear(3, 2)(np.array([["a", "b", "c"]])),
        TypeError, r"numeric array; got dtype <U1"),
    bad("Linear.forward", "object array",
        lambda: N.Linear(3, 2)(np.array([[1, None, 2]], dtype=object)),
        TypeError, r"numeric array; got dtype object"),
    ok("Linear.forward", "int array",
        lambda: N.Linear(3, 2, seed=0)(np.ones((2, 3), dtype=np.int64)),
       lambda out: out.dtype == np.float64 and out.shape == (2, 2)),
    ok("Linear.forward", "bool array", lambda: N.Linear(3, 2, seed=0)(np.ones((2, 3), dtype=bool)),
       lambda out: out.shape == (2, 2)),
    ok("Linear.forward", "float16 array",
        lambda: N.Linear(3, 2, seed=0)(np.ones((2, 3), np.float16)),
       lambda out: np.all(np.isfinite(out))),
    ok("Linear.forward", "list of lists", lambda: N.Linear(3, 2, seed=0)([[1, 2, 3]]),
       lambda out: out.shape == (1, 2)),
    ok("Linear.forward", "read-only array", lambda: N.Linear(3, 2, seed=0)(read_only(x43())),
       lambda out: out.shape == (4, 2)),
    ok("Linear.forward", "non-contiguous array", lambda: N.Linear(3, 2, seed=0)(strided()),
       lambda out: np.allclose(out, N.Linear(3, 2, seed=0)(np.ascontiguousarray(strided())))),
    ok("Linear.forward", "empty batch (as torch)", lambda: N.Linear(3, 2, seed=0)(np.ones((0, 3))),
       lambda out: out.shape == (0, 2)),
    bad("Linear.backward", "wrong grad_out shape",
        lambda: after_forward(N.Linear(3, 2), x43()).backward(np.ones((1, 2))),
        ValueError, r"grad_out of shape \(4, 2\)"),
    bad("Linear.backward", "before forward", lambda: N.Linear(3, 2).backward(np.ones((4, 2))),
        RuntimeError, r"before forward"),
    # --- element-wise layers ---------------------------------------------------------------
    *[bad(f"{cls.__name__}.backward", "grad_out (1, 3) for output (4, 3)",
          (lambda cls=cls: after_forward(cls(), x43()).backward(np.ones((1, 3)))), ValueError,
          r"grad_out of shape \(4, 3\) \(the shape of the forward output\); got \(1, 3\)")
      for cls in (N.ReLU, N.LeakyReLU, N.Sigmoid, N.Tanh, N.Softmax)],
    bad("LeakyReLU", "NaN slope", lambda: N.LeakyReLU(float("nan")),
        ValueError, r"negative_slope must be finite; got nan"),
    bad("LeakyReLU", "str slope", lambda: N.LeakyReLU("0.1"),
        TypeError, r"negative_slope must be a number; got str"),
    ok("LeakyReLU", "negative slope (as torch)", lambda: N.LeakyReLU(-0.1)(np.array([[-1.0]])),
       lambda out: out[0, 0] == 0.1),
    ok("LeakyReLU", "NumPy scalar slope", lambda: N.LeakyReLU(np.float32(0.5)).negative_slope,
       lambda s: s == 0.5),
    bad("Softmax", "float dim", lambda: N.Softmax(dim=1.5), TypeError, r"dim must be an integer"),
    bad("Softmax.forward", "dim out of range", lambda: N.Softmax(dim=2)(x43()),
        ValueError, r"dim must be in \[-2, 1\]"),
    ok("activations.softmax", "int array (as torch)", lambda: NA.softmax(np.array([[1, 1]])),
       lambda out: np.allclose(out, 0.5)),
    bad("activations.get_activation", "unknown name", lambda: NA.get_activation("swish"),
        ValueError, r"Unknown activation 'swish'"),
    # --- Flatten ---------------------------------------------------------------------------
    bad("Flatten.forward", "start_dim past the last axis",
        lambda: N.Flatten(start_dim=3)(np.ones((2, 3, 4))),
        ValueError, r"start_dim must be in \[-3, 2\] for a 3-D input of shape \(2, 3, 4\); got 3"),
    bad("Flatten.forward", "start_dim after end_dim", lambda: N.Flatten(2, 1)(np.ones((2, 3, 4))),
        ValueError, r"Swap them"),
    bad("Flatten.forward", "0-D input", lambda: N.Flatten()(np.float64(1.0)),
        ValueError, r"batch axis"),
    bad("Flatten", "str dim", lambda: N.Flatten(start_dim="1"),
        TypeError, r"start_dim must be an integer"),
    bad("Flatten.backward", "wrong grad_out shape",
        lambda: after_forward(N.Flatten(), np.ones((2, 3, 4))).backward(np.ones((2, 3, 4))),
        ValueError, r"grad_out of shape \(2, 12\)"),
    # --- Sequential --------------------------------------------------------------------------
    bad("Sequential", "not a layer", lambda: N.Sequential("relu"),
        TypeError, r"Sequential takes Module layers .* got str"),
    bad("Sequential.forward", "NaN input", lambda: mlp()(np.array([[0.0, np.nan, 1.0]])),
        ValueError, r"NaN or infinite"),
    bad("Sequential.forward", "inf input", lambda: mlp()(np.array([[0.0, np.inf, 1.0]])),
        ValueError, r"NaN or infinite"),
    # --- Dropout / BatchNorm1d (NumPy) -------------------------------------------------------
    bad("Dropout", "p > 1", lambda: NN.Dropout(1.5), ValueError, r"p must be in \[0, 1\]; got 1.5"),
    bad("Dropout", "p < 0", lambda: NN.Dropout(-0.1), ValueError, r"got -0.1"),
    bad("Dropout", "NaN p", lambda: NN.Dropout(float("nan")), ValueError, r"got nan"),
    bad("Dropout", "str p", lambda: NN.Dropout("0.5"), TypeError, r"p must be a number"),
    ok("Dropout", "p = 1 drops everything (as torch)", lambda: NN.Dropout(1.0)(np.ones((2, 3))),
       lambda out: not out.any()),
    ok("Dropout", "NumPy scalar p", lambda: NN.Dropout(np.float64(0.5)).p, lambda p: p == 0.5),
    bad("Dropout.backward", "wrong grad_out shape",
        lambda: after_forward(NN.Dropout(0.5, seed=0), x43()).backward(np.ones((1, 3))),
        ValueError, r"grad_out of shape \(4, 3\)"),
    bad("BatchNorm1d", "zero features", lambda: NN.BatchNorm1d(0),
        ValueError, r"num_features must be an integer >= 1; got 0"),
    bad("BatchNorm1d", "float features", lambda: NN.BatchNorm1d(2.5),
        TypeError, r"num_features must be an integer"),
    bad("BatchNorm1d", "negative eps", lambda: NN.BatchNorm1d(3, eps=-1),
        ValueError, r"eps must be > 0; got -1"),
    bad("BatchNorm1d", "str momentum", lambda: NN.BatchNorm1d(3, momentum="a"),
        TypeError, r"momentum must be a number"),
    bad("BatchNorm1d", "momentum > 1", lambda: NN.BatchNorm1d(3, momentum=1.5),
        ValueError, r"momentum must be in \[0, 1\]"),
    bad("BatchNorm1d", "str affine", lambda: NN.BatchNorm1d(3, affine="yes"),
        TypeError, r"affine must be True or False"),
    ok("BatchNorm1d", "momentum None (cumulative)", lambda: NN.BatchNorm1d(3, momentum=None)(x43()),
       lambda out: out.shape == (4, 3)),
    ok("BatchNorm1d", "float32 model stays float32",
       lambda: NN.BatchNorm1d(3, dtype=np.float32)(x43().astype(np.float32)),
       lambda out: out.dtype == np.float32),
    bad("BatchNorm1d.forward", "batch of 1 in training", lambda: NN.BatchNorm1d(3)(np.ones((1, 3))),
        ValueError, r"more than 1 sample .* model.eval\(\)"),
    bad("BatchNorm1d.forward", "wrong feature count", lambda: NN.BatchNorm1d(3)(np.ones((4, 2))),
        ValueError, r"expected input of shape \(batch, 3\)"),
    bad("BatchNorm1d.backward", "wrong grad_out shape",
        lambda: after_forward(NN.BatchNorm1d(3), x43()).backward(np.ones((1, 3))),
        ValueError, r"grad_out of shape \(4, 3\)"),
    # --- the torch twin's layers -------------------------------------------------------------
    bad("torch Linear", "zero size", lambda: T.Linear(0, 3),
        ValueError, r"in_features must be an integer >= 1; got 0"),
    bad("torch Linear", "float size", lambda: T.Linear(2.5, 3),
        TypeError, r"in_features must be an integer"),
    bad("torch Linear", "integer dtype", lambda: T.Linear(3, 2, dtype=torch.int32),
        TypeError, r"floating torch dtype"),
    bad("torch Linear.forward", "a NumPy array", lambda: T.Linear(3, 2)(np.ones((2, 3))),
        TypeError, r"expects a torch.Tensor; got ndarray"),
    bad("torch Linear.forward", "wrong feature count", lambda: T.Linear(3, 2)(torch.ones(4, 2)),
        ValueError, r"expects input of shape \(batch, 3\); got \(4, 2\)"),
    bad("torch Linear.forward", "float64 into float32 weights",
        lambda: T.Linear(3, 2)(torch.ones(4, 3, dtype=torch.float64)),
        TypeError, r"Convert the input"),
    ok("torch LeakyReLU", "negative slope (as torch.nn)",
        lambda: T.LeakyReLU(-0.1)(torch.tensor([-1.0])),
       lambda out: abs(float(out) - 0.1) < 1e-7),
    bad("torch LeakyReLU", "NaN slope", lambda: T.LeakyReLU(float("nan")),
        ValueError, r"negative_slope must be finite"),
    bad("torch Softmax", "str dim", lambda: T.Softmax(dim="a"),
        TypeError, r"dim must be an integer"),
    bad("torch Flatten.forward", "start_dim past the last axis",
        lambda: T.Flatten(start_dim=3)(torch.ones(2, 3, 4)),
        ValueError, r"start_dim must be in \[-3, 2\]"),
    ok("torch Dropout", "p = 1 drops everything (as torch.nn)",
        lambda: TN.Dropout(1.0)(torch.ones(2, 3)),
       lambda out: not out.any()),
    bad("torch Dropout", "p > 1", lambda: TN.Dropout(1.5), ValueError, r"p must be in \[0, 1\]"),
    bad("torch BatchNorm1d", "str momentum", lambda: TN.BatchNorm1d(3, momentum="a"),
        TypeError, r"momentum must be a number"),
    bad("torch BatchNorm1d", "negative eps", lambda: TN.BatchNorm1d(3, eps=-1),
        ValueError, r"eps must be > 0"),
    bad("torch BatchNorm1d", "zero features", lambda: TN.BatchNorm1d(0),
        ValueError, r"num_features must be an integer >= 1"),
    bad("torch BatchNorm1d.forward", "batch of 1 in training",
        lambda: TN.BatchNorm1d(3)(torch.ones(1, 3)),
        ValueError, r"more than 1 sample"),
    bad("torch Sequential", "a NumPy layer", lambda: T.Sequential(N.ReLU()),
        TypeError, r"NumPy layer"),
    # --- losses (NumPy) ------------------------------------------------------------------------
    bad("MSELoss", "shape mismatch (B,) vs (B, 1)",
        lambda: NLo.MSELoss()(np.ones((4, 1)), np.ones(4)),
        ValueError, r"same shape; got \(4, 1\) and \(4,\). Reshape"),
    bad("MSELoss", "empty batch", lambda: NLo.MSELoss()(np.ones((0, 1)), np.ones((0, 1))),
        ValueError, r"empty batch"),
    bad("MSELoss", "str target", lambda: NLo.MSELoss()(np.ones((2, 1)), np.array([["a"], ["b"]])),
        TypeError, r"numeric array"),
    bad("MSELoss", "NaN target",
        lambda: NLo.MSELoss()(np.ones((2, 1)), np.array([[np.nan], [0.0]])),
        ValueError, r"NaN"),
    ok("MSELoss", "int prediction, list target",
        lambda: NLo.MSELoss()(np.array([[1], [3]]), [[1.0], [1.0]]),
       lambda loss: loss == 2.0),
    ok("MSELoss", "read-only arrays", lambda: NLo.MSELoss()(read_only(x43()), read_only(x43())),
       lambda loss: loss == 0.0),
    bad("BCEWithLogitsLoss", "targets outside [0, 1]",
        lambda: NLo.BCEWithLogitsLoss()(np.zeros((2, 1)), np.array([[2.0], [0.0]])),
        ValueError, r"targets must be in \[0, 1\]"),
    bad("BCEWithLogitsLoss", "empty batch",
        lambda: NLo.BCEWithLogitsLoss()(np.zeros((0, 1)), np.zeros((0, 1))),
        ValueError, r"empty batch"),
    bad("MSELoss", "unknown reduction", lambda: NLo.MSELoss(reduction="average"),
        ValueError, r"Unknown reduction 'average'. Expected one of: 'mean', 'sum', 'none'"),
    bad("MSELoss", "backward of reduction='none' without grad_output",
        lambda: (lambda f: (f.forward(x43(), x43()), f.backward()))(
            NLo.MSELoss(reduction="none")), ValueError, r"needs grad_output.*prediction's shape"),
    bad("MSELoss", "backward of reduction='none' with a (B,) grad_output",
        lambda: (lambda f: (f.forward(x43(), x43()), f.backward(np.ones(4))))(
            NLo.MSELoss(reduction="none")), ValueError, r"grad_out of shape \(4, 3\)"),
    bad("mse_loss", "unknown reduction", lambda: NLo.mse_loss(x43(), x43(), reduction=None),
        ValueError, r"Unknown reduction None"),
    bad("BCEWithLogitsLoss", "pos_weight that does not fit the columns",
        lambda: NLo.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])(np.zeros((4, 3)), np.zeros((4, 3))),
        ValueError, r"pos_weight must broadcast to the logits' shape \(4, 3\); got shape \(2,\)"),
    bad("BCEWithLogitsLoss", "negative weight",
        lambda: NLo.BCEWithLogitsLoss(weight=-1.0)(np.zeros((2, 1)), np.zeros((2, 1))),
        ValueError, r"weight must be >= 0"),
    bad("BCEWithLogitsLoss", "str pos_weight", lambda: NLo.BCEWithLogitsLoss(pos_weight="3"),
        TypeError, r"pos_weight must be a numeric array"),
    bad("BCEWithLogitsLoss", "NaN pos_weight",
        lambda: NLo.BCEWithLogitsLoss(pos_weight=float("nan")), ValueError, r"pos_weight .*NaN"),
    ok("BCEWithLogitsLoss", "pos_weight as a NumPy scalar, reduction='sum'",
        lambda: NLo.BCEWithLogitsLoss(reduction="sum", pos_weight=np.float32(3.0))(
            np.zeros((2, 1)), np.array([[1.0], [0.0]])),
       lambda v: abs(v - 4 * math.log(2)) < 1e-6),
    bad("CrossEntropyLoss", "(B, 1) class labels",
        lambda: ce(np.zeros((3, 2)), np.array([[0], [1], [1]])),
        ValueError, r"shape \(3,\); got \(3, 1\). Flatten them with targets.ravel\(\)"),
    bad("CrossEntropyLoss", "float class indices",
        lambda: ce(np.zeros((2, 2)), np.array([0.0, 1.0])),
        TypeError, r"must be integers; got dtype float64"),
    bad("CrossEntropyLoss", "label out of range", lambda: ce(np.zeros((2, 2)), np.array([0, 2])),
        ValueError, r"class indices must be in \[0, 1\]"),
    bad("CrossEntropyLoss", "1-D logits", lambda: ce(np.zeros(2), np.array([0])),
        ValueError, r"logits\[None\]"),
    bad("CrossEntropyLoss", "empty batch",
        lambda: ce(np.zeros((0, 2)), np.zeros(0, dtype=np.int64)),
        ValueError, r"empty batch"),
    bad("CrossEntropyLoss", "label_smoothing = 1",
        lambda: NLo.CrossEntropyLoss(label_smoothing=1.0),
        ValueError, r"label_smoothing must be in \[0, 1\)"),
    bad("CrossEntropyLoss", "a number as the first argument (weight, as torch)",
        lambda: NLo.CrossEntropyLoss(np.float32(0.1)), TypeError,
        r"weight must be None or one number per class.*label_smoothing="),
    bad("torch CrossEntropyLoss", "a number as the first argument (weight, as torch)",
        lambda: TLo.CrossEntropyLoss(0.1), TypeError, r"one number per class"),
    bad("CrossEntropyLoss", "weight of the wrong length",
        lambda: NLo.CrossEntropyLoss(weight=[1.0, 2.0]).forward(np.zeros((2, 3)), [0, 1]),
        ValueError, r"one number per class, shape \(3,\); got shape \(2,\)"),
    bad("CrossEntropyLoss", "unknown reduction", lambda: NLo.CrossEntropyLoss(reduction="avg"),
        ValueError, r"reduction"),
    bad("CrossEntropyLoss", "backward of reduction='none' without grad_output",
        lambda: (lambda f: (f.forward(np.zeros((2, 2)), [0, 1]), f.backward()))(
            NLo.CrossEntropyLoss(reduction="none")), ValueError, r"needs grad_output"),
    bad("CrossEntropyLoss", "str label_smoothing",
        lambda: NLo.CrossEntropyLoss(label_smoothing="a"),
        TypeError, r"label_smoothing must be a number"),
    ok("CrossEntropyLoss", "NumPy scalar label_smoothing",
        lambda: NLo.CrossEntropyLoss(label_smoothing=np.float32(0.1)).label_smoothing,
       lambda s: abs(s - 0.1) < 1e-7),
    ok("CrossEntropyLoss", "list targets, one-hot targets",
        lambda: (ce(np.zeros((2, 2)), [0, 1]), ce(np.zeros((2, 2)), np.eye(2))),
       lambda losses: np.allclose(losses, math.log(2))),
    bad("CrossEntropyLoss.backward", "before forward", lambda: NLo.CrossEntropyLoss().backward(),
        RuntimeError, r"before forward"),
    ok("l1_penalty", "NumPy scalar strength",
        lambda: NLo.l1_penalty([Parameter(np.array([3.0, -4.0]))], np.float64(0.1)),
       lambda v: abs(v - 0.7) < 1e-12),
    ok("l2_penalty", "NumPy integer strength",
        lambda: NLo.l2_penalty([Parameter(np.array([3.0, 4.0]))], np.int64(1)),
       lambda v: v == 12.5),
    bad("l1_penalty", "negative strength", lambda: NLo.l1_penalty(params(), -1),
        ValueError, r"strength must be >= 0; got -1"),
    bad("l2_penalty", "NaN strength", lambda: NLo.l2_penalty(params(), float("nan")),
        ValueError, r"strength must be .*finite; got nan"),
    bad("l2_penalty", "str strength", lambda: NLo.l2_penalty(params(), "0.1"),
        TypeError, r"strength must be a number"),
    bad("l2_penalty", "arrays instead of Parameters", lambda: NLo.l2_penalty([np.ones(3)], 0.1),
        TypeError, r"Parameters .* got ndarray"),
    # --- losses (torch twin) -------------------------------------------------------------------
    bad("torch MSELoss", "empty batch", lambda: TLo.MSELoss()(torch.ones(0, 1), torch.ones(0, 1)),
        ValueError, r"empty batch"),
    bad("torch MSELoss", "unknown reduction", lambda: TLo.MSELoss(reduction="elementwise"),
        ValueError, r"Unknown reduction 'elementwise'"),
    bad("torch BCEWithLogitsLoss", "pos_weight that does not fit the columns",
        lambda: TLo.BCEWithLogitsLoss(pos_weight=torch.ones(2))(torch.zeros(4, 3),
                                                                torch.zeros(4, 3)),
        ValueError, r"pos_weight must broadcast to the logits' shape \(4, 3\)"),
    bad("torch BCEWithLogitsLoss", "negative pos_weight",
        lambda: TLo.binary_cross_entropy_with_logits(torch.zeros(2, 1), torch.zeros(2, 1),
                                                     pos_weight=-2.0),
        ValueError, r"pos_weight must be >= 0"),
    ok("torch BCEWithLogitsLoss", "list pos_weight, reduction='none'",
        lambda: TLo.BCEWithLogitsLoss(reduction="none", pos_weight=[3.0])(
            torch.zeros(2, 1), torch.tensor([[1.0], [0.0]])),
       lambda v: v.shape == (2, 1) and abs(float(v[0, 0]) - 3 * math.log(2)) < 1e-6),
    bad("torch CrossEntropyLoss", "(B, 1) class labels",
        lambda: TLo.CrossEntropyLoss()(torch.zeros(3, 2), torch.zeros(3, 1, dtype=torch.long)),
        ValueError, r"Flatten them"),
    bad("torch CrossEntropyLoss", "empty batch",
        lambda: TLo.CrossEntropyLoss()(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)),
        ValueError, r"empty batch"),
    ok("torch CrossEntropyLoss", "NumPy scalar label_smoothing",
        lambda: TLo.CrossEntropyLoss(label_smoothing=np.float32(0.1)).label_smoothing,
       lambda s: abs(s - 0.1) < 1e-7),
    ok("torch l1_penalty", "NumPy scalar strength",
        lambda: TLo.l1_penalty([torch.tensor([3.0, -4.0])], np.float64(0.1)),
       lambda v: abs(float(v) - 0.7) < 1e-6),
    bad("torch l2_penalty", "negative strength", lambda: TLo.l2_penalty(torch_params(), -1),
        ValueError, r"strength must be >= 0"),
    bad("torch BCEWithLogitsLoss", "shape mismatch",
        lambda: TLo.BCEWithLogitsLoss()(torch.zeros(4, 1), torch.zeros(4)),
        ValueError, r"same shape"),
    # --- optimizers ----------------------------------------------------------------------------
    bad("SGD", "negative lr", lambda: NO.SGD(params(), lr=-0.1),
        ValueError, r"lr must be >= 0; got -0.1"),
    bad("SGD", "str lr", lambda: NO.SGD(params(), lr="0.1"), TypeError, r"lr must be a number"),
    bad("SGD", "NaN lr", lambda: NO.SGD(params(), lr=float("nan")), ValueError, r"got nan"),
    bad("SGD", "a model instead of its parameters", lambda: NO.SGD(mlp(), lr=0.1),
        TypeError, r"model.parameters\(\)"),
    bad("SGD", "empty parameter list", lambda: NO.SGD([], lr=0.1),
        ValueError, r"empty parameter list"),
    bad("SGD", "arrays instead of Parameters", lambda: NO.SGD([np.ones(3)], lr=0.1),
        TypeError, r"expected a Parameter"),
    bad("SGD", "Nesterov without momentum", lambda: NO.SGD(params(), lr=0.1, nesterov=True),
        ValueError, r"Nesterov momentum needs momentum > 0"),
    ok("SGD", "NumPy scalar hyperparameters",
        lambda: NO.SGD(params(), lr=np.float64(0.1), momentum=np.float32(0.5)),
       lambda opt: opt.lr == 0.1),
    bad("Adam", "betas a single number", lambda: NO.Adam(params(), betas=0.9),
        TypeError, r"betas must be a pair .* got float 0.9"),
    bad("Adam", "betas of length 1", lambda: NO.Adam(params(), betas=(0.9,)),
        ValueError, r"betas must be a pair"),
    bad("Adam", "beta1 = 1", lambda: NO.Adam(params(), betas=(1.0, 0.999)),
        ValueError, r"betas\[0\] must be in \[0, 1\); got 1.0"),
    bad("AdamW", "str weight_decay", lambda: NO.AdamW(params(), weight_decay="0.01"),
        TypeError, r"weight_decay must be a number"),
    bad("RMSprop", "alpha = 1", lambda: NO.RMSprop(params(), alpha=1.0),
        ValueError, r"alpha must be in \[0, 1\)"),
    bad("torch Adam", "betas a single number", lambda: TO.Adam(torch_params(), betas=0.9),
        TypeError, r"betas must be a pair"),
    bad("torch RMSprop", "alpha = 1", lambda: TO.RMSprop(torch_params(), alpha=1.0),
        ValueError, r"alpha must be in \[0, 1\)"),
    bad("torch SGD", "a model instead of its parameters", lambda: TO.SGD(T.Linear(3, 2), lr=0.1),
        TypeError, r"model.parameters\(\)"),
    bad("Optimizer.add_param_group", "a list instead of one dict",
        lambda: sgd(mlp()).add_param_group([{"params": params()}]),
        TypeError, r"add_param_group takes one dict"),
    bad("Optimizer.add_param_group", "parameters already in the optimizer",
        lambda: (lambda m: NO.SGD(m.parameters(), lr=0.1).add_param_group(
            {"params": m.parameters()}))(mlp()),
        ValueError, r"already in another group"),
    bad("Optimizer.add_param_group", "an option this optimizer lacks",
        lambda: sgd(mlp()).add_param_group({"params": params(), "betas": (0.9, 0.99)}),
        ValueError, r"unknown keys \['betas'\]; SGD takes"),
    bad("Optimizer.zero_grad", "set_to_none as a string",
        lambda: sgd(mlp()).zero_grad(set_to_none="yes"),
        TypeError, r"set_to_none must be True or False; got str 'yes'"),
    # --- schedules -----------------------------------------------------------------------------
    bad("StepLR", "step_size 0", lambda: schedule(NO.StepLR, 0),
        ValueError, r"step_size must be an integer >= 1; got 0"),
    bad("StepLR", "float step_size", lambda: schedule(NO.StepLR, 2.5),
        TypeError, r"step_size must be an integer"),
    bad("StepLR", "not an optimizer", lambda: NO.StepLR("sgd", 1),
        TypeError, r"optimizer with an 'lr' attribute; got str"),
    bad("ExponentialLR", "negative gamma", lambda: schedule(NO.ExponentialLR, -0.5),
        ValueError, r"gamma must be >= 0"),
    bad("CosineAnnealingLR", "T_max 0", lambda: schedule(NO.CosineAnnealingLR, 0),
        ValueError, r"T_max must be an integer >= 1"),
    bad("LinearWarmup", "after is not a schedule", lambda: schedule(NO.LinearWarmup, 5, after=5),
        TypeError, r"'after' must be a schedule .* got int 5"),
    bad("LinearWarmup", "start_factor 0", lambda: schedule(NO.LinearWarmup, 5, start_factor=0),
        ValueError, r"start_factor must be in \(0, 1\]"),
    bad("LinearWarmup", "warmup_epochs 0", lambda: schedule(NO.LinearWarmup, 0),
        ValueError, r"warmup_epochs must be an integer >= 1"),
    ok("StepLR", "NumPy integer step_size", lambda: schedule(NO.StepLR, np.int64(2)).step_size,
       lambda s: s == 2),
    bad("ReduceLROnPlateau", "factor 1 (never lowers the rate)",
        lambda: schedule(NO.ReduceLROnPlateau, factor=1.0),
        ValueError, r"factor must be in \[0, 1\); got 1.0"),
    bad("ReduceLROnPlateau", "unknown mode", lambda: schedule(NO.ReduceLROnPlateau, mode="lowest"),
        ValueError, r"Unknown mode 'lowest'. Expected one of: 'min', 'max'"),
    bad("ReduceLROnPlateau", "min_lr for the wrong number of groups",
        lambda: schedule(NO.ReduceLROnPlateau, min_lr=[0.0, 0.1]),
        ValueError, r"min_lr must be one number or one per parameter group \(1\); got 2"),
    bad("ReduceLROnPlateau", "a bare number instead of an optimizer",
        lambda: NO.ReduceLROnPlateau(0.1), TypeError, r"needs an optimizer with param_groups"),
    bad("ReduceLROnPlateau.step", "no metric",
        lambda: schedule(NO.ReduceLROnPlateau).step(None),
        TypeError, r"takes the epoch's metric, e.g. sched.step\(val_loss\)"),
    bad("ReduceLROnPlateau.step", "the history dict instead of a number",
        lambda: schedule(NO.ReduceLROnPlateau).step({"val_loss": 0.3}),
        TypeError, r"got dict"),
    ok("ReduceLROnPlateau.step", "a 0-d tensor and a NumPy float",
       lambda: (lambda s: (s.step(torch.tensor(0.5)), s.step(np.float32(0.4)), s.best)[-1])(
           schedule(NO.ReduceLROnPlateau)), lambda best: abs(best - 0.4) < 1e-7),
    bad("clip_grad_norm_", "max_norm 0", lambda: NO.clip_grad_norm_(params(), 0.0),
        ValueError, r"max_norm must be > 0; got 0.0"),
    bad("clip_grad_norm_", "norm_type as a string",
        lambda: NO.clip_grad_norm_(params(), 1.0, norm_type="fro"),
        TypeError, r"norm_type must be a number > 0; got str 'fro'"),
    bad("clip_grad_norm_", "arrays instead of Parameters",
        lambda: NO.clip_grad_norm_([np.ones(3)], 1.0), TypeError, r"takes Parameters"),
    ok("clip_grad_norm_", "a model, infinity norm",
       lambda: NO.clip_grad_norm_(mlp(), 1.0, norm_type=math.inf), lambda n: n >= 0.0),
    bad("torch clip_grad_norm_", "negative max_norm",
        lambda: TO.clip_grad_norm_(torch_params(), -1.0), ValueError, r"max_norm must be > 0"),
    bad("torch clip_grad_norm_", "arrays instead of tensors",
        lambda: TO.clip_grad_norm_([np.ones(3)], 1.0), TypeError, r"takes tensors"),
    bad("schedule_values", "unknown schedule", lambda: NO.schedule_values("linear", 5),
        ValueError, r"Unknown schedule name 'linear'"),
    bad("schedule_values", "zero epochs", lambda: NO.schedule_values("step", 0, step_size=1),
        ValueError, r"epochs must be an integer >= 1"),
    bad("schedule_values", "unknown argument",
        lambda: NO.schedule_values("step", 5, step_size=2, bogus=1),
        TypeError, r"See the docstring"),
    # --- metrics -------------------------------------------------------------------------------
    bad("accuracy", "NaN predictions",
        lambda: M.accuracy([0, 1], np.array([[np.nan, 0.0], [0.0, 1.0]])),
        ValueError, r"y_pred contains 1 NaN value\(s\)"),
    bad("accuracy", "NaN probabilities", lambda: M.accuracy([0, 1], np.array([np.nan, 0.9])),
        ValueError, r"NaN"),
    bad("accuracy", "lengths differ", lambda: M.accuracy([0, 1, 1], [0, 1]),
        ValueError, r"same number of samples; got 3 and 2"),
    bad("accuracy", "empty", lambda: M.accuracy([], []), ValueError, r"empty"),
    bad("accuracy", "probabilities as the truth (float)",
        lambda: M.accuracy([0.2, 0.9, 0.6], [0, 1, 1]), ValueError, r"y_true must be class "
        r"labels.*such as 0.2.*pass them as y_pred"),
    ok("accuracy", "integral float truth", lambda: M.accuracy([0.0, 1.0], [0, 1]),
       lambda a: a == 1.0),
    bad("accuracy", "string labels", lambda: M.accuracy(["cat", "dog"], [0, 1]),
        TypeError, r"must hold numbers .* got dtype <U3"),
    ok("accuracy", "lists and read-only arrays",
        lambda: M.accuracy([0, 1, 1], read_only(np.array([0, 1, 0]))),
       lambda a: abs(a - 2 / 3) < 1e-12),
    bad("confusion_matrix", "float num_classes",
        lambda: M.confusion_matrix([0, 1], [0, 1], num_classes=2.5),
        TypeError, r"num_classes must be an integer"),
    bad("precision", "unknown average", lambda: M.precision([0, 1], [0, 1], average="weighted"),
        ValueError, r"Unknown average 'weighted'"),
    bad("to_labels", "3-D scores", lambda: M.to_labels(np.zeros((2, 2, 2))),
        ValueError, r"labels \(n,\) or scores \(n, k\); got shape \(2, 2, 2\)"),
    # --- datasets ------------------------------------------------------------------------------
    bad("make_moons", "negative seed", lambda: D.make_moons(20, seed=-1),
        ValueError, r"seed must be an integer in \[0, 4294967295\]; got -1"),
    bad("make_moons", "float seed", lambda: D.make_moons(20, seed=0.5),
        TypeError, r"seed must be an integer"),
    bad("make_moons", "one sample", lambda: D.make_moons(1),
        ValueError, r"n_samples must be an integer >= 2; got 1"),
    bad("make_moons", "float n_samples", lambda: D.make_moons(2.5),
        TypeError, r"n_samples must be an integer"),
    bad("make_moons", "negative noise", lambda: D.make_moons(20, noise=-1),
        ValueError, r"noise must be >= 0"),
    bad("make_spirals", "fewer samples than classes", lambda: D.make_spirals(3, n_classes=5),
        ValueError, r"n_samples must be an integer >= 5; got 3. Every one of the 5 classes"),
    ok("make_spirals", "NumPy integer sizes",
        lambda: D.make_spirals(np.int64(30), n_classes=np.int32(3)),
       lambda data: set(data[1].tolist()) == {0, 1, 2}),
    bad("make_circles", "factor outside (0, 1)", lambda: D.make_circles(20, factor=1.5),
        ValueError, r"factor must be in \(0, 1\)"),
    bad("make_blobs", "zero centers", lambda: D.make_blobs(20, centers=0),
        ValueError, r"centers must be an integer >= 1"),
    bad("make_blobs", "3-D centers", lambda: D.make_blobs(20, centers=np.ones((2, 3))),
        ValueError, r"centers must have shape \(k, 2\)"),
    bad("make_regression_1d", "unknown kind", lambda: D.make_regression_1d(10, kind="cubic"),
        ValueError, r"Unknown kind 'cubic'"),
    bad("make_xor", "negative seed", lambda: D.make_xor(8, seed=-3), ValueError, r"seed must be"),
    ok("train_val_test_split", "one-hot labels (stratified by class)",
       lambda: D.train_val_test_split(np.arange(40.0).reshape(20, 2),
                                       np.eye(2)[np.arange(20) % 2], 0.2, 0.2),
       lambda splits: sum(len(x) for x, _ in splits) == 20 and splits[0][1].shape[1] == 2),
    ok("train_val_test_split", "lists",
        lambda: D.train_val_test_split([[i] for i in range(10)], [i % 2 for i in range(10)],
                                        0.2, 0.2),
       lambda splits: sum(len(x) for x, _ in splits) == 10),
    bad("train_val_test_split", "fractions sum to 1",
        lambda: D.train_val_test_split(np.ones((10, 2)), np.arange(10) % 2, 0.5, 0.5),
        ValueError, r"must be < 1"),
    bad("train_val_test_split", "fraction 1",
        lambda: D.train_val_test_split(np.ones((10, 2)), np.arange(10) % 2, 1.0, 0.0),
        ValueError, r"val_fraction must be in \[0, 1\)"),
    bad("train_val_test_split", "lengths differ",
        lambda: D.train_val_test_split(np.ones((10, 2)), np.arange(9)),
        ValueError, r"same number of samples"),
    bad("train_val_test_split", "regression targets stratified",
        lambda: D.train_val_test_split(np.ones((10, 2)), np.linspace(0, 1, 10)),
        ValueError, r"stratify=False"),
    bad("train_val_test_split", "negative seed",
        lambda: D.train_val_test_split(np.ones((10, 2)), np.arange(10) % 2, seed=-1),
        ValueError, r"seed must be"),
    bad("one_hot", "string labels", lambda: D.one_hot(["a"]),
        TypeError, r"integer labels 0..k-1; got dtype <U1"),
    bad("one_hot", "(n, 1) labels", lambda: D.one_hot(np.array([[0], [1]])),
        ValueError, r"y.ravel\(\)"),
    bad("one_hot", "negative label", lambda: D.one_hot([-1, 0]),
        ValueError, r"labels >= 0; got -1"),
    bad("one_hot", "num_classes too small", lambda: D.one_hot([0, 2], num_classes=2),
        ValueError, r"num_classes >= 3"),
    bad("one_hot", "float num_classes", lambda: D.one_hot([0, 1], num_classes=2.0),
        TypeError, r"num_classes must be an integer"),
    ok("one_hot", "integral floats",
        lambda: D.one_hot(np.array([0.0, 1.0])), lambda out: out.shape == (2, 2)),
    bad("standardize", "1-D train", lambda: D.standardize(np.ones(5)),
        ValueError, r"train must be 2-D"),
    bad("standardize", "empty train", lambda: D.standardize(np.ones((0, 3))),
        ValueError, r"at least one training sample.* shape \(0, 3\)"),
    bad("load_mnist_subset", "zero samples", lambda: D.load_mnist_subset(n_samples=0),
        ValueError, r"n_samples must be an integer >= 1"),
    bad("load_mnist_subset", "unknown source", lambda: D.load_mnist_subset(source="web"),
        ValueError, r"Unknown source 'web'"),
    # --- training (NumPy) ----------------------------------------------------------------------
    bad("fit", "batch_size 0", lambda: fit(batch_size=0),
        ValueError, r"batch_size must be an integer >= 1; got 0"),
    bad("fit", "float batch_size", lambda: fit(batch_size=2.5),
        TypeError, r"batch_size must be an integer"),
    bad("fit", "zero epochs", lambda: fit(epochs=0), ValueError, r"epochs must be an integer >= 1"),
    bad("fit", "negative l2", lambda: fit(l2=-1.0), ValueError, r"l2 must be >= 0"),
    bad("fit", "str l2", lambda: fit(l2="0.1"), TypeError, r"l2 must be a number"),
    bad("fit", "x and y lengths differ", lambda: fit(y_train=np.arange(8) % 2),
        ValueError, r"same number of samples .* got 9 and 8"),
    bad("fit", "empty data", lambda: fit(x_train=np.ones((0, 3)), y_train=np.zeros(0, dtype=int)),
        ValueError, r"empty"),
    bad("fit", "NaN inputs", lambda: fit(x_train=np.full((9, 3), np.nan)), ValueError, r"NaN"),
    bad("fit", "optimizer built on another model", lambda: fit(optimizer=sgd(mlp(5))),
        ValueError, r"optimizer updates none of the model's 4 parameters"),
    bad("fit", "BatchNorm and a last batch of 1", lambda: fit(model=bn_mlp()),
        ValueError, r"BatchNorm layer.* 9 samples in batches of 4 give a batch of 1"),
    bad("fit", "(B, 1) class labels", lambda: fit(y_train=(np.arange(9) % 2).reshape(9, 1)),
        ValueError, r"ravel"),
    bad("fit", "unknown metric", lambda: fit(metrics=["auc"]), ValueError, r"Unknown metric 'auc'"),
    bad("fit", "validation_data not a pair", lambda: fit(validation_data=(np.ones((2, 3)),)),
        ValueError, r"pair \(x_val, y_val\)"),
    bad("fit", "callback not a Callback", lambda: fit(callbacks=["early"]),
        TypeError, r"Callback objects; got str"),
    ok("fit", "lists and NumPy scalars",
        lambda: fit(x_train=np.ones((8, 3)).tolist(), y_train=[0, 1] * 4,
                     batch_size=np.int64(4), l2=np.float64(0.01)),
       lambda history: len(history.epoch) == 1),
    bad("evaluate", "batch_size 0",
        lambda: evaluate(batch_size=0),
        ValueError, r"batch_size must be an integer >= 1; got 0"),
    ok("evaluate", "batch_size None (all at once)",
        lambda: evaluate(batch_size=None),
       lambda logs: set(logs) == {"loss", "accuracy"}),
    bad("predict", "batch_size 0", lambda: NT.predict(mlp(), np.ones((4, 3)), batch_size=0),
        ValueError, r"batch_size must be an integer >= 1"),
    bad("predict", "empty input", lambda: NT.predict(mlp(), np.ones((0, 3))),
        ValueError, r"empty batch"),
    ok("iterate_minibatches", "lists (as a DataLoader)",
        lambda: list(NT.iterate_minibatches([[1.0], [2.0], [3.0]], [0, 1, 0], 2, shuffle=False)),
       lambda batches: [len(x) for x, _ in batches] == [2, 1]),
    bad("iterate_minibatches", "batch_size 0",
        lambda: list(NT.iterate_minibatches(np.ones((3, 1)), np.ones(3), 0)),
        ValueError, r"batch_size must be an integer >= 1"),
    bad("iterate_minibatches", "str rng", lambda: list(NT.iterate_minibatches(
        np.ones((3, 1)), np.ones(3), 2, rng="abc")), TypeError, r"rng must be an integer.*'abc'"),
    bad("torch iterate_minibatches", "str rng", lambda: list(TT.iterate_minibatches(
        torch.ones(3, 1), torch.ones(3), 2, rng="abc")), TypeError, r"rng must be an integer"),
    ok("iterate_minibatches", "numpy integer seed", lambda: list(NT.iterate_minibatches(
        np.ones((3, 1)), np.ones(3), 2, rng=np.int64(3))), lambda b: len(b) == 2),
    bad("iterate_minibatches", "lengths differ",
        lambda: list(NT.iterate_minibatches(np.ones((3, 1)), np.ones(2), 2)),
        ValueError, r"same length; got 3 and 2"),
    # --- callbacks, reproducibility, widget compute functions ----------------------------------
    bad("EarlyStopping", "negative patience", lambda: EarlyStopping(patience=-1),
        ValueError, r"patience must be an integer >= 0; got -1"),
    bad("EarlyStopping", "float patience", lambda: EarlyStopping(patience=1.5),
        TypeError, r"patience must be an integer"),
    bad("EarlyStopping", "unknown mode", lambda: EarlyStopping(mode="best"),
        ValueError, r"Unknown mode 'best'"),
    ok("EarlyStopping", "NumPy integer patience",
       lambda: EarlyStopping(patience=np.int64(3)).patience, lambda p: p == 3),
    bad("seed_everything", "negative seed", lambda: seed_everything(-1),
        ValueError, r"seed must be an integer >= 0; got -1"),
    bad("seed_everything", "float seed", lambda: seed_everything(0.5),
        TypeError, r"seed must be an integer"),
    bad("widgets.compute_activation", "depth 0", lambda: compute_activation("relu", depth=0),
        ValueError, r"depth must be an integer >= 1; got 0"),
    bad("widgets.compute_init_statistics", "width 0", lambda: compute_init_statistics(width=0),
        ValueError, r"width must be an integer >= 1; got 0"),
    bad("widgets.optimize", "zero steps", lambda: optimize("bowl", steps=0),
        ValueError, r"steps must be an integer >= 1; got 0"),
    # --- init ----------------------------------------------------------------------------------
    bad("init.xavier_uniform", "zero fan-in", lambda: NI.xavier_uniform((3, 0)),
        ValueError, r"every dimension >= 1; got shape \(3, 0\)"),
    bad("init.he_normal", "zero fan-out", lambda: NI.he_normal((0, 3)), ValueError, r"fan_out=0"),
    bad("init.xavier_uniform", "1-D shape", lambda: NI.xavier_uniform((3,)),
        ValueError, r"at least 2 dimensions"),
    bad("init.initialize", "unknown scheme", lambda: NI.initialize((2, 2), "glorot"),
        ValueError, r"Unknown .*'glorot'"),
    bad("init.calculate_gain", "unknown nonlinearity", lambda: NI.calculate_gain("swish"),
        ValueError, r"Unknown .*'swish'"),
    bad("init.normal", "negative seed", lambda: NI.normal((2, 2), rng=-1),
        ValueError, r"seed must be an integer >= 0; got -1"),
    # --- autodiff ------------------------------------------------------------------------------
    bad("Value", "a string", lambda: Value("1"), TypeError, r"real number; got str"),
    bad("Value", "an array of shape (2,)", lambda: Value(np.array([1.0, 2.0])),
        TypeError, r"one number; got an array of shape \(2,\)"),
    ok("Value", "a 0-d array", lambda: Value(np.array(2.0)), lambda v: v.data == 2.0),
    bad("Value.__truediv__", "division by zero", lambda: Value(1) / 0,
        ZeroDivisionError, r"division by zero: 1.0 / 0"),
    bad("Value.__rtruediv__", "division by a zero Value", lambda: 2 / Value(0.0),
        ZeroDivisionError, r"division by zero"),
    bad("Value", "added to a string", lambda: Value(1.0) + "2",
        TypeError, r"Cannot combine a Value with str"),
    ok("Value", "NumPy integer operand", lambda: Value(1.0) + np.int64(2), lambda v: v.data == 3.0),
    ok("Value", "exp overflow gives inf (as torch)",
        lambda: Value(1000.0).exp(), lambda v: v.data == math.inf),
    bad("Value.log", "non-positive input", lambda: Value(-1.0).log(),
        ValueError, r"positive input; got -1.0"),
    bad("Value.__pow__", "0 to a negative power", lambda: Value(0.0) ** -1,
        ValueError, r"undefined"),
    # --- module --------------------------------------------------------------------------------
    bad("Parameter", "a str array", lambda: Parameter(np.array(["a"])),
        TypeError, r"Parameter\(data\) needs real numbers; got dtype <U1"),
    ok("Parameter", "an int array becomes float64", lambda: Parameter(np.array([1, 2])),
       lambda p: p.data.dtype == np.float64),
    bad("load_state_dict", "str values", lambda: N.Linear(2, 1, seed=0).load_state_dict(
        {"weight": np.array([["a", "b"]]), "bias": np.array(["c"])}),
        TypeError, r"'weight' must hold numbers; got dtype <U1"),
    # --- gradcheck -----------------------------------------------------------------------------
    bad("numerical_gradient", "a transposed copy that f does not read",
        lambda: (lambda w: G.numerical_gradient(lambda: float(np.sum(w ** 2)), w.T.copy()))(
            np.ones((2, 3))), ValueError, r"does not read x"),
    ok("numerical_gradient", "a transposed view that f reads",
        lambda: (lambda w: G.numerical_gradient(lambda: float(np.sum(w ** 2)), w.T))(
            np.ones((2, 3))), lambda grad: grad.shape == (3, 2) and np.allclose(grad, 2.0)),
    bad("numerical_gradient", "float32 input",
        lambda: G.numerical_gradient(lambda v: float(v.sum()), np.ones(3, np.float32)),
        TypeError, r"need float64: x has dtype float32"),
    bad("numerical_gradient", "a list", lambda: G.numerical_gradient(lambda v: 0.0, [1.0, 2.0]),
        TypeError, r"must be a NumPy array .* got list"),
    ok("numerical_gradient", "non-contiguous input",
       lambda: G.numerical_gradient(lambda v: float(np.sum(v**2)), np.ones((3, 4))[:, :2]),
       lambda grad: np.allclose(grad, 2.0)),
    bad("numerical_gradient", "read-only input",
        lambda: G.numerical_gradient(lambda v: 0.0, read_only(np.ones(2))),
        ValueError, r"x is read-only.* x.copy\(\)"),
    bad("numerical_gradient", "h = 0", lambda: G.numerical_gradient(lambda v: 0.0, np.ones(2), h=0),
        ValueError, r"h must be > 0; got 0"),
    bad("relative_error", "shapes differ", lambda: G.relative_error(np.ones(3), np.ones(2)),
        ValueError, r"same shape; got \(3,\) and \(2,\)"),
    # --- conversion ----------------------------------------------------------------------------
    bad("from_numpy_model", "a torch model", lambda: from_numpy_model(T.Linear(3, 2)),
        TypeError, r"already a torch module"),
    bad("from_numpy_model", "a NumPy dtype", lambda: from_numpy_model(mlp(), dtype=np.float64),
        TypeError, r"floating torch dtype .* got <class 'numpy.float64'>"),
    ok("from_numpy_model", "LeakyReLU(-0.1) and Dropout(1.0)",
       lambda: from_numpy_model(N.Sequential(N.Linear(3, 2, seed=0), N.LeakyReLU(-0.1),
                                             NN.Dropout(1.0))),
       lambda twin: float(twin[1].negative_slope) == -0.1 and twin[2].p == 1.0),
    bad("to_numpy_model", "a NumPy model", lambda: to_numpy_model(mlp()),
        TypeError, r"expects a torch.nn.Module; got Sequential"),
]

# --- chapters 5-10: diagnostics, conv, search, roc, augment, transfer, lr_range_test -------
def lrrt(**kwargs: Any) -> Any:
    arguments = {"step": lambda xb, yb: 1.0, "optimizer": sgd(mlp()), "batches": [(0, 0)] * 3}
    arguments.update(kwargs)
    return NSc.lr_range_test(**arguments)


def image(*shape: int) -> np.ndarray:
    return np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)


ROWS += [
    # diagnostics (NumPy and twin)
    bad("diagnostics.saturation_fraction", "unknown activation",
        lambda: ND.saturation_fraction(np.ones(3), "swish"), ValueError, r"'swish'"),
    bad("torch diagnostics.saturation_fraction", "unknown activation",
        lambda: TD.saturation_fraction(torch.ones(3), "swish"), ValueError, r"'swish'"),
    bad("diagnostics.update_to_data_ratio", "shapes differ",
        lambda: ND.update_to_data_ratio(np.ones(3), np.ones(2)), ValueError, r"\(3,\).*\(2,\)"),
    bad("torch diagnostics.update_to_data_ratio", "shapes differ",
        lambda: TD.update_to_data_ratio(torch.ones(3), torch.ones(2)), ValueError, r"3.*2"),
    bad("diagnostics.layer_statistics", "wrong feature count",
        lambda: ND.layer_statistics(mlp(), np.ones((2, 5))), ValueError, r"\(batch, 3\)"),
    ok("diagnostics.dead_fraction", "all exact zeros",
       lambda: ND.dead_fraction(np.zeros((4, 3))), lambda f: f == 1.0),
    # conv (NumPy and twin)
    bad("Conv2d", "zero in_channels", lambda: NCV.Conv2d(0, 2, 3), ValueError, r"in_channels"),
    bad("Conv2d", "float kernel_size", lambda: NCV.Conv2d(1, 2, 2.5), TypeError, r"kernel_size"),
    bad("Conv2d", "kernel_size of three numbers", lambda: NCV.Conv2d(1, 2, (1, 2, 3)),
        ValueError, r"pair \(height, width\); got \(1, 2, 3\)"),
    bad("Conv2d", "zero stride", lambda: NCV.Conv2d(1, 2, 3, stride=0), ValueError, r"stride"),
    bad("Conv2d", "negative padding", lambda: NCV.Conv2d(1, 2, 3, padding=-1),
        ValueError, r"padding"),
    bad("Conv2d", "int dtype", lambda: NCV.Conv2d(1, 2, 1, dtype=np.int32), TypeError, r"int32"),
    bad("Conv2d.forward", "3-D shape", lambda: NCV.Conv2d(1, 2, 3)(np.ones((1, 5, 5))),
        ValueError, r"\(batch, channels, height, width\).*x\[None\]"),
    bad("Conv2d.forward", "wrong channel count", lambda: NCV.Conv2d(1, 2, 3)(np.ones((1, 2, 5, 5))),
        ValueError, r"1 input channels; got 2"),
    bad("Conv2d.forward", "image smaller than the kernel",
        lambda: NCV.Conv2d(1, 2, 3)(np.ones((1, 1, 2, 2))), ValueError, r"larger than the padded"),
    bad("Conv2d.forward", "str array", lambda: NCV.Conv2d(1, 2, 1)(np.array([[[["a"]]]])),
        TypeError, r"str|<U1"),
    ok("Conv2d.forward", "list and int array input (as torch)",
       lambda: NCV.Conv2d(1, 2, 1, seed=0)([[[[1, 2]]]]), lambda y: y.shape == (1, 2, 1, 2)),
    ok("Conv2d.forward", "empty batch (as torch)",
       lambda: NCV.Conv2d(1, 2, 1, seed=0)(np.ones((0, 1, 2, 2))),
       lambda y: y.shape == (0, 2, 2, 2)),
    bad("Conv2d.backward", "grad_out shape",
        lambda: after_forward(NCV.Conv2d(1, 2, 1, seed=0), image(1, 1, 3, 3)).backward(
            np.ones((1, 2, 2, 2))), ValueError, r"\(1, 2, 3, 3\)"),
    bad("conv2d_forward", "3-D weight",
        lambda: NCV.conv2d_forward(np.ones((1, 1, 3, 3)), np.ones((2, 1, 3)), None),
        ValueError, r"\(C_out, C_in, kH, kW\); got 3 dimensions"),
    ok("conv2d_forward", "lists", lambda: NCV.conv2d_forward([[[[2.0]]]], [[[[3.0]]]], None),
       lambda y: y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == 6.0),
    bad("conv2d_output_size", "kernel larger than the input",
        lambda: NCV.conv2d_output_size(2, 5), ValueError, r"kernel 5 is larger"),
    bad("conv2d_output_size", "zero stride", lambda: NCV.conv2d_output_size(5, 3, 0),
        ValueError, r"stride"),
    bad("conv2d_output_size", "float size", lambda: NCV.conv2d_output_size(5.5, 3),
        TypeError, r"size"),
    bad("MaxPool2d", "zero kernel", lambda: NCV.MaxPool2d(0), ValueError, r"kernel_size"),
    bad("MaxPool2d", "padding over half the kernel", lambda: NCV.MaxPool2d(2, padding=2),
        ValueError, r"at most half the kernel"),
    bad("maxpool2d_forward", "2-D shape", lambda: NCV.maxpool2d_forward(np.ones((4, 4)), 2),
        ValueError, r"\(batch, channels, height, width\)"),
    ok("MaxPool2d.forward", "ties: the first maximum wins",
       lambda: NCV.maxpool2d_forward(np.zeros((1, 1, 2, 2)), 2)[1], lambda a: a.item() == 0),
    bad("torch Conv2d", "zero in_channels", lambda: TCV.Conv2d(0, 2, 3),
        ValueError, r"in_channels"),
    bad("torch Conv2d.forward", "3-D shape", lambda: TCV.Conv2d(1, 2, 1)(torch.ones(1, 2, 2)),
        ValueError, r"\(batch, channels, height, width\)"),
    bad("torch maxpool2d_forward", "2-D shape", lambda: TCV.maxpool2d_forward(torch.ones(4, 4), 2),
        ValueError, r"\(batch, channels, height, width\)"),
    bad("torch Conv2d.forward", "float64 input, float32 weights",
        lambda: TCV.Conv2d(1, 2, 1)(torch.ones(1, 1, 2, 2, dtype=torch.float64)),
        TypeError, r"torch.float32 weights but got a torch.float64 input"),
    # augment (shapes of per-image values)
    bad("augment.shift_images", "dx of the wrong length",
        lambda: AU.shift_images(np.ones((2, 4, 4)), np.array([1, 2, 3]), 0),
        ValueError, r"one per image, shape \(2,\); got shape \(3,\)"),
    bad("augment.shift_images", "float shift", lambda: AU.shift_images(np.ones((2, 4, 4)), 1.5, 0),
        ValueError, r"whole pixels; got dx=\[1.5, 1.5\]"),
    ok("augment.shift_images", "NumPy integer shift",
       lambda: AU.shift_images(np.eye(3)[None], np.int64(1), 0),
       lambda y: y[0].tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]),
    bad("augment.rotate_images", "degrees of the wrong length",
        lambda: AU.rotate_images(np.ones((2, 4, 4)), np.array([1.0, 2.0, 3.0])),
        ValueError, r"one per image"),
    bad("augment.rotate_images", "str degrees", lambda: AU.rotate_images(np.ones((2, 4, 4)), "10"),
        TypeError, r"degrees must be numbers"),
    # search
    bad("search.random_search", "negative seed",
        lambda: S.random_search(lambda p: 0.0, lambda r: {}, 2, seed=-1),
        ValueError, r"seed must be an integer in \[0, 4294967295\]; got -1"),
    ok("search.random_search", "seed None (unseeded, as NumPy)",
       lambda: S.random_search(lambda p: 0.0, lambda r: {"x": r.random()}, 2, seed=None),
       lambda result: len(result.scores) == 2),
    bad("search.random_search", "zero trials",
        lambda: S.random_search(lambda p: 0.0, lambda r: {}, 0),
        ValueError, r"n_trials"),
    bad("search.kfold_indices", "k larger than n", lambda: S.kfold_indices(3, 5), ValueError, r"5"),
    bad("search.successive_halving", "eta 1",
        lambda: S.successive_halving(lambda p, b: 0.0, [{}, {}], eta=1), ValueError, r"eta"),
    # roc
    bad("roc.precision_recall_f1", "non-square shape",
        lambda: R.precision_recall_f1(np.ones((2, 3))),
        ValueError, r"\(2, 3\)"),
    bad("roc.binary_confusion", "shapes differ",
        lambda: R.binary_confusion(np.array([0, 1, 1]), np.array([0.1, 0.2]), 0.5),
        ValueError, r"\(3,\).*\(2,\)"),
    bad("roc.binary_confusion", "label 2 (not 0/1)",
        lambda: R.binary_confusion(np.array([0, 2]), np.array([0.1, 0.2]), 0.5),
        ValueError, r"0.*1"),
    bad("roc.auc", "shapes differ", lambda: R.auc(np.ones(3), np.ones(2)), ValueError, r"3.*2"),
    # augment
    bad("augment.add_noise", "negative std", lambda: AU.add_noise(np.ones((2, 4)), -1.0,
                                                                 np.random.default_rng(0)),
        ValueError, r"std"),
    bad("augment.add_noise", "an int seed for rng", lambda: AU.add_noise(np.ones((2, 4)), 0.1, 0),
        TypeError, r"numpy.random.Generator; got int.*default_rng"),
    bad("augment.random_augment", "negative max_shift",
        lambda: AU.random_augment(np.ones((2, 4, 4)), np.random.default_rng(0), max_shift=-1),
        ValueError, r"max_shift must be an integer >= 0; got -1"),
    bad("augment.shift_images", "1-D shape", lambda: AU.shift_images(np.ones(5), 1, 0),
        ValueError, r"image"),
    # transfer
    bad("transfer.freeze", "a NumPy model", lambda: TR.freeze(mlp()),
        TypeError, r"torch.nn.Module; got Sequential.*from_numpy_model"),
    bad("transfer.replace_head", "one class", lambda: TR.replace_head(TR.small_cnn(), 1),
        ValueError, r"num_classes must be an integer >= 2; got 1"),
    bad("transfer.replace_head", "last layer not Linear",
        lambda: TR.replace_head(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()), 3),
        TypeError, r"Linear; got ReLU"),
    bad("transfer.param_groups", "negative lr", lambda: TR.param_groups(TR.small_cnn(), lr=-1.0),
        ValueError, r"lr must be .*> 0.*-1"),
    bad("transfer.param_groups", "nan backbone_factor",
        lambda: TR.param_groups(TR.small_cnn(), lr=0.1, backbone_factor=float("nan")),
        ValueError, r"backbone_factor"),
    bad("transfer.param_groups", "a str model", lambda: TR.param_groups("m", lr=0.1),
        TypeError, r"torch.nn.Module; got str"),
    ok("transfer.param_groups", "NumPy scalar lr",
       lambda: TR.param_groups(TR.small_cnn(), lr=np.float64(0.1)),
       lambda groups: [g["lr"] for g in groups] == pytest.approx([0.01, 0.1])),
    bad("transfer.load_pretrained", "unknown name", lambda: TR.load_pretrained("imagenet"),
        ValueError, r"'imagenet'"),
    bad("diagnostics.layer_statistics", "a str model", lambda: ND.layer_statistics("m", x43()),
        TypeError, r"Sequential .*got str"),
    bad("torch diagnostics.layer_statistics", "a str model",
        lambda: TD.layer_statistics("m", torch.ones(2, 3)), TypeError, r"Sequential .*got str"),
    bad("diagnostics.parameter_statistics", "a str model", lambda: ND.parameter_statistics("m"),
        TypeError, r"named_parameters\(\); got str"),
    bad("torch diagnostics.parameter_statistics", "a str model",
        lambda: TD.parameter_statistics("m"), TypeError, r"named_parameters\(\); got str"),
    ok("diagnostics.tensor_statistics", "empty array gives NaN (documented)",
       lambda: ND.tensor_statistics(np.array([])),
       lambda d: all(math.isnan(v) for v in d.values())),
    bad("search.log_uniform", "an int seed for rng", lambda: S.log_uniform(0, 0.1, 1.0),
        TypeError, r"numpy.random.Generator; got int"),
    bad("search.grid_points", "a str instead of a list", lambda: S.grid_points({"act": "relu"}),
        TypeError, r"list of values to try; got str 'relu'. Write e.g. \['relu'\]"),
    bad("search.grid_points", "a float instead of a list", lambda: S.grid_points({"lr": 0.1}),
        TypeError, r"got float 0.1"),
    bad("search.grid_points", "empty value list", lambda: S.grid_points({"lr": []}),
        ValueError, r"space\['lr'\] is empty"),
    bad("search.mean_spread", "nan result", lambda: S.mean_spread([1.0, math.nan]),
        ValueError, r"NaN"),
    bad("search.mean_spread", "str values", lambda: S.mean_spread(["a"]),
        TypeError, r"numeric array"),
    bad("search.successive_halving", "max_budget below min_budget",
        lambda: S.successive_halving(lambda p, b: 0.0, [{}, {}], min_budget=4, max_budget=2),
        ValueError, r"max_budget must be >= min_budget; got max_budget=2, min_budget=4"),
    bad("roc.roc_curve", "one class only",
        lambda: R.roc_curve(np.array([1, 1]), np.array([0.1, 0.2])),
        ValueError, r"both classes .*got only label 1"),
    bad("roc.binary_confusion", "nan threshold",
        lambda: R.binary_confusion(np.array([0, 1]), np.array([0.1, 0.2]), math.nan),
        ValueError, r"threshold is NaN"),
    ok("roc.binary_confusion", "lists and an inf threshold",
       lambda: R.binary_confusion([0, 1], [0.1, 0.9], math.inf),
       lambda cm: cm.tolist() == [[1, 0], [1, 0]]),
    bad("roc.auc", "x not sorted", lambda: R.auc(np.array([1.0, 0.0, 0.5]), np.ones(3)),
        ValueError, r"sorted in increasing order"),
    bad("roc.decision_cost", "negative cost",
        lambda: R.decision_cost(np.array([0, 1]), np.array([0.1, 0.9]), 0.5, cost_fp=-1),
        ValueError, r"cost_fp"),
    bad("roc.detection_task", "digit 10", lambda: R.detection_task(digit=10),
        ValueError, r"digit must be an integer .*9.*got 10"),
    # lr_range_test
    bad("lr_range_test", "one batch", lambda: lrrt(batches=[(0, 0)]),
        ValueError, r"at least 2 batches .* got 1"),
    bad("lr_range_test", "min_lr above max_lr", lambda: lrrt(min_lr=1.0, max_lr=0.1),
        ValueError, r"min_lr must be < max_lr"),
    bad("lr_range_test", "smoothing 1", lambda: lrrt(smoothing=1.0), ValueError, r"smoothing"),
    bad("lr_range_test", "stop_factor below 1", lambda: lrrt(stop_factor=0.5),
        ValueError, r"stop_factor must be > 1; got 0.5"),
    bad("lr_range_test", "an optimizer without lr", lambda: lrrt(optimizer=object()),
        TypeError, r"'lr' attribute; got object"),
    bad("lr_range_test", "step not callable", lambda: lrrt(step=None),
        TypeError, r"step must be a function"),
    bad("lr_range_test", "batches not pairs", lambda: lrrt(batches=[1, 2, 3]),
        TypeError, r"\(x_batch, y_batch\) pairs; got int"),
    bad("lr_range_test", "step returns a str", lambda: lrrt(step=lambda xb, yb: "x"),
        TypeError, r"step must return the batch loss as a number; got str"),
    ok("lr_range_test", "a 0-d torch tensor as the loss",
       lambda: lrrt(step=lambda xb, yb: torch.tensor(1.0)),
       lambda found: found["losses"].tolist() == [1.0, 1.0, 1.0]),
]


def _raising_file(info: pytest.ExceptionInfo) -> str:
    tb = info.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.api}: {row.case}" for row in ROWS])
def test_bad_input(row: Row) -> None:
    if row.error is None:
        result = row.call()
        assert row.check is None or row.check(result), f"{row.api} ({row.case}) returned {result!r}"
        return
    with pytest.raises(Exception) as info:
        row.call()
    message = str(info.value)
    assert info.type is row.error, f"{row.api} ({row.case}): {info.type.__name__}: {message}"
    assert re.search(row.pattern, message), f"{row.api} ({row.case}) said: {message}"
    where = _raising_file(info).replace("\\", "/")
    assert "/nncourse/" in where and "site-packages" not in where, (
        f"{row.api} ({row.case}): raised inside {where}, not by nncourse: {message}")
    # A whole sentence or more (each row's pattern pins what was expected and what came).
    assert len(message) >= 40 and message.rstrip().endswith((".", ")")), (
        f"{row.api} ({row.case}): too terse to help: {message}")


def test_the_table_covers_every_kind_of_bad_input() -> None:
    """Every category the sweep promises appears at least once (a guard against pruning)."""
    cases = " | ".join(row.case for row in ROWS).lower()
    for kind in ("shape", "float", "str", "nan", "empty", "zero", "negative", "unknown",
                 "list", "numpy scalar", "numpy integer", "read-only", "non-contiguous",
                 "bool", "float16", "object", "int array", "inf"):
        assert kind in cases, kind
