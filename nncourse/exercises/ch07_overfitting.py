"""Chapter 7 exercises: dropout forward/backward, the L2 penalty and its gradient, and choosing a
capacity with the capacity explorer (early stopping is in :mod:`.ch07_early_stopping`).

Every judge computes its reference with the library (:mod:`nncourse.numpy.normalization`,
:mod:`nncourse.numpy.losses`, :func:`nncourse.widgets.capacity.compute_capacity`).

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.numpy import losses
    >>> check("regularization.l2_gradient", (losses.l2_penalty, losses.l2_penalty_grad)).passed
    True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nncourse.numpy import losses, normalization
from nncourse.numpy.module import Parameter

from .compare import answer_value, as_array, compare_arrays, compare_number
from .registry import Case, Exercise, Mistake, register

#: regularization.capacity_choice: judged at this many training points, within this factor of
#: the best validation error the explorer's degree and L2 sliders can reach.
CAPACITY_POINTS, CAPACITY_FACTOR = 15, 1.15
L2_GRID = (0.0, *(float(10.0 ** e) for e in np.arange(-8, 0.01, 0.25)))


# ----------------------------------------------------------------------------- dropout
def _pair(obj):
    if isinstance(obj, tuple | list) and len(obj) == 2:
        return obj
    raise TypeError("pass the pair (dropout_forward, dropout_backward)")


def _dropout_run(obj, inputs):
    forward, backward = _pair(obj)
    x, p = inputs["x"], inputs["p"]
    out, scale = forward(x, p, np.random.default_rng(inputs["seed"]))
    again, _ = forward(x, p, np.random.default_rng(inputs["seed"]))
    return {"out": out, "scale": scale, "again": again,
            "grad": backward(inputs["grad_out"], scale)}


def _dropout_inputs(p: float, shape=(64, 50)):
    def make(rng):
        return {"x": rng.normal(size=shape) + 0.5, "p": p, "seed": int(rng.integers(1, 10_000)),
                "grad_out": rng.normal(size=shape)}
    return make


def _dropout_judge(inputs, outputs):
    x, p = inputs["x"], inputs["p"]
    expected, scale = normalization.dropout_forward(x, p, np.random.default_rng(inputs["seed"]))
    out, problem = as_array(outputs["out"], "out")
    if problem:
        return problem
    if out.shape != x.shape:
        return f"out has shape {out.shape}, expected the input's shape {x.shape}"
    if not np.all(np.isfinite(out)):
        return "out contains NaN or inf; with p = 1 every unit is dropped: return zeros"
    if not np.array_equal(np.asarray(outputs["again"]), out):
        return ("two calls with generators seeded alike gave different masks: draw the mask "
                "from the rng argument, not from np.random")
    kept = out != 0
    if 0 < p < 1 and abs(kept.mean() - (1 - p)) > 0.1 and abs(kept.mean() - p) < 0.1:
        return (f"about {kept.mean():.0%} of the units are kept, but p = {p} is the probability "
                f"of dropping one: keep a unit with probability 1 - p (rng.random(x.shape) >= p)")
    if 0 < p < 1 and np.allclose(out, x * (expected != 0)):
        return (f"the kept units are not scaled: inverted dropout multiplies them by 1/(1 - p) = "
                f"{1 / (1 - p):.3g} so that the expected output equals the input")
    if 0 < p < 1 and np.allclose(out, x * (expected != 0) * (1 - p)):
        return (f"the kept units are multiplied by 1 - p; inverted dropout divides by it "
                f"(scale 1/(1 - p) = {1 / (1 - p):.3g})")
    message = compare_arrays("out", out, expected,
                             shape_hint="draw keep = rng.random(x.shape) >= p once, from rng")
    if message:
        return message + " (keep = rng.random(x.shape) >= p, drawn from the rng argument)"
    grad, problem = as_array(outputs["grad"], "grad_x")
    if problem:
        return problem
    if 0 < p < 1 and grad.shape == x.shape and np.allclose(grad, inputs["grad_out"]):
        return ("grad_x equals grad_out: the backward pass must apply the same mask and scale "
                "as the forward pass (dropped units get no gradient)")
    return compare_arrays("grad_x", grad, normalization.dropout_backward(inputs["grad_out"],
                                                                         scale))


def _drop_unscaled(x, p, rng):
    keep = rng.random(x.shape) >= p
    return x * keep, keep.astype(float)


def _drop_times_keep(x, p, rng):
    keep = rng.random(x.shape) >= p
    return x * keep * (1 - p), keep * (1 - p)


def _drop_keep_p(x, p, rng):
    keep = rng.random(x.shape) < p
    scale = keep / (1 - p) if p < 1 else keep * 0.0
    return x * scale, scale


def _drop_backward_ignores_mask(grad_out, scale):
    return grad_out


def _drop_global_rng(x, p, rng):
    return normalization.dropout_forward(x, p, np.random.default_rng())


register(Exercise(
    id="regularization.dropout", title="Inverted dropout, forward and backward", chapter="ch07",
    kind="functions", run=_dropout_run,
    prompt="Write `dropout_forward(x, p, rng) -> (out, scale)` (keep each unit with probability "
           "1 - p using `rng.random(x.shape) >= p`, scale the kept ones by 1/(1 - p); `scale` is "
           "the per-entry factor) and `dropout_backward(grad_out, scale) -> grad_x`; check them "
           "together: check('regularization.dropout', (dropout_forward, dropout_backward)).",
    hints=["scale = keep / (1 - p); out = x * scale; the backward pass multiplies by scale.",
           "p = 1 drops everything: make scale all zeros instead of dividing by 0."],
    cases=[Case("p = 0.5", 2, _dropout_inputs(0.5), _dropout_judge),
           Case("p = 0.2", 1, _dropout_inputs(0.2), _dropout_judge),
           Case("p = 0 (identity)", 1, _dropout_inputs(0.0), _dropout_judge),
           Case("p = 1, batch of one", 1, _dropout_inputs(1.0, (1, 7)), _dropout_judge)],
    mistakes=[
        Mistake("kept units not scaled", (_drop_unscaled, normalization.dropout_backward),
                "not scaled"),
        Mistake("multiplied by 1 - p", (_drop_times_keep, normalization.dropout_backward),
                "divides by it"),
        Mistake("keeps with probability p", (_drop_keep_p, normalization.dropout_backward),
                "probability of dropping"),
        Mistake("backward ignores the mask",
                (normalization.dropout_forward, _drop_backward_ignores_mask), "same mask"),
        Mistake("mask not drawn from rng", (_drop_global_rng, normalization.dropout_backward),
                "rng argument")],
))


# ----------------------------------------------------------------------------- L2 penalty
def _l2_run(obj, inputs):
    penalty, gradient = _pair_l2(obj)
    params = [Parameter(np.array(w)) for w in inputs["weights"]]
    value = penalty(params, inputs["strength"])
    grads = gradient(params, inputs["strength"])
    return {"penalty": value, "grads": list(grads)}


def _pair_l2(obj):
    if isinstance(obj, tuple | list) and len(obj) == 2:
        return obj
    raise TypeError("pass the pair (l2_penalty, l2_penalty_grad)")


def _l2_inputs(strength: float):
    def make(rng):
        return {"weights": [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))],
                "strength": strength}
    return make


def _l2_judge(inputs, outputs):
    params = [Parameter(np.array(w)) for w in inputs["weights"]]
    s = inputs["strength"]
    expected, grads = losses.l2_penalty(params, s), losses.l2_penalty_grad(params, s)
    value = outputs["penalty"]
    if isinstance(value, int | float) and s > 0 and np.isclose(value, 2 * expected):
        return ("the penalty is twice the reference: L2 is strength/2 * sum of w**2, and the "
                "1/2 makes its gradient exactly strength * w")
    message = compare_number("penalty", value, expected)
    if message:
        return message
    got = outputs["grads"]
    if not isinstance(got, list) or len(got) != len(grads):
        return f"return one gradient array per parameter ({len(grads)} here)"
    for i, (g, e) in enumerate(zip(got, grads, strict=True)):
        arr, problem = as_array(g, f"grad[{i}]")
        if problem:
            return problem
        w = params[i].data
        if arr.shape == e.shape and s > 0 and np.allclose(arr, 2 * e):
            return (f"grad[{i}] is 2 * strength * w, but the penalty strength/2 * sum w**2 has "
                    f"gradient strength * w (the 2 of the square cancels the 1/2)")
        if arr.shape == e.shape and s > 0 and np.allclose(arr, s * np.sign(w)):
            return (f"grad[{i}] is strength * sign(w): that is the L1 gradient; L2's is "
                    f"strength * w, proportional to the weight")
        if arr.shape == e.shape and s > 0 and np.allclose(arr, s):
            return (f"grad[{i}] is the constant strength; the L2 gradient is strength * w, "
                    f"proportional to each weight")
        message = compare_arrays(f"grad[{i}]", arr, e)
        if message:
            return message
    return None


def _l2_no_half(params, strength):
    return strength * float(sum(np.sum(p.data ** 2) for p in params))


def _l2_grad_double(params, strength):
    return [2 * strength * p.data for p in params]


def _l2_grad_sign(params, strength):
    return [strength * np.sign(p.data) for p in params]


def _l2_grad_constant(params, strength):
    return [np.full_like(p.data, strength) for p in params]


register(Exercise(
    id="regularization.l2_gradient", title="The L2 penalty and its gradient", chapter="ch07",
    kind="functions", run=_l2_run,
    prompt="Write `l2_penalty(params, strength) -> float` = strength/2 · Σ‖w‖² over the "
           "Parameters' `.data`, and `l2_penalty_grad(params, strength) -> [array per "
           "parameter]`; check them together: check('regularization.l2_gradient', "
           "(l2_penalty, l2_penalty_grad)).",
    hints=["d/dw (λ/2 · w²) = λ · w: the gradient is proportional to the weight.",
           "Loop over the parameters and use p.data."],
    cases=[Case("strength 0.1", 2, _l2_inputs(0.1), _l2_judge),
           Case("strength 0 (no penalty)", 1, _l2_inputs(0.0), _l2_judge)],
    mistakes=[Mistake("penalty without the 1/2", (_l2_no_half, losses.l2_penalty_grad),
                      "1/2"),
              Mistake("gradient twice too large", (losses.l2_penalty, _l2_grad_double),
                      "cancels the 1/2"),
              Mistake("L1 gradient", (losses.l2_penalty, _l2_grad_sign), "L1 gradient"),
              Mistake("constant gradient", (losses.l2_penalty, _l2_grad_constant),
                      "proportional to each weight")],
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


def _capacity_run(obj, inputs):
    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected the capacity explorer or a dict {'capacity': degree, 'l2': "
                        "strength}")
    out = {"capacity": value.get("capacity"), "l2": value.get("l2", 0.0),
           "model": value.get("model", "polynomial"), "n_train": value.get("n_train",
                                                                         CAPACITY_POINTS)}
    if isinstance(out["capacity"], bool) or not isinstance(out["capacity"], int | float):
        raise TypeError("the answer needs an integer 'capacity' (the polynomial degree)")
    return out


def _capacity_judge(inputs, outputs):
    degree, l2 = int(outputs["capacity"]), float(outputs["l2"])
    if l2 <= 1e-8:
        l2 = 0.0                        # the slider's left end means "off"
    note = ""
    if outputs["model"] != "polynomial" or outputs["n_train"] != CAPACITY_POINTS:
        note = (f" (judged as a polynomial on {CAPACITY_POINTS} training points; your explorer "
                f"is set to model {outputs['model']!r} with {outputs['n_train']} training points)")
    if not 0 <= degree <= 20:
        return f"degree {degree} is outside the explorer's range 0..20"
    result = capacity_errors(degree, float(l2))
    train, val, best = result["train_error"], result["val_error"], best_capacity_error()
    if val <= CAPACITY_FACTOR * best:
        return None
    head = (f"degree {degree} with L2 = {l2:.3g}: training MSE {train:.3g}, validation MSE "
            f"{val:.3g}, but {best:.3g} is reachable")
    by_l2 = [capacity_errors(degree, value)["val_error"] for value in L2_GRID]
    best_l2 = L2_GRID[int(np.argmin(by_l2))]
    advice = []
    if l2 > best_l2:
        advice.append(f"The model underfits: an L2 strength of {l2:.3g} is too strong and "
                      f"flattens the fit; lower it")
    elif l2 < best_l2:
        advice.append("The model overfits: raise the L2 strength")
    if min(by_l2) > CAPACITY_FACTOR * best:       # no L2 strength rescues this degree
        direction = "raise" if degree < _best_degree() else "lower"
        advice.append(f"degree {degree} cannot get close enough with any L2 strength: "
                      f"{direction} the degree")
    text = "; ".join(advice)
    return f"{head}. {text[0].upper()}{text[1:]}{note}."


@lru_cache(maxsize=1)
def _best_degree() -> int:
    """The degree of the best validation error over all degrees and L2 values."""
    best = min((capacity_errors(0, l2)["sweep"]["val"].min(), l2) for l2 in L2_GRID)
    return int(np.argmin(capacity_errors(0, best[1])["sweep"]["val"]))


register(Exercise(
    id="regularization.capacity_choice", title="Choose the capacity and the L2 strength",
    chapter="ch07", kind="widget", run=_capacity_run,
    prompt=f"With the capacity explorer set to a polynomial on {CAPACITY_POINTS} training "
           f"points, choose a degree and an L2 strength whose validation MSE is within "
           f"{CAPACITY_FACTOR:.2f} times the best the explorer can reach; then "
           f"`answer('regularization.capacity_choice', explorer)`.",
    hints=["The right panel shows training and validation error for every degree at the "
           "current L2 strength.",
           "A high degree needs L2 to stay smooth; a low degree needs little."],
    widget={"dropdowns": {"capacity": list(range(21)), "l2": list(L2_GRID[::4])}},
    cases=[Case("validation error near the best", 2, lambda rng: {}, _capacity_judge)],
    mistakes=[Mistake("degree 20, no L2", {"capacity": 20, "l2": 0.0}, "lower the degree"),
              Mistake("a straight line", {"capacity": 1, "l2": 0.0}, "raise the degree"),
              Mistake("L2 far too strong", {"capacity": 9, "l2": 1.0}, "too strong"),
              Mistake("judged on more data than shown",
                      {"capacity": 12, "l2": 0.0, "n_train": 200, "model": "polynomial"},
                      ("lower the degree", "200 training points"))],
))
