"""How chapter 7's learner code is called (sandbox side). Each runner returns raw data only.

* ``dropout_run``: the pair (forward, backward) on one batch: ``out`` and ``grad_x``.
* ``l2_run``: the pair (penalty, gradient) on Parameters built from the input arrays: the
  penalty and one ``grad[i]`` per parameter.
* ``stopping_run``: the learner's early-stopping class driven through validation curves with a
  stand-in model whose weights record the epoch that produced them, ``runs`` times with the
  same object (``fit`` may reuse a callback); per run the epoch it stopped at, the epoch whose
  weights the model holds after ``on_train_end``, and its ``best`` / ``best_epoch``.

Example:
    >>> from nncourse.numpy.callbacks import EarlyStopping
    >>> stopping_run(EarlyStopping, {"losses": [3.0, 2.0, 2.5, 2.6], "patience": 2,
    ...                              "runs": 1}, {})["stopped_at"]
    [3]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...i18n import _
from ..errors import LearnerError
from ..runtime import runner


def _pair(answer: Any, exercise_id: str, names: str) -> tuple[Any, Any]:
    if isinstance(answer, tuple | list) and len(answer) == 2 and all(map(callable, answer)):
        return answer[0], answer[1]
    raise LearnerError(_("pass the two functions together, as a pair: "
                         "check({exercise_id!r}, ({names}))").format(exercise_id=exercise_id,
                                                                    names=names))


def _output_pair(value: Any, first: str, second: str) -> tuple[Any, Any]:
    if isinstance(value, tuple | list) and len(value) == 2:
        return value[0], value[1]
    raise LearnerError(_("the forward pass returned {kind}; it should return the tuple "
                         "({first}, {second})").format(kind=type(value).__name__, first=first,
                                                       second=second))


@runner("regularization.dropout")
def dropout_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """``out`` of the forward pass (mask from ``default_rng(rng)``, an int seed) and ``grad_x``."""
    forward, backward = _pair(answer, "regularization.dropout", "dropout_forward, dropout_backward")
    x, p = inputs["x"], inputs["p"]
    out, scale = _output_pair(forward(x, p, np.random.default_rng(inputs["rng"])), "out",
                              "scale")
    return {"out": out, "grad_x": backward(inputs["grad_out"], scale)}


@runner("regularization.l2_gradient")
def l2_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """The penalty and each gradient (``grad[i]``) for Parameters holding ``inputs["weights"]``."""
    from nncourse.numpy.module import Parameter

    penalty, gradient = _pair(answer, "regularization.l2_gradient", "l2_penalty, l2_penalty_grad")
    params = [Parameter(np.array(w, dtype=float)) for w in inputs["weights"]]
    value = penalty(params, inputs["strength"])
    grads = gradient(params, inputs["strength"])
    if not isinstance(grads, tuple | list) or len(grads) != len(params):
        kind = type(grads).__name__
        got = _("{kind} of {count} items").format(kind=kind, count=len(grads)) \
            if isinstance(grads, tuple | list) else kind
        raise LearnerError(_("l2_penalty_grad returned {got}; it should return a list with one "
                             "gradient array per parameter ({count} here)").format(
            got=got, count=len(params)))
    return {"penalty": value, **{f"grad[{i}]": grad for i, grad in enumerate(grads)}}


class _Recorder:
    """A stand-in model whose weights are the number of the epoch that produced them."""

    def __init__(self) -> None:
        self.weight = np.zeros(1)

    def state_dict(self) -> dict:
        return {"weight": self.weight.copy()}

    def load_state_dict(self, state: dict) -> None:
        self.weight = np.array(state["weight"], dtype=float)


def _plain_number(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    return value if value is None or isinstance(value, int | float) else repr(value)[:40]


@runner("regularization.early_stopping")
def stopping_run(answer: Any, inputs: dict, spec: dict) -> dict:
    """Drive the class through ``inputs["losses"]`` ``inputs["runs"]`` times (one object)."""
    if not isinstance(answer, type):
        raise LearnerError(_("pass the class itself, not {kind}: "
                             "check('regularization.early_stopping', EarlyStopping)").format(
            kind=type(answer).__name__))
    callback = answer(monitor="val_loss", patience=inputs["patience"])
    out: dict[str, list] = {"stopped_at": [], "restored_epoch": [], "best": [],
                            "best_epoch": []}
    for _run in range(int(inputs.get("runs", 2))):
        callback.model = _Recorder()
        callback.on_train_begin({})
        last = len(inputs["losses"]) - 1
        for epoch, value in enumerate(inputs["losses"]):
            callback.model.weight = np.array([float(epoch)])     # "training" this epoch
            stop = callback.on_epoch_end(epoch, {"val_loss": float(value), "loss": 0.0})
            if stop or getattr(callback, "stop_training", False) is True:
                last = epoch
                break
        callback.on_train_end({})
        out["stopped_at"].append(last)
        out["restored_epoch"].append(float(np.asarray(callback.model.weight).ravel()[0]))
        out["best"].append(_plain_number(getattr(callback, "best", "missing")))
        out["best_epoch"].append(_plain_number(getattr(callback, "best_epoch", "missing")))
    return out
