"""Chapter 3's exercises: backward passes of Linear, ReLU, softmax and cross-entropy, the chain
rule by hand, and gradients read off the backprop stepper.

Each names its reference (the library function the learner rewrites, or
:mod:`nncourse.exercises.ch03.reference`); the framework compares, runs the mistake models of
:mod:`.mistakes` and the probes declared here, and diagnoses the rest.

Example:
    >>> from nncourse.exercises import check
    >>> from nncourse.numpy.activations import relu_backward
    >>> check("backprop.relu_backward", relu_backward).passed
    True
"""

from __future__ import annotations

import numpy as np

from ..registry import Case, Exercise, Mistake, Probe, register
from . import mistakes as wrong
from .reference import STEPPER_LEAVES
from .stepper import STEPPER_EXAMPLE, stepper_judge

BATCH, IN_FEATURES, OUT_FEATURES = 4, 3, 5   # all different so every transpose shows in a shape


# ----------------------------------------------------------------------------- linear
def _linear_inputs(rng):
    return {"grad_out": rng.normal(size=(BATCH, OUT_FEATURES)),
            "x": rng.normal(size=(BATCH, IN_FEATURES)),
            "weight": rng.normal(size=(OUT_FEATURES, IN_FEATURES))}


def _first_sample(inputs):
    return {**inputs, "grad_out": inputs["grad_out"][:1], "x": inputs["x"][:1]}


def _zero_x(inputs):
    return {**inputs, "x": np.zeros_like(inputs["x"])}


register(Exercise(
    id="backprop.linear_backward", title="Backward pass of a Linear layer", chapter="ch03",
    reference="nncourse.numpy.layers.linear_backward", shared_inputs=True,
    call={"runner": "call", "args": ["grad_out", "x", "weight"]},
    output_names=("grad_x", "grad_weight", "grad_bias"),
    expects={"returns": "the tuple (grad_x, grad_weight, grad_bias) of arrays",
             "inputs": {"grad_out": f"an array of shape (B, out_features) = ({BATCH}, "
                                    f"{OUT_FEATURES})",
                        "x": f"an array of shape (B, in_features) = ({BATCH}, {IN_FEATURES})",
                        "weight": f"an array of shape (out_features, in_features) = "
                                  f"({OUT_FEATURES}, {IN_FEATURES})"},
             "shapes": {"grad_x": "(batch, in_features), like x",
                        "grad_weight": "(out_features, in_features), like weight",
                        "grad_bias": "(out_features,), like the bias"}},
    prompt="Write `linear_backward(grad_out, x, weight) -> (grad_x, grad_weight, grad_bias)` "
           "for y = x @ weight.T + bias, with weight of shape (out_features, in_features): "
           "x is (batch, in_features), grad_out is (batch, out_features); each gradient has "
           "the shape of what it is the gradient of.",
    hints=["Each gradient has the shape of the thing it is the gradient of.",
           "grad_weight = grad_out.T @ x: (out, B) @ (B, in) -> (out, in)."],
    cases=[Case("shapes", 1, _linear_inputs, shapes_only=True),
           Case("grad_x", 1, _linear_inputs, outputs=("grad_x",)),
           Case("grad_weight", 1, _linear_inputs, outputs=("grad_weight",),
                hint="Sum over the batch: every sample contributes grad_out[i] outer x[i]."),
           Case("grad_bias", 1, _linear_inputs, outputs=("grad_bias",),
                hint="y = x W^T + b adds b to every row, so dL/db sums grad_out over rows.")],
    probes=[Probe("a batch of one", _first_sample,
                  "with a batch of one sample your grad_bias is {got}, expected {expected} "
                  "(= grad_out[0]): the bias gradient adds up grad_out over the batch.",
                  outputs=("grad_bias",)),
            Probe("x = 0", _zero_x,
                  "with x = 0 your grad_weight is {got}; it should be all zeros: grad_weight "
                  "is grad_out.T @ x, linear in x.", outputs=("grad_weight",)),
            Probe("one sample, grad_weight", _first_sample,
                  "with a batch of one sample your grad_weight is {got}, expected {expected}: "
                  "for one sample it is the outer product of grad_out[0] and x[0].",
                  outputs=("grad_weight",)),
            Probe("one sample, grad_x", _first_sample,
                  "with a batch of one sample your grad_x is {got}, expected {expected} "
                  "(= grad_out[0] @ weight): grad_x sends grad_out back through the weight.",
                  outputs=("grad_x",))],
    mistakes=wrong.LINEAR,
))


# ----------------------------------------------------------------------------- relu
def _relu_inputs(rng):
    x = rng.normal(size=(6, 7))
    x[0, :3] = 0.0    # exact zeros: the convention at the kink is checked too
    return {"grad_out": rng.normal(size=(6, 7)), "x": x}


register(Exercise(
    id="backprop.relu_backward", title="Backward pass of ReLU", chapter="ch03",
    reference="nncourse.numpy.activations.relu_backward",
    call={"runner": "call", "args": ["grad_out", "x"]},
    expects={"returns": "grad_x, an array shaped like x",
             "inputs": {"grad_out": "an array shaped like x", "x": "an array (6, 7)"}},
    prompt="Write `relu_backward(grad_out, x) -> grad_x` for relu(x) = max(x, 0); its "
           "derivative is 1 where x > 0 and 0 where x <= 0 (0 at the kink x = 0).",
    hints=["relu'(x) is 1 where x > 0 and 0 elsewhere."],
    cases=[Case("matches reference", 2, _relu_inputs)],
    probes=[Probe("x > 0 everywhere", lambda inp: {**inp, "x": np.abs(inp["x"]) + 0.5},
                  "where x > 0 your grad_x is {got}, expected {expected}: relu passes the "
                  "upstream gradient grad_out through unchanged there."),
            Probe("x < 0 everywhere", lambda inp: {**inp, "x": -np.abs(inp["x"]) - 0.5},
                  "where x < 0 your grad_x is {got}; it should be 0: relu is flat there."),
            Probe("x = 0 everywhere", lambda inp: {**inp, "x": np.zeros_like(inp["x"])},
                  "at the kink x = 0 your grad_x is {got}; the lab's convention is 0 there "
                  "(mask x > 0).")],
    mistakes=wrong.RELU,
))


# ----------------------------------------------------------------------------- softmax
def _huge_logits(rng):
    return {"logits": np.array([[1000.0, -1000.0, 999.0], [-1000.0, -999.0, -1001.0]])
            + rng.normal(scale=0.1, size=(2, 3))}


register(Exercise(
    id="backprop.softmax", title="A numerically stable softmax", chapter="ch03",
    reference="nncourse.numpy.activations.softmax",
    call={"runner": "call", "args": ["logits"]},
    expects={"returns": "the probabilities, an array shaped like logits (B, C)",
             "inputs": {"logits": "an array of shape (B, C)"},
             "shapes": {"your result": "(B, C), like logits"}},
    prompt="Write `softmax(logits) -> probabilities` over the last axis of a (B, C) array "
           "(each row sums to 1); it must work for logits of any size, ±1000 included.",
    hints=["softmax(z) == softmax(z - max(z)); after the shift every exponent is <= 0."],
    cases=[Case("rows sum to 1", 1, lambda rng: {"logits": rng.normal(size=(5, 4))},
                atol=1e-12),
           Case("huge logits", 1, _huge_logits, atol=1e-12,
                hint="Subtract logits.max(axis=-1, keepdims=True) before np.exp.")],
    probes=[Probe("equal logits", lambda inp: {"logits": np.zeros_like(inp["logits"])},
                  "with all logits equal your probabilities are {got}; every class should get "
                  "1/C."),
            Probe("one row", lambda inp: {"logits": inp["logits"][:1]},
                  "for a single row your probabilities are {got}, expected {expected}: "
                  "normalize each row by its own sum."),
            Probe("shifted logits", lambda inp: {"logits": inp["logits"] + 50.0},
                  "adding 50 to every logit changed your probabilities to {got}; softmax is "
                  "unchanged by a shift of a row (subtract the row maximum).")],
    mistakes=wrong.SOFTMAX,
))


# ----------------------------------------------------------------------------- cross-entropy
def _ce_inputs(rng):
    return {"logits": rng.normal(size=(6, 4)), "targets": rng.integers(0, 4, size=6)}


def _ce_gradcheck(inputs, output, expected):
    """The learner's gradient against central differences of the library's loss."""
    from nncourse.numpy.gradcheck import numerical_gradient
    from nncourse.numpy.losses import softmax_cross_entropy

    from ..compare import compare_arrays

    logits, targets = np.array(inputs["logits"]), inputs["targets"]
    return compare_arrays("grad_logits", output,
                          numerical_gradient(lambda z: softmax_cross_entropy(z, targets), logits),
                          rtol=1e-5, atol=1e-7)


register(Exercise(
    id="backprop.softmax_cross_entropy_backward",
    title="Gradient of softmax cross-entropy", chapter="ch03",
    reference="nncourse.numpy.losses.softmax_cross_entropy_backward", shared_inputs=True,
    call={"runner": "call", "args": ["logits", "targets"]},
    expects={"returns": "grad_logits, an array shaped like logits (B, C)",
             "inputs": {"logits": "an array of shape (B, C)",
                        "targets": "integer class indices of shape (B,)"},
             "shapes": {"your result": "(B, C), like logits"}},
    prompt="Write `softmax_cross_entropy_backward(logits, targets) -> grad_logits` for the mean "
           "cross-entropy of (B, C) logits and integer targets of shape (B,).",
    hints=["dL/dz = (softmax(z) - one_hot(y)) / B."],
    cases=[Case("matches reference", 2, _ce_inputs),
           Case("gradient check", 1, _ce_inputs, judge=_ce_gradcheck)],
    probes=[Probe("one sample", lambda inp: {"logits": inp["logits"][:1],
                                             "targets": inp["targets"][:1]},
                  "for a single sample your grad_logits is {got}, expected {expected} "
                  "(softmax - one_hot): check the formula before the division by B."),
            Probe("equal logits", lambda inp: {**inp, "logits": np.zeros_like(inp["logits"])},
                  "with all logits 0 your grad_logits is {got}, expected {expected}: "
                  "(1/C - one_hot(targets)) / B.")],
    mistakes=wrong.CROSS_ENTROPY,
))


# ----------------------------------------------------------------------------- chain rule
def _chain_inputs(rng):
    a, b, c = (float(v) for v in rng.uniform(-1.5, 1.5, size=3))
    return {"a": a, "b": b, "c": c}


register(Exercise(
    id="backprop.chain_rule", title="The chain rule by hand", chapter="ch03",
    reference="nncourse.exercises.ch03.reference.chain_rule",
    call={"runner": "call", "args": ["a", "b", "c"]},
    output_names=("df_da", "df_db", "df_dc"),
    expects={"returns": "the tuple (df_da, df_db, df_dc) of three numbers",
             "inputs": {"a": "a float", "b": "a float", "c": "a float"}},
    prompt="For f(a, b, c) = tanh(a·b + c)·a write `grads(a, b, c) -> (df_da, df_db, df_dc)` "
           "(three floats) by applying the chain rule (no autodiff); the checker compares "
           "with the Value engine.",
    hints=["Name the intermediates: u = a·b + c, t = tanh(u), f = t·a; dt/du = 1 - t².",
           "When a variable feeds two nodes, its gradient is the sum over both paths."],
    cases=[Case("matches the Value engine", 1, _chain_inputs),
           Case("another point", 1, _chain_inputs)],
    probes=[Probe("u = 0", lambda inp: {**inp, "c": -inp["a"] * inp["b"]},
                  "at a point where u = a·b + c = 0 (so t = 0 and tanh'(u) = 1) your gradients "
                  "are {got}, expected {expected}: the path terms other than tanh' are off."),
            Probe("b = 0", lambda inp: {**inp, "b": 0.0},
                  "with b = 0 your gradients are {got}, expected {expected}: there df_da is "
                  "only t = tanh(c), the term from the factor a."),
            Probe("a = 0", lambda inp: {**inp, "a": 0.0},
                  "with a = 0 your gradients are {got}, expected {expected}: f = t·a, so "
                  "df_db = df_dc = 0 and df_da = t + a·... = tanh(c).")],
    mistakes=wrong.CHAIN_RULE,
))


# ----------------------------------------------------------------------------- stepper
register(Exercise(
    id="backprop.stepper_gradient", title="Read gradients off the backprop stepper",
    chapter="ch03", kind="value",
    reference="nncourse.exercises.ch03.reference.stepper_reading",
    call={"runner": "value"},
    expects={"returns": f"a dict {STEPPER_EXAMPLE}"},
    prompt="Step the backprop stepper (`BackpropStepper(expression='neuron')`, then "
           "`stepper.set_state(expression='shared_input')`) to the end of the backward pass and "
           "read dL/d(input) for the inputs named below, where L is the graph's output (o for "
           "`neuron`, f for `shared_input`) and each box shows its node's `grad`. Record them "
           f"with `answer('backprop.stepper_gradient', {STEPPER_EXAMPLE})`, 3 or 4 significant "
           "digits; the checker recomputes the gradients with the Value engine.",
    hints=["At the last step every node shows `grad`, its dL/d(node); read the inputs' boxes.",
           "A value that feeds two nodes collects a gradient from each, and they add up."],
    cases=[Case("neuron: dL/dw1, dL/dw2, dL/db", 2,
                lambda rng: {"inputs": list(STEPPER_LEAVES["neuron"])},
                stepper_judge("neuron"),
                hint="dL/dw1 = dL/do · do/dz · dz/dw1: each node on the way multiplies in its "
                     "local derivative (tanh' = 1 - o²)."),
           Case("shared_input: dL/db (b used twice)", 1,
                lambda rng: {"inputs": list(STEPPER_LEAVES["shared_input"])},
                stepper_judge("shared_input"),
                hint="b feeds both a + b and b + c: its gradient is the sum of both paths.")],
    mistakes=[Mistake("wrong sign", {"neuron": {"w1": -0.3614, "w2": 0.1807, "b": -0.1807},
                                     "shared_input": {"b": -3.0}}, ("wrong sign",)),
              Mistake("one path of b only", {"neuron": {"w1": 0.3614, "w2": -0.1807, "b": 0.1807},
                                             "shared_input": {"b": 2.0}},
                      ("only the path through",)),
              Mistake("the stepper's setting", {"expression": "neuron", "step": 22},
                      ("stepper's setting",)),
              Mistake("not grouped by graph", {"w1": 0.3614, "w2": -0.1807, "b": 0.1807},
                      ("group the gradients by graph",)),
              Mistake("dL/dz for w1", {"neuron": {"w1": 0.1807, "w2": -0.1807, "b": 0.1807},
                                       "shared_input": {"b": 3.0}},
                      ("gradient of another node", "local derivative")),
              Mistake("rounded to two digits", {"neuron": {"w1": 0.36, "w2": -0.18, "b": 0.18},
                                                "shared_input": {"b": 3.0}},
                      ("rounded too much",))],
))
