"""Chapter 6 exercises: Xavier/He initialisers, per-layer statistics, batch norm, rescuing an init.

Judges compare with the library (:mod:`nncourse.numpy.init`, ``diagnostics.layer_statistics``,
``normalization.batchnorm_forward``/``_backward``); ``normalization.rescue_naive_init`` takes the
initialization explorer (or a dict of its settings) and recomputes its statistics.

Example:
    >>> from nncourse.exercises import check
    >>> check("normalization.rescue_naive_init",
    ...       {"init": "normal_1", "activation": "relu", "batch_norm": True}).passed
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import mistakes_ch06 as wrong
from .compare import answer_value, as_array, compare_arrays
from .registry import Case, Exercise, Mistake, register

# ----------------------------------------------------------------------------- initialisers
SHAPES = ((300, 500), (500, 200))        # (fan_out, fan_in): weights are (out, in) as torch
STD_TOLERANCE = 0.03                      # relative; the sampling error is about 0.2 %


def _init_inputs(rng: np.random.Generator) -> dict:
    return {"seed": int(rng.integers(0, 2**31 - 1))}


def _init_run(obj: Any, inputs: dict) -> dict:
    if not (isinstance(obj, tuple | list) and len(obj) == 2):
        raise TypeError("pass the pair (xavier_uniform, he_normal)")
    xavier, he = obj
    rng = np.random.default_rng(inputs["seed"])
    return {"xavier": [xavier(shape, rng) for shape in SHAPES],
            "he": [he(shape, rng) for shape in SHAPES]}


def _spread(kind: str, shape: tuple[int, int]) -> float:
    """The library's std for this shape, measured on a large draw (no formula copied here)."""
    from nncourse.numpy.init import he_normal, xavier_uniform

    draw = (xavier_uniform if kind == "xavier" else he_normal)(shape, 12345)
    return float(np.std(draw))


def _init_judge(kind: str):
    def judge(inputs: dict, outputs: dict) -> str | None:
        for shape, got in zip(SHAPES, outputs[kind], strict=True):
            arr, problem = as_array(got, f"{kind} weights")
            if problem:
                return problem
            if arr.shape != shape:
                hint = " (transposed: weights are (fan_out, fan_in))" \
                    if arr.shape == shape[::-1] else ""
                return f"{kind} weights for shape {shape} have shape {arr.shape}{hint}"
            fan_out, fan_in = shape
            expected, std = _spread(kind, shape), float(np.std(arr))
            if abs(float(np.mean(arr))) > 0.05 * expected:
                return f"{kind} weights have mean {np.mean(arr):.3g}; they should be centred on 0"
            ratio = std / expected
            if abs(ratio - 1) <= STD_TOLERANCE:
                if kind == "xavier" and np.abs(arr).max() > expected * np.sqrt(3) * 1.001:
                    return ("xavier_uniform must be uniform on [-limit, limit]; some weights lie "
                            "outside the limit (a normal draw?)")
                continue
            return _init_feedback(kind, shape, ratio, std, expected)
        return None
    return judge


def _init_feedback(kind: str, shape: tuple[int, int], ratio: float, std: float,
                   expected: float) -> str:
    fan_out, fan_in = shape
    where = f"for shape {shape} (fan_in {fan_in}, fan_out {fan_out}) the std is {std:.4g}, " \
            f"expected {expected:.4g}"
    if kind == "he":
        if abs(ratio - np.sqrt(fan_in / fan_out)) < STD_TOLERANCE:
            return f"{where}: the std uses fan_out; He divides by fan_in"
        if abs(ratio - 1 / np.sqrt(2)) < STD_TOLERANCE:
            return f"{where}: the factor 2 is missing (that is LeCun's 1/fan_in)"
        if abs(ratio - np.sqrt(2 / fan_in)) < 0.2:
            return f"{where}: 2 / fan_in is the variance, not the std; take its square root"
    else:
        if abs(ratio - 1 / np.sqrt(3)) < STD_TOLERANCE:
            return (f"{where}: the limit is sqrt(2 / (fan_in + fan_out)), the normal std; the "
                    f"uniform limit is sqrt(3) times larger, sqrt(6 / (fan_in + fan_out))")
    return f"{where} (ratio {ratio:.3f})"


register(Exercise(
    id="init.xavier_he", title="Xavier (uniform) and He (normal) initialisers", chapter="ch06",
    kind="functions", run=_init_run,
    prompt="Write `xavier_uniform(shape, rng)` (U(-b, b), b = sqrt(6 / (fan_in + fan_out))) and "
           "`he_normal(shape, rng)` (N(0, 2 / fan_in)) for weights of shape (fan_out, fan_in), "
           "drawing with the NumPy generator `rng`; check them together: "
           "check('init.xavier_he', (xavier_uniform, he_normal)).",
    hints=["A weight matrix is (out_features, in_features): fan_in = shape[1].",
           "Var(U(-b, b)) = b**2 / 3, so a uniform limit b gives std b / sqrt(3)."],
    cases=[Case("xavier_uniform", 1, _init_inputs, _init_judge("xavier")),
           Case("he_normal", 1, _init_inputs, _init_judge("he"))],
    mistakes=[
        Mistake("He with fan_out", (wrong.uniform(6), wrong.normal(lambda s: np.sqrt(2 / s[0]))),
                ("fan_out",)),
        Mistake("He without the 2", (wrong.uniform(6), wrong.normal(lambda s: np.sqrt(1 / s[1]))),
                ("factor 2",)),
        Mistake("variance as std", (wrong.uniform(6), wrong.normal(lambda s: 2 / s[1])),
                ("variance",)),
        Mistake("normal std as uniform limit",
                (wrong.uniform(2), wrong.normal(lambda s: np.sqrt(2 / s[1]))), ("sqrt(3)",)),
        Mistake("transposed shape",
                (lambda s, r: wrong.uniform(6)(s[::-1], r),
                 wrong.normal(lambda s: np.sqrt(2 / s[1]))),
                ("transposed",)),
    ],
))


# ----------------------------------------------------------------------------- statistics
def _stats_inputs(rng: np.random.Generator) -> dict:
    sizes = (5, 8, 6, 3)
    weights = [rng.normal(scale=0.8, size=(sizes[i + 1], sizes[i])) for i in range(3)]
    return {"weights": weights, "biases": [rng.normal(size=s) for s in sizes[1:]],
            "x": rng.normal(size=(7, sizes[0]))}


def _stats_model(inputs: dict):
    from nncourse.numpy.layers import Linear, ReLU, Sequential, Tanh

    layers = []
    for i, (w, b) in enumerate(zip(inputs["weights"], inputs["biases"], strict=True)):
        linear = Linear(w.shape[1], w.shape[0])
        linear.weight.data[...] = w
        linear.bias.data[...] = b
        layers += [linear] + ([ReLU() if i == 0 else Tanh()] if i < 2 else [])
    return Sequential(*layers)


def _stats_run(fn: Any, inputs: dict) -> Any:
    return fn(_stats_model(inputs), np.array(inputs["x"]))


def _stats_judge(inputs: dict, outputs: Any) -> str | None:
    from nncourse.numpy.diagnostics import layer_statistics

    reference = layer_statistics(_stats_model(inputs), inputs["x"])
    expected = np.array([[r["mean"], r["std"], r["dead"]] for r in reference])   # (layers, 3)
    arr, problem = as_array(outputs, "stats")
    if problem:
        return problem
    if arr.ndim != 2 or arr.shape[1:] != (3,):
        return (f"stats has shape {arr.shape}; expected one (mean, std, dead_fraction) row per "
                f"layer, shape {expected.shape}")
    if arr.shape[0] != expected.shape[0]:
        kinds = [r["kind"] for r in reference]
        return (f"stats has {arr.shape[0]} rows but the model has {len(kinds)} layers "
                f"({', '.join(kinds)}): record every layer's output, activations included")
    if compare_arrays("stats", arr, expected) is None:
        return None
    sizes = np.array([o.size for o in _layer_outputs(inputs)], dtype=float)
    if np.allclose(arr[:, 0], expected[:, 0]) and np.allclose(
            arr[:, 1], expected[:, 1] * np.sqrt(sizes / (sizes - 1))):
        return "the std divides by B - 1 (ddof=1); use the population std, np.std(out)"
    layer_inputs = [np.array(inputs["x"]), *_layer_outputs(inputs)[:-1]]
    inputs_row = np.array([[np.mean(h), np.std(h), 0.0] for h in layer_inputs])
    if np.allclose(arr[:, :2], inputs_row[:, :2]):
        return "the rows describe each layer's input; record each layer's output instead"
    if np.allclose(arr[:, :2], expected[:, :2]):
        zero_share = [float(np.mean(o == 0)) for o in _layer_outputs(inputs)]
        if np.allclose(arr[:, 2], zero_share):
            return ("dead_fraction counts zero entries; a unit is dead only if it is 0 for "
                    "every example of the batch (a whole column)")
        return "mean and std are right; dead_fraction is not: " + \
            str(compare_arrays("dead_fraction", arr[:, 2], expected[:, 2]))
    return compare_arrays("stats", arr, expected)


def _layer_outputs(inputs: dict) -> list[np.ndarray]:
    h, found = np.array(inputs["x"]), []
    for layer in _stats_model(inputs):
        h = layer.forward(h)
        found.append(h)
    return found


register(Exercise(
    id="diagnostics.forward_stats", title="A forward pass that records per-layer statistics",
    chapter="ch06", run=_stats_run,
    prompt="Write `forward_with_stats(model, x)` that sends `x` through `model` (a Sequential) "
           "layer by layer and returns one row `(mean, std, dead_fraction)` per layer, of that "
           "layer's output: population std, and the share of units (columns) that are 0 for "
           "every example in the batch.",
    hints=["Loop over the layers: h = layer.forward(h), then summarise h.",
           "A unit is dead when its whole column is 0: np.all(h == 0, axis=0)."],
    cases=[Case("matches layer_statistics", 2, _stats_inputs, _stats_judge)],
    mistakes=[Mistake("std with ddof=1", wrong.forward_stats("ddof"), ("ddof=1",)),
              Mistake("statistics of the input", wrong.forward_stats("input"), ("layer's input",)),
              Mistake("zero entries instead of dead units", wrong.forward_stats("entries"),
                      ("zero entries",)),
              Mistake("Linear layers only", wrong.forward_stats("linear_only"),
                      ("activations included",))],
))


# ----------------------------------------------------------------------------- batch norm
def _bn_inputs(batch: int):
    def make(rng: np.random.Generator) -> dict:
        return {"x": rng.normal(loc=2.0, scale=3.0, size=(batch, 4)),
                "gamma": rng.normal(size=4), "beta": rng.normal(size=4),
                "grad_out": rng.normal(size=(batch, 4)), "eps": 1e-5}
    return make


def _bn_run(obj: Any, inputs: dict) -> dict:
    from nncourse.numpy.gradcheck import numerical_gradient

    if not (isinstance(obj, tuple | list) and len(obj) == 2):
        raise TypeError("pass the pair (batchnorm_forward, batchnorm_backward)")
    forward, backward = obj
    x, gamma, beta, eps = inputs["x"], inputs["gamma"], inputs["beta"], inputs["eps"]
    out, cache = forward(x.copy(), gamma.copy(), beta.copy(), eps)
    grads = backward(inputs["grad_out"].copy(), cache)
    if not (isinstance(grads, tuple | list) and len(grads) == 3):
        raise TypeError("batchnorm_backward must return (grad_x, grad_gamma, grad_beta)")

    def loss(values: np.ndarray) -> float:
        return float(np.sum(np.asarray(forward(values, gamma, beta, eps)[0]) * inputs["grad_out"]))

    return {"out": out, "grads": list(grads), "numeric": numerical_gradient(loss, x.copy())}


def _bn_judge(part: str):
    def judge(inputs: dict, outputs: dict) -> str | None:
        from nncourse.numpy.normalization import batchnorm_backward, batchnorm_forward

        x, gamma, beta, eps = inputs["x"], inputs["gamma"], inputs["beta"], inputs["eps"]
        out, cache = batchnorm_forward(x, gamma, beta, eps)
        if part == "forward":
            got, problem = as_array(outputs["out"], "out")
            if problem:
                return problem
            if got.shape == out.shape and not np.allclose(got, out, rtol=1e-6, atol=1e-8):
                centered = x - x.mean(axis=0)
                unbiased = gamma * centered / np.sqrt(x.var(axis=0, ddof=1) + eps) + beta
                if np.allclose(got, unbiased, rtol=1e-5, atol=1e-6):
                    return ("out uses the unbiased variance (ddof=1); batch norm normalises "
                            "with the biased one, dividing by B")
            return compare_arrays("out", got, out)
        expected = batchnorm_backward(inputs["grad_out"], cache)
        names = ("grad_x", "grad_gamma", "grad_beta")
        grads = outputs["grads"]
        for name, got, want in zip(names, grads, expected, strict=True):
            message = compare_arrays(name, got, want)
            if message is None:
                continue
            got_arr, _ = as_array(got, name)
            if name == "grad_x" and got_arr is not None and got_arr.shape == want.shape:
                _, inv_std = cache[0], cache[1]
                if np.allclose(got_arr, inputs["grad_out"] * gamma * inv_std):
                    return ("grad_x treats the batch mean and variance as constants; they "
                            "depend on every row of x, which adds two terms")
            if name == "grad_gamma" and got_arr is not None:
                if got_arr.shape == want.shape and np.allclose(got_arr, expected[2]):
                    return "grad_gamma sums grad_out alone; it is sum(grad_out * x_hat)"
                if got_arr.shape == x.shape:
                    return ("grad_gamma has shape (B, C); sum it over the batch axis to get "
                            "shape (C,)")
            return message
        if part == "gradcheck":
            return compare_arrays("grad_x (against a numerical gradient of your forward)",
                                  grads[0], outputs["numeric"], rtol=1e-5, atol=1e-7)
        return None
    return judge


register(Exercise(
    id="normalization.batchnorm", title="Batch normalization, forward and backward",
    chapter="ch06", kind="functions", run=_bn_run,
    prompt="Write `batchnorm_forward(x, gamma, beta, eps) -> (out, cache)` (training mode, "
           "biased batch variance) and `batchnorm_backward(grad_out, cache) -> (grad_x, "
           "grad_gamma, grad_beta)`; check them together: check('normalization.batchnorm', "
           "(batchnorm_forward, batchnorm_backward)). The checker also gradchecks grad_x "
           "against your own forward.",
    hints=["x_hat = (x - mean) / sqrt(var + eps) with var = mean((x - mean)**2).",
           "grad_x = inv_std / B * (B*g - sum(g) - x_hat * sum(g * x_hat)) with g = "
           "grad_out * gamma."],
    cases=[Case("forward", 1, _bn_inputs(6), _bn_judge("forward")),
           Case("backward", 2, _bn_inputs(6), _bn_judge("backward")),
           Case("gradcheck, batch of 2", 1, _bn_inputs(2), _bn_judge("gradcheck"))],
    mistakes=[Mistake("unbiased variance", wrong.batchnorm("ddof"), ("unbiased",)),
              Mistake("mean and variance as constants", wrong.batchnorm("constant_stats"),
                      ("as constants",)),
              Mistake("grad_gamma = sum(grad_out)", wrong.batchnorm("gamma_sum"),
                      ("sum(grad_out * x_hat)",)),
              Mistake("grad_gamma not summed", wrong.batchnorm("gamma_unsummed"),
                      ("batch axis",))],
))


# ----------------------------------------------------------------------------- rescue
RESCUE_DEPTH, RESCUE_WIDTH = 20, 64
STD_RANGE = (0.8, 1.2)


def _rescue_run(obj: Any, inputs: dict) -> dict:
    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected the initialization explorer or a dict of its settings")
    return {"init": str(value.get("init")), "activation": str(value.get("activation")),
            "batch_norm": bool(value.get("batch_norm", False))}


def _rescue_judge(inputs: dict, outputs: dict) -> str | None:
    from nncourse.widgets.initialization_core import compute_init_statistics

    if outputs["init"] != "normal_1" or outputs["activation"] != "relu":
        return (f"keep init 'normal_1' and activation 'relu' (got {outputs['init']!r} and "
                f"{outputs['activation']!r}): the task is to rescue the naive init without "
                f"changing it")
    stats = compute_init_statistics("normal_1", "relu", depth=RESCUE_DEPTH, width=RESCUE_WIDTH,
                                    batch_norm=outputs["batch_norm"])
    pre = stats["preactivation_std"]
    low, high = STD_RANGE
    if np.all(np.isfinite(pre)) and np.all((pre >= low) & (pre <= high)):
        return None
    return (f"without batch norm the pre-activation std grows from {pre[0]:.3g} (layer 1) to "
            f"{pre[-1]:.3g} (layer {RESCUE_DEPTH}): it explodes, far outside {list(STD_RANGE)}. "
            f"Something must re-normalise every layer.")


register(Exercise(
    id="normalization.rescue_naive_init", title="Rescue the naive initialization",
    chapter="ch06", kind="widget", run=_rescue_run,
    prompt=f"In the initialization explorer keep init 'normal_1' (N(0, 1) weights) and "
           f"activation 'relu', depth {RESCUE_DEPTH}, width {RESCUE_WIDTH}. Make the "
           f"pre-activation standard deviation stay within {list(STD_RANGE)} at every layer; "
           f"then `answer('normalization.rescue_naive_init', explorer)`.",
    hints=["The init stays naive: what else in the explorer changes the scale per layer?"],
    cases=[Case("pre-activation std in range", 2, lambda rng: {}, _rescue_judge)],
    mistakes=[
        Mistake("nothing changed", {"init": "normal_1", "activation": "relu",
                                    "batch_norm": False}, ("explodes",)),
        Mistake("changed the init instead", {"init": "he_normal", "activation": "relu",
                                             "batch_norm": True}, ("keep init",)),
        Mistake("changed the activation", {"init": "normal_1", "activation": "tanh",
                                           "batch_norm": True}, ("keep init",)),
        Mistake("He init without batch norm", {"init": "he_normal", "activation": "relu",
                                               "batch_norm": False}, ("without changing it",)),
    ],
))
