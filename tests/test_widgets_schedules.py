"""Schedule explorer: schedule values and the LR range test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nncourse.widgets.schedules import (
    SCHEDULE_NAMES,
    ScheduleExplorer,
    compute_lr_range_test,
    compute_schedules,
)


def test_schedule_values():
    values = compute_schedules(epochs=30, lr=0.2, step_size=10, gamma=0.5, decay=0.9,
                               warmup_epochs=5, eta_min=0.0)
    assert set(values) == set(SCHEDULE_NAMES)
    np.testing.assert_allclose(values["constant"], 0.2)
    np.testing.assert_allclose(values["step"][[0, 9, 10, 20, 29]], [0.2, 0.2, 0.1, 0.05, 0.05])
    np.testing.assert_allclose(values["exponential"], 0.2 * 0.9 ** np.arange(30))
    cosine = values["cosine"]
    assert cosine[0] == pytest.approx(0.2) and np.all(np.diff(cosine) < 0)
    assert cosine[15] == pytest.approx(0.1)  # halfway down a cosine from 0.2 to 0
    warm = values["warmup_cosine"]
    assert warm[0] == pytest.approx(0.02) and warm[5] == pytest.approx(0.2)
    assert np.all(np.diff(warm[:6]) > 0) and np.all(np.diff(warm[5:]) < 0)


def test_lr_range_test_finds_a_sensible_rate():
    test = compute_lr_range_test(steps=80, seed=0)
    lrs, smoothed = test["lrs"], test["smoothed"]
    assert np.all(np.diff(lrs) > 0) and lrs[0] == pytest.approx(1e-4)
    assert smoothed.min() < 0.8 * smoothed[0]  # the model learned at good rates
    assert 1e-3 < test["suggested_lr"] < 5
    assert test["stopped_early"]  # large rates blow the loss up
    with pytest.raises(ValueError, match="min_lr must be < max_lr"):
        compute_lr_range_test(min_lr=1.0, max_lr=0.1)


def test_widget_state_and_status():
    explorer = ScheduleExplorer(run_range_test=False)
    explorer.controls["lr"].value = 0.01
    assert explorer.state["lr"] == pytest.approx(0.01)
    assert explorer.status_text.startswith("Rate in the last epoch: constant 0.01")
    assert 10 ** explorer.controls["lr"].min > 0 and explorer.controls["step_size"].min >= 1
    explorer.run_range_test(steps=30)
    assert explorer.range_test is not None and explorer.status_text.startswith("Range test")
    right = explorer.axes[1]
    assert right.get_xscale() == "log" and len(right.lines) == 3
