"""Explorer update latency: compute + redraw for each explorer's default settings.

Each update sets one control (alternating between two nearby values so every update
really recomputes), which runs the explorer's compute function, moves its artists and
renders the PNG the notebook shows -- exactly what happens when a learner drags a slider.
The playground's update is one training tick (a chunk of epochs plus the redraw).
Budget: median <= 100 ms on the course's 2-core machine.

Usage:
    python -m benchmarks widgets
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np

REPEATS = 20


def _toggle(explorer: Any, name: str, a: Any, b: Any) -> Callable[[int], None]:
    def update(i: int) -> None:
        explorer.controls[name].value = a if i % 2 == 0 else b

    return update


def _cases() -> list[tuple[str, Callable[[], Callable[[int], None]]]]:
    from nncourse.widgets.activations import ActivationExplorer
    from nncourse.widgets.backprop_stepper import BackpropStepper
    from nncourse.widgets.capacity import CapacityExplorer
    from nncourse.widgets.gradient_descent import GradientDescentExplorer
    from nncourse.widgets.initialization import InitializationExplorer
    from nncourse.widgets.optimizer_race import OptimizerRaceExplorer
    from nncourse.widgets.playground import PlaygroundExplorer
    from nncourse.widgets.schedules import ScheduleExplorer, compute_lr_range_test

    def gradient_descent() -> Callable[[int], None]:
        return _toggle(GradientDescentExplorer(), "lr", 0.079, 0.081)

    def optimizer_race() -> Callable[[int], None]:
        return _toggle(OptimizerRaceExplorer(), "lr_adam", 0.049, 0.051)

    def backprop_stepper() -> Callable[[int], None]:
        stepper = BackpropStepper()
        last = stepper.controls["step"].max

        def update(i: int) -> None:
            stepper.controls["step"].value = 1 + i % last

        return update

    def activations() -> Callable[[int], None]:
        return _toggle(ActivationExplorer(), "name", "tanh", "sigmoid")

    def initialization() -> Callable[[int], None]:
        return _toggle(InitializationExplorer(), "activation", "tanh", "relu")

    def capacity() -> Callable[[int], None]:
        return _toggle(CapacityExplorer(), "capacity", 8, 9)

    def capacity_mlp() -> Callable[[int], None]:
        return _toggle(CapacityExplorer(model="mlp"), "capacity", 9, 10)

    def playground() -> Callable[[int], None]:
        explorer = PlaygroundExplorer()
        return lambda i: explorer.tick()

    def schedules() -> Callable[[int], None]:
        return _toggle(ScheduleExplorer(run_range_test=False), "lr", 0.05, 0.1)

    def lr_range_test() -> Callable[[int], None]:
        return lambda i: compute_lr_range_test(seed=i % 2)

    return [("1 gradient descent", gradient_descent), ("2 optimizer race", optimizer_race),
            ("3 backprop stepper", backprop_stepper), ("4 activations", activations),
            ("5 initialization", initialization), ("6 capacity (polynomial)", capacity),
            ("6 capacity (MLP, 300 epochs)*", capacity_mlp),
            ("7 playground (1 tick = 2 epochs)", playground), ("8 schedules", schedules),
            ("8 LR range test (button)*", lr_range_test)]


def measure(make: Callable[[], Callable[[int], None]], repeats: int = REPEATS
            ) -> tuple[float, float]:
    """(median, p95) in ms of ``repeats`` updates after one warm-up."""
    update = make()
    update(1)  # warm-up: first-time imports and caches
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        update(i)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times)), float(np.percentile(times, 95))


def main() -> None:
    print(f"Explorer update = compute + redraw, default settings, {REPEATS} updates each "
          "(* = not a slider update)")
    print(f"{'explorer':36s} {'median ms':>10s} {'p95 ms':>10s}")
    for name, make in _cases():
        median, p95 = measure(make)
        print(f"{name:36s} {median:10.1f} {p95:10.1f}", flush=True)


if __name__ == "__main__":
    main()
