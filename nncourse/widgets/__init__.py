"""Interactive explorers: each is a pure ``compute_*`` function plus a thin ipywidgets UI.

One line in a notebook shows one::

    from nncourse.widgets import GradientDescentExplorer; GradientDescentExplorer()

=========================  ===========================================  ======================
explorer                   module                                        compute function
=========================  ===========================================  ======================
GradientDescentExplorer    :mod:`~nncourse.widgets.gradient_descent`     compute_gradient_descent
OptimizerRaceExplorer      :mod:`~nncourse.widgets.optimizer_race`       compute_race
BackpropStepper            :mod:`~nncourse.widgets.backprop_stepper`     compute_backprop_frames
ActivationExplorer         :mod:`~nncourse.widgets.activations`          compute_activation
InitializationExplorer     :mod:`~nncourse.widgets.initialization`       compute_init_statistics
CapacityExplorer           :mod:`~nncourse.widgets.capacity`             compute_capacity
PlaygroundExplorer         :mod:`~nncourse.widgets.playground`           train_playground
ScheduleExplorer           :mod:`~nncourse.widgets.schedules`            compute_schedules,
                                                                         compute_lr_range_test
DampingExplorer            :mod:`~nncourse.widgets.damping`              compute_damping
EvaluationExplorer         :mod:`~nncourse.widgets.evaluation`           compute_operating_point
=========================  ===========================================  ======================

Every module also has ``static_figure()``: the default state as a matplotlib Figure, for
pages rendered without a kernel. :func:`~nncourse.widgets.static.frame_explorer` turns such a
figure into a slider over frames rendered at build time (no kernel, no ipywidgets).
Modules are imported on first use, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "GradientDescentExplorer": "gradient_descent", "compute_gradient_descent": "gradient_descent",
    "OptimizerRaceExplorer": "optimizer_race", "compute_race": "optimizer_race",
    "BackpropStepper": "backprop_stepper", "compute_backprop_frames": "backprop_stepper",
    "ActivationExplorer": "activations", "compute_activation": "activations",
    "InitializationExplorer": "initialization", "compute_init_statistics": "initialization_core",
    "CapacityExplorer": "capacity", "compute_capacity": "capacity_core",
    "PlaygroundExplorer": "playground", "PlaygroundConfig": "playground_core",
    "train_playground": "playground_core", "Playground": "playground_core",
    "ScheduleExplorer": "schedules", "compute_schedules": "schedules",
    "compute_lr_range_test": "schedules",
    "DampingExplorer": "damping", "compute_damping": "damping",
    "EvaluationExplorer": "evaluation", "compute_operating_point": "evaluation",
    "get_surface": "surfaces", "optimize": "surfaces", "SURFACES": "surfaces",
    "frame_explorer": "static",
}

#: module name of each explorer (for benchmarks and the book's static figures)
EXPLORER_MODULES = ("gradient_descent", "optimizer_race", "backprop_stepper", "activations",
                    "initialization", "capacity", "playground", "schedules", "evaluation")

__all__ = [*_WHERE, "EXPLORER_MODULES"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(f"nncourse.widgets.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'nncourse.widgets' has no attribute {name!r}")
