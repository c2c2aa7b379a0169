"""Widget-driven exercises answered with an explorer's state or with what a learner read off one.

``activations.deep_signal`` takes the initialization explorer itself (or a dict in its names or
the answer widget's short names) and recomputes the verdict; ``backprop.stepper_gradient``
takes gradients read off the backprop stepper and recomputes them with the Value engine.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import nbformat
import numpy as np
import pytest

from nncourse.exercises import answer, check, get_exercise
from nncourse.exercises.ch03.reference import STEPPER_LEAVES
from nncourse.exercises.ch03.stepper import stepper_gradients
from nncourse.exercises.ch04.exercises import SHORT_INIT_NAMES, explorer_init_name
from nncourse.grading.grade import grade_submissions
from nncourse.grading.sandbox import Limits
from nncourse.grading.solutions import get_solution
from nncourse.widgets.backprop_stepper import BackpropStepper, compute_backprop_frames
from nncourse.widgets.initialization import (
    ACTIVATION_LAYERS,
    INIT_SCHEMES,
    RATIO_RANGE,
    SATURATION_LIMIT,
    InitializationExplorer,
    compute_init_statistics,
)

STEPPER_GRADIENT_SOLUTION = get_solution("backprop.stepper_gradient")


def messages(result) -> str:
    return " | ".join(case.message for case in result.cases if not case.passed)


@pytest.fixture(scope="module")
def explorer() -> InitializationExplorer:
    return InitializationExplorer(init="xavier_normal", activation="sigmoid", depth=20, width=64)


# ----------------------------------------------------------------------------- deep signal
def test_explorer_is_checked_through_its_state(explorer):
    explorer.set_state(init="xavier_normal", activation="sigmoid", depth=20, width=64,
                       batch_norm=False)
    result = check("activations.deep_signal", explorer)
    assert not result.passed and "vanishes" in messages(result)
    explorer.set_state(init="he_normal", activation="relu")
    result = answer("activations.deep_signal", explorer)
    assert result.passed and result.score == 2


def test_verdict_is_recomputed_not_read_from_the_explorer(explorer):
    explorer.set_state(init="small_normal", activation="tanh", depth=20, width=64,
                       batch_norm=False)
    explorer.result["gradient_ratio"] = 1.0        # a tampered display changes nothing
    explorer.result["saturated_fraction"][:] = 0.0
    assert "vanishes" in messages(check("activations.deep_signal", explorer))

    class FakeState:
        value = {"activation": "sigmoid", "init": "xavier_normal", "gradient_ratio": 1.0}

    assert "vanishes" in messages(check("activations.deep_signal", FakeState()))


def test_every_explorer_choice_is_judged_like_the_explorer_shows_it():
    """All of the explorer's names are accepted, and the verdict follows its own numbers."""
    for init in INIT_SCHEMES:
        for activation in ACTIVATION_LAYERS:
            result = check("activations.deep_signal", {"activation": activation, "init": init})
            assert "unknown choice" not in messages(result), (activation, init)
            stats = compute_init_statistics(init, activation, depth=20, width=64)
            low, high = RATIO_RANGE
            saturated = float(np.mean(stats["saturated_fraction"]))
            healthy = low <= stats["gradient_ratio"] <= high and not (
                activation in ("sigmoid", "tanh") and saturated > SATURATION_LIMIT)
            assert result.passed == healthy, (activation, init, messages(result))


def test_short_names_map_to_the_explorer_names():
    assert set(SHORT_INIT_NAMES.values()) <= set(INIT_SCHEMES)
    for short, name in SHORT_INIT_NAMES.items():
        assert explorer_init_name(short) == explorer_init_name(name) == name
        for activation in ("relu", "tanh", "sigmoid"):
            by_short = check("activations.deep_signal", {"activation": activation, "init": short})
            by_name = check("activations.deep_signal", {"activation": activation, "init": name})
            assert by_short.passed == by_name.passed
            assert messages(by_short) == messages(by_name)
    assert explorer_init_name("orthogonal") is None


def test_saturated_sigmoid_is_rejected_even_with_the_ratio_in_range():
    stats = compute_init_statistics("normal_1", "sigmoid", depth=20, width=64)
    assert RATIO_RANGE[0] <= stats["gradient_ratio"] <= RATIO_RANGE[1]   # what makes it a trap
    result = check("activations.deep_signal", {"activation": "sigmoid", "init": "normal_1"})
    assert not result.passed
    assert "is in range, but" in messages(result) and "saturate" in messages(result)


def test_other_explorer_settings_are_named_in_the_feedback(explorer):
    explorer.set_state(init="xavier_normal", activation="sigmoid", depth=8, width=64,
                       batch_norm=True)
    text = messages(check("activations.deep_signal", explorer))
    assert "judged at depth 20, width 64, without batch norm" in text
    assert "depth 8" in text and "batch norm on" in text
    explorer.set_state(init="he_normal", activation="relu", depth=8, batch_norm=True)
    assert check("activations.deep_signal", explorer).passed   # judged at 20 x 64 regardless


def test_unknown_names_list_the_explorer_choices():
    text = messages(check("activations.deep_signal", {"activation": "relu", "init": "glorot"}))
    assert "unknown choice" in text and "he_normal" in text and "leaky_relu" in text
    assert "the initialization explorer or a dict" in messages(
        check("activations.deep_signal", "relu"))


# ----------------------------------------------------------------------------- stepper gradient
def _stepper_answer(**changes: dict) -> dict:
    out = {graph: dict(values) for graph, values in STEPPER_GRADIENT_SOLUTION.items()}
    for graph, values in changes.items():
        out[graph].update(values)
    return out


def test_engine_gradients_are_what_the_stepper_shows():
    for graph in STEPPER_LEAVES:
        frames = compute_backprop_frames(graph)
        shown = frames["frames"][-1]["grads"]
        grads = stepper_gradients(graph)["grads"]
        for name, index in frames["leaves"].items():
            assert grads[name] == pytest.approx(shown[index], rel=1e-12)
            assert STEPPER_GRADIENT_SOLUTION[graph].get(name, grads[name]) == \
                pytest.approx(grads[name], rel=1e-3)


def test_stepper_reference_and_precise_values_get_full_marks():
    exercise = get_exercise("backprop.stepper_gradient")
    assert exercise.chapter == "ch03" and exercise.points == 3
    assert answer("backprop.stepper_gradient", STEPPER_GRADIENT_SOLUTION).score == 3
    precise = {graph: {name: stepper_gradients(graph)["grads"][name] for name in names}
               for graph, names in STEPPER_LEAVES.items()}
    assert check("backprop.stepper_gradient", precise).passed
    three_digits = _stepper_answer(neuron={"w1": 0.361, "w2": -0.181, "b": 0.181})
    assert check("backprop.stepper_gradient", three_digits).passed
    extra = _stepper_answer(shared_input={"a": 2.0, "c": 1.0})   # more inputs are judged too
    assert check("backprop.stepper_gradient", extra).passed
    assert "dL/dc of shared_input" in messages(
        check("backprop.stepper_gradient", _stepper_answer(shared_input={"c": 5.0})))


@pytest.mark.parametrize("name", ["w1", "w2", "b"])
def test_stepper_wrong_sign_is_named(name):
    wrong = _stepper_answer(neuron={name: -STEPPER_GRADIENT_SOLUTION["neuron"][name]})
    result = check("backprop.stepper_gradient", wrong)
    assert [case.passed for case in result.cases] == [False, True]
    assert f"dL/d{name} of neuron has the wrong sign" in messages(result)


@pytest.mark.parametrize("partial, through", [(1.0, "b + c"), (2.0, "a + b")])
def test_stepper_missing_accumulation_is_named(partial, through):
    result = check("backprop.stepper_gradient", _stepper_answer(shared_input={"b": partial}))
    assert [case.passed for case in result.cases] == [True, False]
    text = messages(result)
    assert f"only the path through {through}" in text and "adds what arrives" in text
    assert not re.search(r"(?<![\w.])3(\.0*)?(?![\w.])", text)   # the sum is not given away


def test_stepper_other_plausible_mistakes():
    parent = stepper_gradients("neuron")["nodes"]["x1·w1"]       # forgot the local derivative
    text = messages(check("backprop.stepper_gradient", _stepper_answer(neuron={"w1": parent})))
    assert "is dL/d(x1·w1)" in text and "multiply by its local derivative" in text
    text = messages(check("backprop.stepper_gradient", _stepper_answer(neuron={"w1": 0.36})))
    assert "rounded too much" in text
    text = messages(check("backprop.stepper_gradient", _stepper_answer(shared_input={"b": 6.0})))
    assert "not the engine's gradient" in text
    text = messages(check("backprop.stepper_gradient", _stepper_answer(neuron={"b": "0.18"})))
    assert "expected a number" in text


def test_stepper_answer_structure_messages():
    flat = {"w1": 0.3614, "w2": -0.1807, "b": 0.1807}
    assert "group the gradients by graph" in messages(check("backprop.stepper_gradient", flat))
    stepper = BackpropStepper("neuron")
    stepper.set_state(step=stepper.controls["step"].max)
    assert "the stepper's setting" in messages(check("backprop.stepper_gradient", stepper))
    missing = {"neuron": {"w1": 0.3614, "w2": -0.1807}, "shared_input": {"b": 3.0}}
    assert "the gradient of b is missing" in messages(check("backprop.stepper_gradient", missing))
    unknown = _stepper_answer(neuron={"w3": 1.0})
    assert "has no input(s) ['w3']" in messages(check("backprop.stepper_gradient", unknown))
    assert "got float" in messages(check("backprop.stepper_gradient", 0.36))


# ----------------------------------------------------------------------------- from source
@pytest.mark.slow
def test_both_answers_are_graded_from_the_notebook_source(tmp_path):
    """The grader re-runs the code only: the explorer's state is whatever the code set."""
    cells = [
        "from nncourse.exercises import answer\n"
        "from nncourse.widgets.initialization import InitializationExplorer",
        "explorer = InitializationExplorer(init='xavier_normal', activation='sigmoid', "
        "depth=20, width=64)\nexplorer",
        "explorer.set_state(activation='relu', init='he_normal')\n"
        "answer('activations.deep_signal', explorer)",
        f"answer('backprop.stepper_gradient', {STEPPER_GRADIENT_SOLUTION!r})",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "student.ipynb"
    nbformat.write(notebook, str(path))
    report = grade_submissions([path], None, jobs=1, seed=0,
                               limits=Limits(cell_timeout=60.0, exercise_timeout=30.0))
    (submission,) = report.submissions
    scores = {eid: (r.score, r.max_score) for eid, r in submission.results.items()}
    assert scores == {"activations.deep_signal": (2.0, 2.0),
                      "backprop.stepper_gradient": (3.0, 3.0)}, (scores, submission.notes)
