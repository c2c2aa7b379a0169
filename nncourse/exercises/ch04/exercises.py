"""Chapter 4 exercises: sigmoid/tanh/leaky-ReLU backward passes; keeping a deep signal alive.

The backward passes are compared with the library's (:mod:`nncourse.numpy.activations`).
Their probes isolate one term each: an upstream gradient of ones (the local derivative
alone), the point where the slope is largest (out = 0.5 for sigmoid, 0 for tanh), one
non-zero upstream entry (elementwise), only positive or only negative inputs (leaky ReLU's two
sides). ``activations.deep_signal`` is answered with the initialization explorer itself (its
``.state``) or a dict in the explorer's names (or the answer widget's short names); the judge
recomputes the explorer's statistics at depth 20, width 64.

Example:
    >>> from nncourse.exercises import check
    >>> check("activations.deep_signal", {"activation": "relu", "init": "he"}).passed
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.widgets.initialization_core import RATIO_RANGE, SATURATION_LIMIT

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes

#: The answer widget's short init names -> the initialization explorer's names. This is the
#: one mapping between the two; every other explorer name is accepted as it is.
SHORT_INIT_NAMES = {"small_normal": "small_normal", "standard_normal": "normal_1",
                    "xavier": "xavier_normal", "he": "he_normal"}
ACTIVATIONS = ("relu", "tanh", "sigmoid")   # the answer widget's choices (the explorer has more)
INITS = tuple(SHORT_INIT_NAMES)
DEPTH, WIDTH = 20, 64
FUNCTIONS_RUNNER = "nncourse.exercises.ch04.runners:functions"
BACKWARD_RUNNER = "nncourse.exercises.ch04.runners:backward"


# ----------------------------------------------------------------------------- probes
def _upstream(value: float):
    def transform(inputs: dict) -> dict:
        return {**inputs, "grad_out": np.full_like(inputs["grad_out"], value)}
    return transform


def _one_upstream_entry(inputs: dict) -> dict:
    grad_out = np.zeros_like(inputs["grad_out"])
    grad_out[1, 2] = inputs["grad_out"][1, 2] or 1.0
    return {**inputs, "grad_out": grad_out}


def _outputs_at(value: float):
    def transform(inputs: dict) -> dict:
        return {**inputs, "out": np.full_like(inputs["out"], value)}
    return transform


def _elementwise_probe() -> Probe:
    return Probe("one non-zero upstream entry", _one_upstream_entry,
                 "With grad_out zero except one entry, grad_x must be zero except that entry: "
                 "the backward pass of an activation is the elementwise product "
                 "grad_out * f'(x). Yours is not zero where grad_out is: a term is added "
                 "instead of multiplied, or entries are mixed (a matrix product, a sum or a "
                 "mean).", outputs=("nonzero",))


SIGMOID_PROBES = [
    _elementwise_probe(),
    Probe("grad_out = 1", _upstream(1.0),
          "With grad_out = 1 everywhere grad_x is sigmoid's local derivative out * (1 - out); "
          "yours differs there, so the local derivative is wrong (out already is sigmoid(x)).",
          outputs=("grad_x",)),
    Probe("out = 0.5", _outputs_at(0.5),
          "At out = 0.5 (x = 0) sigmoid's slope is 0.25, so grad_x = 0.25 * grad_out; yours "
          "differs there: the local derivative must be out * (1 - out).", outputs=("grad_x",)),
]
TANH_PROBES = [
    _elementwise_probe(),
    Probe("grad_out = 1", _upstream(1.0),
          "With grad_out = 1 everywhere grad_x is tanh's local derivative 1 - out**2; yours "
          "differs there, so the local derivative is wrong (out already is tanh(x)).",
          outputs=("grad_x",)),
    Probe("out = 0", _outputs_at(0.0),
          "At out = 0 (x = 0) tanh's slope is 1, so grad_x = grad_out; yours differs there: "
          "the local derivative must be 1 - out**2.", outputs=("grad_x",)),
]


def _sigmoid_inputs(rng: np.random.Generator) -> dict:
    x = rng.normal(scale=2.0, size=(5, 6))
    return {"grad_out": rng.normal(size=(5, 6)), "out": 1 / (1 + np.exp(-x))}


def _tanh_inputs(rng: np.random.Generator) -> dict:
    return {"grad_out": rng.normal(size=(5, 6)), "out": np.tanh(rng.normal(size=(5, 6)))}


BACKWARD_EXPECTS = {
    "returns": "grad_x, an array shaped like grad_out",
    "inputs": {"grad_out": "dL/d(out), an array (here (5, 6))",
               "out": "the forward output, an array of the same shape"},
}

register(Exercise(
    id="activations.sigmoid_backward", title="Backward pass of sigmoid", chapter="ch04",
    reference="nncourse.numpy.activations.sigmoid_backward",
    call={"runner": BACKWARD_RUNNER}, expects=BACKWARD_EXPECTS,
    prompt="Write `sigmoid_backward(grad_out, out) -> grad_x` where out = sigmoid(x).",
    hints=["sigma'(x) = sigma(x) (1 - sigma(x)), and sigma(x) is `out`."],
    cases=[Case("matches reference", 2, _sigmoid_inputs, outputs=("grad_x",))],
    probes=SIGMOID_PROBES, mistakes=mistakes.SIGMOID,
))

register(Exercise(
    id="activations.tanh_backward", title="Backward pass of tanh", chapter="ch04",
    reference="nncourse.numpy.activations.tanh_backward",
    call={"runner": BACKWARD_RUNNER}, expects=BACKWARD_EXPECTS,
    prompt="Write `tanh_backward(grad_out, out) -> grad_x` where out = tanh(x).",
    hints=["tanh'(x) = 1 - tanh(x)^2, and tanh(x) is `out`."],
    cases=[Case("matches reference", 2, _tanh_inputs, outputs=("grad_x",))],
    probes=TANH_PROBES, mistakes=mistakes.TANH,
))


# ----------------------------------------------------------------------------- leaky ReLU
def _leaky_inputs(slope: float):
    def make(rng: np.random.Generator) -> dict:
        x = rng.normal(size=(4, 5))
        x[0, :2] = 0.0                    # the kink itself: x = 0 belongs to the negative side
        return {"x": x, "grad_out": rng.normal(size=(4, 5)), "negative_slope": slope}
    return make


def _side(sign: float):
    def transform(inputs: dict) -> dict:
        return {**inputs, "x": sign * (np.abs(inputs["x"]) + 0.1)}
    return transform


LEAKY_PROBES = [
    Probe("only positive inputs", _side(1.0),
          "For positive x leaky ReLU is the identity: output x and grad_x = grad_out. Yours "
          "differs there, so the positive side is wrong.", outputs=("output", "grad_x")),
    Probe("only negative inputs", _side(-1.0),
          "For negative x the output is negative_slope * x and grad_x = negative_slope * "
          "grad_out. Yours differs there, so the negative side is wrong.",
          outputs=("output", "grad_x")),
    Probe("negative_slope = 0.3", lambda inputs: {**inputs, "negative_slope": 0.3},
          "With negative_slope = 0.3 yours differs: use the negative_slope argument, not a "
          "fixed number.", outputs=("output", "grad_x")),
    Probe("grad_out = 1", _upstream(1.0),
          "With grad_out = 1 everywhere grad_x is the local derivative (1 or negative_slope); "
          "yours differs there.", outputs=("grad_x",)),
]

register(Exercise(
    id="activations.leaky_relu", title="Leaky ReLU, forward and backward", chapter="ch04",
    kind="functions", reference="nncourse.exercises.ch04.reference.LEAKY_RELU",
    call={"runner": FUNCTIONS_RUNNER, "functions": ["leaky_relu", "leaky_relu_backward"],
          "calls": [["x", "negative_slope"], ["grad_out", "x", "negative_slope"]]},
    output_names=("output", "grad_x"),
    expects={"returns": "the tuple (leaky_relu, leaky_relu_backward) of your two functions; "
                        "each returns an array shaped like x",
             "inputs": {"x": "an array (here (4, 5)) with some entries exactly 0",
                        "grad_out": "an array shaped like x",
                        "negative_slope": "a float"}},
    prompt="Write `leaky_relu(x, negative_slope=0.01)` and `leaky_relu_backward(grad_out, x, "
           "negative_slope=0.01)`: x where x > 0, otherwise negative_slope * x (x = 0 counts "
           "with the negative side, as in PyTorch); check them together: "
           "check('activations.leaky_relu', (leaky_relu, leaky_relu_backward)).",
    hints=["For x <= 0 both the output and the derivative are scaled by negative_slope."],
    cases=[Case("forward", 1, _leaky_inputs(0.01), outputs=("output",)),
           Case("backward", 1, _leaky_inputs(0.01), outputs=("grad_x",)),
           Case("negative_slope = 0.2", 1, _leaky_inputs(0.2))],
    probes=LEAKY_PROBES, mistakes=mistakes.LEAKY_RELU, check_global_rng=True,
))


# ----------------------------------------------------------------------------- deep signal
def explorer_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The initialization explorer's (init names, activation names), read from the explorer."""
    from nncourse.widgets.initialization_core import ACTIVATION_LAYERS, INIT_SCHEMES

    return tuple(INIT_SCHEMES), tuple(ACTIVATION_LAYERS)


def explorer_init_name(init: Any) -> str | None:
    """The explorer's name of ``init`` (a short name or an explorer name); None if unknown.

    Example:
        >>> explorer_init_name("he"), explorer_init_name("he_normal"), explorer_init_name("x")
        ('he_normal', 'he_normal', None)
    """
    if not isinstance(init, str):
        return None
    name = SHORT_INIT_NAMES.get(init, init)
    return name if name in explorer_choices()[0] else None


def deep_signal_statistics(activation: str, init: str, depth: int = DEPTH,
                           width: int = WIDTH) -> dict:
    """The explorer's statistics (seed 0, batch 128, no batch norm) for a depth x width MLP.

    These are the numbers the initialization explorer shows for the same settings, so the
    verdict agrees with what the learner sees.

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

    Example:
        >>> 0.1 < gradient_std_ratio("relu", "he") < 10
        True
    """
    return float(deep_signal_statistics(activation, init, depth, width)["gradient_ratio"])


def _explorer_settings_note(output: dict) -> str:
    """Say so when the explorer was set differently from what is judged."""
    differs = []
    if output.get("depth", DEPTH) != DEPTH:
        differs.append(_("depth {depth}").format(depth=output["depth"]))
    if output.get("width", WIDTH) != WIDTH:
        differs.append(_("width {width}").format(width=output["width"]))
    if output.get("batch_norm"):
        differs.append(_("batch norm on"))
    if not differs:
        return ""
    return " " + _("(judged at depth {depth}, width {width}, without batch norm; your explorer "
                   "is set to {settings})").format(depth=DEPTH, width=WIDTH,
                                                   settings=", ".join(differs))


def deep_signal_judge(inputs: dict, output: Any) -> str | None:
    """The explorer's verdict for the learner's setting (None when the gradient survives)."""
    inits, activations = explorer_choices()
    if not isinstance(output, dict):
        return (_("expected the initialization explorer or a dict {{'activation': ..., "
                  "'init': ...}}; got a {type}").format(
                    type=type(output).__name__))
    activation, init = output.get("activation"), output.get("init")
    name = explorer_init_name(init)
    if activation not in activations or name is None:
        return (_("unknown choice activation={activation!r}, init={init!r}; the "
                  "explorer's activations are {list_activations} and its inits "
                  "{list_inits} (the answer widget's short names {short_init_names} "
                  "work too).").format(
                    activation=activation, init=init, list_activations=list(activations),
                    list_inits=list(inits), short_init_names=list(SHORT_INIT_NAMES)))
    stats = deep_signal_statistics(activation, name)
    ratio = stats["gradient_ratio"]
    low, high = RATIO_RANGE
    note = _explorer_settings_note(output)
    if not np.isfinite(ratio) or not low <= ratio <= high:
        trend = _("vanishes") if np.isfinite(ratio) and ratio < low else _("explodes")
        return (_("with {activation} + {name} the first layer's gradient std is "
                  "{ratio:.3g} times the last layer's: the gradient {trend} over "
                  "{depth} layers (need {low:g} to {high:g}){note}.").format(
                    activation=activation, name=name, ratio=ratio, trend=trend, depth=DEPTH,
                    low=low, high=high, note=note))
    saturated = float(np.mean(stats["saturated_fraction"]))
    if activation in ("sigmoid", "tanh") and saturated > SATURATION_LIMIT:
        return (_("with {activation} + {name} the ratio {ratio:.3g} is in range, but "
                  "{saturated:.0%} of the units sit on a flat part of the {activation} "
                  "(derivative under a tenth of its maximum): the weights are so large "
                  "that the units saturate, and saturated units barely learn. Find a "
                  "combination that keeps the gradient without saturating{note}.").format(
                    activation=activation, name=name, ratio=ratio, saturated=saturated,
                    note=note))
    return None


register(Exercise(
    id="activations.deep_signal", title="Keep the gradient alive through 20 layers",
    chapter="ch04", kind="widget", reference="nncourse.exercises.ch04.reference.DEEP_SIGNAL",
    call={"runner": "value"}, check_global_rng=False,
    expects={"returns": "the initialization explorer or a dict {'activation': ..., 'init': ...}",
             "keys": {"the explorer's state": ["init", "activation", "depth", "width",
                                               "batch_norm"]},
             "valid": {"activation": ["relu", "leaky_relu", "tanh", "sigmoid"],
                       "init": ["normal_1", "small_normal", "xavier_normal", "he_normal",
                                "lecun_normal", "torch_default"]}},
    prompt=f"Set the initialization explorer to an activation and an initialization for which, "
           f"in a depth-{DEPTH}, width-{WIDTH} MLP, the gradient ratio std(first layer) / "
           f"std(last layer) lies in {list(RATIO_RANGE)} without saturating the units (at most "
           f"{SATURATION_LIMIT:.0%} of them on a flat part). Build it in code with "
           f"`InitializationExplorer(activation=..., init=..., depth=20, width=64)`, using the "
           f"explorer's names (activation: relu, leaky_relu, tanh, sigmoid; init: normal_1, "
           f"small_normal, xavier_normal, he_normal, lecun_normal, torch_default), then record "
           f"`answer('activations.deep_signal', explorer)`.",
    hints=["Match the init to the activation: He for ReLU, Xavier (Glorot) for tanh.",
           "Sigmoid's derivative is at most 0.25, so the gradient shrinks at every layer."],
    widget={"dropdowns": {"activation": list(ACTIVATIONS), "init": list(INITS)}},
    cases=[Case("gradient ratio in range", 2, lambda rng: {"depth": DEPTH, "width": WIDTH},
                judge=deep_signal_judge)],
    mistakes=mistakes.DEEP_SIGNAL,
))
