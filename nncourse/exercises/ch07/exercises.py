"""Chapter 7 exercises: inverted dropout, the L2 penalty and its gradient, an early-stopping
callback, and choosing a capacity with the capacity explorer.

Each exercise names its reference (the library's :mod:`nncourse.numpy.normalization` and
:mod:`nncourse.numpy.losses` pairs in :mod:`.reference`, the library's
:class:`nncourse.numpy.callbacks.EarlyStopping`); the framework compares the learner's output
with it, then the mistake models of :mod:`.mistakes`, then its generic diagnosis. The capacity
choice is judged by the explorer's own computation
(:func:`nncourse.widgets.capacity_core.compute_capacity`).

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.numpy import losses
    >>> check("regularization.l2_gradient", (losses.l2_penalty, losses.l2_penalty_grad)).passed
    True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes

#: regularization.capacity_choice: judged at this many training points, within this factor of
#: the best validation error the explorer's degree and L2 sliders can reach.
CAPACITY_POINTS, CAPACITY_FACTOR = 15, 1.15
L2_GRID = (0.0, *(float(10.0 ** e) for e in np.arange(-8, 0.01, 0.25)))


# ----------------------------------------------------------------------------- dropout
def _dropout_inputs(p: float, shape=(64, 50)):
    def make(rng):
        return {"x": rng.normal(size=shape) + 0.5, "p": p, "rng": int(rng.integers(1, 10_000)),
                "grad_out": rng.normal(size=shape)}
    return make


def _with(**changes: Any):
    def transform(inputs: dict) -> dict:
        return {**inputs, **changes}
    return transform


def _ones_grad(inputs: dict) -> dict:
    return {**inputs, "grad_out": np.ones_like(inputs["grad_out"])}


register(Exercise(
    id="regularization.dropout", title="Inverted dropout, forward and backward", chapter="ch07",
    kind="functions", reference="nncourse.exercises.ch07.reference.DROPOUT",
    call={"runner": "nncourse.exercises.ch07.runners:dropout_run", "generators": ["rng"]},
    expects={"returns": "(out, scale) from dropout_forward and grad_x from dropout_backward",
             "inputs": {"x": "an array", "p": "the probability of dropping a unit (0 <= p "
                        "<= 1)", "rng": "a np.random.Generator", "grad_out": "an array shaped "
                        "like x"}},
    prompt="Write `dropout_forward(x, p, rng) -> (out, scale)` (keep each unit with probability "
           "1 - p using `rng.random(x.shape) >= p`, scale the kept ones by 1/(1 - p); `scale` is "
           "the per-entry factor) and `dropout_backward(grad_out, scale) -> grad_x`; check them "
           "together: check('regularization.dropout', (dropout_forward, dropout_backward)).",
    hints=["scale = keep / (1 - p); out = x * scale; the backward pass multiplies by scale.",
           "p = 1 drops everything: make scale all zeros instead of dividing by 0."],
    cases=[Case("p = 0.5", 2, _dropout_inputs(0.5)),
           Case("p = 0.2", 1, _dropout_inputs(0.2)),
           Case("p = 0 (identity)", 1, _dropout_inputs(0.0)),
           Case("p = 1, batch of one", 1, _dropout_inputs(1.0, (1, 7)))],
    probes=[
        Probe("p = 0", _with(p=0.0),
              "With p = 0 nothing is dropped: out must equal x and grad_x must equal grad_out "
              "(scale 1 everywhere)."),
        Probe("grad_out = 1", _ones_grad,
              "With grad_out all ones grad_x must be the forward pass's scale: 1/(1 - p) where "
              "a unit was kept, 0 where it was dropped.", outputs=("grad_x",)),
    ],
    mistakes=mistakes.DROPOUT,
))


# ----------------------------------------------------------------------------- L2 penalty
def _l2_inputs(strength: float):
    def make(rng):
        return {"weights": [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))],
                "strength": strength}
    return make


def _one_weight(inputs: dict) -> dict:
    weights = [np.zeros_like(np.asarray(w, dtype=float)) for w in inputs["weights"]]
    weights[0][0, 0] = 2.0
    return {"weights": weights, "strength": inputs["strength"] or 0.1}


def _first_zero(inputs: dict) -> dict:
    weights = [np.asarray(w, dtype=float) for w in inputs["weights"]]
    return {"weights": [np.zeros_like(weights[0]), *weights[1:]],
            "strength": inputs["strength"] or 0.1}


GRADIENTS = ("grad[0]", "grad[1]")


register(Exercise(
    id="regularization.l2_gradient", title="The L2 penalty and its gradient", chapter="ch07",
    kind="functions", reference="nncourse.exercises.ch07.reference.L2_PENALTY",
    call={"runner": "nncourse.exercises.ch07.runners:l2_run"},
    expects={"returns": "a number from l2_penalty and a list with one gradient array per "
                        "parameter from l2_penalty_grad",
             "shapes": {name: "the shape of its parameter" for name in GRADIENTS},
             "inputs": {"params": "a list of Parameters (the weights in p.data)",
                        "strength": "a number >= 0"}},
    prompt="Write `l2_penalty(params, strength) -> float` = strength/2 · Σ‖w‖² over the "
           "Parameters' `.data`, and `l2_penalty_grad(params, strength) -> [array per "
           "parameter]`; check them together: check('regularization.l2_gradient', "
           "(l2_penalty, l2_penalty_grad)).",
    hints=["d/dw (λ/2 · w²) = λ · w: the gradient is proportional to the weight.",
           "Loop over the parameters and use p.data."],
    cases=[Case("strength 0.1", 2, _l2_inputs(0.1)),
           Case("strength 0 (no penalty)", 1, _l2_inputs(0.0))],
    probes=[
        Probe("strength = 0", _with(strength=0.0),
              "With strength 0 there is no penalty: the penalty is 0 and every gradient is "
              "zeros."),
        Probe("one non-zero weight (gradient)", _one_weight,
              "With a single non-zero weight w = 2 the gradient is strength · w = 2 · strength "
              "at that weight and 0 everywhere else.", outputs=GRADIENTS),
        Probe("one non-zero weight (penalty)", _one_weight,
              "With a single non-zero weight w = 2 the penalty is strength/2 · w² = 2 · "
              "strength.", outputs=("penalty",)),
        Probe("the first parameter all zero", _first_zero,
              "The penalty sums over every parameter: with the first one all zero it is "
              "strength/2 · Σ w² of the others.",
              outputs=("penalty",)),
    ],
    mistakes=mistakes.L2,
))


# ----------------------------------------------------------------------------- early stopping
def _curve(rng, falling: int, rising: int, plateau: bool = False, bump: bool = False) -> list:
    """A validation curve: ``falling`` improving epochs, then ``rising`` worse ones."""
    values = list(np.round(np.cumsum(-rng.uniform(0.1, 0.5, falling)) + 5.0, 1))
    low = values[-1]
    if plateau:
        values += [low] * 2                      # equal to the best: no improvement
    if bump:
        values += [round(low + 0.6, 1), round(low + 0.3, 1)]   # lower than the last, not best
    values += list(np.round(low + np.cumsum(rng.uniform(0.1, 0.4, rising)), 1))
    return [float(v) for v in values]


def _stopping_inputs(kind: str):
    def make(rng):
        patience = int(rng.integers(1, 4))
        falling = int(rng.integers(2, 5))
        if kind == "patience 0":
            return {"losses": _curve(rng, falling, 3), "patience": 0, "runs": 2}
        if kind == "plateau":
            return {"losses": _curve(rng, falling, patience + 2, plateau=True),
                    "patience": patience + 1, "runs": 2}
        if kind == "bump":
            return {"losses": _curve(rng, falling, patience + 2, bump=True),
                    "patience": patience + 1, "runs": 2}
        if kind == "late best":                 # improves again after a long pause
            head = _curve(rng, falling, patience)
            tail = [round(min(head) - 0.5, 1), round(min(head) - 0.2, 1)]
            return {"losses": head + tail + _curve(rng, 1, patience + 1)[1:], "runs": 2,
                    "patience": patience + 1}
        return {"losses": _curve(rng, falling, patience + 2), "patience": patience, "runs": 2}
    return make


def _shown(value: Any) -> str:
    return _("not set") if value == "missing" else repr(value)


def _stopping_judge(inputs: dict, output: dict, expected: dict) -> str | None:
    """Run by run: where training stopped, the weights kept, then best / best_epoch."""
    losses, patience = inputs["losses"], inputs["patience"]
    for run in range(len(expected["stopped_at"])):
        got = {key: output[key][run] if run < len(output[key]) else None for key in expected}
        want = {key: expected[key][run] for key in expected}
        if got == want:
            continue
        if run > 0:
            return (_("the second training with the same callback object went "
                      "differently from the first: fit may reuse a callback, so reset "
                      "everything it remembers in on_train_begin (best = np.inf, "
                      "best_epoch = None, the count, the saved state)"))
        story = _("with patience {patience} and validation losses {losses}, the best value "
                  "{best:g} comes at epoch {best_epoch}").format(
                      patience=patience, losses=losses, best=want["best"],
                      best_epoch=want["best_epoch"])
        if got["stopped_at"] != want["stopped_at"]:
            return (_("training stopped after epoch {got_stopped_at}, expected after "
                      "epoch {want_stopped_at}: {story}; stop when the count of epochs "
                      "in a row without a strictly lower value than the best so far "
                      "reaches patience").format(
                        got_stopped_at=got['stopped_at'], want_stopped_at=want['stopped_at'],
                        story=story))
        if got["restored_epoch"] != want["restored_epoch"]:
            return (_("after training the model holds the weights of epoch "
                      "{got_restored_epoch:g}: {story}. Keep a copy of "
                      "self.model.state_dict() at each improvement and load it in "
                      "on_train_end").format(
                        got_restored_epoch=got['restored_epoch'], story=story))
        return (_("after training self.best is {shown_got_best} and self.best_epoch "
                  "{shown_got_best_epoch}; expected {want_best:g} and "
                  "{want_best_epoch} (the lowest value and its epoch; the lab's next "
                  "cell reads both)").format(
                    shown_got_best=_shown(got['best']),
                    shown_got_best_epoch=_shown(got['best_epoch']), want_best=want['best'],
                    want_best_epoch=want['best_epoch']))
    return None


register(Exercise(
    id="regularization.early_stopping", title="An early-stopping callback", chapter="ch07",
    kind="function", reference="nncourse.numpy.callbacks.EarlyStopping",
    call={"runner": "nncourse.exercises.ch07.runners:stopping_run"},
    expects={"returns": "a Callback class with __init__(self, monitor='val_loss', patience=3), "
                        "on_train_begin, on_epoch_end (True to stop) and on_train_end",
             "keys": {"logs": ["val_loss", "loss"]}},
    prompt="Write a class `EarlyStopping(Callback)` with `__init__(self, monitor='val_loss', "
           "patience=3)`; `on_train_begin` resets everything it remembers; `on_epoch_end(epoch, "
           "logs)` compares `logs[monitor]` with `self.best` (strictly lower is an improvement: "
           "update `self.best` and `self.best_epoch`, copy `self.model.state_dict()`, reset the "
           "count) and returns True when `patience` epochs in a row brought no improvement; "
           "`on_train_end` restores the best state. Check the class: "
           "check('regularization.early_stopping', EarlyStopping).",
    hints=["Keep best, best_epoch, the epochs waited and a copy of the best state; reset them "
           "all in on_train_begin.",
           "Compare with the best so far, not the previous epoch; stop when wait >= patience."],
    cases=[Case("stops after patience", 1, _stopping_inputs("rise"), _stopping_judge),
           Case("a plateau is no improvement", 1, _stopping_inputs("plateau"),
                _stopping_judge),
           Case("compared with the best, not the last epoch", 1, _stopping_inputs("bump"),
                _stopping_judge),
           Case("an improvement resets the count", 1, _stopping_inputs("late best"),
                _stopping_judge),
           Case("patience 0", 1, _stopping_inputs("patience 0"), _stopping_judge)],
    mistakes=mistakes.STOPPING,
    check_global_rng=False,
))


# ----------------------------------------------------------------------------- widget
@lru_cache(maxsize=512)
def capacity_errors(degree: int, l2: float, n_train: int = CAPACITY_POINTS) -> dict:
    """Training and validation MSE of the capacity explorer's polynomial at these settings.

    Cached: the data are fixed (seed 0), so the same settings always give the same numbers.
    The returned dict is shared; read it, do not change it.
    """
    from nncourse.widgets.capacity_core import compute_capacity

    return compute_capacity("polynomial", capacity=int(degree), n_train=n_train, l2=float(l2))


@lru_cache(maxsize=1)
def best_capacity_error() -> float:
    """The lowest validation MSE over every degree and every L2 value of the explorer's slider.

    Example:
        >>> 0.05 < best_capacity_error() < 0.07
        True
    """
    return float(min(capacity_errors(0, l2)["sweep"]["val"].min() for l2 in L2_GRID))


@lru_cache(maxsize=1)
def _best_degree() -> int:
    """The degree of the best validation error over all degrees and L2 values."""
    best = min((capacity_errors(0, l2)["sweep"]["val"].min(), l2) for l2 in L2_GRID)
    return int(np.argmin(capacity_errors(0, best[1])["sweep"]["val"]))


def _capacity_judge(inputs: dict, output: Any) -> str | None:
    if not isinstance(output, dict) or isinstance(output.get("capacity"), bool) or \
            not isinstance(output.get("capacity"), int | float):
        return (_("expected the capacity explorer or a dict {'capacity': degree, 'l2': "
                  "strength} with a whole-number degree"))
    degree, l2 = int(output["capacity"]), float(output.get("l2", 0.0) or 0.0)
    model = output.get("model", "polynomial")
    n_train = output.get("n_train", CAPACITY_POINTS)
    if l2 <= 1e-8:
        l2 = 0.0                        # the slider's left end means "off"
    note = ""
    if model != "polynomial" or n_train != CAPACITY_POINTS:
        note = " " + _("(judged as a polynomial on {points} training points; your explorer "
                       "is set to model {model!r} with {n_train} training points)").format(
                           points=CAPACITY_POINTS, model=model, n_train=n_train)
    if not 0 <= degree <= 20:
        return _("degree {degree} is outside the explorer's range 1..20").format(
                   degree=degree)
    result = capacity_errors(degree, float(l2))
    train, val, best = result["train_error"], result["val_error"], best_capacity_error()
    if val <= CAPACITY_FACTOR * best:
        return None
    head = _("degree {degree} with L2 = {l2:.3g}: training MSE {train:.3g}, validation MSE "
             "{val:.3g}, but {best:.3g} is reachable").format(
                 degree=degree, l2=l2, train=train, val=val, best=best)
    by_l2 = [capacity_errors(degree, value)["val_error"] for value in L2_GRID]
    best_l2 = L2_GRID[int(np.argmin(by_l2))]
    advice = []
    if l2 > best_l2:
        advice.append(_("The model underfits: an L2 strength of {l2:.3g} is too strong and "
                        "flattens the fit; lower it").format(l2=l2))
    elif l2 < best_l2:
        advice.append(_("The model overfits: raise the L2 strength"))
    if min(by_l2) > CAPACITY_FACTOR * best:       # no L2 strength rescues this degree
        advice.append(
            _("degree {degree} cannot get close enough with any L2 strength: raise the "
              "degree") if degree < _best_degree() else
            _("degree {degree} cannot get close enough with any L2 strength: lower the "
              "degree"))
        advice[-1] = advice[-1].format(degree=degree)
    text = "; ".join(advice)
    return _("{head}. {text_0_upper}{text_1}{note}.").format(
               head=head, text_0_upper=text[0].upper(), text_1=text[1:], note=note)


register(Exercise(
    id="regularization.capacity_choice", title="Choose the capacity and the L2 strength",
    chapter="ch07", kind="widget", reference="nncourse.exercises.ch07.reference.CAPACITY_CHOICE",
    call={"runner": "value"},
    expects={"returns": "the capacity explorer or {'capacity': degree, 'l2': strength}",
             "keys": {"the explorer's state": ["capacity", "l2", "model", "n_train"]}},
    prompt=f"With the capacity explorer set to a polynomial on {CAPACITY_POINTS} training "
           f"points, choose a degree and an L2 strength whose validation MSE is within "
           f"{CAPACITY_FACTOR:.2f} times the best the explorer can reach; then "
           f"`answer('regularization.capacity_choice', explorer)`.",
    hints=["The right panel shows training and validation error for every degree at the "
           "current L2 strength.",
           "A high degree needs L2 to stay smooth; a low degree needs little."],
    widget={"dropdowns": {"capacity": list(range(1, 21)), "l2": list(L2_GRID[::4])}},
    cases=[Case("validation error near the best", 2, lambda rng: {}, _capacity_judge)],
    mistakes=mistakes.CAPACITY,
))
