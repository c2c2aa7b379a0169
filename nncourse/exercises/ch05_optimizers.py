"""Chapter 5 exercises: momentum, RMSprop and Adam update steps; damping momentum on a quadratic.

The three step functions are run for several steps from a zero state, and every step must
match the library's optimizer (:mod:`nncourse.numpy.optim`, itself checked step for step
against ``torch.optim``). ``optim.critical_momentum`` is answered with the damping explorer
(or a dict ``{"lr": ..., "momentum": ...}``); the judge recomputes the convergence rate with
:mod:`nncourse.widgets.damping_core`.

Example:
    >>> from nncourse.exercises import check
    >>> check("optim.critical_momentum", {"lr": 0.6, "momentum": 0.45}).passed
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import mistakes_ch05 as wrong
from .compare import answer_value, compare_arrays
from .registry import Case, Exercise, Mistake, register

STEPS = 6
#: the widget exercise: reach a per-step error factor of at most this on the narrow valley
TARGET_RATE = 0.70

# ----------------------------------------------------------------------------- step specs
#: exercise -> (state names, hyperparameter names, passes the 1-based step t)
SPECS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "momentum": (("velocity",), ("lr", "momentum"), False),
    "rmsprop": (("square_avg",), ("lr", "alpha", "eps"), False),
    "adam": (("m", "v"), ("lr", "beta1", "beta2", "eps"), True),
}
SIGNATURES = {
    "momentum": "momentum_step(param, grad, velocity, lr, momentum) -> (param, velocity)",
    "rmsprop": "rmsprop_step(param, grad, square_avg, lr, alpha, eps) -> (param, square_avg)",
    "adam": "adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v)",
}


def _inputs(kind: str, eps: float = 1e-8, scale: float = 1.0) -> Callable[[Any], dict]:
    def make(rng: np.random.Generator) -> dict:
        hyper = {"momentum": {"lr": 0.1, "momentum": 0.9},
                 "rmsprop": {"lr": 0.01, "alpha": 0.9, "eps": eps},
                 "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": eps}}[kind]
        return {"param": rng.normal(size=(3, 4)),
                "grads": scale * rng.normal(size=(STEPS, 3, 4)), **hyper}
    return make


def run_steps(kind: str, fn: Any, inputs: dict) -> dict:
    """Call ``fn`` once per gradient from a zero state; collect the parameters after each step.

    Returns:
        ``{"params": [...], "state": [...]}`` or ``{"structure": message}`` when ``fn`` does not
        return the expected tuple.
    """
    state_names, hyper_names, with_t = SPECS[kind]
    param = np.array(inputs["param"], dtype=float)
    state = [np.zeros_like(param) for _ in state_names]
    hyper = [inputs[name] for name in hyper_names]
    params = []
    expected = ("param", *state_names)
    for t, grad in enumerate(inputs["grads"], start=1):
        args = [param.copy(), np.array(grad), *[s.copy() for s in state]]
        out = fn(*args, *([t] if with_t else []), *hyper)
        if not isinstance(out, tuple | list) or len(out) != len(expected):
            got = f"a {type(out).__name__}" + (f" of length {len(out)}"
                                               if isinstance(out, tuple | list) else "")
            return {"structure": f"the function must return the tuple ({', '.join(expected)}); "
                                 f"it returned {got} at step {t}"}
        param, *state = (np.array(o, dtype=float) for o in out)
        params.append(param.copy())
    return {"params": params, "state": state}


def library_steps(kind: str, inputs: dict) -> dict:
    """The same run with the library's optimizer class: the reference the judge compares with.

    Example:
        >>> inputs = _inputs("momentum")(np.random.default_rng(0))
        >>> len(library_steps("momentum", inputs)["params"]) == STEPS
        True
    """
    from nncourse.numpy.module import Parameter
    from nncourse.numpy.optim import SGD, Adam, RMSprop

    p = Parameter(np.array(inputs["param"], dtype=float))
    if kind == "momentum":
        opt: Any = SGD([p], lr=inputs["lr"], momentum=inputs["momentum"])
        keys = ("momentum_buffer",)
    elif kind == "rmsprop":
        opt = RMSprop([p], lr=inputs["lr"], alpha=inputs["alpha"], eps=inputs["eps"])
        keys = ("square_avg",)
    else:
        opt = Adam([p], lr=inputs["lr"], betas=(inputs["beta1"], inputs["beta2"]),
                   eps=inputs["eps"])
        keys = ("exp_avg", "exp_avg_sq")
    params = []
    for grad in inputs["grads"]:
        p.grad = np.array(grad, dtype=float)
        opt.step()
        params.append(p.data.copy())
    return {"params": params, "state": [opt.state[0][key].copy() for key in keys]}


# ----------------------------------------------------------------------------- mistakes
MOMENTUM_MISTAKES = [
    Mistake("velocity as a moving average", wrong.momentum_ema,
            ("(1 - momentum)", "velocity = momentum * velocity + grad")),
    Mistake("steps with the gradient", wrong.momentum_ignores_velocity, ("ignores the velocity",)),
    Mistake("steps with the old velocity", wrong.momentum_old_velocity, ("old velocity",)),
    Mistake("adds the step", wrong.momentum_uphill, ("uphill",)),
    Mistake("Nesterov instead of heavy ball", wrong.momentum_nesterov, ("Nesterov",)),
]
RMSPROP_MISTAKES = [
    Mistake("eps inside the root", wrong.rmsprop_eps_inside, ("inside the square root",)),
    Mistake("no (1 - alpha)", wrong.rmsprop_no_one_minus_alpha, ("(1 - alpha)",)),
    Mistake("no square root", wrong.rmsprop_no_sqrt, ("square root of the average",)),
    Mistake("alpha and 1 - alpha swapped", wrong.rmsprop_swapped, ("swapped",)),
]
ADAM_MISTAKES = [
    Mistake("no bias correction", wrong.adam_no_correction, ("bias correction",)),
    Mistake("only m corrected", wrong.adam_only_m_corrected, ("corrects m but not v",)),
    Mistake("t counted from 0", wrong.adam_t_plus_one, ("t + 1",)),
    Mistake("eps inside the root", wrong.adam_eps_inside, ("inside the square root",)),
    Mistake("stores the corrected moments", wrong.adam_stores_corrected, ("bias-corrected",)),
]

#: mistake model -> the feedback it gets (words that name the mistake, then how to fix it)
FEEDBACK: dict[Callable[..., Any], str] = {
    wrong.momentum_ema:
        "the velocity is a moving average with a (1 - momentum) factor; the library (and "
        "torch.optim.SGD) adds the whole gradient: velocity = momentum * velocity + grad",
    wrong.momentum_ignores_velocity:
        "the update ignores the velocity: step with the new velocity, param - lr * velocity, "
        "not with the gradient",
    wrong.momentum_old_velocity:
        "the step uses the old velocity; update the velocity with this gradient first, then "
        "step with the new one",
    wrong.momentum_uphill: "the parameters move uphill: subtract lr * velocity",
    wrong.momentum_nesterov:
        "that is Nesterov's update (grad + momentum * velocity); this exercise asks for "
        "classical (heavy-ball) momentum: param - lr * velocity",
    wrong.rmsprop_eps_inside:
        "eps is added inside the square root; PyTorch adds it outside: "
        "grad / (sqrt(square_avg) + eps)",
    wrong.rmsprop_no_one_minus_alpha:
        "the new squared gradient lacks the (1 - alpha) factor, so the average grows without "
        "bound",
    wrong.rmsprop_no_sqrt:
        "the gradient is divided by the mean square; divide by the square root of the "
        "average, sqrt(square_avg) + eps",
    wrong.rmsprop_swapped:
        "alpha and 1 - alpha are swapped: alpha weights the old average, 1 - alpha the new "
        "squared gradient",
    wrong.adam_no_correction:
        "no bias correction: m and v start at 0, so divide them by 1 - beta1**t and "
        "1 - beta2**t before the step",
    wrong.adam_only_m_corrected:
        "the step corrects m but not v: divide v by 1 - beta2**t as well",
    wrong.adam_t_plus_one:
        "the bias correction uses t + 1; t is already the 1-based step number, so use "
        "1 - beta1**t and 1 - beta2**t",
    wrong.adam_eps_inside:
        "eps is added inside the square root; PyTorch adds it outside: "
        "m_hat / (sqrt(v_hat) + eps)",
    wrong.adam_stores_corrected:
        "the returned m and v are the bias-corrected ones; keep the raw moving averages as "
        "state and correct only inside the step",
}
MODELS = {"momentum": [m.answer for m in MOMENTUM_MISTAKES],
          "rmsprop": [m.answer for m in RMSPROP_MISTAKES],
          "adam": [m.answer for m in ADAM_MISTAKES]}


def _same_path(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        np.shape(x) == np.shape(y) and np.allclose(x, y, rtol=1e-6, atol=1e-10, equal_nan=True)
        for x, y in zip(a, b, strict=True))


def _judge(kind: str) -> Callable[[dict, Any], str | None]:
    state_names = SPECS[kind][0]

    def judge(inputs: dict, outputs: Any) -> str | None:
        if "structure" in outputs:
            return outputs["structure"]
        reference = library_steps(kind, inputs)
        for t, (got, expected) in enumerate(zip(outputs["params"], reference["params"],
                                                strict=True), start=1):
            message = compare_arrays("param", got, expected)
            if message is None:
                continue
            with np.errstate(all="ignore"):
                for model in MODELS[kind]:
                    if _same_path(outputs["params"], run_steps(kind, model, inputs)["params"]):
                        return f"{FEEDBACK[model]} (the parameters first differ after step {t})"
            return f"after step {t} of {STEPS}: {message}"
        for name, got, expected in zip(state_names, outputs["state"], reference["state"],
                                       strict=True):
            message = compare_arrays(name, got, expected)
            if message:
                for model in MODELS[kind]:
                    if _same_path(outputs["state"], run_steps(kind, model, inputs)["state"]):
                        return FEEDBACK[model]
                return f"the parameters are right, but the returned state is not: {message}"
        return None
    return judge


def _register_step(kind: str, title: str, prompt: str, hints: list[str],
                   mistakes: list[Mistake], extra_case: Case | None = None) -> None:
    cases = [Case("matches the library step for step", 3, _inputs(kind), _judge(kind))]
    if extra_case is not None:
        cases.append(extra_case)
    register(Exercise(
        id=f"optim.{kind}_step", title=title, chapter="ch05",
        run=lambda fn, inp: run_steps(kind, fn, inp), cases=cases, hints=hints,
        prompt=f"Write `{SIGNATURES[kind]}`. {prompt}", mistakes=mistakes))


_register_step(
    "momentum", "One step of SGD with momentum",
    "Heavy-ball momentum as `torch.optim.SGD(momentum=...)` does it: first the velocity "
    "v = momentum * v + grad, then param - lr * v. The checker runs it for 6 steps from v = 0.",
    ["Two lines: update the velocity, then step with it.",
     "No (1 - momentum) factor: torch's SGD adds the whole gradient to the velocity."],
    MOMENTUM_MISTAKES,
    Case("a large learning rate", 1,
         lambda rng: {**_inputs("momentum")(rng), "lr": 0.7, "momentum": 0.5},
         _judge("momentum")))

_register_step(
    "rmsprop", "One step of RMSprop",
    "square_avg = alpha * square_avg + (1 - alpha) * grad**2, then param - lr * grad / "
    "(sqrt(square_avg) + eps), eps outside the root as in PyTorch.",
    ["Divide by the root of the running mean square, plus eps.",
     "alpha weights the old average; 1 - alpha the new squared gradient."],
    RMSPROP_MISTAKES,
    Case("eps that matters (eps = 0.1, small gradients)", 1, _inputs("rmsprop", 0.1, 0.05),
         _judge("rmsprop")))

_register_step(
    "adam", "One step of Adam with bias correction",
    "t is the step number, 1 on the first call. Update m and v, divide them by 1 - beta1**t "
    "and 1 - beta2**t, and step by lr * m_hat / (sqrt(v_hat) + eps). Return the raw m and v.",
    ["m and v start at zero; without the correction the first steps are the wrong size.",
     "Return the uncorrected m and v: they are the running averages the next step continues."],
    ADAM_MISTAKES,
    Case("eps that matters (eps = 0.1, small gradients)", 1, _inputs("adam", 0.1, 0.05),
         _judge("adam")))


# ----------------------------------------------------------------------------- damping
def _damping_run(obj: Any, inputs: dict) -> dict:
    value = answer_value(obj)
    if not isinstance(value, dict):
        raise TypeError("expected the damping explorer or a dict {'lr': ..., 'momentum': ...}")
    out: dict[str, Any] = {}
    for key in ("lr", "momentum"):
        item = value.get(key)
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise TypeError(f"{key} must be a number; got {item!r}")
        out[key] = float(item)
    return out


def _damping_judge(inputs: dict, outputs: dict) -> str | None:
    from nncourse.widgets.damping_core import (
        CURVATURES,
        best_plain_rate,
        critical_momentum,
        regime,
    )

    lr, beta = outputs["lr"], outputs["momentum"]
    if not (lr > 0 and 0 <= beta < 1):
        return f"need a step size > 0 and a momentum in [0, 1); got lr={lr:g}, momentum={beta:g}"
    found = regime(lr, beta, CURVATURES)
    rate, lam = found["rate"], found["curvature"]
    where = "flat" if lam == min(CURVATURES) else "steep"
    if found["kind"] == "diverges":
        big = max(CURVATURES)
        return (f"it diverges: the steep direction (curvature {big:g}) needs lr * {big:g} < "
                f"2 (1 + momentum), but {lr:g} * {big:g} = {lr * big:.3g} and 2 (1 + {beta:g}) "
                f"= {2 * (1 + beta):.3g}. Take a smaller step.")
    if rate <= TARGET_RATE:
        return None
    if beta == 0:
        plain_lr, plain_rate = best_plain_rate(CURVATURES)
        return (f"without momentum the rate is {rate:.3f} per step; even the best plain step "
                f"({plain_lr:.3f}) only reaches {plain_rate:.3f}. Add momentum.")
    if found["kind"] == "underdamped":
        return (f"underdamped: the error oscillates and shrinks only by sqrt(momentum) = "
                f"{rate:.3f} per step (need {TARGET_RATE}); lower the momentum towards "
                f"critical damping.")
    if found["kind"] == "critical":
        return (f"critically damped in the {where} direction, yet its error shrinks only by "
                f"{rate:.3f} per step (need {TARGET_RATE}): change the step size so that both "
                f"directions are damped well, where the two critical-damping curves cross.")
    return (f"overdamped in the {where} direction (curvature {lam:g}): its error creeps, "
            f"{rate:.3f} per step (need {TARGET_RATE}). With lr {lr:g} the momentum that damps "
            f"it critically is (1 - sqrt(lr * {lam:g}))^2 = {critical_momentum(lr, lam):.3f}.")


register(Exercise(
    id="optim.critical_momentum", title="Damp momentum on the narrow valley", chapter="ch05",
    kind="widget", run=_damping_run,
    prompt=f"On the narrow valley 0.1 w1² + 2 w2² (curvatures 0.2 and 4), set the damping "
           f"explorer's step size and momentum so that the error shrinks by a factor of at most "
           f"{TARGET_RATE} per step (about 40 steps to 1e-6 of the start, where plain gradient "
           f"descent needs over 130); then `answer('optim.critical_momentum', explorer)`.",
    hints=["Look for the dark corner of the map, where the two critical-damping curves cross.",
           "Each direction is critically damped at momentum (1 - sqrt(lr * curvature))^2."],
    cases=[Case("rate at most 0.7", 2, lambda rng: {}, _damping_judge)],
    mistakes=[
        Mistake("no momentum", {"lr": 0.47, "momentum": 0.0}, ("without momentum",)),
        Mistake("too much momentum", {"lr": 0.6, "momentum": 0.9}, ("underdamped",)),
        Mistake("too little momentum", {"lr": 0.2, "momentum": 0.3}, ("overdamped",)),
        Mistake("step too large", {"lr": 1.0, "momentum": 0.3}, ("diverges",)),
        Mistake("the default momentum", {"lr": 0.1, "momentum": 0.9}, ("underdamped",)),
    ],
))
