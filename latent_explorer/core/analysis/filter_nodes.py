"""The expression tree of :mod:`latent_explorer.core.analysis.filters`, and its evaluation.

Each node is a small frozen value. Evaluating a node gives a boolean array (or a scalar that
broadcasts, for a test of two constants); operands give a column's array or a constant.
Comparisons check that both sides hold the same kind of value (numbers, text or true/false)
and raise :class:`FilterError` otherwise, rather than let numpy compare ``3`` with ``"3"``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError

Columns = Mapping[str, npt.NDArray[np.generic]]
Value = Any
"""A column's array or a constant (numbers, text, true/false)."""

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class FilterError(LatentExplorerError):
    """A filter expression is malformed, names an unknown column, or compares unlike values.

    Parameters
    ----------
    message
        What is wrong, in plain words (the position is appended).
    position
        0-based character offset in the expression where the problem was found, if known.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        self.problem = message
        where = "" if position is None else f" at position {position}"
        super().__init__(f"{message}{where}")


class Node:
    """Base of the expression nodes."""

    def children(self) -> tuple[Node, ...]:
        """The nodes directly below this one."""
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it."""
        yield self
        for child in self.children():
            yield from child.walk()

    def columns(self) -> frozenset[str]:
        """Names of the columns used at or below this node."""
        return frozenset(node.name for node in self.walk() if isinstance(node, Column))

    def evaluate(self, columns: Columns) -> Value:
        """The node's value for every row of ``columns``."""
        raise NotImplementedError

    def describe(self) -> str:
        """How the node reads in an error message."""
        return type(self).__name__


@dataclass(frozen=True)
class Column(Node):
    """A reference to a column by name (as a test on its own: a true/false column)."""

    name: str
    position: int

    def evaluate(self, columns: Columns) -> Value:
        values = np.asarray(columns[self.name])
        return values

    def test(self, columns: Columns) -> Value:
        """The column as a condition: it must hold true/false values."""
        values = self.evaluate(columns)
        if values.dtype != np.bool_:
            raise FilterError(
                f"column {self.name!r} holds {_kind_name(values)}, not true/false; "
                f"compare it, e.g. {self.name} == ...",
                self.position,
            )
        return values

    def describe(self) -> str:
        return f"column {self.name!r}"


@dataclass(frozen=True)
class Literal(Node):
    """A constant: a number, a text or true/false."""

    value: object
    position: int

    def evaluate(self, columns: Columns) -> Value:
        return self.value

    def describe(self) -> str:
        return repr(self.value)


Operand = Column | Literal


@dataclass(frozen=True)
class Compare(Node):
    """``left op right`` with op one of ``== != < <= > >=``."""

    left: Operand
    op: str
    right: Operand

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def evaluate(self, columns: Columns) -> Value:
        left, right = self.left.evaluate(columns), self.right.evaluate(columns)
        _same_kind(self.left, left, self.right, right)
        if self.op not in ("==", "!=") and _kind(left) == "bool":
            raise FilterError(
                f"{self.left.describe()} is true/false; use == or != with it",
                self.left.position,
            )
        return _OPERATORS[self.op](left, right)


@dataclass(frozen=True)
class Member(Node):
    """``operand [not] in (v1, v2, ...)``."""

    operand: Operand
    values: tuple[Operand, ...]
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, *self.values)

    def evaluate(self, columns: Columns) -> Value:
        left = self.operand.evaluate(columns)
        result: Value = False
        for node in self.values:
            right = node.evaluate(columns)
            _same_kind(self.operand, left, node, right)
            result = np.logical_or(result, left == right)
        return np.logical_not(result) if self.negate else result


@dataclass(frozen=True)
class Contains(Node):
    """``operand [not] contains text``: a substring test (case-sensitive)."""

    operand: Operand
    text: Operand
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.text)

    def evaluate(self, columns: Columns) -> Value:
        left, right = self.operand.evaluate(columns), self.text.evaluate(columns)
        for node, value in ((self.operand, left), (self.text, right)):
            if _kind(value) != "text":
                raise FilterError(
                    f"'contains' needs text, but {node.describe()} holds {_kind_name(value)}",
                    node.position,
                )
        found = np.char.find(np.asarray(left, dtype=str), np.asarray(right, dtype=str)) >= 0
        return np.logical_not(found) if self.negate else found


@dataclass(frozen=True)
class Not(Node):
    """``not item``."""

    item: Node

    def children(self) -> tuple[Node, ...]:
        return (self.item,)

    def evaluate(self, columns: Columns) -> Value:
        return np.logical_not(_test(self.item, columns))


@dataclass(frozen=True)
class Logic(Node):
    """``a and b and ...`` or ``a or b or ...``."""

    op: str
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items

    def evaluate(self, columns: Columns) -> Value:
        combine = np.logical_and if self.op == "and" else np.logical_or
        result = _test(self.items[0], columns)
        for item in self.items[1:]:
            result = combine(result, _test(item, columns))
        return result


def _test(node: Node, columns: Columns) -> Value:
    """A node's value as a condition (a bare column must be true/false)."""
    return node.test(columns) if isinstance(node, Column) else node.evaluate(columns)


def _kind(value: Value) -> str:
    """``"number"``, ``"text"`` or ``"bool"``."""
    dtype = np.asarray(value).dtype
    if dtype == np.bool_:
        return "bool"
    if dtype.kind in "iuf":
        return "number"
    return "text"


def _kind_name(value: Value) -> str:
    return {"bool": "true/false values", "number": "numbers", "text": "text"}[_kind(value)]


def _same_kind(left_node: Operand, left: Value, right_node: Operand, right: Value) -> None:
    """Refuse comparing numbers with text (or with true/false)."""
    left_kind, right_kind = _kind(left), _kind(right)
    if left_kind == right_kind:
        return
    column, other = (left_node, right_node)
    if isinstance(right_node, Column) and not isinstance(left_node, Column):
        column, other = right_node, left_node
    example = {"number": "a number", "text": 'quoted text like "cat"', "bool": "true or false"}
    column_kind = left_kind if column is left_node else right_kind
    raise FilterError(
        f"{column.describe()} holds {_kind_name(left if column is left_node else right)}; "
        f"compare it with {example[column_kind]}, not {other.describe()}",
        other.position,
    )
