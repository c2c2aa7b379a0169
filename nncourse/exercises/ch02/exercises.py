"""Chapter 2's exercises: numerical gradients, gradient descent, the stability limit 2/L.

The functions the learner's code differentiates or minimizes are plain numbers the checker
draws, built into functions by :mod:`.runners` (so the grader can send them into a sandbox).

Example:
    >>> from nncourse.exercises import check
    >>> check("gradients.stability_limit", 0.5).passed
    True
"""

from __future__ import annotations

import numpy as np

from ...i18n import _
from ..compare import compare_number, describe_value
from ..registry import Case, Exercise, Probe, register
from . import mistakes as wrong
from .reference import ILL_CONDITIONED, STATED_L

ILL_START = np.array([3.0, 2.0])
FAST_STEPS, FAST_TOLERANCE = 50, 1e-4       # loss must drop below tolerance * initial loss


# ----------------------------------------------------------------------------- numerical gradient
def _quadratic_spec(rng, d: int) -> dict:
    m = rng.normal(size=(d, d))
    return {"kind": "quadratic", "A": m @ m.T / d + np.eye(d), "b": rng.normal(size=d)}


def _numgrad_inputs(kind: str):
    def make(rng):
        if kind == "quadratic":    # central differences are exact here: any error is a bug
            spec = _quadratic_spec(rng, 4)
            spec["A"] = spec["A"] + 3.0 * np.ones((4, 4))   # coupled coordinates
            return {"function": spec, "x": rng.normal(size=4), "h": 1e-3}
        shape = (2, 3) if kind == "matrix" else (5,)
        return {"function": {"kind": "curved", "c": rng.uniform(1.0, 2.0, size=shape)},
                "x": rng.uniform(-1, 1, size=shape), "h": 1e-4 if kind == "curved" else 1e-5}
    return make


def _linear_function(inputs: dict) -> dict:
    x = np.asarray(inputs["x"])
    b = np.linspace(-1.0, 2.0, x.size)
    return {**inputs, "function": {"kind": "quadratic", "A": np.zeros((x.size, x.size)), "b": b}}


def _one_coordinate(inputs: dict) -> dict:
    x = np.asarray(inputs["x"]).ravel()[:1]
    function = inputs["function"]
    if function["kind"] == "quadratic":
        function = {"kind": "quadratic", "A": np.asarray(function["A"])[:1, :1],
                    "b": np.asarray(function["b"])[:1]}
    else:
        function = {"kind": "curved", "c": np.asarray(function["c"]).ravel()[:1]}
    return {**inputs, "function": function, "x": x}


register(Exercise(
    id="gradients.numerical_gradient", title="Numerical gradient by central differences",
    chapter="ch02", reference="nncourse.numpy.gradcheck.numerical_gradient",
    call={"runner": "nncourse.exercises.ch02.runners:run_numerical_gradient"},
    expects={"returns": "grad, an array shaped like x",
             "inputs": {"f": "a function mapping an array shaped like x to a float",
                        "x": "an array (of any shape: (4,), (2, 3), (5,))", "h": "a float"},
             "shapes": {"your result": "the shape of x"}},
    prompt="Write `numerical_gradient(f, x, h=1e-5) -> grad` (same shape as x, x may be a "
           "vector or a matrix) with central differences (f(x + h e_i) - f(x - h e_i)) / (2h), "
           "using the step h it is given; f maps an array to a float. Leave x unchanged.",
    hints=["Perturb one coordinate at a time: (f(x + h e_i) - f(x - h e_i)) / (2h).",
           "Central differences have error O(h²); forward differences only O(h)."],
    cases=[Case("quadratic, h = 1e-3", 1, _numgrad_inputs("quadratic")),
           Case("x is a matrix", 1, _numgrad_inputs("matrix")),
           Case("curved function, h = 1e-4", 1, _numgrad_inputs("curved"),
                hint="(f(x+h) - f(x)) / h is off by about h/2 · f''(x); center the difference.")],
    probes=[Probe("one coordinate", _one_coordinate,
                  "with a single coordinate your grad is {got}, expected {expected}: check the "
                  "difference quotient itself, (f(x + h) - f(x - h)) / (2h)."),
            Probe("a linear f", _linear_function,
                  "for a linear f(x) = b·x your grad is {got}, expected b = {expected}: every "
                  "difference quotient of a linear function is exact, so the coordinates are "
                  "mixed up (nudge x[i] alone and put it back).")],
    mistakes=wrong.NUMERICAL_GRADIENT,
))


# ----------------------------------------------------------------------------- gradient descent
def _gd_inputs(rng):
    return {"function": _quadratic_spec(rng, 3), "x0": rng.normal(size=3),
            "learning_rate": 0.1, "steps": 12}


def _starts_at_x0(inputs, output, expected):
    """Only the first row: the path starts where the descent starts."""
    from ..outputs import numeric

    arr = numeric(output)
    if arr is None or arr.ndim != 2 or len(arr) == 0 or arr.shape[1] != len(inputs["x0"]):
        return _("path should be an array of shape (steps + 1, d) whose first row is x0.")
    if not np.allclose(arr[0], expected[0], rtol=1e-9, atol=1e-12):
        return _("path[0] should be x0 itself (the path starts where the descent starts).")
    return None


register(Exercise(
    id="gradients.gradient_descent", title="Gradient descent, step by step", chapter="ch02",
    reference="nncourse.exercises.ch02.reference.gradient_descent", shared_inputs=True,
    call={"runner": "nncourse.exercises.ch02.runners:run_gradient_descent"},
    counter="steps",
    expects={"returns": "path, an array of shape (steps + 1, d)",
             "inputs": {"grad_fn": "a function: array (d,) -> gradient array (d,)",
                        "x0": "an array (d,)", "learning_rate": "a float",
                        "steps": "an int"},
             "shapes": {"your result": "(steps + 1, d): x0 and every iterate after it"}},
    prompt="Write `gradient_descent(grad_fn, x0, learning_rate, steps) -> path` returning all "
           "iterates of x_{t+1} = x_t - learning_rate * grad_fn(x_t) as one array of shape "
           "(steps + 1, d), starting with x0. Leave x0 unchanged.",
    hints=["x_{t+1} = x_t - learning_rate * grad_fn(x_t); collect every x_t in a list."],
    cases=[Case("starts at x0", 1, _gd_inputs, _starts_at_x0),
           Case("path matches", 2, _gd_inputs)],
    probes=[Probe("zero steps", lambda inp: {**inp, "steps": 0},
                  "with steps = 0 your path is {got}; it should be x0 alone, shape (1, d)."),
            Probe("one step", lambda inp: {**inp, "steps": 1},
                  "after one step your path is {got}, expected {expected}: "
                  "x_1 = x0 - learning_rate * grad_fn(x0).")],
    mistakes=wrong.GRADIENT_DESCENT,
))


# ----------------------------------------------------------------------------- numeric answers
def _number(outputs) -> str | None:
    if isinstance(outputs, bool) or not isinstance(outputs, int | float):
        return _("expected a number; got {got}").format(got=describe_value(outputs))
    return None


def _stability_judge(inputs, outputs):
    if _number(outputs):
        return _number(outputs)
    outputs = float(outputs)
    limit = 2.0 / inputs["L"]
    message = compare_number(_("learning rate"), outputs, limit, rtol=0.01)
    if message is None:
        return None
    if isinstance(outputs, float) and np.isclose(outputs, 1.0 / inputs["L"], rtol=0.01):
        return _("1/L = {outputs:g} converges in one step, but larger rates still "
                 "converge (oscillating): each step multiplies x by (1 - lr·L); when "
                 "does |1 - lr·L| < 1?").format(
                   outputs=outputs)
    if isinstance(outputs, float) and outputs > limit:
        return _("with lr = {outputs:g}, |1 - lr·L| = {l:.3g} > 1, so the iterates "
                 "grow.").format(
                   outputs=outputs, l=abs(1 - outputs * inputs['L']))
    if isinstance(outputs, float) and outputs < limit:
        return _("lr = {outputs:g} converges, but so do larger rates: each step "
                 "multiplies x by (1 - lr·L); find the largest lr with |1 - lr·L| < 1.").format(
                   outputs=outputs)
    return _("{message}; each step multiplies x by (1 - lr·L).").format(
        message=message.rstrip("."))


register(Exercise(
    id="gradients.stability_limit", title="The largest stable learning rate", chapter="ch02",
    kind="value", reference="nncourse.exercises.ch02.reference.stability_limit",
    call={"runner": "value"}, expects={"returns": "a number"},
    prompt=f"Gradient descent on f(x) = L/2 · x² with L = {STATED_L:g}: what is the largest "
           f"learning rate for which it still converges (the supremum)? Answer with a number.",
    hints=["x_{t+1} = x_t - lr · L · x_t = (1 - lr·L) x_t."],
    cases=[Case("value", 1, lambda rng: {"L": STATED_L}, _stability_judge)],
    mistakes=wrong.STABILITY_LIMIT,
))


def ill_conditioned_loss_after(learning_rate: float, steps: int = FAST_STEPS) -> float:
    """Loss 0.5 x^T A x of the course's ill-conditioned quadratic after ``steps`` GD steps.

    Example:
        >>> ill_conditioned_loss_after(0.18) < 1e-4 * ill_conditioned_loss_after(0.0, 0)
        True
    """
    x = ILL_START.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            x = x - learning_rate * (ILL_CONDITIONED @ x)   # (2, 2) @ (2,) -> (2,)
        return float(0.5 * x @ ILL_CONDITIONED @ x)


def _fast_judge(inputs, outputs):
    if _number(outputs):
        return _number(outputs)
    outputs = float(outputs)
    if not isinstance(outputs, float) or not np.isfinite(outputs) or outputs <= 0:
        return _("expected a positive learning rate; got {outputs!r:.40}").format(
                   outputs=outputs)
    start = ill_conditioned_loss_after(outputs, 0)
    end = ill_conditioned_loss_after(outputs, inputs["steps"])
    if np.isfinite(end) and end < FAST_TOLERANCE * start:
        return None
    low, high = np.diag(ILL_CONDITIONED)
    if np.isclose(abs(1 - outputs * high), 1.0, rtol=0, atol=1e-9):
        return _("lr = {outputs:g} sits exactly at the stability limit 2 / L_max = "
                 "{high:g}: the steep direction flips sign every step without "
                 "shrinking; try a smaller rate.").format(
                   outputs=outputs, high=2 / high)
    if not np.isfinite(end) or end > start or abs(1 - outputs * high) > 1:
        return _("lr = {outputs:g} diverges (loss {start:.3g} -> {end:.3g}): it is "
                 "above the stability limit 2 / L_max = {high:g} of the steep "
                 "direction.").format(
                   outputs=outputs, start=start, end=end, high=2 / high)
    after = _("after {steps} steps the loss is still {end:.3g} (needs < {needs:.3g})").format(
        steps=inputs["steps"], end=end, needs=FAST_TOLERANCE * start)
    if abs(1 - outputs * high) > abs(1 - outputs * low):
        return _("lr = {outputs:g} oscillates near the stability limit 2 / L_max = "
                 "{high:g} of the steep direction: {after}, because each step there "
                 "flips sign and shrinks by only |1 - lr·{high2:g}| = "
                 "{abs_1_outputs_high:.3g}; try a smaller rate.").format(
                   outputs=outputs, high=2 / high, after=after, high2=high,
                   abs_1_outputs_high=abs(1 - outputs * high))
    return _("lr = {outputs:g} is too slow: {after}; the flat direction shrinks by "
             "only |1 - lr·{low:g}| = {abs_1_outputs_low:.3g} per step, so it wants a "
             "larger step.").format(
               outputs=outputs, after=after, low=low, abs_1_outputs_low=abs(1 - outputs * low))


register(Exercise(
    id="gradients.converge_fast", title="Converge in under 50 steps", chapter="ch02",
    kind="widget", reference="nncourse.exercises.ch02.reference.converge_fast_rate",
    call={"runner": "value"}, expects={"returns": "a positive number (the learning rate)"},
    prompt="On the ill-conditioned quadratic f(x) = ½ xᵀ diag(1, 10) x from (3, 2), find a "
           f"learning rate for which GD drops the loss below {FAST_TOLERANCE:g} × its start "
           f"within {FAST_STEPS} steps; answer with the number.",
    hints=["Too large and the steep direction oscillates out; too small and the flat one crawls.",
           "The best single rate balances both: 2 / (L_min + L_max)."],
    widget={"log_slider": {"min": -3, "max": 0, "value": -2, "description": "learning rate"}},
    cases=[Case(f"converges within {FAST_STEPS} steps", 2, lambda rng: {"steps": FAST_STEPS},
                _fast_judge)],
    mistakes=wrong.CONVERGE_FAST,
))
