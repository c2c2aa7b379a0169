"""Chapter 5 exercises: momentum, RMSprop and Adam steps; damping momentum on a narrow valley.

The three step exercises run the learner's function for several steps from a zero state
(:mod:`.runners`) and compare every step with the library's pure step function
(``nncourse.numpy.optim.momentum_step``, ``rmsprop_step``, ``adam_step``: the functions the
optimizer classes call, themselves checked against ``torch.optim``). Their probes isolate one
term each (lr = 0, momentum = 0, alpha = 0, beta1 = 0, beta2 = 0, the first step, a constant
gradient, a large eps, one non-zero coordinate), so a wrong term is named even when no
catalogued mistake matches. ``optim.critical_momentum`` is answered with the damping explorer
(or a dict ``{"lr": ..., "momentum": ...}``) and judged with :mod:`nncourse.widgets.damping_core`.

Example:
    >>> from nncourse.exercises import check
    >>> check("optim.critical_momentum", {"lr": 0.6, "momentum": 0.45}).passed
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...i18n import _
from ..registry import Case, Exercise, Probe, register
from . import mistakes

STEPS = 6
#: the widget exercise: reach a per-step error factor of at most this on the narrow valley
TARGET_RATE = 0.70
RUNNER = "nncourse.exercises.ch05.runners:optimizer_steps"

#: kind -> (state names, hyperparameters, their values in the main case, passes t)
SPECS: dict[str, tuple[tuple[str, ...], dict[str, float], bool]] = {
    "momentum": (("velocity",), {"lr": 0.05, "momentum": 0.9}, False),
    "rmsprop": (("square_avg",), {"lr": 0.01, "alpha": 0.9, "eps": 1e-8}, False),
    "adam": (("m", "v"), {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}, True),
}
SIGNATURES = {
    "momentum": "momentum_step(param, grad, velocity, lr, momentum) -> (param, velocity)",
    "rmsprop": "rmsprop_step(param, grad, square_avg, lr, alpha, eps) -> (param, square_avg)",
    "adam": "adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v)",
}


def step_inputs(kind: str, scale: float = 1.0, **hyper: float) -> Callable[[Any], dict]:
    """``rng -> inputs``: a (3, 4) parameter, STEPS gradients, a zero state, hyperparameters.

    Example:
        >>> sorted(step_inputs("adam")(np.random.default_rng(0)))
        ['beta1', 'beta2', 'eps', 'grads', 'lr', 'm', 'param', 't', 'v']
    """
    state_names, defaults, with_t = SPECS[kind]

    def make(rng: np.random.Generator) -> dict:
        inputs: dict[str, Any] = {"param": rng.normal(size=(3, 4)),
                                  "grads": scale * rng.normal(size=(STEPS, 3, 4))}
        inputs.update({name: np.zeros((3, 4)) for name in state_names})
        if with_t:
            inputs["t"] = 1
        inputs.update({**defaults, **hyper})
        return inputs
    return make


# ----------------------------------------------------------------------------- probes
def _with(**changes: Any) -> Callable[[dict], dict]:
    """A probe transform: the same inputs with some hyperparameters replaced."""
    return lambda inputs: {**inputs, **changes}


def _first_gradient_only(inputs: dict) -> dict:
    grads = np.zeros_like(inputs["grads"])
    grads[0] = inputs["grads"][0]
    return {**inputs, "grads": grads}


def _away_from_zero(grads: np.ndarray) -> np.ndarray:
    """|g| >= 1 everywhere, so eps (1e-8) cannot matter and the probe isolates its term."""
    grads = np.asarray(grads, dtype=np.float64)
    return grads + np.where(grads >= 0, 1.0, -1.0)


def _one_step(inputs: dict) -> dict:
    return {**inputs, "eps": 1e-8, "grads": _away_from_zero(inputs["grads"][:1])}


def _constant_gradient(inputs: dict) -> dict:
    first = _away_from_zero(inputs["grads"][:1])
    return {**inputs, "eps": 1e-8, "grads": np.repeat(first, len(inputs["grads"]), axis=0)}


def _alpha_zero_step(inputs: dict) -> dict:
    return {**inputs, "alpha": 0.0, "eps": 1e-8, "grads": _away_from_zero(inputs["grads"])}


def _doubled(inputs: dict) -> dict:
    return {**inputs, "grads": 2.0 * np.asarray(inputs["grads"])}


def _one_coordinate(inputs: dict) -> dict:
    grads = np.zeros_like(inputs["grads"])
    grads[:, 1, 2] = inputs["grads"][:, 1, 2]
    return {**inputs, "grads": grads}


def _small_gradients_large_eps(inputs: dict) -> dict:
    return {**inputs, "grads": 0.05 * np.asarray(inputs["grads"]), "eps": 1.0}


LR_ZERO = Probe("lr = 0", _with(lr=0.0),
                "With lr = 0 the parameters must stay where they are (the state still "
                "updates); yours move, so part of your step is not multiplied by lr.",
                outputs=("param",))
ONE_COORDINATE = Probe(
    "one non-zero coordinate", _one_coordinate,
    "With a gradient that is zero except in one coordinate, only that coordinate of the "
    "parameters and of the state may change; in yours others change too: the update must work "
    "entry by entry, not through a sum, mean or norm over the whole array.",
    outputs=("moved",))

MOMENTUM_PROBES = [
    ONE_COORDINATE,
    LR_ZERO,
    Probe("momentum = 0", _with(momentum=0.0),
          "With momentum = 0, momentum SGD is plain gradient descent: velocity = grad and "
          "param - lr * grad at every step. Yours differs there, so the gradient term is wrong "
          "(a factor on grad, its sign, a step that does not use the new velocity, or a "
          "returned velocity that is not the new one).",
          outputs=("step", "velocity")),
    Probe("one gradient, then zeros", _first_gradient_only,
          "After one gradient g followed by zero gradients the velocity must keep decaying as "
          "momentum**k * g while the parameters keep moving by lr * velocity. Yours does not: "
          "the term momentum * velocity (how the old velocity is carried over) is wrong.",
          outputs=("velocity", "step")),
]
RMSPROP_PROBES = [
    ONE_COORDINATE,
    LR_ZERO,
    Probe("gradients doubled", _doubled,
          "Doubling every gradient must quadruple square_avg (it averages grad**2); yours "
          "does not: square_avg = alpha * square_avg + (1 - alpha) * grad**2.",
          outputs=("square_avg",)),
    Probe("alpha = 0", _with(alpha=0.0),
          "With alpha = 0 square_avg must be the latest grad**2; yours differs there: the old "
          "average is weighted by alpha and the new squared gradient by 1 - alpha.",
          outputs=("square_avg",)),
    Probe("alpha = 0 (the step)", _alpha_zero_step,
          "With alpha = 0 square_avg is grad**2, so each step must be "
          "lr * grad / (|grad| + eps), about lr in every coordinate; yours differs: step with "
          "lr * grad / (sqrt(square_avg) + eps), using the square_avg of this step.",
          outputs=("step",)),
    Probe("eps = 1 with small gradients", _small_gradients_large_eps,
          "With eps = 1 and small gradients your steps differ: eps is added once, outside the "
          "square root: lr * grad / (sqrt(square_avg) + eps).", outputs=("step",)),
]
BETA2_MESSAGE = ("With beta2 = 0, v must be the latest grad**2 (v = beta2 * v + (1 - beta2) * "
                 "grad**2). Yours differs there: v averages the squared gradient.")
BETA1_MESSAGE = ("With beta1 = 0, m must be the latest grad (m = beta1 * m + (1 - beta1) * "
                 "grad). Yours differs there: check the m line.")
ADAM_PROBES = [
    ONE_COORDINATE,
    LR_ZERO,
    Probe("beta2 = 0", _with(beta2=0.0), BETA2_MESSAGE, outputs=("v",)),
    Probe("beta1 = 0", _with(beta1=0.0), BETA1_MESSAGE, outputs=("m",)),
    Probe("the first step (t = 1)", _one_step,
          "On the first step (t = 1) the bias correction makes m_hat = grad and "
          "v_hat = grad**2, so the step is lr * grad / (|grad| + eps), about lr in every "
          "coordinate. Yours differs on that first step: check m, v and their correction "
          "1 - beta1**t, 1 - beta2**t with t = 1.", outputs=("step",)),
    Probe("a constant gradient", _constant_gradient,
          "With the same gradient at every step the corrected m_hat = grad and "
          "v_hat = grad**2 at every t, so every step has size lr * |grad| / (|grad| + eps). "
          "Yours differs from the second step on: the correction must use the current t.",
          outputs=("step",)),
    Probe("eps = 1 with small gradients", _small_gradients_large_eps,
          "With eps = 1 and small gradients your steps differ: eps is added once, outside the "
          "square root: lr * m_hat / (sqrt(v_hat) + eps).", outputs=("step",)),
    Probe("t starting at 2", _with(t=2),
          "Started at t = 2 your steps are finite but differ: the bias correction must divide "
          "by 1 - beta1**t and 1 - beta2**t with the t you are given (with t - 1 the first "
          "step divides by 1 - beta**0 = 0, hence inf/NaN).", outputs=("step",)),
]
PROBES = {"momentum": MOMENTUM_PROBES, "rmsprop": RMSPROP_PROBES, "adam": ADAM_PROBES}
MISTAKES = {"momentum": mistakes.MOMENTUM, "rmsprop": mistakes.RMSPROP, "adam": mistakes.ADAM}


def _register_step(kind: str, title: str, prompt: str, hints: list[str],
                   extra_case: Case) -> None:
    state_names, hyper, with_t = SPECS[kind]
    scored = ("step", *state_names, "param")     # "step": param after a step minus before
    returns = f"the tuple ({', '.join(['param', *state_names])}) of arrays shaped like param"
    inputs_text = {"param": "an array (here (3, 4))", "grad": "an array shaped like param",
                   **{name: "an array shaped like param (zeros on the first step)"
                      for name in state_names}}
    if with_t:
        inputs_text["t"] = "the step number, an int: 1 on the first call"
    inputs_text.update({name: "a float" for name in hyper})
    register(Exercise(
        id=f"optim.{kind}_step", title=title, chapter="ch05",
        reference=f"nncourse.numpy.optim.{kind}_step",
        call={"runner": RUNNER, "state": list(state_names), "hyper": list(hyper),
              "counter": "t" if with_t else ""},
        cases=[Case("matches the library step for step", 3, step_inputs(kind), outputs=scored),
               Case(extra_case.name, extra_case.points, extra_case.make_inputs,
                    outputs=scored)],
        probes=PROBES[kind], mistakes=MISTAKES[kind],
        expects={"returns": returns, "inputs": inputs_text},
        prompt=f"Write `{SIGNATURES[kind]}`. {prompt} The checker runs it for {STEPS} steps "
               f"from a zero state, feeding back what it returns, and compares every step "
               f"with the library's `nncourse.numpy.optim.{kind}_step`.",
        hints=hints))


_register_step(
    "momentum", "One step of SGD with momentum",
    "Heavy-ball momentum as `torch.optim.SGD(momentum=...)` does it: first the velocity "
    "v = momentum * v + grad, then param - lr * v.",
    ["Two lines: update the velocity, then step with it.",
     "No (1 - momentum) factor: torch's SGD adds the whole gradient to the velocity."],
    Case("a large learning rate", 1, step_inputs("momentum", lr=0.7, momentum=0.5)))

_register_step(
    "rmsprop", "One step of RMSprop",
    "square_avg = alpha * square_avg + (1 - alpha) * grad**2, then param - lr * grad / "
    "(sqrt(square_avg) + eps), eps outside the root as in PyTorch.",
    ["Divide by the root of the running mean square, plus eps.",
     "alpha weights the old average; 1 - alpha the new squared gradient."],
    Case("eps that matters (eps = 0.1, small gradients)", 1,
         step_inputs("rmsprop", scale=0.05, eps=0.1)))

_register_step(
    "adam", "One step of Adam with bias correction",
    "t is the step number, 1 on the first call. Update m and v, divide them by 1 - beta1**t "
    "and 1 - beta2**t, and step by lr * m_hat / (sqrt(v_hat) + eps). Return the raw m and v.",
    ["m and v start at zero; without the correction the first steps are the wrong size.",
     "Return the uncorrected m and v: they are the running averages the next step continues."],
    Case("eps that matters (eps = 0.1, small gradients)", 1,
         step_inputs("adam", scale=0.05, eps=0.1)))


# ----------------------------------------------------------------------------- damping
def _setting(output: Any) -> tuple[dict[str, float] | None, str | None]:
    """The (lr, momentum) of an answer, or a sentence saying what is missing."""
    if not isinstance(output, dict):
        return None, _("expected the damping explorer or a dict {{'lr': ..., 'momentum': "
                       "...}}; got a {kind}").format(kind=type(output).__name__)
    found = {}
    for key in ("lr", "momentum"):
        if key not in output:
            return None, _("the answer has no {key!r}; the explorer's settings are 'lr', "
                           "'momentum' and 'steps' (got the keys {keys})").format(
                key=key, keys=sorted(output))
        value = output[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, _("{key} must be a number; got {value!r:.40}").format(key=key,
                                                                            value=value)
        found[key] = float(value)
    return found, None


def damping_judge(inputs: dict, output: Any) -> str | None:
    """Whether the setting reaches TARGET_RATE; else what limits it (in the explorer's words)."""
    from nncourse.widgets.damping_core import (
        CURVATURES,
        best_plain_rate,
        critical_momentum,
        regime,
    )

    setting, problem = _setting(output)
    if setting is None:
        return problem
    lr, beta = setting["lr"], setting["momentum"]
    if not (lr > 0 and 0 <= beta < 1):
        return _("need a step size > 0 and a momentum in [0, 1); got lr={lr:g}, "
                 "momentum={beta:g}").format(
                   lr=lr, beta=beta)
    found = regime(lr, beta, CURVATURES)
    rate, lam = found["rate"], found["curvature"]
    where = _("flat") if lam == min(CURVATURES) else _("steep")
    if found["kind"] == "diverges":
        big = max(CURVATURES)
        return (_("It diverges: the steep direction (curvature {big:g}) needs lr * "
                  "{big:g} < 2 (1 + momentum), but {lr:g} * {big:g} = {lr_big:.3g} and "
                  "2 (1 + {beta:g}) = {beta2:.3g}. Take a smaller step.").format(
                    big=big, lr=lr, lr_big=lr * big, beta=beta, beta2=2 * (1 + beta)))
    if rate <= TARGET_RATE:
        return None
    if beta == 0:
        plain_lr, plain_rate = best_plain_rate(CURVATURES)
        return (_("without momentum the rate is {rate:.3f} per step; even the best "
                  "plain step ({plain_lr:.3f}) only reaches {plain_rate:.3f}. Add "
                  "momentum.").format(
                    rate=rate, plain_lr=plain_lr, plain_rate=plain_rate))
    if found["kind"] == "underdamped":
        return (_("Underdamped: the error oscillates and shrinks only by "
                  "sqrt(momentum) = {rate:.3f} per step (need {target_rate}); lower "
                  "the momentum towards critical damping.").format(
                    rate=rate, target_rate=TARGET_RATE))
    if found["kind"] == "critical":
        return (_("Critically damped in the {where} direction, yet its error shrinks "
                  "only by {rate:.3f} per step (need {target_rate}): change the step "
                  "size so that both directions are damped well, where the two "
                  "critical-damping curves cross.").format(
                    where=where, rate=rate, target_rate=TARGET_RATE))
    return (_("Overdamped in the {where} direction (curvature {lam:g}): its error "
              "creeps, {rate:.3f} per step (need {target_rate}). With lr {lr:g} the "
              "momentum that damps it critically is (1 - sqrt(lr * {lam:g}))^2 = "
              "{lam2:.3f}.").format(
                where=where, lam=lam, rate=rate, target_rate=TARGET_RATE, lr=lr,
                lam2=critical_momentum(lr, lam)))


register(Exercise(
    id="optim.critical_momentum", title="Damp momentum on the narrow valley", chapter="ch05",
    kind="widget", reference="nncourse.exercises.ch05.reference.CRITICAL_MOMENTUM",
    call={"runner": "value"}, check_global_rng=False,
    expects={"returns": "the damping explorer or a dict {'lr': ..., 'momentum': ...}",
             "keys": {"the explorer's state": ["lr", "momentum", "steps"]},
             "valid": {"lr": ["a number > 0"], "momentum": ["a number in [0, 1)"]}},
    prompt=f"On the narrow valley 0.1 w1² + 2 w2² (curvatures 0.2 and 4), set the damping "
           f"explorer's step size and momentum so that the error shrinks by a factor of at most "
           f"{TARGET_RATE} per step (about 40 steps to 1e-6 of the start, where plain gradient "
           f"descent needs over 130): `explorer.set_state(lr=..., momentum=...)`, then "
           f"`answer('optim.critical_momentum', explorer)`.",
    hints=["Look for the dark corner of the map, where the two critical-damping curves cross.",
           "Each direction is critically damped at momentum (1 - sqrt(lr * curvature))^2."],
    cases=[Case("rate at most 0.7", 2, lambda rng: {}, judge=damping_judge)],
    mistakes=mistakes.CRITICAL_MOMENTUM,
))
