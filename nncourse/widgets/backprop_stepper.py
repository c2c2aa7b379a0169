"""Explorer 3: a small computational graph stepped forward, then backward, node by node.

The graph is built with the course's scalar engine (:mod:`nncourse.numpy.autodiff`); the
backward steps run each node's own ``_backward`` in reverse topological order, so every
frame shows the engine's real intermediate gradients (including accumulation where a
value is used twice).

Example:
    >>> from nncourse.widgets.backprop_stepper import BackpropStepper
    >>> BackpropStepper()                        # slider: step 0 .. 2N
    >>> frames = compute_backprop_frames("neuron")
    >>> frames["frames"][-1]["grads"][0]         # dL/d(first leaf) after the last step
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.numpy.autodiff import topological_order
from nncourse.plots.style import PALETTE
from nncourse.widgets._base import Explorer, figure_only, slider_style
from nncourse.widgets.backprop_graphs import EXPRESSIONS, build_expression  # widget-free

__all__ = ["EXPRESSIONS", "build_expression", "expression_label", "expression_options",
           "compute_backprop_frames", "BackpropStepper", "static_figure", "static_alt"]


def expression_label(expression: str) -> str:
    """A graph's readable name in the current language (its key if it has none)."""
    labels = {"neuron": _("one neuron"), "squared_error": _("squared error"),
              "shared_input": _("shared input")}
    return labels.get(expression, expression)


def expression_options() -> list[tuple[str, str]]:
    """``(label, name)`` of every graph for a dropdown, labels in the current language."""
    return [(expression_label(name), name) for name in EXPRESSIONS]


def _node_label(label: str) -> str:
    """A node's label as shown: the engine's labels are symbols, except one word ("sum")."""
    return _("sum") if label == "sum" else label


def compute_backprop_frames(expression: str = "neuron",
                            values: dict[str, float] | None = None) -> dict[str, Any]:
    """Every frame of a forward-then-backward pass through a small graph.

    Frame 0 shows nothing computed; frames 1..N reveal node values in topological order
    (forward); frames N+1..2N each run one node's backward step (output first), so a
    node's gradient is complete when it is processed.

    Args:
        expression: a key of EXPRESSIONS.
        values: override leaf values, e.g. ``{"w1": 0.3}``.

    Returns:
        dict with "nodes" (list of {"label", "op", "data", "x", "y"}), "edges" (index
        pairs input -> output), "leaves" (name -> node index), and "frames": a list of
        {"phase", "active" (node index or None), "shown" (bools: value known),
        "grads" (floats or None where not reached), "text" (what happens)}.
    """
    output, leaves = build_expression(expression, values)
    nodes = topological_order(output)
    index = {id(n): i for i, n in enumerate(nodes)}
    depth: dict[int, int] = {}
    rows: dict[int, int] = {}
    described = []
    for i, n in enumerate(nodes):
        depth[i] = 1 + max((depth[index[id(c)]] for c in n.children), default=-1)
        rows[depth[i]] = rows.get(depth[i], -1) + 1
        described.append({"label": _node_label(n.label) or f"{n.data:g}", "op": n.op,
                          "data": n.data, "x": depth[i], "y": rows[depth[i]]})
    edges = [(index[id(c)], i) for i, n in enumerate(nodes) for c in n.children]
    count = len(nodes)
    frames: list[dict[str, Any]] = [{"phase": "start", "active": None, "shown": [False] * count,
                                     "grads": [None] * count,
                                     "text": _("Nothing computed yet: step forward.")}]
    for i, n in enumerate(nodes):  # forward: values in topological order
        inputs = ", ".join(described[index[id(c)]]["label"] for c in n.children)
        how = f"{n.op}({inputs})" if n.children else _("input")
        frames.append({"phase": "forward", "active": i, "shown": [j <= i for j in range(count)],
                       "grads": [None] * count,
                       "text": _("forward: {node} = {how} = {value:.4g}").format(
                           node=described[i]["label"], how=how, value=n.data)})
    output.zero_grad()
    output.grad = 1.0  # dL/dL = 1 starts the backward pass
    reached = {count - 1}
    for i in reversed(range(count)):  # backward: the engine's own steps, output first
        n = nodes[i]
        n._backward()  # adds this node's gradient, times local derivatives, into its inputs
        reached.update(index[id(c)] for c in n.children)
        grads = [nodes[j].grad if j in reached else None for j in range(count)]
        label = described[i]["label"]
        if n.children:
            sent = ", ".join(described[index[id(c)]]["label"] for c in n.children)
            text = _("backward: dL/d{node} = {grad:.4g} is complete; chain rule adds (local "
                     "derivative × {grad:.4g}) into {inputs}").format(node=label, grad=n.grad,
                                                                     inputs=sent)
        else:
            text = _("backward: dL/d{node} = {grad:.4g} (an input: nothing further)").format(
                node=label, grad=n.grad)
        frames.append({"phase": "backward", "active": i, "shown": [True] * count,
                       "grads": grads, "text": text})
    return {"nodes": described, "edges": edges, "frames": frames,
            "leaves": {k: index[id(v)] for k, v in leaves.items()}, "expression": expression}


def _node_text(node: dict[str, Any], shown: bool, grad: float | None) -> str:
    # Short texts: glyph rendering is most of a redraw's cost.
    op = f" [{node['op']}]" if node["op"] else ""
    data = f"{node['data']:.4g}" if shown else "?"
    gradient = f"{grad:.4g}" if grad is not None else "?"
    return f"{node['label']}{op} = {data}\ngrad {gradient}"


class BackpropStepper(Explorer):
    """A step slider over the frames of :func:`compute_backprop_frames`; one box per node."""

    figure_size = (1, 1)
    panel_size = (8.4, 3.8)

    def __init__(self, expression: str = "neuron", step: int = 0) -> None:
        super().__init__()
        style = slider_style()
        self.controls = {
            "expression": widgets.Dropdown(options=expression_options(), value=expression,
                                           description=_("graph"), style=style["style"],
                                           layout=style["layout"]),
            "step": widgets.IntSlider(value=step, min=0, max=100, description=_("step"),
                                        **style),
        }
        self.play = widgets.Play(value=step, min=0, max=100, interval=700,
                                 description=_("play"))
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        # A page rendered from saved state re-applies the link from Play to the slider, so the
        # Play value follows the slider: the saved slider then shows the step it was left at.
        self.controls["step"].observe(self._follow_step, names="value")
        self._graph: dict[str, Any] | None = None
        self._observe_controls()
        self.update()

    def _follow_step(self, change: Any) -> None:
        if self.play.value != change["new"]:
            self.play.value = change["new"]

    def compute(self, expression: str, step: int) -> dict[str, Any]:
        if self._graph is not None and self._graph["expression"] == expression:
            graph = dict(self._graph)  # same graph: only the frame index changes
        else:
            graph = compute_backprop_frames(expression)
        last = len(graph["frames"]) - 1
        graph["step"] = min(step, last)
        return graph

    def _build(self, graph: dict[str, Any]) -> None:
        ax = self.axes
        ax.clear()
        ax.axis("off")
        nodes = graph["nodes"]
        width = max(n["x"] for n in nodes) + 1
        height = max(n["y"] for n in nodes) + 1
        ax.set_xlim(-0.6, width - 0.4)
        ax.set_ylim(-0.7, height - 0.3)
        for a, b in graph["edges"]:
            ax.annotate("", xy=(nodes[b]["x"] - 0.33, nodes[b]["y"]),
                        xytext=(nodes[a]["x"] + 0.33, nodes[a]["y"]),
                        arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 1})
        self._texts = [ax.text(n["x"], n["y"], "", ha="center", va="center", fontsize=8,
                               animated=True,
                               bbox={"boxstyle": "round", "facecolor": "white",
                                     "edgecolor": PALETTE["blue"]}) for n in nodes]
        self._caption = ax.text(0.0, -0.06, "", transform=ax.transAxes, fontsize=9,
                                animated=True)
        self.dynamic = [*self._texts, self._caption]
        last = len(graph["frames"]) - 1
        self.controls["step"].max = last
        self.play.max = last
        self._graph = graph
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        if self._graph is None or self._graph["expression"] != result["expression"]:
            self._build(result)
        frame = result["frames"][result["step"]]
        color = PALETTE["orange"] if frame["phase"] == "forward" else PALETTE["sky"]
        changed = []
        for i, (node, text) in enumerate(zip(result["nodes"], self._texts, strict=True)):
            content = _node_text(node, frame["shown"][i], frame["grads"][i])
            face = color if frame["active"] == i else "white"
            if content != text.get_text() or face != getattr(text, "_face", None):
                text.set_text(content)
                text.get_bbox_patch().set_facecolor(face)
                text._face = face  # remembered so unchanged boxes are not redrawn
                changed.append(text)
        self._caption.set_text(frame["text"])
        self.changed = [*changed, self._caption]

    def message(self, result: dict[str, Any]) -> str:
        step, last = result["step"], len(result["frames"]) - 1
        return _("step {step} of {last}: {what}").format(step=step, last=last,
                                                         what=result["frames"][step]["text"])

    def static(self) -> Figure:
        """The current graph as a static Figure whose alt text says what each node holds."""
        figure = super().static()
        figure.nncourse_alt = static_alt(self.controls["expression"].value,
                                         self.controls["step"].value)
        return figure

    def layout(self) -> widgets.Widget:
        controls = widgets.VBox([*self.controls.values(), self.play])
        return widgets.VBox([controls, self.image, self.status])


def static_figure(expression: str = "neuron", step: int | None = None) -> Figure:
    """The graph at ``step`` (default: after the full backward pass) as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        explorer = BackpropStepper(expression)
        last = explorer.controls["step"].max
        explorer.controls["step"].value = last if step is None else min(step, last)
        return explorer.static()


def static_alt(expression: str = "neuron", step: int | None = None) -> str:
    """Alt text for ``static_figure(expression, step)``: the graph and what that step does."""
    graph = compute_backprop_frames(expression)
    last = len(graph["frames"]) - 1
    step = last if step is None else min(step, last)
    frame = graph["frames"][step]
    known = [_node_text(n, frame["shown"][i], frame["grads"][i]).replace("\n", ", ")
             .replace("?", _("not yet known")) for i, n in enumerate(graph["nodes"])]
    return _("Computation graph of {expression} ({label}), inputs on the left, output on the "
             "right; step {step} of {last}: {what}. Nodes: {nodes}.").format(
        expression=expression, label=expression_label(expression), step=step, last=last,
        what=frame["text"], nodes="; ".join(known))
