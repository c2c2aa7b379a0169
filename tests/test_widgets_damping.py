"""The damping map: closed-form rates against the library's momentum optimizer, and the explorer."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.widgets.damping_core import (
    best_plain_rate,
    convergence_rate,
    critical_momentum,
    damping_map,
    direction_rates,
    optimal_momentum,
    regime,
)
from nncourse.widgets.surfaces import optimize


@pytest.mark.parametrize(("lr", "momentum"), [(0.4, 0.0), (0.6, 0.45), (0.3, 0.9), (0.2, 0.3)])
def test_rate_predicts_the_decay_of_the_library_optimizer(lr: float, momentum: float) -> None:
    name = "momentum" if momentum else "sgd"
    extra = {"momentum": momentum} if momentum else {}
    run = optimize("narrow_valley", name, lr=lr, steps=200, **extra)
    error = np.abs(run["path"]).max(axis=1)                      # slowest coordinate dominates
    measured = (error[200] / error[100]) ** (1 / 100)
    assert measured == pytest.approx(convergence_rate(lr, momentum), rel=0.02)


def test_edges_critical_damping_and_optimum() -> None:
    assert float(direction_rates(0.25, 0.0, 4.0)) == 0.0          # one step to the minimum
    assert convergence_rate(0.5, 0.0) == pytest.approx(1.0)       # exactly at 2 / L
    beta = critical_momentum(0.2, 0.2)
    assert regime(0.2, beta)["kind"] == "critical"
    assert regime(0.2, beta + 0.05)["kind"] == "underdamped"
    assert regime(0.2, beta - 0.05)["kind"] == "overdamped"
    assert regime(1.0, 0.3)["kind"] == "diverges"
    lr, beta, rate = optimal_momentum((0.2, 4.0))
    assert convergence_rate(lr, beta) == pytest.approx(rate, abs=1e-6)
    grid = damping_map(np.linspace(0.01, 1.0, 60), np.linspace(0.0, 0.99, 60))
    assert grid.min() >= rate - 1e-9                               # nothing beats the optimum
    assert best_plain_rate((0.2, 4.0))[1] == pytest.approx(19 / 21)
    with pytest.raises(ValueError, match="curvatures is empty"):
        convergence_rate(0.1, 0.5, ())


def test_explorer_reports_the_regime() -> None:
    from nncourse.widgets.damping import DampingExplorer, static_figure

    explorer = DampingExplorer(lr=0.3, momentum=0.9)
    assert "underdamped" in explorer.status_text
    explorer.set_state(lr=0.9, momentum=0.0)
    assert explorer.status_text.startswith("Diverged")
    assert len(static_figure(0.6, 0.45).axes) == 3                # map, colour bar, path
