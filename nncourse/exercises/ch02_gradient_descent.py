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

from .compare import answer_value, as_array, compare_arrays, compare_number
from .registry import Case, Exercise, register

STATED_L = 4.0                              # curvature stated in the prompt of stability_limit
ILL_CONDITIONED = np.diag([1.0, 10.0])      # the course's ill-conditioned quadratic
ILL_START = np.array([3.0, 2.0])
FAST_STEPS, FAST_TOLERANCE = 50, 1e-4       # loss must drop below tolerance * initial loss


# ----------------------------------------------------------------------------- solutions
def numerical_gradient_solution(f, x, h=1e-5):
    """Reference: central differences, one coordinate at a time (x of any shape)."""
    x = np.array(x, dtype=np.float64)           # a copy: the caller's x is left untouched
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)  # error O(h^2), forward differences O(h)
    return grad


def gradient_descent_solution(grad_fn, x0, learning_rate, steps):
    """Reference: the path x_0, x_1, ..., x_steps as an array of shape (steps + 1, d)."""
    path = [np.array(x0, dtype=np.float64)]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * grad_fn(path[-1]))
    return np.stack(path)


STABILITY_LIMIT_SOLUTION = 2.0 / STATED_L
CONVERGE_FAST_SOLUTION = 2.0 / (1.0 + 10.0)     # 2 / (L_min + L_max) balances both directions


def ill_conditioned_loss_after(learning_rate: float, steps: int = FAST_STEPS) -> float:
    """Loss 0.5 x^T A x of the course's ill-conditioned quadratic after ``steps`` GD steps.

    Example:
        >>> ill_conditioned_loss_after(0.18) < 1e-4 * ill_conditioned_loss_after(0.0)
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
    result = fn(f, x, inputs["h"]) if inputs.get("h") else fn(f, x)
    return {"grad": result, "x_after": x}


def _numgrad_inputs(kind: str):
    def make(rng):
        if kind == "quadratic":
            return {"function": _quadratic_spec(rng, 4), "x": rng.normal(size=4), "h": None}
        shape = (2, 3) if kind == "matrix" else (5,)
        return {"function": {"kind": "curved", "c": rng.uniform(1.0, 2.0, size=shape)},
                "x": rng.uniform(-1, 1, size=shape), "h": 1e-4 if kind == "curved" else None}
    return make


def _numgrad_judge(inputs, outputs):
    _, grad_f = _build_function(inputs["function"])
    x = np.asarray(inputs["x"])
    expected = grad_f(x)
    if not np.array_equal(np.asarray(outputs["x_after"]), x):
        return "numerical_gradient changed x in place and did not restore it; work on a copy " \
               "or put every coordinate back"
    arr, problem = as_array(outputs["grad"], "grad")
    if problem:
        return problem
    if arr.shape != expected.shape:
        return compare_arrays("grad", arr, expected, shape_hint="the gradient has the shape of x")
    if inputs.get("h"):
        h = inputs["h"]
        error = float(np.max(np.abs(arr - expected)) / np.max(np.abs(expected)))
        if error > 1e-6:
            kind = " — about h/2 · f'': that is forward differences; use (f(x+h) - f(x-h)) / (2h)" \
                if 1e-6 < error < 100 * h else ""
            return f"relative error {error:.2g} with h = {h:g} is too large for central " \
                   f"differences (expected < 1e-6){kind}"
        return None
    return compare_arrays("grad", arr, expected, rtol=1e-5, atol=1e-6)


register(Exercise(
    id="gradients.numerical_gradient", title="Numerical gradient by central differences",
    chapter="ch02", run=_numgrad_run, solution=numerical_gradient_solution,
    prompt="Write `numerical_gradient(f, x, h=1e-5) -> grad` (same shape as x) with central "
           "differences; f maps an array to a float. Leave x unchanged.",
    hints=["Perturb one coordinate at a time: (f(x + h e_i) - f(x - h e_i)) / (2h).",
           "Central differences have error O(h²); forward differences only O(h)."],
    cases=[Case("quadratic", 1, _numgrad_inputs("quadratic"), _numgrad_judge),
           Case("x is a matrix", 1, _numgrad_inputs("matrix"), _numgrad_judge),
           Case("curved function, h = 1e-4", 1, _numgrad_inputs("curved"), _numgrad_judge,
                hint="(f(x+h) - f(x)) / h is off by about h/2 · f''(x); center the difference.")],
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
        expected = gradient_descent_solution(grad_f, inputs["x0"], inputs["learning_rate"],
                                             inputs["steps"])
        arr, problem = as_array(outputs, "path")
        if problem:
            return problem
        steps, d = inputs["steps"], len(inputs["x0"])
        if arr.shape != expected.shape:
            if arr.shape == (steps, d):
                return f"path has shape {arr.shape}, expected {expected.shape} = (steps + 1, d): " \
                       f"include x0 as the first row"
            return compare_arrays("path", arr, expected, shape_hint="(steps + 1, d)")
        if part == "start":
            return compare_arrays("path[0]", arr[0], expected[0],
                                  shape_hint="the first row is x0") and \
                "path[0] should be x0 itself (the path starts where the descent starts)"
        ascent = 2 * expected[0] - expected   # x0 + lr * grad ... (first step of ascent)
        if np.allclose(arr[1], ascent[1]):
            return "the first step moved uphill: subtract learning_rate * grad_fn(x)"
        return compare_arrays("path", arr, expected)
    return judge


register(Exercise(
    id="gradients.gradient_descent", title="Gradient descent, step by step", chapter="ch02",
    run=_gd_run, solution=gradient_descent_solution,
    prompt="Write `gradient_descent(grad_fn, x0, learning_rate, steps) -> path` returning all "
           "iterates, shape (steps + 1, d), starting with x0.",
    hints=["x_{t+1} = x_t - learning_rate * grad_fn(x_t); collect every x_t in a list."],
    cases=[Case("starts at x0", 1, _gd_inputs, _gd_judge("start")),
           Case("path matches", 2, _gd_inputs, _gd_judge("path"))],
))


# ----------------------------------------------------------------------------- numeric answers
def _value_run(obj, inputs):
    value = answer_value(obj)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"expected a number; got {type(value).__name__}")
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
               f"so the iterates grow"
    return message + "; each step multiplies x by (1 - lr·L)"


register(Exercise(
    id="gradients.stability_limit", title="The largest stable learning rate", chapter="ch02",
    kind="value", run=_value_run, solution=STABILITY_LIMIT_SOLUTION,
    prompt=f"Gradient descent on f(x) = L/2 · x² with L = {STATED_L:g}: what is the largest "
           f"learning rate for which it still converges (the supremum)?",
    hints=["x_{t+1} = x_t - lr · L · x_t = (1 - lr·L) x_t."],
    cases=[Case("value", 1, lambda rng: {"L": STATED_L}, _stability_judge)],
))


def _fast_judge(inputs, outputs):
    if not isinstance(outputs, float) or not np.isfinite(outputs) or outputs <= 0:
        return f"expected a positive learning rate; got {outputs!r:.40}"
    start = ill_conditioned_loss_after(outputs, 0)
    end = ill_conditioned_loss_after(outputs, inputs["steps"])
    if np.isfinite(end) and end < FAST_TOLERANCE * start:
        return None
    if not np.isfinite(end) or end > start:
        return f"lr = {outputs:g} diverges (loss {start:.3g} -> {end:.3g}): it is above the " \
               f"stability limit 2 / L_max = {2 / 10:g} of the steep direction"
    return f"lr = {outputs:g} is too slow: after {inputs['steps']} steps the loss is still " \
           f"{end:.3g} (needs < {FAST_TOLERANCE * start:.3g}); the flat direction wants a " \
           f"larger step"


register(Exercise(
    id="gradients.converge_fast", title="Converge in under 50 steps", chapter="ch02",
    kind="widget", run=_value_run, solution=CONVERGE_FAST_SOLUTION,
    prompt="On the ill-conditioned quadratic f(x) = ½ xᵀ diag(1, 10) x from (3, 2), find a "
           f"learning rate for which GD drops the loss below {FAST_TOLERANCE:g} × its start "
           f"within {FAST_STEPS} steps.",
    hints=["Too large and the steep direction oscillates out; too small and the flat one crawls.",
           "The best single rate balances both: 2 / (L_min + L_max)."],
    widget={"log_slider": {"min": -3, "max": 0, "value": -2, "description": "learning rate"}},
    cases=[Case(f"converges within {FAST_STEPS} steps", 2, lambda rng: {"steps": FAST_STEPS},
                _fast_judge)],
))
