r"""A scalar reverse-mode automatic differentiation engine, small enough to read in one sitting.

Every arithmetic operation on :class:`Value` objects records its inputs and a
rule for pushing the gradient back to them. :meth:`Value.backward` visits the
recorded graph in reverse topological order and applies the chain rule:

.. math:: \frac{\partial L}{\partial x} = \sum_{y \text{ uses } x}
          \frac{\partial L}{\partial y} \frac{\partial y}{\partial x}

Gradient semantics, as PyTorch: ``backward()`` *adds* into the ``grad`` of the leaves
(Values made from numbers: the inputs and parameters), so calling it twice, or on two
outputs that share nodes, sums the gradients, and a training loop calls
``zero_grad()`` between steps. Intermediate nodes hold the gradient of the latest
``backward()`` only (they are reset to 0 at its start, so a shared node is never counted
twice); torch does not keep them at all unless asked (``retain_grad``), we keep them so the
graph can be drawn with its gradients.

Example:
    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> loss = (a * b + a).tanh()
    >>> loss.backward()
    >>> round(a.grad, 6), round(b.grad, 6)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

__all__ = ["Value", "topological_order", "trace", "graph_layout"]

Number = int | float


class Value:
    """A scalar in a computation graph: its value ``data`` and the gradient ``grad`` of the output.

    Args:
        data: the number.
        label: a name shown in graph drawings (e.g. "w1").

    Example:
        >>> x = Value(3.0, "x")
        >>> y = x**2 + 2 * x
        >>> y.backward(); x.grad      # dy/dx = 2x + 2
        8.0
    """

    __slots__ = ("data", "grad", "label", "op", "children", "_backward")

    def __init__(self, data: Number, label: str = "", children: tuple[Value, ...] = (),
                 op: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data) needs a number; got a Value. Use the Value itself.")
        if isinstance(data, bool) or not isinstance(data, (int, float)) and \
                not hasattr(data, "__float__"):
            raise TypeError(f"Value(data) needs a real number; got {type(data).__name__}.")
        if getattr(data, "ndim", 0) != 0:
            raise TypeError(f"Value(data) holds one number; got an array of shape "
                            f"{getattr(data, 'shape', '?')}. Make one Value per entry: "
                            "[Value(float(v)) for v in array.ravel()].")
        if isinstance(data, complex) or getattr(getattr(data, "dtype", None), "kind", "") == "c":
            raise TypeError(f"Value(data) needs a real number; got complex {data!r}.")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = op
        self.children = children
        self._backward: Callable[[], None] = lambda: None

    # --- helpers ---------------------------------------------------------
    @staticmethod
    def _wrap(other: Any) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return Value(float(other))  # Python or NumPy scalars (np.int64, np.float64)
        raise TypeError(f"Cannot combine a Value with {type(other).__name__} {other!r}; use a "
                        f"real number (int, float or a NumPy scalar) or another Value.")

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # --- arithmetic --------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        out = Value(self.data + other.data, children=(self, other), op="+")

        def _backward() -> None:  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = self._wrap(other)
        out = Value(self.data * other.data, children=(self, other), op="*")

        def _backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, (Value, bool)) or not isinstance(exponent, numbers.Real):
            raise TypeError("Value ** exponent supports a number exponent only (e.g. x ** 2); "
                            "for a Value exponent write (exponent * x.log()).exp().")
        if self.data == 0 and exponent < 1 or self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"{self.data} ** {exponent} is undefined or has no derivative; "
                             "keep the base positive for fractional or negative exponents.")
        exponent = float(exponent) if not isinstance(exponent, int) else exponent
        out = Value(self.data**exponent, children=(self,), op=f"**{exponent:g}")

        def _backward() -> None:  # d(x^p)/dx = p x^(p-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-self._wrap(other))

    def __truediv__(self, other: Value | Number) -> Value:
        divisor = self._wrap(other)
        if divisor.data == 0:
            raise ZeroDivisionError(f"Value division by zero: {self.data} / 0. The quotient "
                                    "and its derivative are undefined; keep the divisor "
                                    "away from 0 (e.g. add a small epsilon).")
        return self * divisor ** -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return self._wrap(other) + (-self)

    def __rtruediv__(self, other: Number) -> Value:
        return self._wrap(other) / self

    # --- functions ---------------------------------------------------------
    def _unary(self, value: float, local_grad: float, op: str) -> Value:
        """A one-input node whose derivative at this point is ``local_grad``."""
        out = Value(value, children=(self,), op=op)

        def _backward() -> None:  # chain rule: dL/dx += f'(x) * dL/dy
            self.grad += local_grad * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """e**x; derivative e**x (inf past e**709, as torch in float64)."""
        try:
            y = math.exp(self.data)
        except OverflowError:
            y = math.inf
        return self._unary(y, y, "exp")

    def log(self) -> Value:
        """Natural log (x > 0); derivative 1/x."""
        if self.data <= 0:
            raise ValueError(f"log needs a positive input; got {self.data}. Keep the argument "
                             f"positive (e.g. add a small epsilon) before taking the log.")
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def tanh(self) -> Value:
        """The hyperbolic tangent y; its local derivative is 1 - y**2."""
        y = math.tanh(self.data)
        return self._unary(y, 1.0 - y * y, "tanh")

    def relu(self) -> Value:
        """max(0, x); derivative 1 for x > 0 else 0 (0 at x = 0, as PyTorch)."""
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0, "relu")

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x); derivative s(1 - s)."""
        x = self.data
        # Two algebraically equal forms; each avoids overflow on its side of zero.
        y = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._unary(y, y * (1.0 - y), "sigmoid")

    # --- gradients ---------------------------------------------------------
    def backward(self) -> None:
        """Add dL/d(leaf) into every leaf's ``grad``; set every intermediate ``grad`` afresh.

        Leaves (inputs, parameters) accumulate across calls, as in torch; intermediates are
        reset to 0 first, so a second call, or a second output sharing nodes, counts each
        path exactly once. ``a = Value(2.0); y = (a * 3) * 5; y.backward(); y.backward()``
        leaves ``a.grad == 30.0`` (15 + 15), as torch.

        Example:
            >>> a = Value(2.0); y = (a * 3) * 5
            >>> y.backward(); y.backward(); a.grad
            30.0
        """
        order = topological_order(self)
        for node in order:
            if node.children:  # intermediate: holds this backward's gradient only
                node.grad = 0.0
        if self.children:
            self.grad = 1.0  # dL/dL
        else:
            self.grad += 1.0  # a leaf output accumulates like any leaf
        for node in reversed(order):  # outputs before inputs
            node._backward()

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for this node and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, inputs before the nodes that use them (root last)."""
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:  # iterative depth-first search: deep graphs do not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for child in reversed(node.children):
            if id(child) not in visited:
                stack.append((child, False))
    return order


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """The graph behind ``root``: nodes (topological order) and edges ``(input, output)``."""
    nodes = topological_order(root)
    edges = [(child, node) for node in nodes for child in node.children]
    return nodes, edges


def graph_layout(root: Value) -> dict[str, list[Any]]:
    """A drawing description of the graph (no Graphviz): positions and texts for matplotlib.

    Each node sits at ``x`` = its depth (longest path from an input), ``y`` = its row
    within that depth.

    Returns:
        A dict ``{"nodes": [...], "edges": [...]}``. Each node is a dict with keys
        ``id``, ``label``, ``data``, ``grad``, ``op``, ``x`` and ``y``; each edge is a
        ``(from_id, to_id)`` pair, ids being positions in ``nodes``.

    Example:
        >>> layout = graph_layout(Value(2.0, "a") * 3)
        >>> [n["op"] for n in layout["nodes"]]
        ['', '', '*']
    """
    nodes, edges = trace(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    depth: dict[int, int] = {}
    for n in nodes:  # inputs come first, so their depth is known
        depth[id(n)] = 1 + max((depth[id(c)] for c in n.children), default=-1)
    rows: dict[int, int] = {}
    described = []
    for i, n in enumerate(nodes):
        column = depth[id(n)]
        rows[column] = rows.get(column, -1) + 1
        described.append({"id": i, "label": n.label, "data": n.data, "grad": n.grad,
                          "op": n.op, "x": column, "y": rows[column]})
    return {"nodes": described, "edges": [(index[id(a)], index[id(b)]) for a, b in edges]}
