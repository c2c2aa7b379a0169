"""Judging the gradients read off the backprop stepper (a value answer judged by the engine).

The learner steps the stepper's graphs (:mod:`nncourse.widgets.backprop_graphs`, no widgets
needed here) and writes down the input gradients; the judge recomputes them with the
course's Value engine and names the usual slips (one path of a shared input, a sign, the
gradient of a neighbouring node, too few digits).

Example:
    >>> stepper_judge("shared_input")({"inputs": ["b"]}, {"shared_input": {"b": 3.0}}) is None
    True
"""

from __future__ import annotations

import math

from ...i18n import _
from .reference import STEPPER_LEAVES

#: relative/absolute tolerance: a value copied with 3 or more significant digits passes
STEPPER_RTOL, STEPPER_ATOL = 2e-3, 1e-4
STEPPER_EXAMPLE = ('{"neuron": {"w1": ..., "w2": ..., "b": ...}, '
                    '"shared_input": {"b": ...}}')


def stepper_gradients(graph: str) -> dict:
    """Recompute a stepper graph's gradients with the Value engine, and what each path sends.

    The graph and its input values come from the backprop stepper (what the learner sees).

    Returns:
        ``{"grads": {input: dL/d input}, "paths": {input: [(node label, share)]},
        "nodes": {node label: dL/d node}}``; the shares of an input sum to its gradient.

    Example:
        >>> stepper_gradients("shared_input")["grads"]["b"]
        3.0
    """
    from nncourse.numpy.autodiff import topological_order
    from nncourse.widgets.backprop_graphs import build_expression

    output, leaves = build_expression(graph)
    output.backward()                      # the engine's own backward pass gives the verdict
    grads = {name: leaf.grad for name, leaf in leaves.items()}
    output, leaves = build_expression(graph)   # again, one node at a time, as the stepper does
    nodes = topological_order(output)
    output.grad = 1.0
    paths: dict[str, list[tuple[str, float]]] = {name: [] for name in leaves}
    for node in reversed(nodes):
        before = {name: leaf.grad for name, leaf in leaves.items()}
        node._backward()
        for name, leaf in leaves.items():
            if any(child is leaf for child in node.children):
                paths[name].append((node.label or node.op, leaf.grad - before[name]))
    inner = {node.label: node.grad for node in nodes if node.children and node.label}
    return {"grads": grads, "paths": paths, "nodes": inner}


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= STEPPER_ATOL + STEPPER_RTOL * abs(want)


def _judge_read_gradient(graph: str, name: str, got, engine: dict) -> str | None:
    """None if ``got`` is dL/d``name`` of ``graph``, else what went wrong (no answer given away)."""
    what = _("dL/d{name} of {graph}").format(name=name, graph=graph)
    if isinstance(got, bool) or not isinstance(got, int | float):
        return _("{what} is {type} {got!r:.40}; expected a number").format(
                   what=what, type=type(got).__name__, got=got)
    if not math.isfinite(got):
        return _("{what} is {got}; expected a finite number").format(
                   what=what, got=got)
    want = engine["grads"][name]
    if _close(got, want):
        return None
    if abs(want) > STEPPER_ATOL and _close(-got, want):
        return (_("{what} has the wrong sign: the gradient is the slope of L, so read "
                  "the sign the stepper shows (a negative local derivative flips it)").format(
                    what=what))
    paths = engine["paths"][name]
    if len(paths) > 1:
        for label, part in paths:
            if _close(got, part):
                feeds = " and ".join(node for node, _ in paths)
                return (_("{what} = {got:g} is only the path through {label}: {name} "
                          "feeds {len_paths} nodes ({feeds}), and the chain rule adds "
                          "what arrives along each (the engine's `grad +=`). Step to "
                          "the end of the backward pass: {name}'s gradient is complete "
                          "only after every node it feeds has sent its share").format(
                            what=what, got=got, label=label, name=name, len_paths=len(paths),
                            feeds=feeds))
    parents = {label for label, _ in paths}
    for label, value in sorted(engine["nodes"].items(), key=lambda item: item[0] not in parents):
        if _close(got, value):
            fix = _("; multiply by its local derivative with respect to {name}").format(
                name=name) \
                if label in parents else ""
            return _("{what} = {got:g} is dL/d({label}), the gradient of another "
                     "node{fix}").format(
                       what=what, got=got, label=label, fix=fix)
    if abs(got - want) <= 0.02 * abs(want):
        return (_("{what} = {got:g} is close but rounded too much: copy 3 or 4 "
                  "significant digits from the stepper").format(
                    what=what, got=got))
    return _("{what} = {got:g} is not the engine's gradient; step to the end of the "
             "backward pass").format(
               what=what, got=got)


def stepper_judge(graph: str):
    """The judge of one graph's readings: None when every gradient is right, else a message."""
    def judge(inputs, outputs):
        if not isinstance(outputs, dict):
            return (_("expected a dict of the gradients you read off the stepper, "
                      "{stepper_example}; got {type}").format(
                        stepper_example=STEPPER_EXAMPLE, type=type(outputs).__name__))
        if "step" in outputs and "expression" in outputs:
            return (_("that is the stepper's setting (its .state), not the gradients: "
                      "write down what it shows after the last step, {stepper_example}").format(
                        stepper_example=STEPPER_EXAMPLE))
        given = outputs.get(graph)
        if given is None:
            known = {leaf for leaves in STEPPER_LEAVES.values() for leaf in leaves}
            grouped = " " + _("(group the gradients by graph)") if set(outputs) & known else ""
            return _("no entry for the graph {graph!r}{grouped}; expected "
                     "{stepper_example}").format(
                       graph=graph, grouped=grouped, stepper_example=STEPPER_EXAMPLE)
        if not isinstance(given, dict):
            return _("the entry {graph!r} is {type}; expected {stepper_example}").format(
                       graph=graph, type=type(given).__name__, stepper_example=STEPPER_EXAMPLE)
        engine = stepper_gradients(graph)
        unknown = sorted(set(given) - set(engine["grads"]))
        if unknown:
            return (_("{graph} has no input(s) {unknown}; its inputs are "
                      "{sorted_engine_grads}").format(
                        graph=graph, unknown=unknown,
                        sorted_engine_grads=sorted(engine['grads'])))
        missing = [name for name in inputs["inputs"] if name not in given]
        if missing:
            return _("{graph}: the gradient of {join_missing} is missing").format(
                       graph=graph, join_missing=', '.join(missing))
        # required inputs first, then any others the learner chose to add
        for name in [*inputs["inputs"], *sorted(set(given) - set(inputs["inputs"]))]:
            message = _judge_read_gradient(graph, name, given[name], engine)
            if message:
                return message
        return None
    return judge
