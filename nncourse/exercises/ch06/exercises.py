"""Chapter 6 exercises: Xavier/He initialisers, per-layer statistics, batch norm, rescuing an init.

* ``init.xavier_he`` draws with the learner's pair from a seeded generator and judges the
  spread and the distribution against the library's draws (not the exact numbers: any correct
  way of drawing from ``rng`` is right); the framework catches the global generator and an
  ignored ``rng``.
* ``diagnostics.forward_stats`` sends a batch through a small Sequential (with dead ReLU units
  and an always-negative tanh unit in every draw) and compares the columns with
  :func:`nncourse.numpy.diagnostics.layer_statistics`.
* ``normalization.batchnorm`` compares with :mod:`nncourse.numpy.normalization` and gradchecks
  grad_x against the learner's own forward; a constant feature (variance 0) shows eps.
* ``normalization.rescue_naive_init`` takes the initialization explorer (or a dict of its
  settings) and recomputes its statistics.

Example:
    >>> from nncourse.exercises import check
    >>> check("normalization.rescue_naive_init",
    ...       {"init": "normal_1", "activation": "relu", "batch_norm": True}).passed
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.widgets.initialization_core import PREACTIVATION_RANGE

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes

RUNNERS = "nncourse.exercises.ch06.runners"

# ----------------------------------------------------------------------------- initialisers
#: (fan_out, fan_in): weights are (out, in) as in torch; fan_in != fan_out so swaps show
SHAPES = ((60, 120), (120, 30))
STD_TOLERANCE = 0.04        # relative; the sampling error of the std is about 1 %
NORMAL_KURTOSIS = 3.0       # a uniform has 1.8


def _init_inputs(rng: np.random.Generator) -> dict:
    return {"rng": int(rng.integers(0, 2**31 - 2)), "shapes": [list(s) for s in SHAPES]}


def _kurtosis(values: np.ndarray) -> float:
    centred = values - values.mean()
    return float(np.mean(centred**4) / np.mean(centred**2) ** 2)


def _fans(shape: tuple[int, int]) -> dict[str, float]:
    fan_out, fan_in = shape
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_in + fan_out": fan_in + fan_out,
            "(fan_in + fan_out) / 2": (fan_in + fan_out) / 2}


#: what spread_formula appends to a formula that is the variance (k / fan) rather than the std
NO_ROOT = " (no square root)"


def spread_formula(value: float, shape: tuple[int, int]) -> str | None:
    """The formula among sqrt(k / fan) and k / fan (k = 1, 2, 3, 6) that gives ``value``.

    Example:
        >>> spread_formula(np.sqrt(2 / 30), (60, 30))
        'sqrt(2 / fan_in)'
    """
    for fan_name, fan in _fans(shape).items():
        for k in (1, 2, 3, 6):
            text = f"{k} / ({fan_name})" if "+" in fan_name and "/" not in fan_name \
                else f"{k} / {fan_name}"
            if abs(value / np.sqrt(k / fan) - 1) < STD_TOLERANCE:
                return f"sqrt({text})"
            if abs(value / (k / fan) - 1) < STD_TOLERANCE:
                return f"{text}{NO_ROOT}"
    return None


def _formula_shown(formula: str) -> str:
    """A formula of :func:`spread_formula` with its "(no square root)" in the current language."""
    if formula.endswith(NO_ROOT):
        return formula[:-len(NO_ROOT)] + " " + _("(no square root)")
    return formula


def _init_feedback(kind: str, shape: tuple[int, int], std: float, expected: float) -> str:
    """Name the formula the learner's spread follows, next to the one it should follow."""
    fan_out, fan_in = shape
    where = _("for shape {shape} (fan_out {fan_out} = shape[0], fan_in {fan_in} = shape[1]) "
              "your {kind} weights have std {std:.4g}, expected {expected:.4g}").format(
                  shape=shape, fan_out=fan_out, fan_in=fan_in, kind=kind, std=std,
                  expected=expected)
    if kind == "he_normal":
        found = spread_formula(std, shape)
        if found == "sqrt(1 / fan_in)":
            return _("{where}: that is sqrt(1 / fan_in), LeCun's std; He has the "
                     "factor 2, sqrt(2 / fan_in)").format(
                       where=where)
        if found and found.endswith(NO_ROOT):
            return (_("{where}: that is {found}, the variance used as the std; the std "
                      "of N(0, 2 / fan_in) is sqrt(2 / fan_in)").format(
                        where=where, found=_formula_shown(found)))
        if found:
            return _("{where}: your std is {found}; He's std is sqrt(2 / fan_in) "
                     "(fan_in = shape[1])").format(
                       where=where, found=found)
        return _("{where} ({std_expected:.3g} times): He's std is sqrt(2 / fan_in)").format(
                   where=where, std_expected=std / expected)
    limit = std * np.sqrt(3)          # U(-b, b) has std b / sqrt(3)
    found = spread_formula(limit, shape)
    if found == "sqrt(2 / (fan_in + fan_out))":
        return (_("{where}: your limit is sqrt(2 / (fan_in + fan_out)), the normal "
                  "std; the uniform limit is sqrt(3) times larger, sqrt(6 / (fan_in + "
                  "fan_out))").format(
                    where=where))
    if found:
        return (_("{where}: your limit b is {found}; Xavier's is sqrt(6 / (fan_in + "
                  "fan_out)) (a uniform U(-b, b) has std b / sqrt(3))").format(
                    where=where, found=_formula_shown(found)))
    return (_("{where} ({std_expected:.3g} times): the limit is sqrt(6 / (fan_in + "
              "fan_out)) and U(-b, b) has std b / sqrt(3)").format(
                where=where, std_expected=std / expected))


def init_judge(kind: str):
    """Judge one initialiser's draws by their spread and shape against the library's draws."""
    def judge(inputs: dict, output: Any, expected: Any) -> str | None:
        short = "xavier" if kind == "xavier_uniform" else "he"
        for shape, got, want in zip(SHAPES, output[short], expected[short], strict=True):
            if got is None or isinstance(got, str | dict):
                return (_("your {kind} returned {type} for shape {shape}; it should "
                          "return the array of weights").format(
                            kind=kind, type=type(got).__name__, shape=shape))
            arr = np.asarray(got, dtype=np.float64)
            want = np.asarray(want, dtype=np.float64)
            if arr.shape != shape:
                if arr.shape == shape[::-1]:
                    return (_("your {kind} weights for shape {shape} have shape "
                              "{arr_shape}: transposed; weights are (fan_out, fan_in), "
                              "draw with size=shape").format(
                                kind=kind, shape=shape, arr_shape=arr.shape))
                return _("your {kind} weights for shape {shape} have shape {arr_shape}").format(
                           kind=kind, shape=shape, arr_shape=arr.shape)
            if not np.all(np.isfinite(arr)):
                return _("your {kind} weights for shape {shape} contain NaN or inf").format(
                           kind=kind, shape=shape)
            std, spread = float(np.std(arr)), float(np.std(want))
            if abs(float(np.mean(arr))) > 6 * spread / np.sqrt(arr.size):   # 6 standard errors
                return (_("your {kind} weights have mean {np_mean_arr:.3g}; they "
                          "should be centred on 0").format(
                            kind=kind, np_mean_arr=np.mean(arr)))
            if abs(std / spread - 1) > STD_TOLERANCE:
                return _init_feedback(kind, shape, std, spread)
            if kind == "xavier_uniform" and np.abs(arr).max() > np.sqrt(3) * spread * 1.05:
                return (_("xavier_uniform must be uniform on [-limit, limit]; some of "
                          "your weights lie outside the limit (a normal draw?): use "
                          "rng.uniform"))
            if kind == "he_normal" and _kurtosis(arr) < (NORMAL_KURTOSIS + 1.8) / 2:
                return (_("your he_normal weights have the right std but are not "
                          "normal (their histogram is flat, like a uniform's): draw "
                          "with rng.normal"))
        return None
    return judge


register(Exercise(
    id="init.xavier_he", title="Xavier (uniform) and He (normal) initialisers", chapter="ch06",
    kind="functions", reference="nncourse.exercises.ch06.reference.INITIALISERS",
    call={"runner": f"{RUNNERS}:initialisers", "generators": ["rng"]},
    expects={"returns": "the tuple (xavier_uniform, he_normal) of your two functions; each "
                        "returns an array of the given shape",
             "inputs": {"shape": "a tuple (fan_out, fan_in)",
                        "rng": "a NumPy Generator (np.random.default_rng): draw with "
                               "rng.uniform / rng.normal"}},
    prompt="Write `xavier_uniform(shape, rng)` (U(-b, b), b = sqrt(6 / (fan_in + fan_out))) and "
           "`he_normal(shape, rng)` (N(0, 2 / fan_in)) for weights of shape (fan_out, fan_in), "
           "drawing with the NumPy generator `rng`; check them together: "
           "check('init.xavier_he', (xavier_uniform, he_normal)).",
    hints=["A weight matrix is (out_features, in_features): fan_in = shape[1].",
           "Var(U(-b, b)) = b**2 / 3, so a uniform limit b gives std b / sqrt(3)."],
    cases=[Case("xavier_uniform", 1, _init_inputs, judge=init_judge("xavier_uniform"),
                outputs=("xavier",)),
           Case("he_normal", 1, _init_inputs, judge=init_judge("he_normal"), outputs=("he",))],
    mistakes=mistakes.INITIALISERS,
))


# ----------------------------------------------------------------------------- statistics
def stats_inputs(rng: np.random.Generator) -> dict:
    """A 5-8-6-3 MLP (Linear, ReLU, Linear, Tanh, Linear) and a batch of 7.

    Every draw has dead ReLU units (two first-layer units with a bias of -30), ReLU units
    that are 0 for only some examples, and a tanh unit that is negative for every example
    (alive, though never positive), so each part of dead_fraction is exercised.
    """
    sizes = (5, 8, 6, 3)
    weights = [rng.normal(scale=0.8, size=(sizes[i + 1], sizes[i])) for i in range(3)]
    biases = [rng.normal(size=size) for size in sizes[1:]]
    biases[0][[1, 4]] = -30.0          # dead: 0 for every example
    biases[1][2] = -30.0               # the tanh unit 2 is about -1 for every example
    return {"weights": weights, "biases": biases, "x": rng.normal(size=(7, sizes[0])),
            "layers": ["linear", "relu", "linear", "tanh", "linear"]}


def _all_relu_units_dead(inputs: dict) -> dict:
    biases = [np.array(b) for b in inputs["biases"]]
    biases[0] = np.full_like(biases[0], -30.0)
    return {**inputs, "biases": biases}


def _no_relu_unit_dead(inputs: dict) -> dict:
    biases = [np.array(b) for b in inputs["biases"]]
    biases[0][[1, 4]] = 0.0            # the two dead units come back to life
    weights = [np.array(w) for w in inputs["weights"]]
    weights[0][:, 0] = np.abs(weights[0][:, 0]) + 1.0
    x = np.array(inputs["x"])
    x[0, 0] = 1e3                      # example 0 switches every ReLU unit on
    return {**inputs, "biases": biases, "weights": weights, "x": x}


def _batch_of_one(inputs: dict) -> dict:
    return {**inputs, "x": np.array(inputs["x"][:1])}


FORWARD_STATS_PROBES = [
    Probe("no ReLU unit dead", _no_relu_unit_dead,
          "When every ReLU unit is positive for at least one example (some are 0 for other "
          "examples), no unit is dead and dead_fraction is 0; yours is not: a unit is dead "
          "only when it is 0 for every example, np.all(h == 0, axis=0), not for some.",
          outputs=("dead_fraction",)),
    Probe("every ReLU unit dead", _all_relu_units_dead,
          "When every unit of the ReLU layer is 0 for every example, that layer's "
          "dead_fraction is 1; yours differs: dead_fraction is the share of units (columns) "
          "that are exactly 0 for every example, np.mean(np.all(h == 0, axis=0)).",
          outputs=("dead_fraction",)),
    Probe("a batch of one", _batch_of_one,
          "With a batch of one example your std differs: std is the population std over all "
          "entries of the layer's output, np.std(h), not a per-unit std (one example has no "
          "spread per unit) and not ddof=1.", outputs=("std",)),
    Probe("a batch of one (mean)", _batch_of_one,
          "With a batch of one example your mean differs: mean is over all entries of the "
          "layer's output, np.mean(h).", outputs=("mean",)),
]

register(Exercise(
    id="diagnostics.forward_stats", title="A forward pass that records per-layer statistics",
    chapter="ch06", reference="nncourse.exercises.ch06.reference.forward_with_stats",
    call={"runner": f"{RUNNERS}:forward_stats"},
    expects={"returns": "one row (mean, std, dead_fraction) per layer: a list of 3-tuples or "
                        "an array of shape (layers, 3)",
             "inputs": {"model": "a Sequential: `for layer in model` gives its layers in "
                                 "order, and `layer.forward(h)` (or `layer(h)`) sends an "
                                 "array (B, features) through one",
                        "x": "an array (B, in_features)"},
             "shapes": {"mean": "one entry per layer of the model, activation layers "
                                "included",
                        "std": "one entry per layer", "dead_fraction": "one entry per layer"}},
    prompt="Write `forward_with_stats(model, x)` that sends `x` through `model` (a Sequential) "
           "layer by layer and returns one row `(mean, std, dead_fraction)` per layer, of that "
           "layer's output: population std, and the share of units (columns) that are 0 for "
           "every example in the batch.",
    hints=["Loop over the layers: h = layer.forward(h), then summarise h.",
           "A unit is dead when its whole column is 0: np.all(h == 0, axis=0)."],
    cases=[Case("matches layer_statistics", 2, stats_inputs)],
    probes=FORWARD_STATS_PROBES, mistakes=mistakes.FORWARD_STATS,
))


# ----------------------------------------------------------------------------- batch norm
def bn_inputs(batch: int, constant_feature: bool = False, gradcheck: bool = False):
    """``rng -> inputs`` for batch norm: x (batch, 4) around 2 with spread 3, gamma, beta.

    ``gradcheck`` asks the runner for a numerical gradient of the learner's forward too.
    """
    def make(rng: np.random.Generator) -> dict:
        x = rng.normal(loc=2.0, scale=3.0, size=(batch, 4))
        if constant_feature:
            x[:, 1] = x[0, 1]          # variance 0: only eps keeps the division finite
        return {"x": x, "gamma": rng.normal(size=4), "beta": rng.normal(size=4),
                "grad_out": rng.normal(size=(batch, 4)), "eps": 1e-5, "gradcheck": gradcheck}
    return make


def _x_hat(inputs: dict) -> np.ndarray:
    x = np.asarray(inputs["x"], dtype=np.float64)
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + inputs["eps"])


BATCHNORM_PROBES = [
    Probe("gamma = 1, beta = 0", lambda inputs: {**inputs, "gamma": np.ones_like(inputs["gamma"]),
                                                 "beta": np.zeros_like(inputs["beta"])},
          "With gamma = 1 and beta = 0, out is x_hat itself: (x - mean) / sqrt(var + eps), "
          "with the mean and the biased variance of each feature over the batch (axis=0). "
          "Yours differs there, so the normalisation is wrong.", outputs=("out",)),
    Probe("eps = 1", lambda inputs: {**inputs, "eps": 1.0},
          "With eps = 1 your out differs: eps goes inside the square root, once: "
          "x_hat = (x - mean) / sqrt(var + eps).", outputs=("out",)),
    Probe("grad_out = 1 everywhere", lambda inputs: {**inputs,
                                                     "grad_out": np.ones_like(inputs["x"])},
          "With grad_out = 1 everywhere grad_x must be 0 (the same change in every row is "
          "removed by subtracting the batch mean): the term - sum(g) from the mean is missing "
          "or wrong.", outputs=("grad_x",)),
    Probe("grad_out = x_hat", lambda inputs: {**inputs, "grad_out": _x_hat(inputs),
                                              "gamma": np.ones_like(inputs["gamma"])},
          "With grad_out = x_hat (and gamma = 1) grad_x must be 0 (scaling every row's "
          "deviation is removed by dividing by the batch std): the term "
          "- x_hat * sum(g * x_hat) from the variance is missing or wrong.",
          outputs=("grad_x",)),
    Probe("grad_out = 1 (grad_gamma, grad_beta)",
          lambda inputs: {**inputs, "grad_out": np.ones_like(inputs["x"])},
          "With grad_out = 1 everywhere grad_beta must be B in every feature and grad_gamma "
          "sum(x_hat) = 0: grad_beta = sum(grad_out, axis=0), grad_gamma = "
          "sum(grad_out * x_hat, axis=0).", outputs=("grad_gamma", "grad_beta")),
    Probe("gamma = 2 (grad_x)",
          lambda inputs: {**inputs, "gamma": np.full_like(inputs["gamma"], 2.0)},
          "With gamma = 2 your grad_x differs: the upstream gradient reaches x_hat multiplied "
          "by gamma, g = grad_out * gamma, and every term of grad_x uses that g.",
          outputs=("grad_x",)),
]


def gradcheck_judge(inputs: dict, output: Any) -> str | None:
    """grad_x against the central-difference gradient of the learner's own forward."""
    from ..compare import compare_arrays

    message = compare_arrays(_("grad_x (against a numerical gradient of your forward)"),
                             output["grad_x"], output["numeric_grad_x"], rtol=1e-5, atol=1e-7)
    return message


register(Exercise(
    id="normalization.batchnorm", title="Batch normalization, forward and backward",
    chapter="ch06", kind="functions", reference="nncourse.exercises.ch06.reference.BATCHNORM",
    call={"runner": f"{RUNNERS}:batchnorm"},
    expects={"returns": "the tuple (batchnorm_forward, batchnorm_backward) of your two "
                        "functions: forward returns (out, cache), backward (grad_x, "
                        "grad_gamma, grad_beta)",
             "inputs": {"x": "an array (B, C)", "gamma": "an array (C,)",
                        "beta": "an array (C,)", "eps": "a float",
                        "grad_out": "an array (B, C)"},
             "shapes": {"out": "(B, C), like x", "grad_x": "(B, C), like x",
                        "grad_gamma": "(C,), like gamma", "grad_beta": "(C,), like beta"}},
    prompt="Write `batchnorm_forward(x, gamma, beta, eps) -> (out, cache)` (training mode, "
           "biased batch variance, eps inside the square root) and `batchnorm_backward("
           "grad_out, cache) -> (grad_x, grad_gamma, grad_beta)`; check them together: "
           "check('normalization.batchnorm', (batchnorm_forward, batchnorm_backward)). The "
           "checker also gradchecks grad_x against your own forward.",
    hints=["x_hat = (x - mean) / sqrt(var + eps) with var = mean((x - mean)**2).",
           "grad_x = inv_std / B * (B*g - sum(g) - x_hat * sum(g * x_hat)) with g = "
           "grad_out * gamma."],
    cases=[Case("forward", 1, bn_inputs(6), outputs=("out",)),
           Case("backward", 2, bn_inputs(6), outputs=("grad_x", "grad_gamma", "grad_beta")),
           Case("a constant feature (variance 0)", 1, bn_inputs(6, constant_feature=True),
                outputs=("out", "grad_x", "grad_gamma", "grad_beta")),
           Case("gradcheck, batch of 2", 1, bn_inputs(2, gradcheck=True),
                judge=gradcheck_judge)],
    probes=BATCHNORM_PROBES, mistakes=mistakes.BATCHNORM,
))


# ----------------------------------------------------------------------------- rescue
RESCUE_DEPTH, RESCUE_WIDTH = 20, 64
STD_RANGE = PREACTIVATION_RANGE       # the explorer's status line uses the same range


def rescue_judge(inputs: dict, output: Any) -> str | None:
    """Whether the explorer setting keeps every pre-activation std in STD_RANGE."""
    from nncourse.widgets.initialization_core import compute_init_statistics

    if not isinstance(output, dict):
        return (_("expected the initialization explorer or a dict of its settings "
                  "{{'init': ..., 'activation': ..., 'batch_norm': ...}}; got a {type}").format(
                    type=type(output).__name__))
    init, activation = output.get("init"), output.get("activation")
    batch_norm = output.get("batch_norm", False)
    if init != "normal_1" or activation != "relu":
        return (_("keep init 'normal_1' and activation 'relu' (got {init!r} and "
                  "{activation!r}): the task is to rescue the naive init without "
                  "changing it").format(
                    init=init, activation=activation))
    if not isinstance(batch_norm, bool):
        return _("batch_norm must be True or False; got {batch_norm!r:.40}").format(
                   batch_norm=batch_norm)
    stats = compute_init_statistics("normal_1", "relu", depth=RESCUE_DEPTH, width=RESCUE_WIDTH,
                                    batch_norm=batch_norm)
    pre = stats["preactivation_std"]
    low, high = STD_RANGE
    if np.all(np.isfinite(pre)) and np.all((pre >= low) & (pre <= high)):
        return None
    return (_("without batch norm the pre-activation std grows from {pre_0:.3g} (layer "
              "1) to {pre_1:.3g} (layer {rescue_depth}): it explodes, far outside "
              "{list_std_range}. Something must re-normalise every layer.").format(
                pre_0=pre[0], pre_1=pre[-1], rescue_depth=RESCUE_DEPTH,
                list_std_range=list(STD_RANGE)))


register(Exercise(
    id="normalization.rescue_naive_init", title="Rescue the naive initialization",
    chapter="ch06", kind="widget",
    reference="nncourse.exercises.ch06.reference.RESCUE_NAIVE_INIT",
    call={"runner": "value"}, check_global_rng=False,
    expects={"returns": "the initialization explorer or a dict of its settings",
             "keys": {"the explorer's state": ["init", "activation", "depth", "width",
                                               "batch_norm"]},
             "valid": {"batch_norm": [True, False]}},
    prompt=f"In the initialization explorer keep init 'normal_1' (N(0, 1) weights) and "
           f"activation 'relu', depth {RESCUE_DEPTH}, width {RESCUE_WIDTH}. Make the "
           f"pre-activation standard deviation stay within {list(STD_RANGE)} at every layer "
           f"(`explorer.set_state(...)` with the names init, activation, depth, width, "
           f"batch_norm); then `answer('normalization.rescue_naive_init', explorer)`.",
    hints=["The init stays naive: what else in the explorer changes the scale per layer?"],
    cases=[Case("pre-activation std in range", 2, lambda rng: {}, judge=rescue_judge)],
    mistakes=mistakes.RESCUE,
))
