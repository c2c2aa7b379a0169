"""Chapter 4 exercises: sigmoid/tanh/leaky-ReLU backward passes and keeping a deep signal alive.

Example:
    >>> from nncourse.exercises import check
    >>> check("activations.deep_signal", {"activation": "relu", "init": "he"}).passed
    True
"""

from __future__ import annotations

import numpy as np

from .compare import as_array, compare_arrays
from .registry import Case, Exercise, register

ACTIVATIONS = ("relu", "tanh", "sigmoid")
INITS = ("small_normal", "standard_normal", "xavier", "he")
DEPTH, WIDTH = 20, 64
RATIO_RANGE = (0.1, 10.0)


# ----------------------------------------------------------------------------- solutions
def sigmoid_backward_solution(grad_out, out):
    """Reference: sigma'(x) = out * (1 - out), written with the forward output."""
    return grad_out * out * (1.0 - out)


def tanh_backward_solution(grad_out, out):
    """Reference: tanh'(x) = 1 - out**2."""
    return grad_out * (1.0 - out**2)


def leaky_relu_solution(x, negative_slope=0.01):
    """Reference forward: x where x > 0, negative_slope * x elsewhere."""
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward_solution(grad_out, x, negative_slope=0.01):
    """Reference backward: grad_out where x > 0, negative_slope * grad_out elsewhere."""
    return grad_out * np.where(x > 0, 1.0, negative_slope)


DEEP_SIGNAL_SOLUTION = {"activation": "relu", "init": "he"}


def gradient_std_ratio(activation: str, init: str, depth: int = DEPTH, width: int = WIDTH,
                       seed: int = 0) -> float:
    """std of dL/dz of the first layer divided by that of the last, for a depth-``depth`` MLP.

    ``z`` is a layer's pre-activation; the weight gradient of a layer is ``dL/dz`` times its
    input, so this ratio is how much the learning signal shrinks or grows on the way down.

    Args:
        activation: "relu", "tanh" or "sigmoid" (after every hidden Linear).
        init: "small_normal" (std 0.01), "standard_normal" (std 1), "xavier" or "he".

    Returns:
        The ratio; about 1 means the gradient reaches the first layer intact, << 1 vanishing,
        >> 1 exploding.

    Example:
        >>> 0.1 < gradient_std_ratio("relu", "he") < 10
        True
    """
    from nncourse._checks import check_choice

    check_choice(activation, "activation", ACTIVATIONS)
    check_choice(init, "init", INITS)
    rng = np.random.default_rng(seed)
    std = {"small_normal": 0.01, "standard_normal": 1.0,
           "xavier": np.sqrt(2.0 / (width + width)), "he": np.sqrt(2.0 / width)}[init]
    forward = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
               "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[activation]
    weights = [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]
    h = rng.normal(size=(128, width))
    pre = []
    for w in weights:
        z = h @ w.T                      # (B, width) @ (width, width) -> (B, width)
        pre.append(z)
        h = forward(z)
    grad = rng.normal(size=h.shape) / h.shape[0]
    grad_std = []
    for w, z in zip(weights[::-1], pre[::-1], strict=True):
        a = forward(z)
        local = {"relu": (z > 0).astype(float), "tanh": 1 - a**2, "sigmoid": a * (1 - a)}
        grad = grad * local[activation]  # dL/dz of this layer
        grad_std.append(float(np.std(grad)))
        grad = grad @ w                  # (B, width) @ (width, width) -> (B, width)
    last, first = grad_std[0], grad_std[-1]
    return first / max(last, 1e-300)


# ----------------------------------------------------------------------------- backward passes
def _sig_inputs(rng):
    out = 1 / (1 + np.exp(-rng.normal(scale=2.0, size=(5, 6))))
    return {"grad_out": rng.normal(size=(5, 6)), "out": out}


def _sig_judge(inputs, outputs):
    expected = sigmoid_backward_solution(inputs["grad_out"], inputs["out"])
    arr, problem = as_array(outputs, "grad_x")
    if problem:
        return problem
    s = 1 / (1 + np.exp(-inputs["out"]))
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] * s * (1 - s)):
        return "you applied sigmoid again to `out`, which already is sigmoid(x): use " \
               "out * (1 - out)"
    return compare_arrays("grad_x", arr, expected)


def _tanh_inputs(rng):
    return {"grad_out": rng.normal(size=(5, 6)), "out": np.tanh(rng.normal(size=(5, 6)))}


def _tanh_judge(inputs, outputs):
    expected = tanh_backward_solution(inputs["grad_out"], inputs["out"])
    arr, problem = as_array(outputs, "grad_x")
    if problem:
        return problem
    if arr.shape == expected.shape and np.allclose(
            arr, inputs["grad_out"] * (1 - np.tanh(inputs["out"]) ** 2)):
        return "you applied tanh again to `out`, which already is tanh(x): use 1 - out**2"
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] * (1 - inputs["out"])):
        return "1 - out is missing a square: tanh'(x) = 1 - tanh(x)**2"
    return compare_arrays("grad_x", arr, expected)


register(Exercise(
    id="activations.sigmoid_backward", title="Backward pass of sigmoid", chapter="ch04",
    run=lambda fn, inp: fn(inp["grad_out"], inp["out"]), solution=sigmoid_backward_solution,
    prompt="Write `sigmoid_backward(grad_out, out) -> grad_x` where out = sigmoid(x).",
    hints=["sigma'(x) = sigma(x) (1 - sigma(x)), and sigma(x) is `out`."],
    cases=[Case("matches reference", 2, _sig_inputs, _sig_judge)],
))

register(Exercise(
    id="activations.tanh_backward", title="Backward pass of tanh", chapter="ch04",
    run=lambda fn, inp: fn(inp["grad_out"], inp["out"]), solution=tanh_backward_solution,
    prompt="Write `tanh_backward(grad_out, out) -> grad_x` where out = tanh(x).",
    hints=["tanh'(x) = 1 - tanh(x)^2, and tanh(x) is `out`."],
    cases=[Case("matches reference", 2, _tanh_inputs, _tanh_judge)],
))


def _leaky_run(obj, inputs):
    if isinstance(obj, tuple | list) and len(obj) == 2:
        forward, backward = obj
    elif hasattr(obj, "forward") and hasattr(obj, "backward"):
        forward, backward = obj.forward, obj.backward
    else:
        raise TypeError("pass the pair (leaky_relu, leaky_relu_backward)")
    slope, x = inputs["negative_slope"], inputs["x"]
    return [forward(x, slope), backward(inputs["grad_out"], x, slope)]


def _leaky_inputs(slope: float):
    def make(rng):
        return {"x": rng.normal(size=(4, 5)), "grad_out": rng.normal(size=(4, 5)),
                "negative_slope": slope}
    return make


def _leaky_judge(part: int):
    def judge(inputs, outputs):
        if not isinstance(outputs, list) or len(outputs) != 2:
            return "expected (forward_output, grad_x)"
        x, slope = inputs["x"], inputs["negative_slope"]
        if part == 0:
            expected = leaky_relu_solution(x, slope)
            got, _ = as_array(outputs[0], "output")
            if got is not None and got.shape == x.shape and np.allclose(got, np.maximum(x, 0)):
                return "output is plain ReLU: negative inputs must give negative_slope * x"
            return compare_arrays("output", outputs[0], expected)
        expected = leaky_relu_backward_solution(inputs["grad_out"], x, slope)
        message = compare_arrays("grad_x", outputs[1], expected)
        if message and slope != 0.01 and np.allclose(
                np.asarray(outputs[1], dtype=float),
                leaky_relu_backward_solution(inputs["grad_out"], x, 0.01)):
            return f"grad_x ignores the negative_slope argument ({slope}); it used 0.01"
        return message
    return judge


register(Exercise(
    id="activations.leaky_relu", title="Leaky ReLU, forward and backward", chapter="ch04",
    kind="functions", run=_leaky_run,
    solution=(leaky_relu_solution, leaky_relu_backward_solution),
    prompt="Write `leaky_relu(x, negative_slope=0.01)` and `leaky_relu_backward(grad_out, x, "
           "negative_slope=0.01)`; check them together: check('activations.leaky_relu', "
           "(leaky_relu, leaky_relu_backward)).",
    hints=["For x <= 0 both the output and the derivative are scaled by negative_slope."],
    cases=[Case("forward", 1, _leaky_inputs(0.01), _leaky_judge(0)),
           Case("backward", 1, _leaky_inputs(0.01), _leaky_judge(1)),
           Case("negative_slope = 0.2", 1, _leaky_inputs(0.2), _leaky_judge(1))],
))


# ----------------------------------------------------------------------------- deep signal
def _deep_run(obj, inputs):
    from .compare import answer_value

    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected {'activation': ..., 'init': ...}")
    return {"activation": str(value.get("activation")), "init": str(value.get("init"))}


def _deep_judge(inputs, outputs):
    activation, init = outputs.get("activation"), outputs.get("init")
    if activation not in ACTIVATIONS or init not in INITS:
        return f"unknown choice {outputs}; activation in {ACTIVATIONS}, init in {INITS}"
    # geometric mean over fixed seeds: the same verdict for every learner and every run
    ratio = float(np.exp(np.mean([np.log(max(gradient_std_ratio(activation, init, seed=s), 1e-300))
                                  for s in inputs["seeds"]])))
    low, high = RATIO_RANGE
    if low <= ratio <= high:
        return None
    trend = "vanishes" if ratio < low else "explodes"
    return (f"with {activation} + {init} the first layer's gradient std is {ratio:.3g} times the "
            f"last layer's: the gradient {trend} over {DEPTH} layers (need {low} to {high}).")


register(Exercise(
    id="activations.deep_signal", title="Keep the gradient alive through 20 layers",
    chapter="ch04", kind="widget", run=_deep_run, solution=DEEP_SIGNAL_SOLUTION,
    prompt=f"Pick an activation and an initialization so that in a depth-{DEPTH}, width-{WIDTH} "
           f"MLP the ratio std(dL/dW first) / std(dL/dW last) lies in {list(RATIO_RANGE)}.",
    hints=["Match the init to the activation: He for ReLU, Xavier (Glorot) for tanh.",
           "Sigmoid's derivative is at most 0.25, so the gradient shrinks at every layer."],
    widget={"dropdowns": {"activation": list(ACTIVATIONS), "init": list(INITS)}},
    cases=[Case("gradient ratio in range", 2, lambda rng: {"seeds": [0, 1, 2]},
                _deep_judge)],
))
