"""Surfaces, gradient descent and the optimizer race: the math the explorers show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncourse.widgets.gradient_descent import (
    GradientDescentExplorer,
    compute_gradient_descent,
)
from nncourse.widgets.gradient_descent import static_figure as gd_static
from nncourse.widgets.optimizer_race import OptimizerRaceExplorer, compute_race
from nncourse.widgets.surfaces import (
    OPTIMIZERS,
    SURFACES,
    get_surface,
    optimize,
    quadratic,
    stable_learning_rate,
)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_gradient_and_hessian_match_finite_differences(name):
    surface = get_surface(name)
    rng = np.random.default_rng(0)
    h = 1e-5
    for _ in range(5):
        x_min, x_max, y_min, y_max = surface.bounds
        p = np.array([rng.uniform(x_min, x_max), rng.uniform(y_min, y_max)]) * 0.8
        numeric = [(surface(p + h * e) - surface(p - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(surface.gradient(p), numeric, rtol=1e-5, atol=1e-5)
        hess = np.column_stack([(surface.gradient(p + h * e) - surface.gradient(p - h * e))
                                / (2 * h) for e in np.eye(2)])
        np.testing.assert_allclose(surface.hessian(p), hess, rtol=1e-4, atol=1e-4)
    for minimum in surface.minima:
        np.testing.assert_allclose(surface.gradient(np.array(minimum)), 0, atol=1e-3)


@settings(max_examples=20, deadline=None)
@given(st.floats(0.5, 50.0), st.floats(0.2, 0.95))
def test_gd_converges_below_and_diverges_above_two_over_L(curvature, fraction):
    # Curvatures L/2 and L: the stiffer direction sets the limit 2/L.
    surface = quadratic((curvature / 2, curvature), start=(1.0, 1.0))
    L = surface.max_curvature()
    assert L == pytest.approx(curvature)
    assert stable_learning_rate(surface) == pytest.approx(2 / L)
    below = optimize(surface, "sgd", lr=fraction * 2 / L, steps=400)
    above = optimize(surface, "sgd", lr=(1 + fraction) * 2 / L, steps=400)
    assert not below["diverged"] and below["losses"][-1] < 1e-3 * below["losses"][0]
    assert above["diverged"] or above["losses"][-1] > 1e3 * above["losses"][0]


def test_divergence_is_a_result_not_an_exception():
    run = compute_gradient_descent("bowl", lr=5.0, steps=5000)
    assert run["diverged"] and 1 <= run["diverged_at"] < 5000
    assert len(run["path"]) == run["diverged_at"] + 1
    assert run["stable_lr"] == pytest.approx(2.0)


def test_momentum_beats_sgd_on_the_ill_conditioned_bowl():
    race = compute_race("ill_conditioned", steps=50, lr_sgd=0.02, lr_momentum=0.02,
                        lr_nesterov=0.02)
    assert race["momentum"]["losses"][-1] < 0.2 * race["sgd"]["losses"][-1]
    assert race["nesterov"]["losses"][-1] < race["sgd"]["losses"][-1]
    assert all(len(r["path"]) == 51 for r in race.values())


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_adaptive_optimizers_stay_finite_and_make_progress(surface):
    race = compute_race(surface, steps=100)
    for name in ("rmsprop", "adam"):
        run = race[name]
        assert not run["diverged"] and np.all(np.isfinite(run["path"]))
        assert run["losses"][-1] < run["losses"][0]


def test_optimize_uses_the_library_optimizers():
    # Adam's first step moves every coordinate by lr (up to eps), whatever the gradient size.
    run = optimize("ill_conditioned", "adam", lr=0.1, start=(1.0, 0.5), steps=1)
    np.testing.assert_allclose(run["path"][1] - run["path"][0], [-0.1, -0.1], atol=1e-6)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="Unknown optimizer 'adagrad'"):
        optimize("bowl", "adagrad")
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        optimize("bowl", "sgd", lr=0.0)
    with pytest.raises(ValueError, match="Unknown surface"):
        get_surface("volcano")
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "rmsprop", "adam"}


def test_gd_widget_reports_divergence_in_the_status_line():
    explorer = GradientDescentExplorer()
    assert explorer.state["lr"] == pytest.approx(0.08)
    assert explorer.status_text.startswith("Final loss")
    explorer.controls["lr"].value = 0.5
    assert explorer.status_text.startswith("Diverged at step")
    assert explorer.result["diverged"]
    assert explorer.image.value[:4] == b"\x89PNG"
    assert 10 ** explorer.controls["lr"].min > 0  # the slider itself keeps lr > 0


def test_gd_widget_surface_change_moves_the_start_point():
    explorer = GradientDescentExplorer()
    explorer.controls["surface"].value = "rosenbrock"
    assert (explorer.state["start_x"], explorer.state["start_y"]) == get_surface("rosenbrock").start
    explorer.set_state(lr=1e-3, steps=100)
    assert not explorer.result["diverged"]
    with pytest.raises(ValueError, match="Unknown setting"):
        explorer.set_state(learning_rate=0.1)


def test_race_widget_names_diverged_optimizers():
    explorer = OptimizerRaceExplorer()
    explorer.controls["lr_sgd"].value = 1.0
    assert "Diverged: SGD" in explorer.status_text
    assert "Adam" in explorer.status_text


def test_static_figures_have_labelled_axes_and_a_path():
    fig = gd_static()
    left, right = fig.axes
    assert left.get_xlabel() and left.get_ylabel() and right.get_xlabel() == "step"
    path = [line for line in left.lines if line.get_label() == "path"][0]
    assert len(path.get_xdata()) == 41
    assert right.get_yscale() == "log"
