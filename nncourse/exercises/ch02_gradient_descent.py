"""Chapter 2 exercises: numerical gradients, gradient descent, the stability limit 2/L.

The functions the learner's code differentiates or minimizes are built from plain numbers the
checker draws (``_build_function``), so the grader can send them into a sandbox as data.

Example:
    >>> from nncourse.exercises import check
    >>> check("gradients.stability_limit", 0.5).passed
    True
"""

from __future__ import annotations

import numpy as np

from . import mistakes_ch02 as wrong
from .compare import (
    answer_value,
    as_array,
    compare_arrays,
    compare_number,
    describe_value,
    relative_error,
)
from .registry import Case, Exercise, Mistake, register

STATED_L = 4.0                              # curvature stated in the prompt of stability_limit
ILL_CONDITIONED = np.diag([1.0, 10.0])      # the course's ill-conditioned quadratic
ILL_START = np.array([3.0, 2.0])
FAST_STEPS, FAST_TOLERANCE = 50, 1e-4       # loss must drop below tolerance * initial loss


def _reference(exercise_id: str):
    """The instructor-side reference answer (judges run in the trusted process only)."""
    from nncourse.grading.solutions import get_solution

    return get_solution(exercise_id)


def _library_numerical_gradient(f, x, h):
    from nncourse.numpy.gradcheck import numerical_gradient

    return numerical_gradient(f, np.array(x, dtype=np.float64), h)


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


# ----------------------------------------------------------------------------- function specs
def _build_function(spec: dict):
    """(f, grad_f) from plain data: a quadratic or a curved (exp + sin) function."""
    if spec["kind"] == "quadratic":
        A, b = np.asarray(spec["A"]), np.asarray(spec["b"])
        return (lambda x: float(0.5 * x.ravel() @ A @ x.ravel() + b @ x.ravel()),
                lambda x: ((A + A.T) / 2 @ x.ravel() + b).reshape(np.shape(x)))
    c = np.asarray(spec["c"])
    return (lambda x: float(np.sum(np.exp(c * x) + np.sin(3 * x))),
            lambda x: c * np.exp(c * x) + 3 * np.cos(3 * x))


def _quadratic_spec(rng, d: int) -> dict:
    m = rng.normal(size=(d, d))
    return {"kind": "quadratic", "A": m @ m.T / d + np.eye(d), "b": rng.normal(size=d)}


def _numgrad_run(fn, inputs):
    f, _ = _build_function(inputs["function"])
    x = np.array(inputs["x"])
    result = fn(f, x, inputs["h"])
    return {"grad": result, "x_after": x}


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


def _one_sided(f, x, h, restore: bool, forward: bool) -> np.ndarray:
    """What two common wrong estimates give: forward differences, or never restoring x[i]."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        if forward:
            base = f(x)
            x[index] = old + h
            grad[index] = (f(x) - base) / h
        else:
            x[index] = old + h
            plus = f(x)
            x[index] = old - h
            grad[index] = (plus - f(x)) / (2 * h)
        if restore:
            x[index] = old
    return grad


def _numgrad_judge(inputs, outputs):
    f, grad_f = _build_function(inputs["function"])
    x, h = np.asarray(inputs["x"]), inputs["h"]
    expected = grad_f(x)
    arr, problem = as_array(outputs["grad"], "grad")
    if problem:
        return problem
    if arr.shape != expected.shape:
        return compare_arrays("grad", arr, expected, shape_hint="the gradient has the shape of x")
    moved = not np.array_equal(np.asarray(outputs["x_after"]), x)
    error = relative_error(arr, expected)
    if error <= 1e-6:
        if moved:
            return "numerical_gradient changed x in place and did not restore it: put every " \
                   "coordinate back to its old value after the two evaluations."
        return None
    if np.allclose(arr, _one_sided(f, x, h, restore=False, forward=False), rtol=1e-6, atol=0):
        return f"relative error {error:.2g}: the coordinate is not restored after it is nudged, " \
               f"so every later entry is measured at a shifted point; set x[i] back to its old " \
               f"value after computing f(x + h e_i) and f(x - h e_i)."
    if moved:
        return "numerical_gradient changed x in place and did not restore it: put every " \
               "coordinate back to its old value after the two evaluations."
    if np.allclose(arr, _one_sided(f, x, h, restore=True, forward=True), rtol=1e-6, atol=0):
        return f"relative error {error:.2g} with h = {h:g}, about h/2 · f'': that is forward " \
               f"differences (f(x+h) - f(x)) / h; use central differences " \
               f"(f(x+h) - f(x-h)) / (2h)."
    if np.allclose(arr, 2 * expected, rtol=1e-4):
        return "grad is twice the gradient: the two evaluations are 2h apart, so divide by 2h."
    if np.allclose(arr, _library_numerical_gradient(f, x, 1e-2), rtol=1e-6, atol=0) or \
            np.allclose(arr, _library_numerical_gradient(f, x, 1e-3), rtol=1e-6, atol=0):
        return f"relative error {error:.2g}: these are central differences with a larger step " \
               f"than the h = {h:g} passed in; use the argument h instead of a fixed step."
    return compare_arrays("grad", arr, expected, rtol=1e-6, atol=1e-9)


register(Exercise(
    id="gradients.numerical_gradient", title="Numerical gradient by central differences",
    chapter="ch02", run=_numgrad_run,
    prompt="Write `numerical_gradient(f, x, h=1e-5) -> grad` (same shape as x) with central "
           "differences, using the step h it is given; f maps an array to a float. Leave x "
           "unchanged.",
    hints=["Perturb one coordinate at a time: (f(x + h e_i) - f(x - h e_i)) / (2h).",
           "Central differences have error O(h²); forward differences only O(h)."],
    cases=[Case("quadratic, h = 1e-3", 1, _numgrad_inputs("quadratic"), _numgrad_judge),
           Case("x is a matrix", 1, _numgrad_inputs("matrix"), _numgrad_judge),
           Case("curved function, h = 1e-4", 1, _numgrad_inputs("curved"), _numgrad_judge,
                hint="(f(x+h) - f(x)) / h is off by about h/2 · f''(x); center the difference.")],
    mistakes=[Mistake("forward differences", wrong.numgrad_forward, "forward differences"),
              Mistake("coordinate never restored", wrong.numgrad_no_restore, "not restored"),
              Mistake("x changed in place", wrong.numgrad_in_place, "changed x in place"),
              Mistake("fixed step 1e-2", wrong.numgrad_fixed_step, "use the argument h"),
              Mistake("divides by h, not 2h", wrong.numgrad_half_step, "divide by 2h")],
))


# ----------------------------------------------------------------------------- gradient descent
def _gd_inputs(rng):
    return {"function": _quadratic_spec(rng, 3), "x0": rng.normal(size=3),
            "learning_rate": 0.1, "steps": 12}


def _gd_run(fn, inputs):
    _, grad_f = _build_function(inputs["function"])
    return fn(grad_f, np.array(inputs["x0"]), inputs["learning_rate"], inputs["steps"])


def _gd_judge(part: str):
    def judge(inputs, outputs):
        _, grad_f = _build_function(inputs["function"])
        expected = np.asarray(_reference("gradients.gradient_descent")(
            grad_f, np.array(inputs["x0"]), inputs["learning_rate"], inputs["steps"]))
        arr, problem = as_array(outputs, "path")
        if problem:
            return problem
        steps, d = inputs["steps"], len(inputs["x0"])
        if arr.shape != expected.shape:
            if arr.shape == (steps, d):
                return f"path has shape {arr.shape}, expected {expected.shape} = (steps + 1, d): " \
                       f"include x0 as the first row."
            if arr.shape == (d,):
                return f"path has shape {arr.shape}, expected {expected.shape} = (steps + 1, d): " \
                       f"return every iterate, not only the last one."
            return compare_arrays("path", arr, expected, shape_hint="(steps + 1, d)")
        if len(arr) > 1 and np.allclose(arr, arr[-1]) and not np.allclose(expected, expected[-1]):
            return "every row of path is the same array (the last iterate): `x -= ...` changes " \
                   "x in place, and the list holds that one array several times; write " \
                   "x = x - learning_rate * grad_fn(x), or append x.copy()."
        if part == "start":
            if compare_arrays("path[0]", arr[0], expected[0]):
                return "path[0] should be x0 itself (the path starts where the descent starts)."
            return None
        ascent = 2 * expected[0] - expected[1]   # x0 + lr * grad: a step uphill
        if np.allclose(arr[1], ascent):
            return "the first step moved uphill: subtract learning_rate * grad_fn(x)."
        if np.allclose(arr[1], expected[0] - (expected[0] - expected[1]) / inputs["learning_rate"]):
            return "the steps ignore the learning rate: x_{t+1} = x_t - learning_rate * " \
                   "grad_fn(x_t)."
        return compare_arrays("path", arr, expected)
    return judge


register(Exercise(
    id="gradients.gradient_descent", title="Gradient descent, step by step", chapter="ch02",
    run=_gd_run,
    prompt="Write `gradient_descent(grad_fn, x0, learning_rate, steps) -> path` returning all "
           "iterates as one array of shape (steps + 1, d), starting with x0.",
    hints=["x_{t+1} = x_t - learning_rate * grad_fn(x_t); collect every x_t in a list."],
    cases=[Case("starts at x0", 1, _gd_inputs, _gd_judge("start")),
           Case("path matches", 2, _gd_inputs, _gd_judge("path"))],
    mistakes=[Mistake("x0 left out", wrong.gd_without_x0, "include x0"),
              Mistake("steps uphill", wrong.gd_uphill, "uphill"),
              Mistake("in-place update appended each step", wrong.gd_in_place,
                      ("same array", "in place")),
              Mistake("returns only the last iterate", wrong.gd_last_only, "every iterate"),
              Mistake("learning rate ignored", wrong.gd_no_learning_rate,
                      "ignore the learning rate")],
))


# ----------------------------------------------------------------------------- numeric answers
def _value_run(obj, inputs):
    value = answer_value(obj)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"expected a number; got {describe_value(value)}")
    return float(value)


def _stability_judge(inputs, outputs):
    limit = 2.0 / inputs["L"]
    message = compare_number("learning rate", outputs, limit, rtol=0.01)
    if message is None:
        return None
    if isinstance(outputs, float) and np.isclose(outputs, 1.0 / inputs["L"], rtol=0.01):
        return f"1/L = {outputs:g} converges in one step, but larger rates still converge " \
               f"(oscillating): each step multiplies x by (1 - lr·L); when does |1 - lr·L| < 1?"
    if isinstance(outputs, float) and outputs > limit:
        return f"with lr = {outputs:g}, |1 - lr·L| = {abs(1 - outputs * inputs['L']):.3g} > 1, " \
               f"so the iterates grow."
    if isinstance(outputs, float) and outputs < limit:
        return f"lr = {outputs:g} converges, but so do larger rates: each step multiplies x by " \
               f"(1 - lr·L); find the largest lr with |1 - lr·L| < 1."
    return message.rstrip(".") + "; each step multiplies x by (1 - lr·L)."


register(Exercise(
    id="gradients.stability_limit", title="The largest stable learning rate", chapter="ch02",
    kind="value", run=_value_run,
    prompt=f"Gradient descent on f(x) = L/2 · x² with L = {STATED_L:g}: what is the largest "
           f"learning rate for which it still converges (the supremum)?",
    hints=["x_{t+1} = x_t - lr · L · x_t = (1 - lr·L) x_t."],
    cases=[Case("value", 1, lambda rng: {"L": STATED_L}, _stability_judge)],
    mistakes=[Mistake("1/L, the one-step rate", 1 / STATED_L, "1/L"),
              Mistake("above the limit", 0.6, "grow"),
              Mistake("L/2", STATED_L / 2, "grow"),
              Mistake("1/(2L)", 1 / (2 * STATED_L), "larger rates"),
              Mistake("a string", "0.5", "number")],
))


def _fast_judge(inputs, outputs):
    if not isinstance(outputs, float) or not np.isfinite(outputs) or outputs <= 0:
        return f"expected a positive learning rate; got {outputs!r:.40}"
    start = ill_conditioned_loss_after(outputs, 0)
    end = ill_conditioned_loss_after(outputs, inputs["steps"])
    if np.isfinite(end) and end < FAST_TOLERANCE * start:
        return None
    low, high = np.diag(ILL_CONDITIONED)
    if np.isclose(abs(1 - outputs * high), 1.0, rtol=0, atol=1e-9):
        return f"lr = {outputs:g} sits exactly at the stability limit 2 / L_max = {2 / high:g}: " \
               f"the steep direction flips sign every step without shrinking; try a smaller rate."
    if not np.isfinite(end) or end > start or abs(1 - outputs * high) > 1:
        return f"lr = {outputs:g} diverges (loss {start:.3g} -> {end:.3g}): it is above the " \
               f"stability limit 2 / L_max = {2 / high:g} of the steep direction."
    after = f"after {inputs['steps']} steps the loss is still {end:.3g} (needs < " \
            f"{FAST_TOLERANCE * start:.3g})"
    if abs(1 - outputs * high) > abs(1 - outputs * low):
        return f"lr = {outputs:g} oscillates near the stability limit 2 / L_max = {2 / high:g} " \
               f"of the steep direction: {after}, because each step there flips sign and " \
               f"shrinks by only |1 - lr·{high:g}| = {abs(1 - outputs * high):.3g}; try a " \
               f"smaller rate."
    return f"lr = {outputs:g} is too slow: {after}; the flat direction shrinks by only " \
           f"|1 - lr·{low:g}| = {abs(1 - outputs * low):.3g} per step, so it wants a larger step."


register(Exercise(
    id="gradients.converge_fast", title="Converge in under 50 steps", chapter="ch02",
    kind="widget", run=_value_run,
    prompt="On the ill-conditioned quadratic f(x) = ½ xᵀ diag(1, 10) x from (3, 2), find a "
           f"learning rate for which GD drops the loss below {FAST_TOLERANCE:g} × its start "
           f"within {FAST_STEPS} steps.",
    hints=["Too large and the steep direction oscillates out; too small and the flat one crawls.",
           "The best single rate balances both: 2 / (L_min + L_max)."],
    widget={"log_slider": {"min": -3, "max": 0, "value": -2, "description": "learning rate"}},
    cases=[Case(f"converges within {FAST_STEPS} steps", 2, lambda rng: {"steps": FAST_STEPS},
                _fast_judge)],
    mistakes=[Mistake("far too small", 0.01, ("too slow", "larger")),
              Mistake("just under the steep limit", 0.198, ("oscillates", "smaller")),
              Mistake("at the steep limit", 0.2, ("stability limit", "smaller")),
              Mistake("just over the steep limit", 0.201, "diverges"),
              Mistake("the flat direction's limit", 2.0, "diverges"),
              Mistake("zero", 0.0, "positive learning rate")],
))
