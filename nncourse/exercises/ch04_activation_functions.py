"""Chapter 4 exercises: sigmoid/tanh/leaky-ReLU backward passes and keeping a deep signal alive.

``activations.deep_signal`` is answered with the initialization explorer itself (its
``.state``), or with a dict in the explorer's names or the short names of the answer widget;
the judge recomputes the explorer's statistics at depth 20, width 64 and decides itself.

Example:
    >>> from nncourse.exercises import check
    >>> check("activations.deep_signal", {"activation": "relu", "init": "he"}).passed
    True
    >>> from nncourse.widgets.initialization import InitializationExplorer
    >>> explorer = InitializationExplorer(init="he_normal", activation="relu", depth=20, width=64)
    >>> check("activations.deep_signal", explorer).passed   # explorer.state is the answer
    True
"""

from __future__ import annotations

import numpy as np

from nncourse.numpy.activations import (
    leaky_relu,
    leaky_relu_backward,
    sigmoid_backward,
    tanh_backward,
)
from nncourse.widgets.initialization_core import RATIO_RANGE, SATURATION_LIMIT

from . import mistakes_ch04 as wrong
from .compare import answer_value, as_array, compare_arrays, describe_value
from .registry import Case, Exercise, Mistake, register

#: The answer widget's short init names -> the initialization explorer's names. This is the
#: one mapping between the two; every other explorer name is accepted as it is.
SHORT_INIT_NAMES = {"small_normal": "small_normal", "standard_normal": "normal_1",
                    "xavier": "xavier_normal", "he": "he_normal"}
ACTIVATIONS = ("relu", "tanh", "sigmoid")   # the answer widget's choices (the explorer has more)
INITS = tuple(SHORT_INIT_NAMES)
DEPTH, WIDTH = 20, 64
# RATIO_RANGE and SATURATION_LIMIT come from the explorer's computation: one set of thresholds.


def explorer_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The initialization explorer's (init names, activation names), read from the explorer."""
    from nncourse.widgets.initialization_core import ACTIVATION_LAYERS, INIT_SCHEMES

    return tuple(INIT_SCHEMES), tuple(ACTIVATION_LAYERS)


def explorer_init_name(init: str) -> str | None:
    """The explorer's name of ``init`` (a short name or an explorer name); None if unknown.

    Example:
        >>> explorer_init_name("he"), explorer_init_name("he_normal"), explorer_init_name("x")
        ('he_normal', 'he_normal', None)
    """
    name = SHORT_INIT_NAMES.get(init, init)
    return name if name in explorer_choices()[0] else None


def deep_signal_statistics(activation: str, init: str, depth: int = DEPTH,
                           width: int = WIDTH) -> dict:
    """The explorer's statistics (seed 0, batch 128, no batch norm) for a depth x width MLP.

    These are the numbers the initialization explorer shows for the same settings, so the
    verdict agrees with what the learner sees.

    Args:
        activation: an explorer activation ("relu", "leaky_relu", "tanh", "sigmoid").
        init: an explorer init name ("he_normal", ...) or a short name ("he", ...).

    Returns:
        The dict of :func:`nncourse.widgets.initialization_core.compute_init_statistics`; its
        "gradient_ratio" is std(dL/dh first layer) / std(dL/dh last layer).

    Example:
        >>> 0.1 < deep_signal_statistics("relu", "he")["gradient_ratio"] < 10
        True
    """
    from nncourse._checks import check_choice
    from nncourse.widgets.initialization_core import compute_init_statistics

    inits, activations = explorer_choices()
    check_choice(activation, "activation", activations)
    name = explorer_init_name(init)
    if name is None:
        raise ValueError(f"init must be one of {list(inits)} (or a short name in "
                         f"{list(SHORT_INIT_NAMES)}); got {init!r}.")
    return compute_init_statistics(name, activation, depth=depth, width=width)


def gradient_std_ratio(activation: str, init: str, depth: int = DEPTH,
                       width: int = WIDTH) -> float:
    """First layer's gradient std divided by the last layer's, as the explorer shows it.

    Returns:
        About 1: the gradient reaches the first layer intact; << 1 vanishing; >> 1 exploding.

    Example:
        >>> 0.1 < gradient_std_ratio("relu", "he") < 10
        True
    """
    return float(deep_signal_statistics(activation, init, depth, width)["gradient_ratio"])


# ----------------------------------------------------------------------------- backward passes
def _sig_inputs(rng):
    out = 1 / (1 + np.exp(-rng.normal(scale=2.0, size=(5, 6))))
    return {"grad_out": rng.normal(size=(5, 6)), "out": out}


def _local_derivative_slips(name: str, arr: np.ndarray, inputs: dict,
                            expected: np.ndarray, backward) -> str | None:
    """Name the slips every activation backward shares: no upstream factor, a flipped sign."""
    if arr.shape != expected.shape:
        return None
    if np.allclose(arr, backward(np.ones_like(inputs["out"]), inputs["out"])):
        return f"grad_x is {name}'s local derivative alone: the upstream gradient factor is " \
               f"missing; multiply by grad_out (chain rule)."
    if np.allclose(arr, -expected):
        return f"grad_x has the wrong sign: {name}'s derivative is positive everywhere."
    return None


def _sig_judge(inputs, outputs):
    expected = sigmoid_backward(inputs["grad_out"], inputs["out"])
    arr, problem = as_array(outputs, "grad_x")
    if problem:
        return problem
    s = 1 / (1 + np.exp(-inputs["out"]))
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] * s * (1 - s)):
        return "you applied sigmoid again to `out`, which already is sigmoid(x): use " \
               "out * (1 - out)."
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] * (1 - inputs["out"])):
        return "grad_out * (1 - out) misses the factor out: sigma'(x) = out * (1 - out)."
    return _local_derivative_slips("sigmoid", arr, inputs, expected, sigmoid_backward) or \
        compare_arrays("grad_x", arr, expected)


def _tanh_inputs(rng):
    return {"grad_out": rng.normal(size=(5, 6)), "out": np.tanh(rng.normal(size=(5, 6)))}


def _tanh_judge(inputs, outputs):
    expected = tanh_backward(inputs["grad_out"], inputs["out"])
    arr, problem = as_array(outputs, "grad_x")
    if problem:
        return problem
    if arr.shape == expected.shape and np.allclose(
            arr, inputs["grad_out"] * (1 - np.tanh(inputs["out"]) ** 2)):
        return "you applied tanh again to `out`, which already is tanh(x): use 1 - out**2."
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] * (1 - inputs["out"])):
        return "1 - out is missing a square: tanh'(x) = 1 - tanh(x)**2."
    if arr.shape == expected.shape and np.allclose(arr, inputs["grad_out"] *
                                                   (1 + inputs["out"] ** 2)):
        return "1 + out**2 has the wrong sign inside: tanh'(x) = 1 - out**2."
    return _local_derivative_slips("tanh", arr, inputs, expected, tanh_backward) or \
        compare_arrays("grad_x", arr, expected)


register(Exercise(
    id="activations.sigmoid_backward", title="Backward pass of sigmoid", chapter="ch04",
    run=lambda fn, inp: fn(inp["grad_out"], inp["out"]),
    prompt="Write `sigmoid_backward(grad_out, out) -> grad_x` where out = sigmoid(x).",
    hints=["sigma'(x) = sigma(x) (1 - sigma(x)), and sigma(x) is `out`."],
    cases=[Case("matches reference", 2, _sig_inputs, _sig_judge)],
    mistakes=[Mistake("sigmoid applied to out again", wrong.sigmoid_twice, "already is sigmoid"),
              Mistake("no upstream gradient", wrong.sigmoid_local_only,
                      ("upstream gradient", "grad_out")),
              Mistake("factor out missing", wrong.sigmoid_missing_out, "misses the factor out"),
              Mistake("sign flipped", wrong.sigmoid_flipped, "wrong sign"),
              Mistake("out squared", wrong.sigmoid_out_squared, "differs")],
))

register(Exercise(
    id="activations.tanh_backward", title="Backward pass of tanh", chapter="ch04",
    run=lambda fn, inp: fn(inp["grad_out"], inp["out"]),
    prompt="Write `tanh_backward(grad_out, out) -> grad_x` where out = tanh(x).",
    hints=["tanh'(x) = 1 - tanh(x)^2, and tanh(x) is `out`."],
    cases=[Case("matches reference", 2, _tanh_inputs, _tanh_judge)],
    mistakes=[Mistake("1 - out", wrong.tanh_no_square, "missing a square"),
              Mistake("tanh applied to out again", wrong.tanh_twice, "already is tanh"),
              Mistake("no upstream gradient", wrong.tanh_local_only,
                      ("upstream gradient", "grad_out")),
              Mistake("1 + out**2", wrong.tanh_plus, "wrong sign"),
              Mistake("(1 - out)**2", wrong.tanh_square_outside, "differs")],
))


def _leaky_run(obj, inputs):
    if isinstance(obj, tuple | list) and len(obj) == 2:
        forward, backward = obj
    elif hasattr(obj, "forward") and hasattr(obj, "backward"):
        forward, backward = obj.forward, obj.backward
    else:
        raise TypeError(f"got {describe_value(obj) if not callable(obj) else 'one function'}; "
                        f"pass the pair (leaky_relu, leaky_relu_backward)")
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
            return "expected (forward_output, grad_x)."
        x, slope, grad_out = inputs["x"], inputs["negative_slope"], inputs["grad_out"]
        if part == 0:
            expected = leaky_relu(x, slope)
            got, _ = as_array(outputs[0], "output")
            if got is not None and got.shape == x.shape and np.allclose(got, np.maximum(x, 0)):
                return "output is plain ReLU: negative inputs must give negative_slope * x."
            return compare_arrays("output", outputs[0], expected)
        expected = leaky_relu_backward(grad_out, x, slope)
        got, problem = as_array(outputs[1], "grad_x")
        if problem:
            return problem
        if got.shape == x.shape and not np.allclose(got, expected):
            if np.allclose(got, leaky_relu_backward(np.ones_like(x), x, slope)):
                return "grad_x is the local derivative alone: the upstream gradient factor is " \
                       "missing; multiply by grad_out (chain rule)."
            if np.allclose(got, grad_out * (x > 0)):
                return "grad_x is zero for x <= 0, as for plain ReLU: on the negative side the " \
                       "gradient is negative_slope * grad_out."
            if slope != 0.01 and np.allclose(got, leaky_relu_backward(grad_out, x, 0.01)):
                return f"grad_x ignores the negative_slope argument ({slope}); it used 0.01."
        return compare_arrays("grad_x", got, expected)
    return judge


register(Exercise(
    id="activations.leaky_relu", title="Leaky ReLU, forward and backward", chapter="ch04",
    kind="functions", run=_leaky_run,
    prompt="Write `leaky_relu(x, negative_slope=0.01)` and `leaky_relu_backward(grad_out, x, "
           "negative_slope=0.01)`; check them together: check('activations.leaky_relu', "
           "(leaky_relu, leaky_relu_backward)).",
    hints=["For x <= 0 both the output and the derivative are scaled by negative_slope."],
    cases=[Case("forward", 1, _leaky_inputs(0.01), _leaky_judge(0)),
           Case("backward", 1, _leaky_inputs(0.01), _leaky_judge(1)),
           Case("negative_slope = 0.2", 1, _leaky_inputs(0.2), _leaky_judge(1))],
    mistakes=[Mistake("plain ReLU forward", wrong.leaky_plain_relu, "plain ReLU"),
              Mistake("negative_slope ignored", wrong.leaky_fixed_slope,
                      "ignores the negative_slope"),
              Mistake("one function instead of the pair", wrong.leaky_single, "pass the pair"),
              Mistake("no upstream gradient", wrong.leaky_local_only, "upstream gradient"),
              Mistake("ReLU's backward", wrong.leaky_relu_backward_zero, "negative side")],
))


# ----------------------------------------------------------------------------- deep signal
def _deep_run(obj, inputs):
    value = answer_value(obj)   # an explorer gives its .value, i.e. its .state dict
    if not isinstance(value, dict):
        raise TypeError(f"expected the initialization explorer or a dict "
                        f"{{'activation': ..., 'init': ...}}; got {describe_value(value)}")
    out = {"activation": str(value.get("activation")), "init": str(value.get("init"))}
    for key in ("depth", "width", "batch_norm"):   # explorer settings, for the feedback only
        if type(value.get(key)) in (int, bool):
            out[key] = value[key]
    return out


def _explorer_settings_note(outputs) -> str:
    """Say so when the explorer was set differently from what is judged."""
    differs = []
    if outputs.get("depth", DEPTH) != DEPTH:
        differs.append(f"depth {outputs['depth']}")
    if outputs.get("width", WIDTH) != WIDTH:
        differs.append(f"width {outputs['width']}")
    if outputs.get("batch_norm"):
        differs.append("batch norm on")
    if not differs:
        return ""
    return (f" (judged at depth {DEPTH}, width {WIDTH}, without batch norm; your explorer is "
            f"set to {', '.join(differs)})")


def _deep_judge(inputs, outputs):
    inits, activations = explorer_choices()
    activation, init = outputs.get("activation"), outputs.get("init")
    name = explorer_init_name(init)
    if activation not in activations or name is None:
        return (f"unknown choice activation={activation!r}, init={init!r}; the explorer's "
                f"activations are {list(activations)} and its inits {list(inits)} (the answer "
                f"widget's short names {list(SHORT_INIT_NAMES)} work too).")
    # The explorer's own computation (fixed seed): the verdict matches what it displays.
    stats = deep_signal_statistics(activation, name)
    ratio = stats["gradient_ratio"]
    low, high = RATIO_RANGE
    note = _explorer_settings_note(outputs)
    if not np.isfinite(ratio) or not low <= ratio <= high:
        trend = "vanishes" if np.isfinite(ratio) and ratio < low else "explodes"
        return (f"with {activation} + {name} the first layer's gradient std is {ratio:.3g} times "
                f"the last layer's: the gradient {trend} over {DEPTH} layers (need {low:g} to "
                f"{high:g}){note}.")
    saturated = float(np.mean(stats["saturated_fraction"]))
    if activation in ("sigmoid", "tanh") and saturated > SATURATION_LIMIT:
        return (f"with {activation} + {name} the ratio {ratio:.3g} is in range, but "
                f"{saturated:.0%} of the units sit on a flat part of the {activation} "
                f"(derivative under a tenth of its maximum): the weights are so large that the "
                f"units saturate, and saturated units barely learn. Find a combination that "
                f"keeps the gradient without saturating{note}.")
    return None


register(Exercise(
    id="activations.deep_signal", title="Keep the gradient alive through 20 layers",
    chapter="ch04", kind="widget", run=_deep_run,
    prompt=f"Set the initialization explorer to an activation and an initialization for which, "
           f"in a depth-{DEPTH}, width-{WIDTH} MLP, the gradient ratio std(first layer) / "
           f"std(last layer) lies in {list(RATIO_RANGE)} without saturating the units (at most "
           f"{SATURATION_LIMIT:.0%} of them on a flat part). Set it in code with "
           f"`explorer.set_state(activation=..., init=...)`, using the explorer's names "
           f"(activation: relu, leaky_relu, tanh, sigmoid; init: normal_1, small_normal, "
           f"xavier_normal, he_normal, lecun_normal, torch_default), then record "
           f"`answer('activations.deep_signal', explorer)`.",
    hints=["Match the init to the activation: He for ReLU, Xavier (Glorot) for tanh.",
           "Sigmoid's derivative is at most 0.25, so the gradient shrinks at every layer."],
    widget={"dropdowns": {"activation": list(ACTIVATIONS), "init": list(INITS)}},
    cases=[Case("gradient ratio in range", 2, lambda rng: {"depth": DEPTH, "width": WIDTH},
                _deep_judge)],
    mistakes=[Mistake("sigmoid with Xavier", {"activation": "sigmoid", "init": "xavier"},
                      "vanishes"),
              Mistake("ReLU with N(0, 1)", {"activation": "relu", "init": "standard_normal"},
                      "explodes"),
              Mistake("ReLU with Xavier", {"activation": "relu", "init": "xavier"}, "vanishes"),
              Mistake("sigmoid with N(0, 1)", {"activation": "sigmoid", "init": "normal_1"},
                      "saturate"),
              Mistake("a mistyped init name", {"activation": "relu", "init": "kaiming"},
                      ("unknown choice", "he_normal")),
              Mistake("a list of names", ["relu", "he"], "dict")],
))
