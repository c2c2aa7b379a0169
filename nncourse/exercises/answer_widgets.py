"""Widget-driven exercises: a control whose state is the answer, with a Check button.

Example:
    >>> w = exercise_widget("loop.learning_rate")   # doctest: +SKIP
    >>> w.controls["value"].value = 0.1; w.answer()  # doctest: +SKIP
    0.1
"""

from __future__ import annotations

from typing import Any

from ..i18n import _
from .checking import check
from .registry import get_exercise


def exercise_widget(exercise_id: str) -> Any:
    """Build the control of a ``kind="widget"`` exercise plus a Check button and feedback.

    The returned box has ``.answer()`` (the current choice: a number, or a dict of the
    dropdowns) and ``.controls`` (name -> control; a slider is ``box.controls["value"]``), so
    ``check(exercise_id, box)`` checks whatever the learner picked.
    """
    import ipywidgets as widgets

    exercise = get_exercise(exercise_id)
    spec = exercise.widget or {}
    if "log_slider" in spec:
        opts = spec["log_slider"]
        # the label is declared by the exercise, in English (its translation: texts.py)
        label = _(opts["description"]) if opts.get("description") else _("value")
        control = widgets.FloatLogSlider(value=10 ** opts.get("value", opts["min"]), base=10,
                                         min=opts["min"], max=opts["max"], step=0.01,
                                         description=label, readout_format=".3g")
        controls = {"value": control}
    elif "dropdowns" in spec:
        controls = {name: widgets.Dropdown(options=options, description=name)
                    for name, options in spec["dropdowns"].items()}
    else:
        raise ValueError(f"Exercise {exercise_id!r} has no widget spec (kind={exercise.kind!r}).")
    output = widgets.Output()
    button = widgets.Button(description=_("Check"), button_style="primary")
    box = widgets.VBox([widgets.HTML(f"<strong>{_(exercise.title)}</strong>"),
                        *controls.values(), button, output])

    def current() -> Any:
        if list(controls) == ["value"]:
            return float(controls["value"].value)
        return {name: control.value for name, control in controls.items()}

    def on_click(_button: Any) -> None:
        output.clear_output()
        with output:
            from IPython.display import display

            display(check(exercise_id, current()))

    button.on_click(on_click)
    box.answer = current
    box.controls = controls
    return box
