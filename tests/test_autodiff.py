"""The scalar autodiff engine agrees with torch autograd on random expressions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncourse.numpy.autodiff import Value, graph_layout, topological_order, trace

torch = pytest.importorskip("torch")


def _build(rng: np.random.Generator, depth: int, pairs: list) -> tuple:
    """A random expression built twice, on Values and on torch tensors, with safe domains."""
    if depth == 0 or rng.random() < 0.2:
        return pairs[rng.integers(len(pairs))]
    op = rng.choice(["add", "sub", "mul", "div", "rdiv", "pow", "exp", "log", "tanh", "relu",
                     "sigmoid", "scalar", "neg"])
    a_v, a_t = _build(rng, depth - 1, pairs)
    if op in ("add", "sub", "mul", "div"):
        b_v, b_t = _build(rng, depth - 1, pairs)
        if op == "add":
            return a_v + b_v, a_t + b_t
        if op == "sub":
            return a_v - b_v, a_t - b_t
        if op == "mul":
            return a_v * b_v, a_t * b_t
        return a_v / (b_v * b_v + 1.0), a_t / (b_t * b_t + 1.0)  # denominator >= 1
    if op == "rdiv":
        return 2.0 / (a_v * a_v + 0.5), 2.0 / (a_t * a_t + 0.5)
    if op == "pow":
        p = float(rng.choice([2, 3, 0.5, -1.5]))
        return (a_v * a_v + 0.3) ** p, (a_t * a_t + 0.3) ** p  # positive base
    if op == "exp":
        return a_v.tanh().exp(), torch.exp(torch.tanh(a_t))  # bounded: no overflow
    if op == "log":
        return (a_v * a_v + 0.1).log(), torch.log(a_t * a_t + 0.1)
    if op == "tanh":
        return a_v.tanh(), torch.tanh(a_t)
    if op == "relu":
        return a_v.relu(), torch.relu(a_t)
    if op == "sigmoid":
        return a_v.sigmoid(), torch.sigmoid(a_t)
    if op == "neg":
        return -a_v, -a_t
    c = float(rng.normal())
    return (3.0 - c * a_v + c), (3.0 - c * a_t + c)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_expressions_match_torch(seed):
    rng = np.random.default_rng(seed)
    n_leaves = int(rng.integers(1, 5))
    values = rng.normal(size=n_leaves)
    leaves_v = [Value(float(v), f"x{i}") for i, v in enumerate(values)]
    leaves_t = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in values]
    out_v, out_t = _build(rng, 5, list(zip(leaves_v, leaves_t, strict=True)))
    assert out_v.data == pytest.approx(out_t.item(), rel=1e-9, abs=1e-12)
    out_v.backward()
    out_t.backward()
    for lv, lt in zip(leaves_v, leaves_t, strict=True):
        expected = 0.0 if lt.grad is None else lt.grad.item()
        assert lv.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_reused_node_accumulates_gradient():
    x = Value(3.0, "x")
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == 7.0
    y.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0


def test_topological_order_and_trace():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    order = topological_order(d)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is d and len(order) == 4
    assert position[id(a)] < position[id(c)] < position[id(d)]
    nodes, edges = trace(d)
    assert len(nodes) == 4 and len(edges) == 4
    assert (c, d) in edges and (a, d) in edges


def test_graph_layout_has_values_grads_and_ops():
    a, b = Value(2.0, "a"), Value(-1.0, "b")
    out = (a * b).tanh()
    out.backward()
    layout = graph_layout(out)
    ops = [n["op"] for n in layout["nodes"]]
    assert ops.count("*") == 1 and ops[-1] == "tanh"
    root = layout["nodes"][-1]
    assert root["x"] == 2 and root["grad"] == 1.0
    by_label = {n["label"]: n for n in layout["nodes"] if n["label"]}
    assert by_label["a"]["grad"] == pytest.approx(-1.0 * (1 - math.tanh(-2.0) ** 2))
    assert len(layout["edges"]) == 3


def test_deep_graph_does_not_hit_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="log needs a positive input"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="number exponent only"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(TypeError, match="real number"):
        Value("3")
    with pytest.raises(ValueError, match="keep the base positive"):
        Value(-2.0) ** 0.5


def test_gradient_descent_on_values_learns_a_tiny_problem():
    # A tanh neuron written with Values: the engine's gradients are enough to train it.
    w = [Value(0.3, "w0"), Value(-0.2, "w1")]
    b = Value(0.0, "b")
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(30):
        outputs = [(w[0] * x[0] + w[1] * x[1] + b).tanh() for x in xs]
        loss = sum(((o - y) ** 2 for o, y in zip(outputs, ys, strict=True)), Value(0.0))
        for p in (*w, b):
            p.grad = 0.0
        loss.backward()
        for p in (*w, b):
            p.data -= 0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def test_backward_twice_accumulates_into_leaves_once_per_call_as_torch():
    a = Value(2.0)
    y = (a * 3) * 5
    y.backward()
    y.backward()
    ta = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ty = (ta * 3) * 5
    ty.backward(retain_graph=True)
    ty.backward()
    assert a.grad == float(ta.grad) == 30.0


def test_two_outputs_sharing_nodes_count_each_path_once():
    a = Value(2.0)
    shared = a * 3
    (shared * 5).backward()
    (shared * 7).backward()
    assert a.grad == 36.0  # 15 + 21
    assert shared.grad == 7.0  # intermediates hold the latest backward only


def test_leaf_output_and_numpy_scalars_and_overflow():
    a = Value(1.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0
    assert (Value(1.0) + np.int64(2)).data == 3.0
    assert (np.float64(0.5) * Value(2.0)).data == 1.0
    assert (Value(3.0) ** np.int64(2)).data == 9.0
    assert Value(1000.0).exp().data == math.inf  # torch.exp gives inf too
    with pytest.raises(TypeError, match="real number"):
        Value(1.0) + "2"
