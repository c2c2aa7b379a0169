"""The backprop stepper's frames: real engine values, gradients equal to torch and to FD."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from nncourse.widgets.backprop_stepper import (
    EXPRESSIONS,
    BackpropStepper,
    build_expression,
    compute_backprop_frames,
    static_figure,
)


def _value(expression: str, values: dict[str, float]) -> float:
    output, _ = build_expression(expression, values)
    return output.data


@pytest.mark.parametrize("expression", sorted(EXPRESSIONS))
def test_final_gradients_equal_finite_differences(expression):
    result = compute_backprop_frames(expression)
    final = result["frames"][-1]["grads"]
    defaults = EXPRESSIONS[expression][1]
    h = 1e-6
    for name, index in result["leaves"].items():
        up = _value(expression, {**defaults, name: defaults[name] + h})
        down = _value(expression, {**defaults, name: defaults[name] - h})
        assert final[index] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("expression", sorted(EXPRESSIONS))
def test_final_gradients_equal_torch_autograd(expression):
    torch = pytest.importorskip("torch")
    builder, defaults = EXPRESSIONS[expression]
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in defaults.items()}
    builder(leaves).backward()
    result = compute_backprop_frames(expression)
    final = result["frames"][-1]["grads"]
    for name, index in result["leaves"].items():
        assert final[index] == pytest.approx(leaves[name].grad.item(), rel=1e-12)


def test_frames_go_forward_then_backward():
    result = compute_backprop_frames("neuron")
    n = len(result["nodes"])
    frames = result["frames"]
    assert len(frames) == 2 * n + 1
    assert [f["phase"] for f in frames] == ["start"] + ["forward"] * n + ["backward"] * n
    assert sum(frames[3]["shown"]) == 3 and all(g is None for g in frames[n]["grads"])
    # The output's gradient is 1 at the first backward step; inputs are reached last.
    first_back = frames[n + 1]
    assert first_back["grads"][-1] == 1.0 and first_back["active"] == n - 1
    assert all(g is not None for g in frames[-1]["grads"])


def test_shared_input_gradient_accumulates_over_both_paths():
    result = compute_backprop_frames("shared_input")  # f = (a + b)(b + c), a=2, b=-1, c=3
    b = result["leaves"]["b"]
    grads_over_time = [f["grads"][b] for f in result["frames"] if f["grads"][b] is not None]
    assert grads_over_time[-1] == pytest.approx((2 - 1) + (-1 + 3))  # (b + c) + (a + b)
    assert len(set(grads_over_time)) == 2  # one path's share first, then the sum


def test_stepper_widget_steps_and_reports():
    stepper = BackpropStepper()
    last = stepper.controls["step"].max
    assert last == len(stepper.result["frames"]) - 1
    stepper.controls["step"].value = 1
    assert "forward" in stepper.status_text
    stepper.controls["step"].value = last
    assert "backward" in stepper.status_text and stepper.state["step"] == last
    stepper.controls["expression"].value = "shared_input"
    assert stepper.controls["step"].max == len(stepper.result["frames"]) - 1
    with pytest.raises(ValueError, match="Unknown expression"):
        compute_backprop_frames("lstm")


def test_static_figure_shows_every_gradient():
    fig = static_figure()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("grad ?" in t for t in texts) == 0
    assert sum(t.startswith("o [tanh]") for t in texts) == 1


def test_play_follows_the_step_slider_so_saved_pages_show_the_step():
    # A static page re-applies the Play -> slider link from saved state: Play must hold the step.
    stepper = BackpropStepper("shared_input")
    stepper.controls["step"].value = stepper.controls["step"].max
    assert stepper.play.value == stepper.controls["step"].max > 0
    assert BackpropStepper("neuron", step=3).play.value == 3
