"""Chapter 3 exercises: backward passes of Linear, ReLU, softmax and cross-entropy, the chain rule.

Each judge compares with the reference solution below *and* with a numerical gradient where
that says something different (a wrong formula that matches nothing at all). The widget-driven
``backprop.stepper_gradient`` takes gradients read off the backprop stepper; its judge
recomputes them with the Value engine.

Example:
    >>> from nncourse.exercises import check
    >>> check("backprop.relu_backward", relu_backward_solution).passed
    True
"""

from __future__ import annotations

import math

import numpy as np

from .compare import answer_value, as_array, compare_arrays, compare_number
from .registry import Case, Exercise, register

BATCH, IN_FEATURES, OUT_FEATURES = 4, 3, 5   # all different so every transpose shows in a shape


# ----------------------------------------------------------------------------- solutions
def linear_backward_solution(grad_out, x, weight):
    """Reference: gradients of y = x @ weight.T + bias."""
    # BEGIN SOLUTION
    grad_x = grad_out @ weight            # (B, out) @ (out, in) -> (B, in)
    grad_weight = grad_out.T @ x          # (out, B) @ (B, in) -> (out, in)
    grad_bias = grad_out.sum(axis=0)      # every sample adds to the bias gradient -> (out,)
    # END SOLUTION
    return grad_x, grad_weight, grad_bias


def relu_backward_solution(grad_out, x):
    """Reference: the gradient passes where x > 0 (0 at x == 0, like PyTorch)."""
    return grad_out * (x > 0)


def softmax_solution(logits):
    """Reference: stable softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)   # exp never overflows
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def softmax_cross_entropy_backward_solution(logits, targets):
    """Reference: (softmax(logits) - one_hot(targets)) / batch."""
    probs = softmax_solution(logits)
    probs[np.arange(len(targets)), targets] -= 1.0
    return probs / len(targets)


def chain_rule_solution(a, b, c):
    """Reference: gradient of f = tanh(a * b + c) * a with respect to (a, b, c)."""
    t = math.tanh(a * b + c)
    dt = 1.0 - t * t                          # d tanh(u)/du
    return (dt * b * a + t, dt * a * a, dt * a)


# ----------------------------------------------------------------------------- helpers
def _tuple_of(outputs, names: tuple[str, ...]):
    """Split a returned tuple; return (items, None) or (None, message)."""
    if not isinstance(outputs, list):
        return None, (f"returned a single {type(outputs).__name__}; expected a tuple "
                      f"({', '.join(names)})")
    if len(outputs) != len(names):
        missing = names[len(outputs):]
        extra = f"; {', '.join(missing)} is missing" if missing else ""
        return None, f"returned {len(outputs)} value(s), expected {len(names)}: " \
                     f"({', '.join(names)}){extra}"
    return outputs, None


def _numerical_grad(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


# ----------------------------------------------------------------------------- linear
def _linear_inputs(rng):
    return {"grad_out": rng.normal(size=(BATCH, OUT_FEATURES)),
            "x": rng.normal(size=(BATCH, IN_FEATURES)),
            "weight": rng.normal(size=(OUT_FEATURES, IN_FEATURES))}


def _run_linear(fn, inputs):
    return fn(inputs["grad_out"], inputs["x"], inputs["weight"])


_LINEAR_NAMES = ("grad_x", "grad_weight", "grad_bias")


def _linear_judge(which: str):
    def judge(inputs, outputs):
        items, problem = _tuple_of(outputs, _LINEAR_NAMES)
        if problem:
            if isinstance(outputs, list) and len(outputs) == 2 and which == "grad_bias":
                return "grad_bias is missing: return (grad_x, grad_weight, grad_bias) with " \
                       "grad_bias = grad_out.sum(axis=0)"
            return problem
        expected = dict(zip(_LINEAR_NAMES, linear_backward_solution(**inputs), strict=True))
        got = dict(zip(_LINEAR_NAMES, items, strict=True))
        if which == "shapes":
            for name in _LINEAR_NAMES:
                if got[name] is None:
                    return f"{name} is None; the bias gets a gradient too: " \
                           f"grad_bias = grad_out.sum(axis=0)" if name == "grad_bias" \
                        else f"{name} is None; expected an array"
                arr, bad = as_array(got[name], name)
                if bad:
                    return bad
                if arr.shape != expected[name].shape:
                    return compare_arrays(name, arr, expected[name], shape_hint=_SHAPE_HINT[name])
            return None
        if got[which] is None:
            return f"{which} is None; expected an array"
        return compare_arrays(which, got[which], expected[which], shape_hint=_SHAPE_HINT[which])
    return judge


_SHAPE_HINT = {
    "grad_x": f"expected ({BATCH}, {IN_FEATURES}) = (batch, in_features), like x; "
              "compute grad_out @ weight",
    "grad_weight": f"expected ({OUT_FEATURES}, {IN_FEATURES}) = (out_features, in_features); "
                   "did you compute x.T @ grad_out instead of grad_out.T @ x?",
    "grad_bias": f"expected ({OUT_FEATURES},) = (out_features,): sum grad_out over the batch "
                 "axis, grad_out.sum(axis=0)",
}

register(Exercise(
    id="backprop.linear_backward", title="Backward pass of a Linear layer", chapter="ch03",
    run=_run_linear, solution=linear_backward_solution,
    prompt="Write `linear_backward(grad_out, x, weight) -> (grad_x, grad_weight, grad_bias)` "
           "for y = x @ weight.T + bias, with weight of shape (out_features, in_features).",
    hints=["Each gradient has the shape of the thing it is the gradient of.",
           "grad_weight = grad_out.T @ x: (out, B) @ (B, in) -> (out, in)."],
    cases=[Case("shapes", 1, _linear_inputs, _linear_judge("shapes")),
           Case("grad_x", 1, _linear_inputs, _linear_judge("grad_x")),
           Case("grad_weight", 1, _linear_inputs, _linear_judge("grad_weight"),
                hint="Sum over the batch: every sample contributes grad_out[i] outer x[i]."),
           Case("grad_bias", 1, _linear_inputs, _linear_judge("grad_bias"),
                hint="y = x W^T + b adds b to every row, so dL/db sums grad_out over rows.")],
))


# ----------------------------------------------------------------------------- relu
def _relu_inputs(rng):
    x = rng.normal(size=(6, 7))
    x[0, :3] = 0.0    # exact zeros: the convention at the kink is checked too
    return {"grad_out": rng.normal(size=(6, 7)), "x": x}


def _relu_judge(inputs, outputs):
    expected = relu_backward_solution(inputs["grad_out"], inputs["x"])
    message = compare_arrays("grad_x", outputs, expected,
                             shape_hint="expected the shape of x: multiply grad_out elementwise")
    if message and isinstance(outputs, np.ndarray) and outputs.shape == expected.shape:
        at_zero = inputs["x"] == 0
        if np.allclose(outputs[~at_zero], expected[~at_zero]):
            return "wrong only where x == 0: use the mask x > 0 (the gradient at the kink is 0)"
        if np.allclose(outputs, np.maximum(inputs["x"], 0) * inputs["grad_out"]):
            return "grad_x = relu(x) * grad_out; the derivative of relu is the mask (x > 0), " \
                   "not relu(x)"
    return message


register(Exercise(
    id="backprop.relu_backward", title="Backward pass of ReLU", chapter="ch03",
    run=lambda fn, inp: fn(inp["grad_out"], inp["x"]), solution=relu_backward_solution,
    prompt="Write `relu_backward(grad_out, x) -> grad_x`.",
    hints=["relu'(x) is 1 where x > 0 and 0 elsewhere."],
    cases=[Case("matches reference", 2, _relu_inputs, _relu_judge)],
))


# ----------------------------------------------------------------------------- softmax
def _softmax_judge(kind: str):
    def judge(inputs, outputs):
        logits = np.asarray(inputs["logits"])
        expected = softmax_solution(logits)
        arr, problem = as_array(outputs, "probabilities")
        if problem:
            return problem
        if kind == "huge logits" and arr.shape == expected.shape and not np.all(np.isfinite(arr)):
            return ("softmax returned NaN or inf for logits around ±1000: exp(1000) overflows. "
                    "Subtract the row maximum before exp (softmax is unchanged by a shift).")
        if arr.shape == expected.shape and kind == "rows sum to 1":
            sums = arr.sum(axis=-1)
            if not np.allclose(sums, 1.0) and np.isclose(arr.sum(), 1.0):
                return "the whole array sums to 1, not each row: normalize with " \
                       "exp.sum(axis=-1, keepdims=True)"
        return compare_arrays("probabilities", arr, expected, rtol=1e-6, atol=1e-12)
    return judge


register(Exercise(
    id="backprop.softmax", title="A numerically stable softmax", chapter="ch03",
    run=lambda fn, inp: fn(inp["logits"]), solution=softmax_solution,
    prompt="Write `softmax(logits) -> probabilities` over the last axis of a (B, C) array; it "
           "must work for logits of any size.",
    hints=["softmax(z) == softmax(z - max(z)); after the shift every exponent is <= 0."],
    cases=[Case("rows sum to 1", 1, lambda rng: {"logits": rng.normal(size=(5, 4))},
                _softmax_judge("rows sum to 1")),
           Case("huge logits", 1,
                lambda rng: {"logits": np.array([[1000.0, -1000.0, 999.0],
                                                 [-1000.0, -999.0, -1001.0]])
                             + rng.normal(scale=0.1, size=(2, 3))},
                _softmax_judge("huge logits"),
                hint="Subtract logits.max(axis=-1, keepdims=True) before np.exp.")],
))


# ----------------------------------------------------------------------------- cross-entropy
def _ce_inputs(rng):
    return {"logits": rng.normal(size=(6, 4)), "targets": rng.integers(0, 4, size=6)}


def _ce_judge(inputs, outputs):
    logits, targets = inputs["logits"], inputs["targets"]
    expected = softmax_cross_entropy_backward_solution(logits, targets)
    arr, problem = as_array(outputs, "grad_logits")
    if problem:
        return problem
    if arr.shape == expected.shape and np.allclose(arr, expected * len(targets)):
        return f"grad_logits is {len(targets)} times too large: the loss is the mean over the " \
               f"batch, so divide by the batch size"
    if arr.shape == expected.shape and np.allclose(arr, -expected):
        return "grad_logits has the wrong sign: it is softmax(logits) - one_hot(targets)"
    return compare_arrays("grad_logits", arr, expected,
                          shape_hint="expected the shape of logits (batch, classes)")


def _ce_gradcheck(inputs, outputs):
    logits, targets = np.array(inputs["logits"]), inputs["targets"]

    def loss(z):
        p = softmax_solution(z)
        return -np.mean(np.log(p[np.arange(len(targets)), targets]))

    return compare_arrays("grad_logits", outputs, _numerical_grad(loss, logits), rtol=1e-5,
                          atol=1e-7)


register(Exercise(
    id="backprop.softmax_cross_entropy_backward",
    title="Gradient of softmax cross-entropy", chapter="ch03",
    run=lambda fn, inp: fn(inp["logits"], inp["targets"]),
    solution=softmax_cross_entropy_backward_solution,
    prompt="Write `softmax_cross_entropy_backward(logits, targets) -> grad_logits` for the mean "
           "cross-entropy of (B, C) logits and integer targets of shape (B,).",
    hints=["dL/dz = (softmax(z) - one_hot(y)) / B."],
    cases=[Case("matches reference", 2, _ce_inputs, _ce_judge),
           Case("gradient check", 1, _ce_inputs, _ce_gradcheck)],
))


# ----------------------------------------------------------------------------- chain rule
def _chain_inputs(rng):
    a, b, c = (float(v) for v in rng.uniform(-1.5, 1.5, size=3))
    return {"a": a, "b": b, "c": c}


def _chain_judge(inputs, outputs):
    if not isinstance(outputs, list) or len(outputs) != 3:
        return "expected a tuple (df_da, df_db, df_dc) of three numbers"
    expected = _value_engine_grads(**inputs)
    for name, got, want in zip(("df_da", "df_db", "df_dc"), outputs, expected, strict=True):
        message = compare_number(name, got, want, rtol=1e-6)
        if message:
            if name == "df_da":
                message += "; a appears twice in f, so its gradient has two terms that add up"
            return message
    return None


def _value_engine_grads(a: float, b: float, c: float) -> tuple[float, float, float]:
    """The gradient from the course's autodiff engine (falls back to the closed form)."""
    try:
        from nncourse.numpy.autodiff import Value
    except ImportError:  # pragma: no cover - the engine is part of the package
        return chain_rule_solution(a, b, c)
    va, vb, vc = Value(a), Value(b), Value(c)
    f = (va * vb + vc).tanh() * va
    f.backward()
    return va.grad, vb.grad, vc.grad


register(Exercise(
    id="backprop.chain_rule", title="The chain rule by hand", chapter="ch03",
    run=lambda fn, inp: fn(inp["a"], inp["b"], inp["c"]), solution=chain_rule_solution,
    prompt="For f(a, b, c) = tanh(a·b + c)·a write `grads(a, b, c) -> (df_da, df_db, df_dc)` "
           "by applying the chain rule (no autodiff); the checker compares with the Value engine.",
    hints=["Name the intermediates: u = a·b + c, t = tanh(u), f = t·a; dt/du = 1 - t².",
           "When a variable feeds two nodes, its gradient is the sum over both paths."],
    cases=[Case("matches the Value engine", 1, _chain_inputs, _chain_judge),
           Case("another point", 1, _chain_inputs, _chain_judge)],
))


# ----------------------------------------------------------------------------- stepper
#: graph of the backprop stepper -> the inputs whose gradient is read off it
STEPPER_LEAVES = {"neuron": ("w1", "w2", "b"), "shared_input": ("b",)}
#: what the stepper shows after its last step (4 significant digits)
STEPPER_GRADIENT_SOLUTION = {"neuron": {"w1": 0.3614, "w2": -0.1807, "b": 0.1807},
                             "shared_input": {"b": 3.0}}
#: relative/absolute tolerance: a value copied with 3 or more significant digits passes
STEPPER_RTOL, STEPPER_ATOL = 2e-3, 1e-4
_STEPPER_EXAMPLE = ('{"neuron": {"w1": ..., "w2": ..., "b": ...}, '
                    '"shared_input": {"b": ...}}')


def stepper_gradients(graph: str) -> dict:
    """Recompute a stepper graph's gradients with the Value engine, and what each path sends.

    The graph and its input values come from the backprop stepper (what the learner sees).

    Returns:
        ``{"grads": {input: dL/d input}, "paths": {input: [(node label, share)]},
        "nodes": {node label: dL/d node}}``; the shares of an input sum to its gradient.

    Example:
        >>> stepper_gradients("shared_input")["grads"]["b"]
        3.0
    """
    from nncourse.numpy.autodiff import topological_order
    from nncourse.widgets.backprop_stepper import build_expression

    output, leaves = build_expression(graph)
    output.backward()                      # the engine's own backward pass gives the verdict
    grads = {name: leaf.grad for name, leaf in leaves.items()}
    output, leaves = build_expression(graph)   # again, one node at a time, as the stepper does
    nodes = topological_order(output)
    output.grad = 1.0
    paths: dict[str, list[tuple[str, float]]] = {name: [] for name in leaves}
    for node in reversed(nodes):
        before = {name: leaf.grad for name, leaf in leaves.items()}
        node._backward()
        for name, leaf in leaves.items():
            if any(child is leaf for child in node.children):
                paths[name].append((node.label or node.op, leaf.grad - before[name]))
    inner = {node.label: node.grad for node in nodes if node.children and node.label}
    return {"grads": grads, "paths": paths, "nodes": inner}


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= STEPPER_ATOL + STEPPER_RTOL * abs(want)


def _judge_read_gradient(graph: str, name: str, got, engine: dict) -> str | None:
    """None if ``got`` is dL/d``name`` of ``graph``, else what went wrong (no answer given away)."""
    what = f"dL/d{name} of {graph}"
    if isinstance(got, bool) or not isinstance(got, int | float):
        return f"{what} is {type(got).__name__} {got!r:.40}; expected a number"
    if not math.isfinite(got):
        return f"{what} is {got}; expected a finite number"
    want = engine["grads"][name]
    if _close(got, want):
        return None
    if abs(want) > STEPPER_ATOL and _close(-got, want):
        return (f"{what} has the wrong sign: the gradient is the slope of L, so read the sign "
                f"the stepper shows (a negative local derivative flips it)")
    paths = engine["paths"][name]
    if len(paths) > 1:
        for label, part in paths:
            if _close(got, part):
                feeds = " and ".join(node for node, _ in paths)
                return (f"{what} = {got:g} is only the path through {label}: {name} feeds "
                        f"{len(paths)} nodes ({feeds}), and the chain rule adds what arrives "
                        f"along each (the engine's `grad +=`). Step to the end of the backward "
                        f"pass: {name}'s gradient is complete only after every node it feeds "
                        f"has sent its share")
    parents = {label for label, _ in paths}
    for label, value in sorted(engine["nodes"].items(), key=lambda item: item[0] not in parents):
        if _close(got, value):
            fix = f"; multiply by its local derivative with respect to {name}" \
                if label in parents else ""
            return f"{what} = {got:g} is dL/d({label}), the gradient of another node{fix}"
    if abs(got - want) <= 0.02 * abs(want):
        return (f"{what} = {got:g} is close but rounded too much: copy 3 or 4 significant "
                f"digits from the stepper")
    return f"{what} = {got:g} is not the engine's gradient; step to the end of the backward pass"


def _stepper_judge(graph: str):
    def judge(inputs, outputs):
        if not isinstance(outputs, dict):
            return (f"expected a dict of the gradients you read off the stepper, "
                    f"{_STEPPER_EXAMPLE}; got {type(outputs).__name__}")
        if "step" in outputs and "expression" in outputs:
            return ("that is the stepper's setting (its .state), not the gradients: write "
                    f"down what it shows after the last step, {_STEPPER_EXAMPLE}")
        given = outputs.get(graph)
        if given is None:
            known = {leaf for leaves in STEPPER_LEAVES.values() for leaf in leaves}
            grouped = " (group the gradients by graph)" if set(outputs) & known else ""
            return f"no entry for the graph {graph!r}{grouped}; expected {_STEPPER_EXAMPLE}"
        if not isinstance(given, dict):
            return f"the entry {graph!r} is {type(given).__name__}; expected {_STEPPER_EXAMPLE}"
        engine = stepper_gradients(graph)
        unknown = sorted(set(given) - set(engine["grads"]))
        if unknown:
            return (f"{graph} has no input(s) {unknown}; its inputs are "
                    f"{sorted(engine['grads'])}")
        missing = [name for name in inputs["inputs"] if name not in given]
        if missing:
            return f"{graph}: the gradient of {', '.join(missing)} is missing"
        # required inputs first, then any others the learner chose to add
        for name in [*inputs["inputs"], *sorted(set(given) - set(inputs["inputs"]))]:
            message = _judge_read_gradient(graph, name, given[name], engine)
            if message:
                return message
        return None
    return judge


register(Exercise(
    id="backprop.stepper_gradient", title="Read gradients off the backprop stepper",
    chapter="ch03", kind="value", solution=STEPPER_GRADIENT_SOLUTION,
    run=lambda obj, inputs: answer_value(obj),   # a stepper object gives its .state: rejected
    prompt="Step the backprop stepper through the backward pass of the graphs `neuron` and "
           "`shared_input` and record what it shows at the end: "
           f"`answer('backprop.stepper_gradient', {_STEPPER_EXAMPLE})` (3 or 4 significant "
           "digits); the checker recomputes the gradients with the Value engine.",
    hints=["At the last step every node shows `grad`, its dL/d(node); read the inputs' boxes.",
           "A value that feeds two nodes collects a gradient from each, and they add up."],
    cases=[Case("neuron: dL/dw1, dL/dw2, dL/db", 2,
                lambda rng: {"inputs": list(STEPPER_LEAVES["neuron"])},
                _stepper_judge("neuron"),
                hint="dL/dw1 = dL/do · do/dz · dz/dw1: each node on the way multiplies in its "
                     "local derivative (tanh' = 1 - o²)."),
           Case("shared_input: dL/db (b used twice)", 1,
                lambda rng: {"inputs": list(STEPPER_LEAVES["shared_input"])},
                _stepper_judge("shared_input"),
                hint="b feeds both a + b and b + c: its gradient is the sum of both paths.")],
))
