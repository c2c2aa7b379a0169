"""Chapter 3 exercises: backward passes of Linear, ReLU, softmax and cross-entropy, the chain rule.

Each judge compares with the library function (:mod:`nncourse.numpy`), the one source of the
answer, *and* with a numerical gradient where that says something different (a wrong formula
that matches nothing at all). The stepper exercise is in
:mod:`nncourse.exercises.ch03_stepper`.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.numpy.activations import relu_backward
    >>> check("backprop.relu_backward", relu_backward).passed
    True
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.activations import relu_backward, softmax
from nncourse.numpy.gradcheck import numerical_gradient
from nncourse.numpy.layers import linear_backward
from nncourse.numpy.losses import softmax_cross_entropy, softmax_cross_entropy_backward

from . import mistakes_ch03 as wrong
from .chain_rule import chain_rule_variant, value_engine_grads
from .compare import as_array, compare_arrays, compare_number, describe_value
from .registry import Case, Exercise, Mistake, register

BATCH, IN_FEATURES, OUT_FEATURES = 4, 3, 5   # all different so every transpose shows in a shape


# ----------------------------------------------------------------------------- helpers
def _tuple_of(outputs, names: tuple[str, ...]):
    """Split a returned tuple; return (items, None) or (None, message)."""
    if not isinstance(outputs, list):
        return None, (f"returned {describe_value(outputs)}; expected the tuple "
                      f"({', '.join(names)})")
    if len(outputs) != len(names):
        missing = names[len(outputs):]
        extra = f"; {', '.join(missing)} is missing" if missing else ""
        return None, f"returned {len(outputs)} value(s), expected {len(names)}: " \
                     f"({', '.join(names)}){extra}"
    return outputs, None


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
        expected = dict(zip(_LINEAR_NAMES, linear_backward(**inputs), strict=True))
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
        arr, bad = as_array(got[which], which)
        if which == "grad_bias" and not bad and arr.shape == expected[which].shape and \
                np.allclose(arr, expected[which] / len(inputs["x"])):
            return "grad_bias is the batch mean of grad_out; every sample adds its own " \
                   "gradient to the bias, so sum over the batch: grad_out.sum(axis=0)."
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
    run=_run_linear,
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
    mistakes=[Mistake("transposed weight gradient", wrong.linear_transposed_weight,
                      ("grad_weight has shape (3, 5), expected (5, 3)", "x.T @ grad_out")),
              Mistake("no bias gradient", wrong.linear_no_bias, "grad_bias is missing"),
              Mistake("grad_out @ weight.T", wrong.linear_weight_transposed,
                      ("matrix product", "transpose", "grad_out (4, 5)")),
              Mistake("bias gradient summed over features", wrong.linear_bias_wrong_axis,
                      ("grad_bias has shape (4,)", "expected (5,)")),
              Mistake("bias gradient averaged", wrong.linear_bias_mean, "sum over the batch")],
))


# ----------------------------------------------------------------------------- relu
def _relu_inputs(rng):
    x = rng.normal(size=(6, 7))
    x[0, :3] = 0.0    # exact zeros: the convention at the kink is checked too
    return {"grad_out": rng.normal(size=(6, 7)), "x": x}


def _relu_judge(inputs, outputs):
    x, grad_out = inputs["x"], inputs["grad_out"]
    expected = relu_backward(grad_out, x)
    message = compare_arrays("grad_x", outputs, expected,
                             shape_hint="expected the shape of x: multiply grad_out elementwise")
    if message and isinstance(outputs, np.ndarray) and outputs.shape == expected.shape:
        at_zero = x == 0
        if np.allclose(outputs[~at_zero], expected[~at_zero]):
            return "wrong only where x == 0: use the mask x > 0 (the gradient at the kink is 0)."
        if np.allclose(outputs, np.maximum(x, 0) * grad_out):
            return "grad_x = relu(x) * grad_out; the derivative of relu is the mask (x > 0), " \
                   "not relu(x)."
        if np.allclose(outputs, relu_backward(np.ones_like(x), x)):
            return "grad_x is relu's local derivative alone: the upstream gradient factor is " \
                   "missing; multiply the mask by grad_out (chain rule)."
        if np.allclose(outputs, grad_out):
            return "grad_x is grad_out passed through everywhere: zero it where x <= 0."
    return message


register(Exercise(
    id="backprop.relu_backward", title="Backward pass of ReLU", chapter="ch03",
    run=lambda fn, inp: fn(inp["grad_out"], inp["x"]),
    prompt="Write `relu_backward(grad_out, x) -> grad_x`.",
    hints=["relu'(x) is 1 where x > 0 and 0 elsewhere."],
    cases=[Case("matches reference", 2, _relu_inputs, _relu_judge)],
    mistakes=[Mistake("relu(x) as its own derivative", wrong.relu_times_relu, "not relu(x)"),
              Mistake("mask x >= 0", wrong.relu_at_zero, "x == 0"),
              Mistake("no upstream gradient", wrong.relu_mask_only,
                      ("upstream gradient", "grad_out")),
              Mistake("grad_out passed through", wrong.relu_identity, "zero it where x <= 0"),
              Mistake("masked by the wrong side", wrong.relu_negative_side, "differs")],
))


# ----------------------------------------------------------------------------- softmax
def _softmax_judge(kind: str):
    def judge(inputs, outputs):
        logits = np.asarray(inputs["logits"])
        expected = softmax(logits)
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
                       "exp.sum(axis=-1, keepdims=True)."
            if not np.allclose(sums, 1.0) and np.allclose(arr.sum(axis=0), 1.0):
                return "each column sums to 1, not each row: softmax runs over the last axis " \
                       "(the classes), axis=-1."
        return compare_arrays("probabilities", arr, expected, rtol=1e-6, atol=1e-12)
    return judge


register(Exercise(
    id="backprop.softmax", title="A numerically stable softmax", chapter="ch03",
    run=lambda fn, inp: fn(inp["logits"]),
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
    mistakes=[Mistake("no max shift", wrong.softmax_naive, "Subtract the row maximum"),
              Mistake("normalized over the whole array", wrong.softmax_whole_array,
                      "not each row"),
              Mistake("sum without keepdims", wrong.softmax_no_keepdims, "keepdims=True"),
              Mistake("normalized over the columns", wrong.softmax_columns, "last axis"),
              Mistake("shift by the global maximum", wrong.softmax_global_max,
                      "Subtract the row maximum")],
))


# ----------------------------------------------------------------------------- cross-entropy
def _ce_inputs(rng):
    return {"logits": rng.normal(size=(6, 4)), "targets": rng.integers(0, 4, size=6)}


def _ce_judge(inputs, outputs):
    logits, targets = inputs["logits"], inputs["targets"]
    expected = softmax_cross_entropy_backward(logits, targets)
    arr, problem = as_array(outputs, "grad_logits")
    if problem:
        return problem
    batch = len(targets)
    if arr.shape == expected.shape and np.allclose(arr, expected * batch):
        return f"grad_logits is {batch} times too large: the loss is the mean over the " \
               f"batch, so divide by the batch size."
    if arr.shape == expected.shape and np.allclose(arr, -expected):
        return "grad_logits has the wrong sign: it is softmax(logits) - one_hot(targets)."
    if arr.shape == expected.shape and np.allclose(arr, softmax(logits) / batch):
        return "grad_logits is softmax(logits) / B: subtract 1 at each sample's target class " \
               "(the one_hot(targets) term) before dividing."
    one_hot = np.eye(logits.shape[1])[targets]
    if arr.shape == expected.shape and np.allclose(arr, (logits - one_hot) / batch):
        return "grad_logits uses the logits themselves: the gradient is " \
               "(softmax(logits) - one_hot(targets)) / B, with the probabilities."
    return compare_arrays("grad_logits", arr, expected,
                          shape_hint="expected the shape of logits (batch, classes)")


def _ce_gradcheck(inputs, outputs):
    logits, targets = np.array(inputs["logits"]), inputs["targets"]

    return compare_arrays("grad_logits", outputs,
                          numerical_gradient(lambda z: softmax_cross_entropy(z, targets), logits),
                          rtol=1e-5, atol=1e-7)


register(Exercise(
    id="backprop.softmax_cross_entropy_backward",
    title="Gradient of softmax cross-entropy", chapter="ch03",
    run=lambda fn, inp: fn(inp["logits"], inp["targets"]),
    prompt="Write `softmax_cross_entropy_backward(logits, targets) -> grad_logits` for the mean "
           "cross-entropy of (B, C) logits and integer targets of shape (B,).",
    hints=["dL/dz = (softmax(z) - one_hot(y)) / B."],
    cases=[Case("matches reference", 2, _ce_inputs, _ce_judge),
           Case("gradient check", 1, _ce_inputs, _ce_gradcheck)],
    mistakes=[Mistake("not divided by the batch", wrong.ce_not_averaged, "times too large"),
              Mistake("wrong sign", wrong.ce_wrong_sign, "wrong sign"),
              Mistake("one-hot not subtracted", wrong.ce_no_one_hot, "one_hot"),
              Mistake("logits instead of probabilities", wrong.ce_logits, "probabilities"),
              Mistake("divided by the classes", wrong.ce_by_classes, "differs")],
))


# ----------------------------------------------------------------------------- chain rule
def _chain_inputs(rng):
    a, b, c = (float(v) for v in rng.uniform(-1.5, 1.5, size=3))
    return {"a": a, "b": b, "c": c}


def _chain_judge(inputs, outputs):
    if not isinstance(outputs, list) or len(outputs) != 3:
        return f"returned {describe_value(outputs)}; expected the tuple (df_da, df_db, df_dc) " \
               f"of three numbers."
    expected = value_engine_grads(**inputs)
    names = ("df_da", "df_db", "df_dc")
    messages = [compare_number(name, got, want, rtol=1e-6)
                for name, got, want in zip(names, outputs, expected, strict=True)]
    if not any(messages):
        return None
    if any(isinstance(got, bool) or not isinstance(got, int | float) for got in outputs):
        return next(message for message in messages if message)
    for variant, feedback in _CHAIN_VARIANTS:
        if np.allclose(outputs, chain_rule_variant(variant, **inputs), rtol=1e-6, atol=1e-9):
            return feedback
    message = next(message for message in messages if message)
    if messages[0] and not any(messages[1:]):
        message = message.rstrip(".") + "; a appears twice in f, so its gradient has two " \
            "terms that add up."
    return message


_CHAIN_VARIANTS = (
    ("one path", "df_da misses one path: a appears twice in f (in a·b and as the factor a), so "
                 "its gradient has two terms that add up."),
    ("1 - t", "tanh'(u) = 1 - tanh(u)², not 1 - tanh(u): square t in the local derivative."),
    ("1 - u**2", "the local derivative of tanh is 1 - t² with t = tanh(u), its output; 1 - u² "
                 "uses its input."),
    ("no tanh'", "the local derivative of tanh is missing: on the way through t = tanh(u) "
                 "multiply by dt/du = 1 - t²."),
)


register(Exercise(
    id="backprop.chain_rule", title="The chain rule by hand", chapter="ch03",
    run=lambda fn, inp: fn(inp["a"], inp["b"], inp["c"]),
    prompt="For f(a, b, c) = tanh(a·b + c)·a write `grads(a, b, c) -> (df_da, df_db, df_dc)` "
           "by applying the chain rule (no autodiff); the checker compares with the Value engine.",
    hints=["Name the intermediates: u = a·b + c, t = tanh(u), f = t·a; dt/du = 1 - t².",
           "When a variable feeds two nodes, its gradient is the sum over both paths."],
    cases=[Case("matches the Value engine", 1, _chain_inputs, _chain_judge),
           Case("another point", 1, _chain_inputs, _chain_judge)],
    mistakes=[Mistake("second path of a left out", wrong.chain_one_path, "two terms"),
              Mistake("1 - t instead of 1 - t**2", wrong.chain_one_minus_t, "square t"),
              Mistake("1 - u**2 instead of 1 - t**2", wrong.chain_one_minus_u2, "uses its input"),
              Mistake("tanh's derivative left out", wrong.chain_no_tanh_derivative,
                      "local derivative of tanh is missing"),
              Mistake("a list of two", wrong.chain_two_values, "three numbers")],
))


